//! Lambda adapter for the `tasks` routes; the logic lives in the library.

use api_handlers::task_store::TaskStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    api_handlers::init_logging();
    let store = TaskStore::from_env().await?;
    let store = &store;
    api_handlers::serve(|request| async move { api_handlers::tasks::handle(store, &request).await })
        .await
}
