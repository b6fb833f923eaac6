//! The `local-gateway` command: parses the options and runs the gateway (see `lib.rs`).

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        print!("{}", local_gateway::cli::USAGE);
        return ExitCode::SUCCESS;
    }
    let options = match local_gateway::cli::Options::parse(&args) {
        Ok(options) => options,
        Err(e) => {
            eprintln!("local-gateway: {e}\n\n{}", local_gateway::cli::USAGE);
            return ExitCode::from(2);
        }
    };
    match local_gateway::run(options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("local-gateway: {e}");
            ExitCode::FAILURE
        }
    }
}
