//! The Lambda adapter of the binary (feature `lambda`): the init log and the event
//! loop. Everything that decides lives in the core; see `handler.rs`.

use std::sync::Arc;

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
///
/// One at a time, as on standard Lambda, unless `AWS_LAMBDA_MAX_CONCURRENCY` is above 1 (Lambda
/// Managed Instances): then up to that many at once, each decision on tokio's blocking pool, so
/// that a call to Clerk (blocking, within its 3.5 s budget) holds up only its own invocation
/// while sessions, which never wait on the network, use every core. The authorizer, with its
/// caches, keys and call cap, is built once and shared by all of them.
pub async fn serve(authorizer: Authorizer) -> Result<(), lambda_runtime::Error> {
    // The metrics' FunctionName dimension: Lambda sets it; the alarms filter on it.
    let function: Arc<str> = std::env::var("AWS_LAMBDA_FUNCTION_NAME")
        .unwrap_or_default()
        .into();
    if authorizer.config().max_concurrency <= 1 {
        let (authorizer, function) = (&authorizer, &*function);
        return lambda_runtime::run(service_fn(
            move |event: LambdaEvent<Box<RawValue>>| async move {
                answer(authorizer, function, event.payload.get())
            },
        ))
        .await;
    }
    let authorizer = Arc::new(authorizer);
    lambda_runtime::run_concurrent(service_fn(move |event: LambdaEvent<Box<RawValue>>| {
        let (authorizer, function) = (authorizer.clone(), function.clone());
        async move {
            tokio::task::spawn_blocking(move || answer(&authorizer, &function, event.payload.get()))
                .await
                // A decision never panics; if one did, its invocation alone is refused.
                .unwrap_or(Err(Unauthorized))
        }
    }))
    .await
}

/// Decides one event and logs it: the JSON answer, or the Lambda error `Unauthorized`.
fn answer(
    authorizer: &Authorizer,
    function: &str,
    event: &str,
) -> Result<Box<RawValue>, Unauthorized> {
    let started = std::time::Instant::now();
    let outcome = authorizer.handle(event, crate::now());
    let namespace = &authorizer.config().metrics_namespace;
    logging::log_decision(&outcome, namespace, function, started.elapsed());
    match outcome.response.map(RawValue::from_string) {
        Some(Ok(json)) => Ok(json),
        _ => Err(Unauthorized),
    }
}
