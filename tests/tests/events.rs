//! The files in `events/authorizer/` through the real handler: each gets the answer and the
//! reason the README documents, and each is a real API Gateway event shape.

mod common;

use std::path::Path;

use authorizer::handler::Verdict;
use aws_lambda_events::apigw::{
    ApiGatewayCustomAuthorizerRequest, ApiGatewayCustomAuthorizerRequestTypeRequest,
    ApiGatewayCustomAuthorizerResponse, ApiGatewayV2CustomAuthorizerSimpleResponse,
    ApiGatewayV2CustomAuthorizerV2Request,
};
use common::*;
use serde_json::Value;

fn events_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../events/authorizer"))
}

fn read(file: &str) -> Value {
    let path = events_dir().join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn verdict(answer: Answer) -> Verdict {
    match answer {
        Answer::Allow => Verdict::Allow,
        Answer::Deny => Verdict::Deny,
        Answer::Unauthorized => Verdict::Unauthorized,
    }
}

#[test]
fn every_sample_event_gets_its_documented_answer_and_reason() {
    let authorizer = dev_authorizer();
    for sample in samples() {
        let outcome = run(&authorizer, &read(sample.file));
        assert_eq!(outcome.verdict, verdict(sample.answer), "{}", sample.file);
        assert_eq!(outcome.reason, sample.reason, "{}", sample.file);
    }
}

#[test]
fn committed_sample_events_match_the_generator() {
    // RS256 signatures are deterministic, so regenerating must give the same files.
    for sample in samples() {
        assert_eq!(
            read(sample.file),
            sample.event,
            "{} is stale: run `cargo mint samples`",
            sample.file
        );
    }
    let files = std::fs::read_dir(events_dir()).unwrap().count();
    assert_eq!(
        files,
        samples().len(),
        "events/authorizer has files no sample describes"
    );
}

#[test]
fn the_docs_list_every_sample_event() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/flavours.md"))
            .unwrap();
    for sample in samples() {
        assert!(
            readme.contains(sample.file),
            "docs/flavours.md does not list {}",
            sample.file
        );
    }
}

#[test]
fn sample_events_are_real_api_gateway_shapes() {
    for sample in samples() {
        let event = read(sample.file);
        let ok = match sample.file.split('-').next().unwrap() {
            "token" => serde_json::from_value::<ApiGatewayCustomAuthorizerRequest>(event).is_ok(),
            "request" | "websocket" | "http"
                if event.get("version") != Some(&Value::from("2.0")) =>
            {
                serde_json::from_value::<ApiGatewayCustomAuthorizerRequestTypeRequest>(event)
                    .is_ok()
            }
            _ => serde_json::from_value::<ApiGatewayV2CustomAuthorizerV2Request>(event).is_ok(),
        };
        assert!(
            ok,
            "{} does not parse as its aws_lambda_events type",
            sample.file
        );
    }
}

/// No `null` anywhere: API Gateway answers 500 for a null `Condition`, `context` and the like.
fn assert_no_nulls(value: &Value, file: &str) {
    match value {
        Value::Null => panic!("{file}: response holds null"),
        Value::Array(items) => items.iter().for_each(|v| assert_no_nulls(v, file)),
        Value::Object(map) => map.values().for_each(|v| assert_no_nulls(v, file)),
        _ => {}
    }
}

#[test]
fn every_response_serialises_as_api_gateway_expects() {
    let authorizer = dev_authorizer();
    for sample in samples() {
        let outcome = run(&authorizer, &read(sample.file));
        let Some(text) = outcome.response.as_deref() else {
            assert_eq!(outcome.verdict, Verdict::Unauthorized, "{}", sample.file);
            continue;
        };
        let json: Value = serde_json::from_str(text).unwrap();
        assert_no_nulls(&json, sample.file);
        if let Some(context) = json.get("context") {
            for (key, value) in context.as_object().unwrap() {
                assert!(
                    value.is_string() || value.is_number() || value.is_boolean(),
                    "{}: context.{key} is not flat",
                    sample.file
                );
            }
        }
        if json.get("isAuthorized").is_some() {
            assert!(json["isAuthorized"].is_boolean(), "{}", sample.file);
            serde_json::from_value::<ApiGatewayV2CustomAuthorizerSimpleResponse>(json).unwrap();
        } else {
            assert_eq!(json["policyDocument"]["Version"], "2012-10-17");
            assert!(json["principalId"].is_string());
            serde_json::from_value::<ApiGatewayCustomAuthorizerResponse>(json).unwrap();
        }
    }
}

#[test]
fn nested_metadata_is_flattened_into_the_context() {
    let outcome = run(&dev_authorizer(), &read("token-nested-metadata.json"));
    let context = &response(&outcome)["context"];
    assert_eq!(context["team"], r#"{"id":"team_42","name":"Platform"}"#);
    assert_eq!(context["tags"], r#"["beta","eu"]"#);
    assert_eq!(context["plan"], "pro");
    assert_eq!(context["seats"], 5);
    assert_eq!(context["verified"], true);
    assert!(context.get("nickname").is_none(), "nulls are left out");
    assert_eq!(context["role"], "member");
    assert_eq!(context["sub"], "user_2nested000000000000000001");
    assert_eq!(context["sid"], "sess_2nested000000000000000001");
}
