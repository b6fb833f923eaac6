//! `USAGE_IDENTIFIER`: the `usageIdentifierKey` of REST and WebSocket answers, for each kind
//! and flavour of credential, minted with real keys. (API keys and opaque tokens, which Clerk
//! verifies, are in `clerk_api.rs`.)

mod common;

use common::*;
use serde_json::{json, Value};

const PREFIX: &str = "stage-";

/// The `usageIdentifierKey` of the REST TOKEN, REST REQUEST and WebSocket answers, which must
/// agree, and the HTTP API answers' (1.0, 2.0 simple, 2.0 policy), which must have none.
fn usage_key(identifier: &str, token: &str) -> Option<String> {
    let settings = [
        ("USAGE_IDENTIFIER", identifier),
        ("USAGE_KEY_PREFIX", PREFIX),
    ];
    let authorizer = authorizer_with(&settings);
    let policy = authorizer_with(&[settings[0], settings[1], ("HTTP_API_RESPONSE", "policy")]);
    let bearer = format!("Bearer {token}");
    let key = |authorizer: &_, event: &Value| {
        let outcome = run(authorizer, event);
        // Verified: an answer, allowed or denied (a denied WebSocket $connect still names it).
        assert!(outcome.sub.is_some(), "{}: {event}", outcome.reason);
        response(&outcome)
            .get("usageIdentifierKey")
            .map(|key| key.as_str().expect("a string").to_string())
    };
    let rest = key(&authorizer, &token_event(&bearer, "GET /me"));
    let request = rest_request_event(json!({ "Authorization": bearer }), "GET /me");
    assert_eq!(key(&authorizer, &request), rest, "REST REQUEST");
    let websocket = websocket_event(json!({ "Authorization": bearer }));
    assert_eq!(key(&authorizer, &websocket), rest, "WebSocket $connect");
    let v1 = http_v1_event(json!({ "authorization": bearer }), "GET /me");
    let v2 = http_v2_event(json!({ "authorization": bearer }), &[], "GET /me");
    for (name, authorizer, event) in [
        ("HTTP API 1.0", &authorizer, &v1),
        ("HTTP API 2.0 simple", &authorizer, &v2),
        ("HTTP API 2.0 policy", &policy, &v2),
    ] {
        assert_eq!(
            key(authorizer, event),
            None,
            "{name}: HTTP APIs have no usage plans"
        );
    }
    rest
}

fn with_org(version: u8) -> String {
    let mut claims = sample_claims(Some("member"));
    set_version(&mut claims, version);
    set_org(
        &mut claims,
        SAMPLE_ORG,
        "acme",
        "org:member",
        &["org:tasks:read"],
    );
    // Metadata naming another tenant is the user's to write: never read.
    claims["metadata"]["org_id"] = json!("org_2attacker0000000000000001");
    mint(&claims)
}

fn prefixed(id: &str) -> Option<String> {
    Some(format!("{PREFIX}{id}"))
}

#[test]
fn tenant_is_the_active_organisation_of_either_session_version_else_the_user() {
    assert_eq!(usage_key("tenant", &with_org(1)), prefixed(SAMPLE_ORG));
    assert_eq!(usage_key("tenant", &with_org(2)), prefixed(SAMPLE_ORG));
    let personal = mint(&sample_claims(Some("member")));
    assert_eq!(
        usage_key("tenant", &personal),
        prefixed("user_2member000000000000000001")
    );
}

#[test]
fn user_is_the_user_whatever_organisation_is_active() {
    for version in [1, 2] {
        assert_eq!(
            usage_key("user", &with_org(version)),
            prefixed("user_2member000000000000000001")
        );
    }
}

#[test]
fn an_impersonated_session_is_metered_as_the_impersonated_tenant() {
    let mut claims = sample_claims(Some("member"));
    claims["act"] = json!({ "sub": SAMPLE_SUPPORT });
    let personal = mint(&claims);
    set_org(&mut claims, SAMPLE_ORG, "acme", "org:member", &[]);
    let in_org = mint(&claims);
    for identifier in ["tenant", "user"] {
        assert_eq!(
            usage_key(identifier, &personal),
            prefixed("user_2member000000000000000001")
        );
    }
    assert_eq!(usage_key("tenant", &in_org), prefixed(SAMPLE_ORG));
}

#[test]
fn machine_and_oauth_tokens_are_metered_as_the_machine_and_the_granting_user() {
    let now = authorizer::now();
    let m2m = mint_machine(&machine_claims(
        SAMPLE_WORKER,
        &[DEV_MACHINE_ID],
        now,
        now + 60,
    ));
    let oauth = mint_oauth(&oauth_claims(
        SAMPLE_VIEWER,
        SAMPLE_OAUTH_CLIENT,
        "tasks:read",
        now,
        now + 60,
    ));
    for identifier in ["tenant", "user"] {
        assert_eq!(usage_key(identifier, &m2m), prefixed(SAMPLE_WORKER));
        assert_eq!(usage_key(identifier, &oauth), prefixed(SAMPLE_VIEWER));
    }
}

#[test]
fn without_usage_identifier_no_answer_names_a_key_and_a_bad_value_stops_init() {
    let authorizer = dev_authorizer();
    let token = format!("Bearer {}", with_org(2));
    let answer = response(&run(&authorizer, &token_event(&token, "GET /me")));
    assert!(answer.get("usageIdentifierKey").is_none(), "{answer}");
    for (variable, settings) in [
        (
            "USAGE_IDENTIFIER",
            [("USAGE_IDENTIFIER", "org"), ("USAGE_KEY_PREFIX", "")],
        ),
        (
            "USAGE_KEY_PREFIX",
            [("USAGE_IDENTIFIER", "user"), ("USAGE_KEY_PREFIX", "a b")],
        ),
        (
            "USAGE_KEY_PREFIX",
            [("USAGE_IDENTIFIER", ""), ("USAGE_KEY_PREFIX", "prod-")],
        ),
    ] {
        let error = authorizer::Config::from_lookup(dev_lookup(&settings)).unwrap_err();
        assert_eq!(error.variable, variable, "{settings:?}");
    }
}
