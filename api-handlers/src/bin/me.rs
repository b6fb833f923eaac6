//! Lambda adapter for the `me` routes; the logic lives in the library.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    api_handlers::serve(api_handlers::routes::me).await
}
