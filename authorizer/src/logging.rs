//! One structured line per decision, and the subscriber that writes it.
//!
//! The line carries the outcome, the reason, `sub`, the token's kind, the actor of an
//! impersonated session, `role` and the route; never the token, its signature or a key.

use crate::handler::Outcome;
use crate::metrics;

/// Installs the subscriber (feature `lambda`): JSON lines unless `AWS_LAMBDA_LOG_FORMAT=Text`; the level from
/// `AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`, else `info`.
#[cfg(feature = "lambda")]
pub fn init() {
    init_with_writer(std::io::stdout);
}

/// As `init`, writing to `writer` (tests capture the output this way).
#[cfg(feature = "lambda")]
pub fn init_with_writer<W>(writer: W)
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_default();
    let builder = tracing_subscriber::fmt()
        .with_max_level(max_level(&level))
        .with_writer(writer)
        .with_target(false);
    let text = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("text"));
    let result = if text {
        builder.without_time().try_init()
    } else {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init()
    };
    // A second init (tests) keeps the first subscriber.
    let _ = result;
}

/// A level name as Lambda's `AWS_LAMBDA_LOG_LEVEL` gives it (`TRACE` … `FATAL`) or a plain
/// `RUST_LOG` level; anything else is `info`. (A level filter, not `EnvFilter`: its
/// directives pull a regex engine into the binary for nothing Lambda sets.)
#[cfg(feature = "lambda")]
fn max_level(name: &str) -> tracing_subscriber::filter::LevelFilter {
    use tracing_subscriber::filter::LevelFilter;
    match name.trim().to_ascii_lowercase().as_str() {
        "trace" => LevelFilter::TRACE,
        "debug" => LevelFilter::DEBUG,
        "warn" | "warning" => LevelFilter::WARN,
        "error" | "fatal" => LevelFilter::ERROR,
        "off" => LevelFilter::OFF,
        _ => LevelFilter::INFO,
    }
}

/// Emits the decision line for `outcome`, and beside it its EMF metrics record (a line of its
/// own: CloudWatch reads EMF from a JSON object with a top-level `_aws` key).
pub fn log_decision(
    outcome: &Outcome,
    namespace: &str,
    function: &str,
    latency: std::time::Duration,
) {
    log_outcome(outcome);
    let timestamp_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let latency_us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
    println!(
        "{}",
        metrics::record(outcome, namespace, function, latency_us, timestamp_ms)
    );
}

/// Emits the decision line for `outcome`.
pub fn log_outcome(outcome: &Outcome) {
    tracing::info!(
        decision = outcome.verdict.name(),
        reason = outcome.reason,
        flavour = outcome.flavour.map(|f| f.name()),
        route = outcome.route.as_deref(),
        sub = outcome.sub.as_deref(),
        token_type = outcome.token_type,
        actor = outcome.actor.as_deref(),
        role = outcome.role.as_deref(),
        org = outcome.org.as_deref(),
        "authorizer decision"
    );
    if let Some(note) = outcome.note {
        tracing::warn!(
            reason = note,
            "the token's fea lists a user-only feature before an organisation one, where Clerk's \
             SDKs read o.fpm differently; no organisation permission was granted"
        );
    }
    // Once per process: the first such answer shows the API's cache key, which does not change.
    static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if outcome.route_cache_unsafe && !WARNED.swap(true, std::sync::atomic::Ordering::Relaxed) {
        tracing::warn!(
            reason = "simple_response_cached_for_every_route",
            "ACCESS_RULES limits access to particular routes, but this HTTP API's authorizer \
             cache is not keyed on the route ($context.routeKey is not an identity source), so \
             API Gateway reuses a simple response for every route: add $context.routeKey to \
             the identity sources, turn authorizer caching off, or set HTTP_API_RESPONSE=policy"
        );
    }
    if !outcome.dropped_context.is_empty() {
        tracing::warn!(
            reason = "context_too_large",
            dropped = outcome.dropped_context.join(","),
            "metadata fields left out of the authorizer context"
        );
    }
}

#[cfg(all(test, feature = "lambda"))]
mod tests {
    use super::*;
    use tracing_subscriber::filter::LevelFilter;

    #[test]
    fn lambda_and_rust_log_level_names_are_read_and_anything_else_is_info() {
        assert_eq!(max_level("DEBUG"), LevelFilter::DEBUG);
        assert_eq!(max_level(" warn "), LevelFilter::WARN);
        assert_eq!(max_level("FATAL"), LevelFilter::ERROR);
        assert_eq!(max_level("off"), LevelFilter::OFF);
        for other in ["", "INFO", "authorizer=debug", "loud"] {
            assert_eq!(max_level(other), LevelFilter::INFO, "{other:?}");
        }
    }
}
