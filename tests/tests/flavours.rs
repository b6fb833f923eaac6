//! One function for every API Gateway flavour: the same token gets the same decision
//! everywhere, read from the header, the `__session` cookie or the WebSocket subprotocol.

mod common;

use authorizer::handler::Verdict;
use common::*;
use serde_json::{json, Value};

fn member() -> String {
    mint(&sample_claims(Some("member")))
}

/// Every flavour's event for one token and route, read from the `Authorization` header.
fn all_flavours(token: &str, route: &str) -> Vec<(&'static str, Value)> {
    let bearer = format!("Bearer {token}");
    vec![
        ("token", token_event(&bearer, route)),
        (
            "rest request header",
            rest_request_event(json!({ "Authorization": bearer }), route),
        ),
        (
            "rest request cookie",
            rest_request_event(json!({ "Cookie": format!("__session={token}") }), route),
        ),
        (
            "http v1",
            http_v1_event(json!({ "authorization": bearer }), route),
        ),
        (
            "http v2 header",
            http_v2_event(json!({ "authorization": bearer }), &[], route),
        ),
        (
            "http v2 cookie",
            http_v2_event(json!({}), &[&format!("__session={token}")], route),
        ),
    ]
}

#[test]
fn every_flavour_decides_like_the_token_flavour() {
    let authorizer = dev_authorizer();
    let tokens = [
        mint(&sample_claims(Some("admin"))),
        member(),
        mint(&sample_claims(None)),
        sign(
            &sample_claims(Some("admin")),
            FOREIGN_PRIVATE_KEY,
            jsonwebtoken::Algorithm::RS256,
        ),
        "not.a.jwt".to_string(),
    ];
    for token in &tokens {
        for route in ["GET /tasks", "DELETE /tasks/1", "GET /me"] {
            let expected = run(&authorizer, &token_event(&format!("Bearer {token}"), route));
            for (name, event) in all_flavours(token, route) {
                let outcome = run(&authorizer, &event);
                assert_eq!(
                    (outcome.verdict, outcome.reason),
                    (expected.verdict, expected.reason),
                    "{name} {route}"
                );
                assert_eq!(outcome.sub, expected.sub, "{name}");
            }
        }
    }
}

#[test]
fn http_api_simple_response_answers_for_the_requested_route() {
    let authorizer = dev_authorizer();
    let allowed = response(&run(
        &authorizer,
        &http_v2_event(
            json!({"authorization": format!("Bearer {}", member())}),
            &[],
            "GET /tasks",
        ),
    ));
    assert_eq!(allowed["isAuthorized"], json!(true));
    assert_eq!(allowed["context"]["role"], "member");
    let denied = response(&run(
        &authorizer,
        &http_v2_event(
            json!({"authorization": format!("Bearer {}", member())}),
            &[],
            "DELETE /tasks/1",
        ),
    ));
    assert_eq!(denied["isAuthorized"], json!(false));
    let invalid = response(&run(
        &authorizer,
        &http_v2_event(json!({"authorization": "Bearer x.y.z"}), &[], "GET /tasks"),
    ));
    assert_eq!(invalid, json!({"isAuthorized": false}));
}

#[test]
fn http_api_policy_format_is_cache_safe_and_built_from_route_arn() {
    let authorizer = authorizer_with(&[("HTTP_API_RESPONSE", "policy")]);
    let event = http_v2_event(
        json!({"authorization": format!("Bearer {}", member())}),
        &[],
        "GET /tasks",
    );
    let policy = response(&run(&authorizer, &event));
    assert_eq!(policy["principalId"], "user_2member000000000000000001");
    let eval =
        |route: &str| authorizer::policy::evaluate(&policy, &format!("{HTTP_API_PREFIX}{route}"));
    assert!(eval("GET/tasks/3"));
    assert!(!eval("DELETE/tasks/3"));
    let invalid = http_v2_event(json!({"authorization": "Bearer x.y.z"}), &[], "GET /tasks");
    let deny = response(&run(&authorizer, &invalid));
    assert_eq!(deny["policyDocument"]["Statement"][0]["Effect"], "Deny");
}

#[test]
fn rest_request_and_websocket_answer_unauthorized_with_the_lambda_error() {
    let authorizer = dev_authorizer();
    for event in [
        rest_request_event(json!({"Authorization": "Bearer x.y.z"}), "GET /tasks"),
        rest_request_event(json!({}), "GET /tasks"),
        websocket_event(json!({"Sec-WebSocket-Protocol": "clerk, x.y.z"})),
    ] {
        let outcome = run(&authorizer, &event);
        assert_eq!(outcome.verdict, Verdict::Unauthorized);
        assert!(outcome.response.is_none());
    }
}

#[test]
fn http_api_1_0_gets_a_deny_policy_for_a_bad_token() {
    let outcome = run(
        &dev_authorizer(),
        &http_v1_event(json!({"authorization": "Bearer x.y.z"}), "GET /tasks"),
    );
    assert_eq!(outcome.verdict, Verdict::Unauthorized);
    let policy = response(&outcome);
    assert_eq!(policy["principalId"], "anonymous");
    assert_eq!(policy["policyDocument"]["Statement"][0]["Effect"], "Deny");
}

