//! Decision → response JSON, in the two shapes API Gateway accepts: an IAM policy
//! (REST, WebSocket, HTTP API 1.0, and 2.0 with `HTTP_API_RESPONSE=policy`) or a simple
//! response (HTTP API 2.0).
//!
//! The policy is cache-safe: its Allow statement lists every route of the role, not the route
//! that was asked for, so the answer API Gateway caches for this token is right on every
//! route. No field is ever `null`: API Gateway answers 500 for a null `Condition` or `context`.

use serde::ser::{Serialize, SerializeSeq, Serializer};
use serde_json::Value;

use crate::context::Context;
use crate::rules::wildcard_match;

/// The effect of a policy statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// The resources of one statement: `prefix` joined to each suffix, written straight into the
/// output so a request allocates no intermediate strings.
pub struct Resources<'a, S: AsRef<str>> {
    pub prefix: &'a str,
    pub suffixes: &'a [S],
}

impl<S: AsRef<str>> Serialize for Resources<'_, S> {
    fn serialize<Z: Serializer>(&self, serializer: Z) -> Result<Z::Ok, Z::Error> {
        let mut seq = serializer.serialize_seq(Some(self.suffixes.len()))?;
        for suffix in self.suffixes {
            seq.serialize_element(&Joined(self.prefix, suffix.as_ref()))?;
        }
        seq.end()
    }
}

struct Joined<'a>(&'a str, &'a str);

impl Serialize for Joined<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{}{}", self.0, self.1))
    }
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase", bound = "S: AsRef<str>")]
struct PolicyResponse<'a, S: AsRef<str>> {
    principal_id: &'a str,
    policy_document: PolicyDocument<'a, S>,
    #[serde(skip_serializing_if = "Option::is_none")]
    context: Option<&'a Context>,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase", bound = "S: AsRef<str>")]
struct PolicyDocument<'a, S: AsRef<str>> {
    version: &'static str,
    statement: [Statement<'a, S>; 1],
}

#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase", bound = "S: AsRef<str>")]
struct Statement<'a, S: AsRef<str>> {
    action: &'static str,
    effect: &'static str,
    resource: Resources<'a, S>,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct SimpleResponse<'a> {
    is_authorized: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    context: Option<&'a Context>,
}

/// Renders `{"principalId", "policyDocument", "context"}` with one statement.
pub fn render_policy<S: AsRef<str>>(
    principal_id: &str,
    effect: Effect,
    resources: Resources<'_, S>,
    context: Option<&Context>,
) -> String {
    let response = PolicyResponse {
        principal_id,
        policy_document: PolicyDocument {
            version: "2012-10-17",
            statement: [Statement {
                action: "execute-api:Invoke",
                effect: match effect {
                    Effect::Allow => "Allow",
                    Effect::Deny => "Deny",
                },
                resource: resources,
            }],
        },
        context: context.filter(|c| !c.is_empty()),
    };
    to_json(&response)
}

/// Renders the HTTP API simple response `{"isAuthorized": bool, "context": {…}}`.
pub fn render_simple(is_authorized: bool, context: Option<&Context>) -> String {
    to_json(&SimpleResponse {
        is_authorized,
        context: context.filter(|c| !c.is_empty()),
    })
}

fn to_json<T: Serialize>(value: &T) -> String {
    // Serializing these types cannot fail: every map key is a string and every number finite.
    serde_json::to_string(value).unwrap_or_else(|_| String::from(r#"{"isAuthorized":false}"#))
}

/// Evaluates a policy response the way API Gateway does for the request `arn`: an explicit
/// Deny wins, then any Allow, else the implicit deny. Used by tests and fuzzing to prove what
/// a cached policy means for every other route.
pub fn evaluate(response: &Value, arn: &str) -> bool {
    let Some(statements) = response
        .pointer("/policyDocument/Statement")
        .and_then(Value::as_array)
    else {
        return false;
    };
    let matches = |statement: &Value| {
        let action_ok = match statement.get("Action") {
            Some(Value::String(a)) => wildcard_match(a, "execute-api:Invoke"),
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .any(|a| wildcard_match(a, "execute-api:Invoke")),
            _ => false,
        };
        let resource_ok = match statement.get("Resource") {
            Some(Value::String(r)) => wildcard_match(r, arn),
            Some(Value::Array(r)) => r
                .iter()
                .filter_map(Value::as_str)
                .any(|r| wildcard_match(r, arn)),
            _ => false,
        };
        action_ok && resource_ok
    };
    let effect = |s: &Value, e: &str| s.get("Effect").and_then(Value::as_str) == Some(e);
    if statements.iter().any(|s| effect(s, "Deny") && matches(s)) {
        return false;
    }
    statements.iter().any(|s| effect(s, "Allow") && matches(s))
}
