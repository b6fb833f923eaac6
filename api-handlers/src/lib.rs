//! Sample API handlers behind the Clerk authorizer. Each Lambda is a thin adapter
//! (`src/bin/*.rs` → `serve`) over plain functions from `ApiRequest` to `ApiResponse`, so the
//! routes are tested without Lambda.

pub mod cors;
pub mod request;
pub mod response;
pub mod routes;
pub mod task_store;
pub mod tasks;

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
        let response = match ApiRequest::from_event(&event.payload) {
            Ok(request) => {
                let origin = request.origin.clone();
                (handler(request).await, origin)
            }
            Err(problem) => (ApiResponse::error(400, &problem), None),
        };
        Ok::<Value, std::convert::Infallible>(finish(response, cors))
    }))
    .await
}

/// Event JSON → response JSON, whichever API flavour sent it, with no CORS headers. Never
/// fails: an event we cannot read is a 400.
pub fn handle_event(handler: impl FnOnce(&ApiRequest) -> ApiResponse, event: &Value) -> Value {
    respond(handler, event, &Cors::default())
}

/// As `handle_event`, with the CORS headers for the request's `Origin`.
pub fn respond(
    handler: impl FnOnce(&ApiRequest) -> ApiResponse,
    event: &Value,
    cors: &Cors,
) -> Value {
    let response = match ApiRequest::from_event(event) {
        Ok(request) => (handler(&request), request.origin),
        Err(problem) => (ApiResponse::error(400, &problem), None),
    };
    finish(response, cors)
}

/// A response and the request's `Origin` → the Lambda proxy response.
fn finish((response, origin): (ApiResponse, Option<String>), cors: &Cors) -> Value {
    response.to_lambda(&cors.headers(origin.as_deref()))
}
