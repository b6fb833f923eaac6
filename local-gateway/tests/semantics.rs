//! API Gateway's semantics, one test per rule, over real HTTP on loopback: the real gateway
//! binary, and a scriptable function (`tests/src/bin/test-function.rs`) as authorizer and
//! integration (`fixtures/semantics.yaml`).

mod common;

use std::thread;
use std::time::Duration;

use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayV2httpRequest};
use common::*;
use serde_json::json;

const TEMPLATE: &str = "local-gateway/tests/fixtures/semantics.yaml";

fn gateway() -> Gateway {
    Gateway::start(TEMPLATE, &[])
}

#[test]
fn missing_or_empty_identity_source_is_401_without_invoking_the_authorizer() {
    let g = gateway();
    let none = get(&g.url("Rest", "/items/1"), None);
    assert_eq!(
        (none.status, none.json()),
        (401, json!({"message": "Unauthorized"}))
    );
    let empty = call("GET", &g.url("Rest", "/items/1"), &[("Authorization", "")]);
    assert_eq!(empty.status, 401);
    // REQUEST authorizer: the query string is its identity source.
    assert_eq!(get(&g.url("Rest", "/request"), None).status, 401);
    assert_eq!(
        get(&g.url("Rest", "/request?token=allow"), None).status,
        200
    );
    assert_eq!(get(&g.url("Http", "/items/1"), None).status, 401);
    for n in [1, 2, 3, 5] {
        g.assert_request_line(n, "authorizer not invoked");
    }
    assert!(
        !g.output().contains("[Authorizer] {\"timestamp"),
        "the authorizer logged an invocation"
    );
}

