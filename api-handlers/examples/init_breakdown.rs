//! Where the tasks function's cold start goes: each step of `TaskStore::from_env` and the first
//! `Query`, timed in one fresh process (run it several times; these machines are noisy).
//!
//!   source scripts/env.sh && moto_server -p 5555 &
//!   AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x TASKS_TABLE=TasksTable \
//!     AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:5555 \
//!     cargo run --release -q -p api-handlers --example init_breakdown

use std::time::Instant;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let started = Instant::now();
    let mut last = started;
    let mut step = |name: &str| {
        let now = Instant::now();
        println!("{name:<44} {:>8.3} ms", (now - last).as_secs_f64() * 1000.0);
        last = now;
    };
    step("process start → main");
    let config = api_handlers::task_store::lambda_config()
        .expect("AWS_REGION and AWS_ACCESS_KEY_ID in the environment");
    step("SDK configuration from the environment");
    let client = aws_sdk_dynamodb::Client::from_conf(config);
    step("client (HTTPS connector and its roots, runtime plugins)");
    let store = api_handlers::task_store::TaskStore::new(client, "TasksTable".into());
    step("task store");
    let result = store.list("tenant", 1, None).await;
    step("first Query (connection, signing, request)");
    let _ = store.list("tenant", 1, None).await;
    step("second Query (warm)");
    println!(
        "total {:.3} ms; first Query {}",
        started.elapsed().as_secs_f64() * 1000.0,
        if result.is_ok() { "answered" } else { "failed" }
    );
}
