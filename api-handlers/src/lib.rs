//! Sample API handlers behind the Clerk authorizer. Each Lambda is a thin adapter
//! (`src/bin/*.rs` → `serve`) over plain functions from `ApiRequest` to `ApiResponse`, so the
//! routes are tested without Lambda.

pub mod cors;
pub mod request;
pub mod response;
pub mod routes;
pub mod tasks;

pub use cors::Cors;
pub use request::{ApiRequest, Identity};
pub use response::ApiResponse;

use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;

/// Runs `handler` as a Lambda function for REST (proxy, payload 1.0) and HTTP API (2.0) events.
/// A bad `ALLOWED_ORIGINS` stops it at init, naming the variable.
pub async fn serve(handler: fn(&ApiRequest) -> ApiResponse) -> Result<(), lambda_runtime::Error> {
    tracing_subscriber::fmt()
        .json()
        .with_target(false)
        .without_time()
        .init();
    let cors = Cors::from_env()?;
    let cors = &cors;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        Ok::<Value, std::convert::Infallible>(respond(handler, &event.payload, cors))
    }))
    .await
}

/// Event JSON → response JSON, whichever API flavour sent it, with no CORS headers. Never
/// fails: an event we cannot read is a 400.
pub fn handle_event(handler: fn(&ApiRequest) -> ApiResponse, event: &Value) -> Value {
    respond(handler, event, &Cors::default())
}

/// As `handle_event`, with the CORS headers for the request's `Origin`.
pub fn respond(handler: fn(&ApiRequest) -> ApiResponse, event: &Value, cors: &Cors) -> Value {
    let (response, origin) = match ApiRequest::from_event(event) {
        Ok(request) => (handler(&request), request.origin),
        Err(problem) => (ApiResponse::error(400, &problem), None),
    };
    response.to_lambda(&cors.headers(origin.as_deref()))
}
