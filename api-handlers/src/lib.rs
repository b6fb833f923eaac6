//! Sample API handlers behind the Clerk authorizer. Each Lambda is a thin adapter
//! (`src/bin/*.rs` → `serve`) over plain functions from `ApiRequest` to `ApiResponse`, so the
//! routes are tested without Lambda.

pub mod request;
pub mod response;
pub mod routes;
pub mod tasks;

pub use request::{ApiRequest, Identity};
pub use response::ApiResponse;

use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;

/// Runs `handler` as a Lambda function for REST (proxy, payload 1.0) and HTTP API (2.0) events.
pub async fn serve(handler: fn(&ApiRequest) -> ApiResponse) -> Result<(), lambda_runtime::Error> {
    tracing_subscriber::fmt()
        .json()
        .with_target(false)
        .without_time()
        .init();
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        Ok::<Value, std::convert::Infallible>(handle_event(handler, &event.payload))
    }))
    .await
}

/// Event JSON → response JSON, whichever API flavour sent it. Never fails: an event we cannot
/// read is a 400.
pub fn handle_event(handler: fn(&ApiRequest) -> ApiResponse, event: &Value) -> Value {
    let response = match ApiRequest::from_event(event) {
        Ok(request) => handler(&request),
        Err(problem) => ApiResponse::error(400, &problem),
    };
    response.to_lambda()
}
