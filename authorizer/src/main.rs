//! The authorizer function: one binary for every configuration, so that turning API keys or a
//! JWKS on or off updates the function in place (same ARN) rather than swapping it.
//!
//! Without network settings (`ACCEPTED_TOKENS` of JWTs only, keys from `CLERK_JWT_KEY`) the
//! network code stays idle: no connection is opened, no secret is read. With them, the secret
//! keys are read at cold start and Clerk is asked about opaque credentials; a secret or JWKS
//! that cannot be read is logged and tried again, and never stops the function.

use clerk_apigw_authorizer::network::Network;
use clerk_apigw_authorizer::{lambda, now, Authorizer};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let config = lambda::configure()?;
    let authorizer = if config.needs_network() {
        let network = Network::connect(&config.clerk_api);
        Authorizer::connect(config, network, now())
    } else {
        Authorizer::new(config)
    };
    // One event at a time on this thread, or several at once on Lambda Managed Instances
    // (`AWS_LAMBDA_MAX_CONCURRENCY`), each decision then on the blocking pool: `lambda::serve`.
    lambda::serve(authorizer).await
}
