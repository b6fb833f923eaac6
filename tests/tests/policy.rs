//! What the returned policies mean to API Gateway: cache-safe across routes, never wider
//! than the calling API and stage, with a flat context.

mod common;

use authorizer::handler::Verdict;
use authorizer::policy::evaluate;
use common::*;
use serde_json::{json, Value};

fn policy_for(role: &str, route: &str) -> Value {
    let token = mint(&sample_claims(Some(role)));
    response(&run(
        &dev_authorizer(),
        &token_event(&format!("Bearer {token}"), route),
    ))
}

#[test]
fn cached_member_policy_denies_delete_on_other_route() {
    // API Gateway caches the policy returned for GET /tasks and reuses it for other routes.
    let cached = policy_for("member", "GET /tasks");
    assert!(evaluate(&cached, &format!("{API_PREFIX}GET/tasks")));
    assert!(evaluate(&cached, &format!("{API_PREFIX}GET/tasks/9")));
    assert!(evaluate(&cached, &format!("{API_PREFIX}GET/me")));
    assert!(evaluate(&cached, &format!("{API_PREFIX}POST/tasks")));
    assert!(!evaluate(&cached, &format!("{API_PREFIX}DELETE/tasks/1")));
    assert!(!evaluate(&cached, &format!("{API_PREFIX}GET/admin")));
}

#[test]
fn cached_admin_policy_allows_every_route_of_the_api_and_stage_only() {
    let cached = policy_for("admin", "GET /tasks");
    assert!(evaluate(&cached, &format!("{API_PREFIX}DELETE/tasks/1")));
    assert!(evaluate(
        &cached,
        &format!("{API_PREFIX}GET/anything/at/all")
    ));
    for other in [
        "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/tasks",
        "arn:aws:execute-api:us-east-1:123456789012:zzz999/prod/GET/tasks",
        "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/tasks",
        "arn:aws:execute-api:us-east-1:999999999999:abc123/prod/GET/tasks",
    ] {
        assert!(!evaluate(&cached, other), "{other}");
    }
}

#[test]
fn policy_does_not_depend_on_the_requested_route() {
    for role in ["admin", "member"] {
        let first = policy_for(role, "GET /tasks");
        for route in ["DELETE /tasks/1", "GET /me", "POST /tasks", "GET /"] {
            assert_eq!(policy_for(role, route), first, "{role} {route}");
        }
    }
}

/// The map form of `ACCESS_RULES`, where every entry names a role.
fn map_form_authorizer() -> authorizer::Authorizer {
    authorizer_with(&[("ACCESS_RULES", r#"{"admin":["*"],"member":["GET /tasks"]}"#)])
}

#[test]
fn valid_token_without_a_role_gets_an_explicit_deny_on_the_whole_stage() {
    let token = mint(&sample_claims(None));
    let outcome = run(
        &map_form_authorizer(),
        &token_event(&format!("Bearer {token}"), "GET /tasks"),
    );
    assert_eq!(
        (outcome.verdict, outcome.reason),
        (Verdict::Deny, "no_role")
    );
    let policy = response(&outcome);
    assert_eq!(policy["principalId"], "user_2norole000000000000000001");
    assert_eq!(policy["policyDocument"]["Statement"][0]["Effect"], "Deny");
    assert_eq!(
        policy["policyDocument"]["Statement"][0]["Resource"],
        json!([format!("{API_PREFIX}*")])
    );
}

#[test]
fn role_that_is_not_a_string_means_no_role() {
    for role in [
        json!(["admin"]),
        json!({"name": "admin"}),
        json!(1),
        Value::Null,
    ] {
        let now = authorizer::now();
        let token = mint(&clerk_claims(
            "user_1",
            json!({ "role": role }),
            now,
            now + 60,
        ));
        let outcome = run(
            &map_form_authorizer(),
            &token_event(&format!("Bearer {token}"), "GET /tasks"),
        );
        assert_eq!(
            (outcome.verdict, outcome.reason),
            (Verdict::Deny, "no_role"),
            "{role}"
        );
    }
}

#[test]
fn role_without_rules_is_denied() {
    // A role missing from the rules, and a role listed with no routes, are the same thing.
    let listed_empty = authorizer_with(&[("ACCESS_RULES", r#"{"admin":["*"],"member":[]}"#)]);
    for (authorizer, role) in [(map_form_authorizer(), "auditor"), (listed_empty, "member")] {
        let token = mint(&sample_claims(Some(role)));
        let outcome = run(
            &authorizer,
            &token_event(&format!("Bearer {token}"), "GET /tasks"),
        );
        assert_eq!(
            (outcome.verdict, outcome.reason),
            (Verdict::Deny, "role_without_rules"),
            "{role}"
        );
        assert_eq!(
            response(&outcome)["policyDocument"]["Statement"][0]["Effect"],
            "Deny",
            "{role}"
        );
    }
}

#[test]
fn role_claim_can_point_at_organisation_roles() {
    let now = authorizer::now();
    let mut claims = clerk_claims("user_1", json!({}), now, now + 60);
    claims["org_role"] = json!("org:admin");
    claims["o"] = json!({"id": "org_1", "rol": "admin"});
    let token = mint(&claims);
    let event = token_event(&format!("Bearer {token}"), "DELETE /tasks/1");
    let v1 = authorizer_with(&[
        ("ROLE_CLAIM", "org_role"),
        ("ACCESS_RULES", r#"{"org:admin":["*"]}"#),
    ]);
    assert_eq!(run(&v1, &event).verdict, Verdict::Allow);
    let v2 = authorizer_with(&[("ROLE_CLAIM", "o.rol")]);
    assert_eq!(run(&v2, &event).verdict, Verdict::Allow);
}

#[test]
fn reserved_context_keys_win_over_metadata() {
    let now = authorizer::now();
    let metadata =
        json!({"role": "member", "sub": "user_spoofed", "sid": "sess_spoofed", "plan": "pro"});
    let token = mint(&clerk_claims("user_real", metadata, now, now + 60));
    let context =
        response(&run(&dev_authorizer(), &token_event(&token, "GET /tasks")))["context"].clone();
    assert_eq!(context["sub"], "user_real");
    assert_eq!(context["sid"], "sess_real");
    assert_eq!(context["role"], "member");
    assert_eq!(context["plan"], "pro");
}

#[test]
fn oversized_metadata_is_dropped_from_the_context_not_failed() {
    let now = authorizer::now();
    let metadata = json!({"role": "member", "bio": "x".repeat(3000), "plan": "pro"});
    let token = mint(&clerk_claims("user_1", metadata, now, now + 60));
    let outcome = run(&dev_authorizer(), &token_event(&token, "GET /tasks"));
    assert_eq!(outcome.verdict, Verdict::Allow);
    assert_eq!(outcome.dropped_context, vec!["bio".to_string()]);
    let context = response(&outcome)["context"].clone();
    assert!(context.get("bio").is_none());
    assert_eq!(context["plan"], "pro");
    assert!(context.to_string().len() <= authorizer::context::MAX_CONTEXT_BYTES);
}
