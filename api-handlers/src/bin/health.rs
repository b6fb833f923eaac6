//! Lambda adapter for `GET /health`; the logic lives in the library.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    api_handlers::init_logging();
    api_handlers::serve(|request| async move { api_handlers::routes::health(&request) }).await
}
