//! The Lambda adapter: reads the configuration once, then hands each event to the core.
//! Everything that decides lives in the library; see `handler.rs`.

use clerk_apigw_authorizer::{logging, Authorizer, Config};
use lambda_runtime::{service_fn, Diagnostic, LambdaEvent};
use serde_json::value::RawValue;

/// The one error API Gateway turns into 401: its message must be exactly `Unauthorized`.
#[derive(Debug)]
struct Unauthorized;

impl From<Unauthorized> for Diagnostic {
    fn from(_: Unauthorized) -> Diagnostic {
        Diagnostic {
            error_type: "Unauthorized".into(),
            error_message: "Unauthorized".into(),
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    logging::init();
    let config = Config::from_env().inspect_err(|error| {
        tracing::error!(variable = error.variable, "invalid configuration: {error}");
    })?;
    for warning in config.warnings() {
        tracing::warn!("{warning}");
    }
    let authorizer = Authorizer::new(config);
    let authorizer = &authorizer;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<Box<RawValue>>| async move {
            let started = std::time::Instant::now();
            let outcome = authorizer.handle(event.payload.get(), clerk_apigw_authorizer::now());
            let namespace = &authorizer.config().metrics_namespace;
            logging::log_decision(&outcome, namespace, started.elapsed());
            match outcome.response.map(RawValue::from_string) {
                Some(Ok(json)) => Ok(json),
                _ => Err(Unauthorized),
            }
        },
    ))
    .await
}