#[test]
fn authorizer_answers_map_to_api_gateway_statuses() {
    let g = gateway();
    let status = |token: &str, method: &str| {
        let a = call(
            method,
            &g.url("Rest", "/items/1"),
            &[("Authorization", token)],
        );
        (a.status, a.body)
    };
    assert_eq!(status("allow", "GET").0, 200);
    assert_eq!(
        status("unauthorized", "GET"),
        (401, r#"{"message":"Unauthorized"}"#.into())
    );
    for bad in ["error", "malformed", "no-principal", "nested-context"] {
        assert_eq!(status(bad, "GET").0, 500, "{bad}");
    }
    assert_eq!(
        status("deny", "GET"),
        (
            403,
            r#"{"Message":"User is not authorized to access this resource with an explicit deny"}"#
                .into()
        )
    );
    assert_eq!(
        status("route-only", "GET").0,
        200,
        "route-only allows exactly the requested route"
    );
    // Allow * with an explicit Deny on DELETE: the Deny wins there.
    assert_eq!(status("explicit-deny", "GET").0, 200);
    assert_eq!(status("explicit-deny", "DELETE").0, 403);
    // NotResource: everything but DELETE.
    assert_eq!(status("not-resource", "PATCH").0, 200);
    assert_eq!(
        status("not-resource", "DELETE"),
        (
            403,
            r#"{"Message":"User is not authorized to access this resource"}"#.into()
        )
    );
}

#[test]
fn http_api_simple_responses_and_errors() {
    let g = gateway();
    let status = |token: &str| get(&g.url("Http", "/items/1"), Some(token));
    assert_eq!(status("allow").status, 200);
    let no = status("deny");
    assert_eq!(
        (no.status, no.json()),
        (403, json!({"message": "Forbidden"}))
    );
    // HTTP APIs have no 401 from a Lambda authorizer: an error, even `Unauthorized`, is a 500.
    assert_eq!(status("unauthorized").status, 500);
    assert_eq!(status("malformed").status, 500);
    // IAM policy answers on an HTTP API: a deny is 403 Forbidden.
    let policy = |token: &str, method: &str| {
        call(
            method,
            &g.url("Http", "/policy/x"),
            &[("Authorization", token)],
        )
        .status
    };
    assert_eq!(policy("allow", "GET"), 200);
    assert_eq!(policy("explicit-deny", "DELETE"), 403);
}

#[test]
fn a_cached_answer_is_reused_until_its_ttl_then_asked_again() {
    let g = gateway();
    assert_eq!(get(&g.url("Rest", "/cached/a"), Some("allow")).status, 200);
    assert_eq!(get(&g.url("Rest", "/cached/b"), Some("allow")).status, 200);
    g.assert_request_line(1, "cache miss");
    g.assert_request_line(2, "cache hit");
    thread::sleep(Duration::from_millis(2300)); // ReauthorizeEvery: 2
    assert_eq!(get(&g.url("Rest", "/cached/a"), Some("allow")).status, 200);
    g.assert_request_line(3, "cache miss");
}

#[test]
fn a_route_specific_policy_cached_for_the_token_gives_the_production_403_on_another_route() {
    let g = gateway();
    // The authorizer allows exactly the route it was asked about: not cache-safe.
    assert_eq!(
        get(&g.url("Rest", "/cached/first"), Some("route-only")).status,
        200
    );
    let second = get(&g.url("Rest", "/cached/second"), Some("route-only"));
    assert_eq!(second.status, 403, "{}", second.body);
    g.assert_request_line(2, "deny (cache hit)");
}

#[test]
fn http_api_cache_is_per_route_when_the_route_key_is_an_identity_source() {
    let g = gateway();
    assert_eq!(get(&g.url("Http", "/cached/a"), Some("allow")).status, 200);
    assert_eq!(get(&g.url("Http", "/cached/b"), Some("allow")).status, 200);
    // Same token, same route key (GET /cached/{proxy+}): a hit.
    g.assert_request_line(2, "cache hit");
}

#[test]
fn failures_are_never_cached() {
    let g = gateway();
    assert_eq!(get(&g.url("Rest", "/cached/a"), Some("error")).status, 500);
    assert_eq!(get(&g.url("Rest", "/cached/a"), Some("error")).status, 500);
    g.assert_request_line(2, "error");
    assert!(!g.request_line(2).contains("cache hit"));
}

#[test]
fn an_authorizer_that_crashes_is_a_500_and_is_started_again() {
    let g = gateway();
    let before = g.pids["Authorizer"];
    assert_eq!(get(&g.url("Rest", "/items/1"), Some("crash")).status, 500);
    assert_eq!(
        get(&g.url("Rest", "/items/1"), Some("allow")).status,
        200,
        "a new process serves the next call"
    );
    assert!(!alive(before), "the crashed process is gone");
    // The gateway's own lines reach the test a little after the answers.
    g.wait_for_lines("Authorizer: the process exited", 1);
}

#[test]
fn an_integration_that_crashes_is_a_502() {
    let g = gateway();
    let crashed = get(&g.url("Rest", "/crash"), None);
    assert_eq!(
        (crashed.status, crashed.json()),
        (502, json!({"message": "Internal server error"}))
    );
    assert_eq!(get(&g.url("Rest", "/open"), None).status, 200);
}

#[test]
fn an_authorizer_that_overruns_its_timeout_is_a_500_and_is_replaced() {
    let g = gateway();
    assert_eq!(get(&g.url("Rest", "/items/1"), Some("slow")).status, 500);
    // The gateway's own line reaches the test a little after the answer.
    g.wait_for_lines("Task timed out after 2 seconds", 1);
    assert_eq!(get(&g.url("Rest", "/items/1"), Some("allow")).status, 200);
}

#[test]
fn rest_integration_gets_the_context_as_strings_with_the_principal() {
    let g = gateway();
    let answer = get(&g.url("Rest", "/items/42?x=1&x=2"), Some("allow"));
    let event: ApiGatewayProxyRequest =
        serde_json::from_str(&answer.body).expect("a REST proxy event");
    let authorizer = &event.request_context.authorizer.fields;
    assert_eq!(authorizer["principalId"], "user_test");
    assert_eq!(
        authorizer["count"], "3",
        "REST delivers context values as strings"
    );
    assert_eq!(authorizer["admin"], "true");
    assert_eq!(event.path_parameters["id"], "42");
    assert_eq!(event.resource.as_deref(), Some("/items/{id}"));
    assert_eq!(event.request_context.stage.as_deref(), Some("test"));
    assert_eq!(
        event.multi_value_query_string_parameters.all("x"),
        Some(vec!["1", "2"])
    );
}

#[test]
fn http_integration_gets_the_context_with_types_kept() {
    let g = gateway();
    let answer = get(&g.url("Http", "/items/7?q=a"), Some("allow"));
    let event: ApiGatewayV2httpRequest =
        serde_json::from_str(&answer.body).expect("an HTTP API 2.0 event");
    let lambda = &event.request_context.authorizer.as_ref().unwrap().fields;
    let raw: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(raw["requestContext"]["authorizer"]["lambda"]["count"], 3);
    assert_eq!(raw["requestContext"]["authorizer"]["lambda"]["admin"], true);
    assert!(lambda.contains_key("lambda") || lambda.contains_key("sub"));
    assert_eq!(event.route_key.as_deref(), Some("ANY /items/{id}"));
    assert_eq!(event.path_parameters["id"], "7");
    assert_eq!(event.raw_path.as_deref(), Some("/items/7"));
}

#[test]
fn unknown_routes_and_stages_answer_as_api_gateway_does() {
    let g = gateway();
    let missing = get(&g.url("Rest", "/nowhere"), Some("allow"));
    assert_eq!(
        (missing.status, missing.json()),
        (403, json!({"message": "Missing Authentication Token"}))
    );
    let wrong_method = call(
        "POST",
        &g.url("Rest", "/items"),
        &[("Authorization", "allow")],
    );
    assert_eq!(wrong_method.status, 403);
    let no_stage = get(
        &g.urls["Rest"].replace("/test", "/other/items/1"),
        Some("allow"),
    );
    assert_eq!(no_stage.status, 403);
    assert_eq!(get(&g.url("Http", "/nowhere"), Some("allow")).status, 404);
}

#[test]
fn ctrl_c_stops_the_gateway_and_every_function_process() {
    let g = gateway();
    let pids: Vec<u32> = g.pids.values().copied().collect();
    assert!(pids.iter().all(|p| alive(*p)));
    let scratch = g.scratch_dir();
    assert!(scratch.is_dir());
    assert!(g.stop_with("INT"), "a clean exit");
    assert!(
        pids.iter().all(|p| !alive(*p)),
        "no function process is left behind"
    );
    assert!(!scratch.exists(), "nor its scratch folder in /tmp");
}

#[test]
fn constructs_it_does_not_understand_stop_it_at_start() {
    let template = std::fs::read_to_string(common::workspace().join(TEMPLATE)).unwrap();
    for (change, named) in [
        (
            (
                "      StageName: test\n",
                "      StageName: test\n      BinaryMediaTypes: [image/png]\n",
            ),
            "property BinaryMediaTypes",
        ),
        (
            (
                "          Uncached:\n",
                "          Cognito:\n            UserPoolArn: arn\n          Uncached:\n",
            ),
            "UserPoolArn",
        ),
        (
            (
                "Resources:\n",
                "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n",
            ),
            "AWS::SQS::Queue",
        ),
        (
            (
                "Path: /open, Method: GET,",
                "Path: /open, Method: GET, RequestParameters: [x],",
            ),
            "RequestParameters",
        ),
        (("Authorizer: ByQuery", "Authorizer: Nobody"), "Nobody"),
        (
            (
                "Resources:\n",
                "Resources:\n  Table:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      KeySchema: [{AttributeName: pk, KeyType: HASH}]\n      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]\n      GlobalSecondaryIndexes: []\n",
            ),
            "property GlobalSecondaryIndexes",
        ),
        (
            (
                "Resources:\n",
                "Resources:\n  Table:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      KeySchema: [{AttributeName: pk, KeyType: HASH}]\n      AttributeDefinitions: [{AttributeName: other, AttributeType: S}]\n",
            ),
            "key attribute pk is not in AttributeDefinitions",
        ),
        (
            (
                "  Echo:\n    Type: AWS::Serverless::Function\n",
                "  Echo:\n    Type: AWS::Serverless::Function\n    Condition: Never\n",
            ),
            "condition Never is not in Conditions",
        ),
        (
            (
                "Globals:\n  Function:\n",
                "Globals:\n  Function:\n    Runtime: java21\n",
            ),
            "runs on java21, which local-gateway cannot run",
        ),
        (
            (
                "Globals:\n  Function:\n",
                "Globals:\n  Function:\n    PackageType: Image\n",
            ),
            "is a container image, which local-gateway cannot run",
        ),
        (
            (
                "Globals:\n  Function:\n",
                "Globals:\n  Function:\n    Layers: [arn:aws:lambda:us-east-1:1:layer:rules:1]\n",
            ),
            "map it to a local folder with --layer arn:aws:lambda:us-east-1:1:layer:rules:1=DIR",
        ),
        (
            (
                "Resources:\n",
                "Resources:\n  Sar:\n    Type: AWS::Serverless::Application\n    Properties:\n      Location: {ApplicationId: arn:aws:serverlessrepo:us-east-1:1:applications/x, SemanticVersion: 1.0.0}\n",
            ),
            "Serverless Application Repository",
        ),
    ] {
        let changed = template.replacen(change.0, change.1, 1);
        assert_ne!(changed, template, "{named}: the fixture changed");
        let file = TempFile::new("bad.yaml", &changed);
        let refused = Gateway::try_start(file.path(), &[])
            .err()
            .expect("refused at start");
        assert!(!refused.success);
        assert!(
            refused.output.contains(named),
            "{named}: {}",
            refused.output
        );
    }
}

/// Lambda Managed Instances: a function whose CapacityProviderConfig sets
/// PerExecutionEnvironmentMaxConcurrency serves that many invocations at once in one
/// environment (told as AWS_LAMBDA_MAX_CONCURRENCY); one more at once is throttled; an
/// invocation that overruns its timeout fails alone, and the process goes on.
#[test]
fn an_environment_of_managed_instances_serves_several_invocations_at_once() {
    let g = gateway();
    let answers: Vec<Answer> = thread::scope(|scope| {
        let calls: Vec<_> = (0..4)
            .map(|i| {
                let url = g.url("Rest", &format!("/managed/slow-{i}"));
                scope.spawn(move || get(&url, None))
            })
            .collect();
        // A fifth at once: the one environment (ReservedConcurrentExecutions: 1) is full.
        thread::sleep(Duration::from_millis(500));
        let fifth = get(&g.url("Rest", "/managed/slow-5"), None);
        assert_eq!(fifth.status, 500, "{}", fifth.body);
        calls.into_iter().map(|c| c.join().unwrap()).collect()
    });
    let pids: Vec<String> = answers
        .iter()
        .map(|a| a.header("x-process-id").unwrap_or_default().to_string())
        .collect();
    assert!(answers.iter().all(|a| a.status == 200), "{pids:?}");
    assert!(
        pids.iter().all(|p| p == &pids[0] && !p.is_empty()),
        "{pids:?}"
    );
    assert_eq!(answers[0].header("x-max-concurrency"), Some("4"));

    // A timeout (2 s) fails its own invocation only; the one beside it and the process go on.
    let (hung, beside) = thread::scope(|scope| {
        let hung = scope.spawn(|| get(&g.url("Rest", "/managed/hang"), None));
        thread::sleep(Duration::from_millis(200));
        let beside = get(&g.url("Rest", "/managed/slow-beside"), None);
        (hung.join().unwrap(), beside)
    });
    assert_eq!(hung.status, 502, "{}", hung.body);
    assert_eq!(beside.status, 200);
    let after = get(&g.url("Rest", "/managed/after"), None);
    assert_eq!(after.status, 200);
    assert_eq!(
        after.header("x-process-id"),
        Some(pids[0].as_str()),
        "the process was not restarted"
    );
    assert!(g.lines_with("starting it again").is_empty());

    // Other functions keep one invocation per environment.
    let echo = get(&g.url("Rest", "/open"), None);
    assert_eq!(echo.header("x-max-concurrency").unwrap_or_default(), "");

    let refused = Gateway::try_start(TEMPLATE, &["--max-concurrency", "0"])
        .err()
        .expect("--max-concurrency 0 is refused");
    assert!(
        refused
            .output
            .contains("--max-concurrency takes a whole number"),
        "{}",
        refused.output
    );
}

/// Lambda scales out: each concurrent request gets its own execution environment (its own
/// process, with its own cold start) up to `--concurrency`, and a reserved concurrency caps
/// it; beyond the cap the invocation is throttled, which API Gateway answers with a 500.
#[test]
fn concurrent_requests_get_their_own_environments_up_to_the_cap_then_a_throttled_500() {
    let g = Gateway::start(TEMPLATE, &["--concurrency", "8"]);
    let pids: Vec<String> = thread::scope(|scope| {
        let calls: Vec<_> = (0..8)
            .map(|i| {
                let url = g.url("Rest", &format!("/slow/{i}"));
                scope.spawn(move || get(&url, None))
            })
            .collect();
        calls
            .into_iter()
            .map(|call| {
                let answer = call.join().unwrap();
                assert_eq!(answer.status, 200);
                answer
                    .header("x-process-id")
                    .expect("the process id")
                    .to_string()
            })
            .collect()
    });
    let mut distinct = pids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        8,
        "8 requests at once, 8 environments: {pids:?}"
    );

    // ReservedConcurrentExecutions: 1. The second request at once is throttled.
    let statuses: Vec<(u16, String)> = thread::scope(|scope| {
        let calls: Vec<_> = (0..2)
            .map(|i| {
                let url = g.url("Rest", &format!("/reserved/slow-{i}"));
                let call = scope.spawn(move || get(&url, None));
                thread::sleep(Duration::from_millis(200));
                call
            })
            .collect();
        calls
            .into_iter()
            .map(|c| {
                let a = c.join().unwrap();
                (a.status, a.body)
            })
            .collect()
    });
    assert_eq!(statuses[0].0, 200, "{statuses:?}");
    assert_eq!(statuses[1].0, 500, "{statuses:?}");
    assert!(
        statuses[1].1.contains("Internal server error"),
        "{statuses:?}"
    );
    g.wait_for_lines("is throttled", 1);

    let refused = Gateway::try_start(TEMPLATE, &["--concurrency", "0"])
        .err()
        .expect("--concurrency 0 is refused");
    assert!(
        refused
            .output
            .contains("--concurrency takes a whole number"),
        "{}",
        refused.output
    );
}
