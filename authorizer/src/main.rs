//! The networkless authorizer: keys from `CLERK_JWT_KEY`, no call at all. A configuration
//! that needs Clerk over the network is refused at init with a pointer to
//! `authorizer-networked`.

use clerk_apigw_authorizer::{lambda, Authorizer, ConfigError};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let config = lambda::configure()?;
    if config.needs_network() {
        let error = ConfigError {
            variable: if config.clerk_api.jwks_url.is_some() {
                "CLERK_JWKS_URL"
            } else {
                "ACCEPTED_TOKENS"
            },
            problem: "needs Clerk over the network (keys from a URL, or opaque credentials \
                      through the Backend API), which this networkless binary never calls; \
                      deploy the authorizer-networked binary (the template picks it when \
                      ClerkSecretKeyArn or ClerkJwksUrl is set)"
                .into(),
        };
        lambda::log_init_error(&error);
        return Err(error.into());
    }
    lambda::serve(Authorizer::new(config)).await
}
