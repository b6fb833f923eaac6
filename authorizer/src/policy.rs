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
        // One buffer for every resource: a plain string serializes through serde_json's fast
        // escape scan, where `collect_str` would go through the formatting machinery.
        let mut resource = String::with_capacity(self.prefix.len() + 32);
        for suffix in self.suffixes {
            resource.clear();
            resource.push_str(self.prefix);
            resource.push_str(suffix.as_ref());
            seq.serialize_element(resource.as_str())?;
        }
        seq.end()
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
    // Sized up front: a policy of many routes would otherwise regrow the buffer several times.
    let resources = &response.policy_document.statement[0].resource;
    let estimate = 256
        + resources.suffixes.len() * (resources.prefix.len() + 24)
        + context.map_or(0, Context::size);
    to_json(&response, estimate)
}

/// Renders the HTTP API simple response `{"isAuthorized": bool, "context": {…}}`.
pub fn render_simple(is_authorized: bool, context: Option<&Context>) -> String {
    let response = SimpleResponse {
        is_authorized,
        context: context.filter(|c| !c.is_empty()),
    };
    to_json(&response, 64 + context.map_or(0, Context::size))
}

fn to_json<T: Serialize>(value: &T, capacity: usize) -> String {
    let mut out = Vec::with_capacity(capacity);
    // Serializing these types cannot fail: every map key is a string and every number finite,
    // and serde_json writes UTF-8.
    match serde_json::to_writer(&mut out, value).map(|()| String::from_utf8(out)) {
        Ok(Ok(json)) => json,
        _ => String::from(r#"{"isAuthorized":false}"#),
    }
}

/// What a policy means for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evaluation {
    /// An Allow statement matches and no Deny does.
    Allow,
    /// A Deny statement matches: it wins over any Allow (403 "… with an explicit deny").
    ExplicitDeny,
    /// Nothing matches (403 "User is not authorized to access this resource").
    ImplicitDeny,
}

/// Evaluates a policy response the way API Gateway does for the request `arn`: an explicit
/// Deny wins, then any Allow, else the implicit deny. Used by tests and fuzzing to prove what
/// a cached policy means for every other route.
pub fn evaluate(response: &Value, arn: &str) -> bool {
    response
        .get("policyDocument")
        .is_some_and(|document| evaluate_document(document, arn) == Evaluation::Allow)
}

/// IAM evaluation of a policy document for `execute-api:Invoke` on `arn`, as API Gateway
/// applies it: `Statement` is one statement or a list; `Action`/`NotAction` and
/// `Resource`/`NotResource` are a string or a list; `*` (across `/`) and `?` match. The local
/// gateway uses this too, so the policy semantics live in one place.
pub fn evaluate_document(document: &Value, arn: &str) -> Evaluation {
    let statements: Vec<&Value> = match document.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(statement @ Value::Object(_)) => vec![statement],
        _ => return Evaluation::ImplicitDeny,
    };
    // `Some(true)` when the patterns (string or list) match `target`; `None` when absent.
    let any = |value: Option<&Value>, target: &str| -> Option<bool> {
        Some(match value? {
            Value::String(p) => wildcard_match(p, target),
            Value::Array(list) => list
                .iter()
                .filter_map(Value::as_str)
                .any(|p| wildcard_match(p, target)),
            _ => false,
        })
    };
    let matches = |statement: &Value| {
        let action = match (statement.get("Action"), statement.get("NotAction")) {
            (Some(a), None) => any(Some(a), "execute-api:Invoke") == Some(true),
            (None, Some(n)) => any(Some(n), "execute-api:Invoke") == Some(false),
            _ => false,
        };
        let resource = match (statement.get("Resource"), statement.get("NotResource")) {
            (Some(r), None) => any(Some(r), arn) == Some(true),
            (None, Some(n)) => any(Some(n), arn) == Some(false),
            _ => false,
        };
        action && resource
    };
    let effect = |s: &Value, e: &str| s.get("Effect").and_then(Value::as_str) == Some(e);
    if statements.iter().any(|s| effect(s, "Deny") && matches(s)) {
        return Evaluation::ExplicitDeny;
    }
    if statements.iter().any(|s| effect(s, "Allow") && matches(s)) {
        return Evaluation::Allow;
    }
    Evaluation::ImplicitDeny
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ARN: &str = "arn:aws:execute-api:us-east-1:1:api/prod/GET/tasks/1";

    fn eval(statements: Value) -> Evaluation {
        evaluate_document(&json!({ "Statement": statements }), ARN)
    }

    #[test]
    fn explicit_deny_wins_over_allow() {
        let allow = json!({"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"});
        let deny = json!({"Effect": "Deny", "Action": "*", "Resource": ["arn:*/GET/tasks/*"]});
        assert_eq!(eval(json!([allow.clone(), deny])), Evaluation::ExplicitDeny);
        assert_eq!(eval(allow), Evaluation::Allow, "a lone statement object");
    }

    #[test]
    fn not_action_and_not_resource_invert_the_match() {
        let not_resource =
            json!({"Effect": "Allow", "Action": "execute-api:*", "NotResource": "*/DELETE/*"});
        assert_eq!(eval(json!([not_resource])), Evaluation::Allow);
        let excluded = json!({"Effect": "Allow", "Action": "execute-api:Invoke", "NotResource": ["*/GET/tasks/?"]});
        assert_eq!(eval(json!([excluded])), Evaluation::ImplicitDeny);
        let not_action = json!({"Effect": "Deny", "NotAction": "execute-api:ManageConnections", "Resource": "*"});
        assert_eq!(eval(json!([not_action])), Evaluation::ExplicitDeny);
        let both = json!({"Effect": "Allow", "Action": "*", "NotAction": "x", "Resource": "*"});
        assert_eq!(
            eval(json!([both])),
            Evaluation::ImplicitDeny,
            "Action and NotAction together match nothing"
        );
    }
}
