//! `local-clerk-api --credentials FILE [--port N]`: the local stand-in for Clerk's Backend API
//! on its own (local-gateway starts the same server itself). Prints its URL, then serves
//! until stopped.

use local_gateway::clerk_api::LocalClerkApi;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let file = value("--credentials").unwrap_or_else(|| "events/clerk-api.json".into());
    let port = match value("--port").map(|p| p.parse::<u16>()) {
        None => 0,
        Some(Ok(port)) => port,
        Some(Err(_)) => {
            eprintln!("local-clerk-api: --port takes a number");
            std::process::exit(2);
        }
    };
    match LocalClerkApi::start(&file, port).await {
        Ok(api) => {
            println!("{}", api.url);
            std::future::pending::<()>().await;
        }
        Err(problem) => {
            eprintln!("local-clerk-api: {problem}");
            std::process::exit(2);
        }
    }
}
