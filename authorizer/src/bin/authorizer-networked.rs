//! The authorizer with Clerk over the network: reads the secret keys (Secrets Manager when
//! given as ARNs) and the JWKS at cold start, then verifies opaque credentials with Clerk's
//! Backend API. Any failure at init names its variable and stops the function.

use clerk_apigw_authorizer::network::Network;
use clerk_apigw_authorizer::{lambda, Authorizer};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let config = lambda::configure()?;
    let network = Network::connect(&config.clerk_api).inspect_err(lambda::log_init_error)?;
    let authorizer = Authorizer::connect(config, network, clerk_apigw_authorizer::now())
        .inspect_err(lambda::log_init_error)?;
    // Each call to Clerk blocks this (current-thread) runtime while it lasts: Lambda hands an
    // execution environment one event at a time, so there is nothing else to run meanwhile.
    lambda::serve(authorizer).await
}
