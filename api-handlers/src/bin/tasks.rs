//! Lambda adapter for the `tasks` routes; the logic lives in the library.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    api_handlers::serve(api_handlers::tasks::handle).await
}
