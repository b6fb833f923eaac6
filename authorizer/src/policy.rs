//! Decision → response JSON, in the two shapes API Gateway accepts: an IAM policy
//! (REST, WebSocket, HTTP API 1.0, and 2.0 with `HTTP_API_RESPONSE=policy`) or a simple
//! response (HTTP API 2.0).
//!
//! The policy is cache-safe: its Allow statement lists every route of the role, not the route
//! that was asked for, so the answer API Gateway caches for this token is right on every
//! route. No field is ever `null`: API Gateway answers 500 for a null `Condition` or `context`.

use serde::Serialize;
use serde_json::Value;

use crate::context::Context;
use crate::rules::wildcard_match;

/// The effect of a policy statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// `Allow`.
    Allow,
    /// `Deny`.
    Deny,
}

/// The resources of one statement: `prefix` joined to each suffix, written straight into the
/// output so a request allocates no intermediate strings.
pub struct Resources<'a, S: AsRef<str>> {
    /// `arn:aws:execute-api:{region}:{account}:{api}/{stage}/`.
    pub prefix: &'a str,
    /// The route suffixes after the prefix, e.g. `GET/tasks/*`.
    pub suffixes: &'a [S],
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct SimpleResponse<'a> {
    is_authorized: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    context: Option<&'a Context>,
}

/// Renders `{"principalId", "policyDocument", "context", "usageIdentifierKey"}` with one
/// statement; `usage_key` is the API key a REST API's usage plans meter the caller by.
///
/// Written by hand rather than derived: a policy lists every granted route, and copying the
/// ARN prefix and each suffix straight into the output costs a third of what serializing each
/// joined resource string did (BENCHMARKS.md). Anything that could need JSON escaping still
/// goes through serde_json.
pub fn render_policy<S: AsRef<str>>(
    principal_id: &str,
    effect: Effect,
    resources: Resources<'_, S>,
    context: Option<&Context>,
    usage_key: Option<&str>,
) -> String {
    let context = context.filter(|c| !c.is_empty());
    let estimate = 256
        + resources.suffixes.len() * (resources.prefix.len() + 24)
        + context.map_or(0, Context::size);
    let mut out: Vec<u8> = Vec::with_capacity(estimate);
    out.extend_from_slice(br#"{"principalId":"#);
    write_json(&mut out, principal_id);
    out.extend_from_slice(br#","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":""#);
    out.extend_from_slice(match effect {
        Effect::Allow => b"Allow",
        Effect::Deny => b"Deny",
    });
    out.extend_from_slice(br#"","Resource":["#);
    let plain_prefix = is_plain(resources.prefix);
    for (i, suffix) in resources.suffixes.iter().enumerate() {
        let suffix = suffix.as_ref();
        if i > 0 {
            out.push(b',');
        }
        if plain_prefix && is_plain(suffix) {
            out.push(b'"');
            out.extend_from_slice(resources.prefix.as_bytes());
            out.extend_from_slice(suffix.as_bytes());
            out.push(b'"');
        } else {
            write_json(&mut out, &format!("{}{suffix}", resources.prefix));
        }
    }
    out.extend_from_slice(b"]}]}");
    if let Some(context) = context {
        out.extend_from_slice(br#","context":"#);
        write_json(&mut out, context);
    }
    if let Some(key) = usage_key {
        out.extend_from_slice(br#","usageIdentifierKey":"#);
        write_json(&mut out, key);
    }
    out.push(b'}');
    String::from_utf8(out).unwrap_or_else(|_| String::from(r#"{"isAuthorized":false}"#))
}

/// True when `text` needs no escaping inside a JSON string.
fn is_plain(text: &str) -> bool {
    !text.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20)
}

/// Appends `value` as JSON. Serializing these types cannot fail: every map key is a string and
/// every number finite.
fn write_json<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    let _ = serde_json::to_writer(out, value);
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
    fn rendered_policies_are_json_even_for_characters_that_need_escaping() {
        let context = Context::default();
        for (prefix, suffix) in [
            ("arn:a/b/", "GET/x"),
            ("arn:\"q\"/", "GET/a\\b"),
            ("arn:/", "GET/\u{1}"),
        ] {
            let json = render_policy(
                "user_\"1",
                Effect::Allow,
                Resources {
                    prefix,
                    suffixes: &[suffix, "*"],
                },
                Some(&context),
                Some("k\"1"),
            );
            let value: Value = serde_json::from_str(&json).expect("valid JSON");
            assert_eq!(value["usageIdentifierKey"], "k\"1");
            assert_eq!(value["principalId"], "user_\"1");
            assert_eq!(
                value["policyDocument"]["Statement"][0]["Resource"],
                json!([format!("{prefix}{suffix}"), format!("{prefix}*")])
            );
            assert!(
                value.get("context").is_none(),
                "an empty context is left out"
            );
            assert!(evaluate(&value, &format!("{prefix}{suffix}")));
        }
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
