//! Sample API handlers behind the Clerk authorizer. Each Lambda is a thin adapter
//! (`src/bin/*.rs` → `serve`) over plain functions from `ApiRequest` to `ApiResponse`, so the
//! routes are tested without Lambda.

pub mod aws_rest;
pub mod aws_trust;
pub mod backfill;
pub mod clerk_backend;
pub mod cors;
pub mod provisioner;
pub mod request;
pub mod response;
pub mod routes;
pub mod task_store;
pub mod tasks;
pub mod usage_keys;

pub use cors::Cors;
pub use request::{ApiRequest, Identity};
pub use response::ApiResponse;

use std::future::Future;

use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;

/// Logs as JSON lines, which the template's `LogFormat: JSON` keeps as they are.
pub fn init_logging() {
    tracing_subscriber::fmt()
        .json()
        .with_target(false)
        .without_time()
        .init();
}

/// Runs `handler` as a Lambda function for REST (proxy, payload 1.0) and HTTP API (2.0) events.
/// A bad `ALLOWED_ORIGINS` stops it at init, naming the variable.
pub async fn serve<F, Fut>(handler: F) -> Result<(), lambda_runtime::Error>
where
    F: Fn(ApiRequest) -> Fut,
    Fut: Future<Output = ApiResponse>,
{
    let cors = Cors::from_env()?;
    let (cors, handler) = (&cors, &handler);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        Ok::<Value, std::convert::Infallible>(respond(handler, &event.payload, cors).await)
    }))
    .await
}

/// Event JSON → response JSON, whichever API flavour sent it, with the CORS headers for the
/// request's `Origin`. Never fails: an event we cannot read is a 400.
pub async fn respond<F, Fut>(handler: F, event: &Value, cors: &Cors) -> Value
where
    F: FnOnce(ApiRequest) -> Fut,
    Fut: Future<Output = ApiResponse>,
{
    let (response, origin) = match ApiRequest::from_event(event) {
        Ok(request) => {
            let origin = request.origin.clone();
            (handler(request).await, origin)
        }
        Err(problem) => (ApiResponse::error(400, &problem), None),
    };
    response.to_lambda(&cors.headers(origin.as_deref()))
}

/// `respond` with no CORS headers, on a current-thread runtime as the Lambda adapter runs it:
/// for tests and tools that call a handler without Lambda.
pub fn handle_event<F, Fut>(handler: F, event: &Value) -> Value
where
    F: FnOnce(ApiRequest) -> Fut,
    Fut: Future<Output = ApiResponse>,
{
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(respond(handler, event, &Cors::default()))
}
