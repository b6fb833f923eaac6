//! The Lambda adapter of the binary (feature `lambda`): the init log and the event
//! loop. Everything that decides lives in the core; see `handler.rs`.

use lambda_runtime::{service_fn, Diagnostic, LambdaEvent};
use serde_json::value::RawValue;

use crate::{logging, Authorizer, Config, ConfigError};

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

/// Starts the log and reads the configuration; a bad setting is logged with its variable and
/// stops the function at init.
pub fn configure() -> Result<Config, ConfigError> {
    logging::init();
    let config = Config::from_env().inspect_err(log_init_error)?;
    for warning in config.warnings() {
        tracing::warn!("{warning}");
    }
    Ok(config)
}

/// Logs an init failure with the variable at fault.
fn log_init_error(error: &ConfigError) {
    tracing::error!(variable = error.variable, "invalid configuration: {error}");
}

/// Serves events until the runtime stops.
pub async fn serve(authorizer: Authorizer) -> Result<(), lambda_runtime::Error> {
    let authorizer = &authorizer;
    // The metrics' FunctionName dimension: Lambda sets it; the alarms filter on it.
    let function = std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_default();
    let function = function.as_str();
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<Box<RawValue>>| async move {
            let started = std::time::Instant::now();
            let outcome = authorizer.handle(event.payload.get(), crate::now());
            let namespace = &authorizer.config().metrics_namespace;
            logging::log_decision(&outcome, namespace, function, started.elapsed());
            match outcome.response.map(RawValue::from_string) {
                Some(Ok(json)) => Ok(json),
                _ => Err(Unauthorized),
            }
        },
    ))
    .await
}
