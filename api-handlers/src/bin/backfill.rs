//! `backfill [--dry-run] [--page-size N]`: every organisation and user of the Clerk instance gets its API key in
//! the usage plan of its Clerk Billing plan (`api_handlers::backfill`). Run it where the
//! provisioner's settings and AWS credentials are in the environment (docs/metering.md).

use api_handlers::aws_rest::AwsClient;
use api_handlers::backfill::Backfill;
use api_handlers::clerk_backend::{ClerkBackend, DEFAULT_API_URL, PAGE};
use api_handlers::provisioner::plan_settings;
use api_handlers::usage_keys::UsageKeys;

fn main() {
    api_handlers::init_logging();
    if let Err(problem) = run() {
        eprintln!("backfill: {problem}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let usage = "usage: backfill [--dry-run] [--page-size N] (settings from the environment: \
                 CLERK_SECRET_KEY, CLERK_API_URL, DEFAULT_USAGE_PLAN, PLAN_USAGE_PLANS, \
                 USAGE_PLAN_NAME_PREFIX, USAGE_KEY_PREFIX, AWS_REGION and AWS credentials)";
    let (mut dry_run, mut page) = (false, PAGE);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--dry-run" => dry_run = true,
            "--page-size" => {
                page = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| (1..=500).contains(n))
                    .ok_or(format!(
                        "--page-size takes 1 to 500 (Clerk's most); {usage}"
                    ))?
            }
            other => return Err(format!("{other:?} is not an option; {usage}")),
        }
    }
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let secret_key = env("CLERK_SECRET_KEY")
        .ok_or("CLERK_SECRET_KEY is not set: the instance's secret key (sk_…)")?;
    let url = env("CLERK_API_URL").unwrap_or_else(|| DEFAULT_API_URL.to_string());
    let (plans, prefix) = plan_settings(&env)?;
    let client = AwsClient::from_env()?;
    let mut clerk = ClerkBackend::new(&url, &secret_key);
    clerk.page = page;
    let keys = UsageKeys::new(client, &prefix);
    let backfill = Backfill {
        clerk: &clerk,
        keys: &keys,
        plans: &plans,
        dry_run,
    };
    let at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let tally = backfill.run(at, &mut |line| println!("{line}"))?;
    println!(
        "backfill{}: {} tenants; {} keys created, {} corrected, {} already right, {} left to newer webhooks",
        if dry_run { " (dry run: nothing changed)" } else { "" },
        tally.tenants,
        tally.created,
        tally.corrected,
        tally.unchanged,
        tally.newer
    );
    Ok(())
}