#[test]
fn websocket_policy_names_only_the_connect_route() {
    let authorizer = dev_authorizer();
    let event = websocket_event(json!({"Sec-WebSocket-Protocol": format!("clerk, {}", member())}));
    let policy = response(&run(&authorizer, &event));
    assert_eq!(policy["policyDocument"]["Statement"][0]["Effect"], "Allow");
    assert_eq!(
        policy["policyDocument"]["Statement"][0]["Resource"],
        json!([format!("{WS_PREFIX}$connect")])
    );
    let admin_only =
        authorizer_with(&[("ACCESS_RULES", r#"{"admin":["*"],"member":["GET /tasks"]}"#)]);
    let outcome = run(&admin_only, &event);
    assert_eq!(
        (outcome.verdict, outcome.reason),
        (Verdict::Deny, "route_not_allowed")
    );
}

#[test]
fn websocket_reads_authorization_and_cookie_before_the_subprotocol() {
    let authorizer = dev_authorizer();
    let event = websocket_event(
        json!({"Cookie": format!("__session={}", member()), "Sec-WebSocket-Protocol": "clerk, x.y.z"}),
    );
    assert_eq!(run(&authorizer, &event).verdict, Verdict::Allow);
}

#[test]
fn subprotocol_token_is_ignored_outside_websocket() {
    let event = rest_request_event(
        json!({"Sec-WebSocket-Protocol": format!("clerk, {}", member())}),
        "GET /tasks",
    );
    assert_eq!(run(&dev_authorizer(), &event).reason, "no_token");
}

#[test]
fn query_string_tokens_are_never_read() {
    let mut event = rest_request_event(json!({}), "GET /tasks");
    event["queryStringParameters"] = json!({"token": member(), "__session": member()});
    assert_eq!(run(&dev_authorizer(), &event).reason, "no_token");
}

#[test]
fn headers_in_any_letter_case_are_read() {
    let authorizer = dev_authorizer();
    for name in [
        "authorization",
        "Authorization",
        "AUTHORIZATION",
        "aUtHoRiZaTiOn",
    ] {
        let event = rest_request_event(
            json!({ name: format!("Bearer {}", member()) }),
            "GET /tasks",
        );
        assert_eq!(run(&authorizer, &event).verdict, Verdict::Allow, "{name}");
    }
    for name in ["cookie", "Cookie", "COOKIE"] {
        let event = rest_request_event(
            json!({ name: format!("a=1; __session={}", member()) }),
            "GET /tasks",
        );
        assert_eq!(run(&authorizer, &event).verdict, Verdict::Allow, "{name}");
    }
}

#[test]
fn multi_value_headers_alone_are_read() {
    let mut event = rest_request_event(json!({}), "GET /tasks");
    event["headers"] = Value::Null;
    event["multiValueHeaders"] =
        json!({"cookie": ["theme=dark", format!("__session={}", member())]});
    assert_eq!(run(&dev_authorizer(), &event).verdict, Verdict::Allow);
}

#[test]
fn several_cookies_empty_cookie_header_and_basic_fallback() {
    let authorizer = dev_authorizer();
    let several = rest_request_event(
        json!({"Cookie": format!("a=1; b=2; __client_uat=0; __session={}; z=9", member())}),
        "GET /tasks",
    );
    assert_eq!(run(&authorizer, &several).verdict, Verdict::Allow);
    let empty = rest_request_event(json!({"Cookie": ""}), "GET /tasks");
    assert_eq!(run(&authorizer, &empty).reason, "no_token");
    let basic = rest_request_event(
        json!({"Authorization": "Basic dXNlcjpwYXNz", "Cookie": format!("__session={}", member())}),
        "GET /tasks",
    );
    assert_eq!(run(&authorizer, &basic).verdict, Verdict::Allow);
    let basic_only =
        rest_request_event(json!({"Authorization": "Basic dXNlcjpwYXNz"}), "GET /tasks");
    assert_eq!(run(&authorizer, &basic_only).reason, "no_token");
}

#[test]
fn one_mebibyte_headers_are_refused() {
    let authorizer = dev_authorizer();
    let huge = "x".repeat(1 << 20);
    let cookie = rest_request_event(json!({"Cookie": format!("a={huge}")}), "GET /tasks");
    assert_eq!(run(&authorizer, &cookie).reason, "too_large");
    let auth = rest_request_event(
        json!({"Authorization": format!("Bearer {huge}")}),
        "GET /tasks",
    );
    assert_eq!(run(&authorizer, &auth).reason, "too_large");
}

/// A small deterministic generator, so failures reproduce.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[test]
fn truncated_and_corrupted_events_of_every_flavour_never_panic_or_allow() {
    let authorizer = dev_authorizer();
    let forged = sign(
        &sample_claims(Some("admin")),
        FOREIGN_PRIVATE_KEY,
        jsonwebtoken::Algorithm::RS256,
    );
    let mut rng = Lcg(42);
    for (name, event) in all_flavours(&forged, "DELETE /tasks/1") {
        let text = event.to_string();
        for cut in 0..text.len() {
            let outcome = authorizer.handle(&text[..cut], authorizer::now());
            assert_eq!(
                outcome.verdict,
                Verdict::Unauthorized,
                "{name} cut at {cut}"
            );
        }
        let bytes = text.as_bytes();
        for _ in 0..2000 {
            let mut corrupted = bytes.to_vec();
            for _ in 0..(1 + rng.next() % 4) {
                let i = (rng.next() as usize) % corrupted.len();
                corrupted[i] = (rng.next() % 128) as u8;
            }
            let Ok(corrupted) = String::from_utf8(corrupted) else {
                continue;
            };
            let outcome = authorizer.handle(&corrupted, authorizer::now());
            assert_ne!(outcome.verdict, Verdict::Allow, "{name}: {corrupted}");
        }
    }
}
