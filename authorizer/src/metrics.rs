//! One CloudWatch Embedded Metric Format record per decision: a JSON line CloudWatch Logs turns
//! into metrics, with no SDK and no network call.
//!
//! Dimensions are few and bounded (verdict, reason, flavour, token kind: a few dozen values in
//! all), never the user, the route or the token, so the metrics cost stays flat however many
//! users call. Every set carries `FunctionName`, the function's own name, so that two stacks in
//! one account and region (staging and production) never feed each other's alarms.

use serde_json::json;

use crate::handler::Outcome;

/// Decisions, one per call. (The metric names here are those the template's alarms and dashboard read.)
pub const DECISIONS: &str = "Decisions";
/// How long the decision took, in microseconds (the function's `Duration` also counts the runtime).
pub const DECISION_LATENCY: &str = "DecisionLatency";
/// Decisions answered with the Lambda error `Unauthorized` (REST, WebSocket): Lambda counts
/// them in its `Errors` metric, so `Errors - UnauthorizedErrors` is what really failed.
pub const UNAUTHORIZED_ERRORS: &str = "UnauthorizedErrors";

/// The EMF record for `outcome` of the function `function`, decided in `latency_us`
/// microseconds, at `timestamp_ms`.
pub fn record(
    outcome: &Outcome,
    namespace: &str,
    function: &str,
    latency_us: u64,
    timestamp_ms: u64,
) -> String {
    json!({
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                // Per function: totals, by verdict, by reason, by flavour and verdict, and by
                // the kind of token (sessions, M2M, OAuth, API keys; `none` before one was
                // verified) and verdict.
                "Dimensions": [
                    ["FunctionName"],
                    ["FunctionName", "Verdict"],
                    ["FunctionName", "Reason"],
                    ["FunctionName", "Flavour", "Verdict"],
                    ["FunctionName", "TokenType", "Verdict"],
                ],
                "Metrics": [
                    { "Name": DECISIONS, "Unit": "Count" },
                    { "Name": DECISION_LATENCY, "Unit": "Microseconds" },
                    { "Name": UNAUTHORIZED_ERRORS, "Unit": "Count" },
                ],
            }],
        },
        "FunctionName": function,
        "Verdict": outcome.verdict.name(),
        "Reason": outcome.reason,
        "Flavour": outcome.flavour.map_or("unknown", |f| f.name()),
        "TokenType": outcome.token_type.unwrap_or("none"),
        DECISIONS: 1,
        DECISION_LATENCY: latency_us,
        UNAUTHORIZED_ERRORS: u8::from(outcome.response.is_none()),
    })
    .to_string()
}
