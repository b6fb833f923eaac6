//! Every input API Gateway really sends: AWS's own event fixtures (tests/vectors/aws-lambda-events,
//! from the aws_lambda_events crate) with a token put where each flavour carries it. A genuine
//! authorizer event is never `unrecognised_event`.

mod common;

use authorizer::handler::Verdict;
use common::*;
use serde_json::{json, Value};

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/vectors/aws-lambda-events/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn admin() -> String {
    mint(&sample_claims(Some("admin")))
}

/// Puts `token` where the event's flavour carries it.
fn with_token(mut event: Value, token: &str) -> Value {
    let bearer = format!("Bearer {token}");
    if event["type"] == "TOKEN" {
        event["authorizationToken"] = json!(bearer);
        return event;
    }
    if !event["headers"].is_object() {
        event["headers"] = json!({});
    }
    event["headers"]["authorization"] = json!(bearer);
    match &event["identitySource"] {
        Value::Array(_) => event["identitySource"] = json!([bearer]),
        Value::String(_) => {
            event["identitySource"] = json!(bearer);
            event["authorizationToken"] = json!(bearer);
        }
        _ => {}
    }
    event
}

fn decide(event: &Value) -> authorizer::Outcome {
    run(&dev_authorizer(), event)
}

#[test]
fn every_aws_fixture_is_recognised_and_decided() {
    for (name, flavour) in [
        ("example-apigw-custom-auth-request.json", "rest_token"),
        (
            "example-apigw-custom-auth-request-type-request.json",
            "rest_request",
        ),
        (
            "example-apigw-v2-custom-authorizer-v1-request.json",
            "http_v1",
        ),
        (
            "example-apigw-v2-custom-authorizer-v2-request.json",
            "http_v2",
        ),
        (
            "example-apigw-v2-custom-authorizer-v2-request-null-maps.json",
            "http_v2",
        ),
        (
            "example-apigw-v2-custom-authorizer-v2-request-without-cookies.json",
            "http_v2",
        ),
        (
            "example-apigw-v2-custom-authorizer-v2-request-without-identity-source.json",
            "http_v2",
        ),
        (
            "example-apigw-v2-custom-authorizer-websocket-request.json",
            "websocket",
        ),
    ] {
        let outcome = decide(&with_token(fixture(name), &admin()));
        assert_eq!(
            (
                outcome.verdict,
                outcome.reason,
                outcome.flavour.map(|f| f.name())
            ),
            (Verdict::Allow, "allowed", Some(flavour)),
            "{name}"
        );
        // And without a token, each is refused for that reason, never as unrecognised.
        let outcome = decide(&fixture(name));
        assert_ne!(outcome.reason, "unrecognised_event", "{name}");
    }
}

#[test]
fn console_test_invocation_with_a_star_stage_gets_a_policy_for_what_the_arn_names() {
    // "Test authorizer" in the console: stage `*`, root path `GET/`.
    let outcome = decide(&with_token(
        fixture("example-apigw-custom-auth-request.json"),
        &admin(),
    ));
    let resources = response(&outcome)["policyDocument"]["Statement"][0]["Resource"].clone();
    assert_eq!(
        resources[0],
        "arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/*/*"
    );
    for resource in resources.as_array().unwrap() {
        let resource = resource.as_str().unwrap();
        assert!(resource.starts_with("arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/*/"));
    }
    let mut event = with_token(fixture("example-apigw-custom-auth-request.json"), &admin());
    event["methodArn"] =
        json!("arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/ESTestInvoke-stage/GET/");
    assert_eq!(decide(&event).verdict, Verdict::Allow);
}

#[test]
fn http_api_default_stage_and_identity_source_forms() {
    let mut event = with_token(
        fixture("example-apigw-v2-custom-authorizer-v2-request.json"),
        &admin(),
    );
    event["routeArn"] =
        json!("arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default/GET/request");
    event["requestContext"]["stage"] = json!("$default");
    assert_eq!(decide(&event).verdict, Verdict::Allow);
}

#[test]
fn wrong_arns_are_still_refused() {
    for arn in [
        "arn:aws:lambda:us-west-2:123456789012:ymy8tbxw7b/*/GET/",
        "arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b",
        "arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/*",
        "arn:aws:execute-api:us-west-2::ymy8tbxw7b/prod/GET/",
        "arn:aws:execute-api:us-west-2:123456789012:*/prod/GET/",
    ] {
        let mut event = with_token(fixture("example-apigw-custom-auth-request.json"), &admin());
        event["methodArn"] = json!(arn);
        assert_eq!(decide(&event).reason, "unrecognised_event", "{arn}");
    }
}
