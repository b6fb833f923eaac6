//! An Amazon API Gateway Lambda authorizer for [Clerk](https://clerk.com): it verifies Clerk
//! session tokens (and, on request, M2M and OAuth access tokens) **without a network call**, with
//! the PEM public key from the Clerk dashboard, and answers with a cache-safe IAM policy or an
//! HTTP API simple response decided by Clerk's `has()` conditions.
//!
//! The crate is the decision core of the `authorizer` Lambda function (built with the default
//! `lambda` feature). Use it as a library to put the same decision inside your own Lambda, for
//! example to look the rules up per tenant, or to add a check of your own before answering:
//!
//! ```toml
//! [dependencies]
//! clerk-apigw-authorizer = { version = "0.2", default-features = false }
//! ```
//!
//! Without default features it needs neither `lambda_runtime` nor `tokio`.
//!
//! # Embedding the decision
//!
//! Build a [`Config`] once, at cold start, from any lookup (the process environment, a secret,
//! a file, a test's table); a bad setting is an error that names the variable. Then make one
//! call per event, passing the clock in, and map the [`Outcome`] onto your runtime's answer:
//! the JSON to return, or the Lambda error `Unauthorized` (API Gateway's 401).
//!
//! ```
//! use clerk_apigw_authorizer::{Authorizer, Config, Verdict};
//! # const CLERK_PEM: &str = "-----BEGIN PUBLIC KEY-----
//! # MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAsnbPrvERCPoQNqO+0vb+
//! # fvFyf58gZdACxL5PP0c5SsILPzNwEtzQjC5HCHeMvvvKS7haKbQN9eFUTQjEIvTj
//! # GvzxN6nfRLyJfCKRc/4d776hPpA3nHmbNGmx6XLRtzvyT6fDdeoN70LhcoV2VhFv
//! # VJ8zU2f0FPMEH6B6TraKI+uFlt6wwmMii5C+wObj+o47PGu6kUEnXsVOj30hSl3H
//! # nEkjvaAHyfXxdLA//BsRU6wBdPHZ4NdwrB+ymPOmJhkFjf5LqnDzmLWKGV1pQftZ
//! # zQStrukVFPcsu+jFb4GUu26XRO4lmzgGy69xbHhiVdhIlgA0Qcf1BI08nn3qXpMj
//! # mQIDAQAB
//! # -----END PUBLIC KEY-----";
//!
//! // At cold start: the settings from wherever you keep them (here, a tenant's record).
//! let settings = [
//!     ("CLERK_JWT_KEY", CLERK_PEM),
//!     ("CLERK_PUBLISHABLE_KEY", "pk_test_Y2xlcmsuZGV2LW9ubHkuZXhhbXBsZSQ"),
//!     ("AUTHORIZED_PARTIES", "https://app.example.com"),
//!     ("ACCESS_RULES", r#"[{"routes": ["GET /tasks"], "when": {"permission": "org:tasks:view"}}]"#),
//! ];
//! let lookup = |name: &str| settings.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string());
//! let authorizer = Authorizer::new(Config::from_lookup(lookup)?);
//!
//! // Per event: the event JSON as API Gateway sent it, and the time in seconds.
//! let event = r#"{"type": "TOKEN", "authorizationToken": "Bearer not-a-token",
//!     "methodArn": "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/tasks"}"#;
//! let outcome = authorizer.handle(event, clerk_apigw_authorizer::now());
//! assert_eq!((outcome.verdict, outcome.reason), (Verdict::Unauthorized, "malformed"));
//! let answer: Result<String, &str> = outcome.response.ok_or("Unauthorized");
//! assert_eq!(answer, Err("Unauthorized")); // REST: the Lambda error API Gateway turns into 401
//! # Ok::<(), clerk_apigw_authorizer::ConfigError>(())
//! ```
//!
//! [`Authorizer::handle`] never panics and never does I/O: every input, however hostile, ends in
//! an [`Outcome`], and refusals carry a [`Rejection`] reason for the log. `logging::log_decision`
//! writes the decision line and its CloudWatch metrics record.
//!
//! # Stability
//!
//! From 0.2 the crate follows semantic versioning (see `CHANGELOG.md`). The decision is
//! synchronous and pure on purpose. Verification that needs the network (Clerk's Backend API
//! for API keys and opaque tokens, keys from a JWKS URL) goes through a
//! [`clerk_api::Transport`] given to [`Authorizer::connect`]: `network::Network` (feature
//! `network`) over HTTPS, or your own. `handle` stays a plain function.
//!
//! # The pipeline
//!
//! One module per step (see `ARCHITECTURE.md` in the repository):
//! `event` → `token` → `verify` (with `keys` and `kind`) → `credential` (with `session`) →
//! `rules` (with `conditions`) → `policy` (with `context`),
//! driven by `handler` and configured once by `config` (with `publishable_key`).

#![warn(missing_docs)]

pub mod clerk_api;
pub mod clerk_settings;
pub mod conditions;
pub mod config;
pub mod config_error;
pub mod context;
pub mod credential;
pub mod date;
pub mod event;
pub mod handler;
pub mod json;
pub mod jwks;
pub mod keys;
pub mod kind;
#[cfg(feature = "lambda")]
pub mod lambda;
pub mod logging;
pub mod metrics;
#[cfg(feature = "network")]
pub mod network;
pub mod opaque;
pub mod policy;
pub mod publishable_key;
pub mod rejection;
pub mod rules;
pub mod session;
pub mod token;
pub mod usage;
pub mod verify;

pub use config::{Config, ConfigError};
pub use handler::{Authorizer, Outcome, Verdict};
pub use rejection::Rejection;

/// Seconds since the Unix epoch, as the token's time claims count them.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
