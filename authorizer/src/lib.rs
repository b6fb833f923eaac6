//! A Lambda authorizer for Amazon API Gateway that verifies Clerk tokens (sessions, and on
//! request M2M and OAuth access tokens) without a network call and answers with cache-safe IAM
//! policies or HTTP API simple responses.
//!
//! The pipeline, one module per step (see ARCHITECTURE.md):
//! `event` → `token` → `verify` (with `keys` and `kind`) → `credential` (with `session`) →
//! `rules` (with `conditions`) → `policy` (with `context`),
//! driven by `handler` and configured once by `config` (with `publishable_key`).

pub mod conditions;
pub mod config;
pub mod context;
pub mod credential;
pub mod event;
pub mod handler;
pub mod keys;
pub mod kind;
pub mod logging;
pub mod metrics;
pub mod policy;
pub mod publishable_key;
pub mod rejection;
pub mod rules;
pub mod session;
pub mod token;
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
