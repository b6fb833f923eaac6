//! A Lambda for local-gateway's tests, behind the real Runtime API client.
//!
//! As an authorizer (the event has `methodArn` or `routeArn`), the token says what to answer:
//! `allow`, `route-only` (allows the requested route only: not cache-safe), `deny`,
//! `explicit-deny`, `not-resource`, `unauthorized`, `error`, `malformed`, `no-principal`,
//! `nested-context`, `crash`, `slow`. HTTP API 2.0 events get simple responses.
//! As an integration, it answers 200 with the event it received as the body and its process id
//! in `x-process-id` (and its `AWS_LAMBDA_MAX_CONCURRENCY` in `x-max-concurrency`), crashes on a
//! path containing `crash`, takes 1.5 s on one containing `slow` and 10 s on one containing
//! `hang`. It serves several invocations at once when `AWS_LAMBDA_MAX_CONCURRENCY` says so.

use lambda_runtime::{service_fn, Diagnostic, LambdaEvent};
use serde_json::{json, Value};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::run_concurrent(service_fn(|event: LambdaEvent<Value>| async move {
        handle(event.payload).await
    }))
    .await
}

fn fail(message: &str) -> Diagnostic {
    Diagnostic {
        error_type: "Error".into(),
        error_message: message.into(),
    }
}

async fn handle(event: Value) -> Result<Value, Diagnostic> {
    let arn = event
        .get("methodArn")
        .or_else(|| event.get("routeArn"))
        .and_then(Value::as_str);
    let Some(arn) = arn else {
        let path = event
            .get("path")
            .or_else(|| event.get("rawPath"))
            .and_then(Value::as_str)
            .unwrap_or("");
        if path.contains("crash") {
            std::process::exit(3);
        }
        // A slow integration, to hold an execution environment busy; the answer names the
        // process, so a test can count environments.
        if path.contains("slow") {
            tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        }
        if path.contains("hang") {
            tokio::time::sleep(std::time::Duration::from_secs(10)).await;
        }
        let max = std::env::var("AWS_LAMBDA_MAX_CONCURRENCY").unwrap_or_default();
        return Ok(json!({
            "statusCode": 200,
            "headers": {
                "content-type": "application/json",
                "x-process-id": std::process::id().to_string(),
                "x-max-concurrency": max,
            },
            "body": event.to_string(),
        }));
    };
    let token = event
        .get("authorizationToken")
        .and_then(Value::as_str)
        .or_else(|| event.pointer("/identitySource/0").and_then(Value::as_str))
        .or_else(|| {
            event
                .pointer("/headers/authorization")
                .and_then(Value::as_str)
        })
        .or_else(|| {
            event
                .pointer("/queryStringParameters/token")
                .and_then(Value::as_str)
        })
        .unwrap_or("")
        .trim_start_matches("Bearer ")
        .to_string();
    // `arn:…:{api}/{stage}/` and what follows.
    let stage_prefix: String = arn.splitn(3, '/').take(2).collect::<Vec<_>>().join("/") + "/";
    let context = json!({ "sub": "user_test", "count": 3, "admin": true });
    if event.get("version") == Some(&json!("2.0"))
        && std::env::var("TEST_POLICY_RESPONSES").is_err()
    {
        return match token.as_str() {
            "error" => Err(fail("Boom")),
            "unauthorized" => Err(fail("Unauthorized")),
            "malformed" => Ok(json!({ "isAuthorized": "yes" })),
            _ => Ok(json!({ "isAuthorized": token == "allow", "context": context })),
        };
    }
    let policy = |statements: Value| json!({ "principalId": "user_test", "policyDocument": { "Version": "2012-10-17", "Statement": statements }, "context": context });
    let statement = |effect: &str, resource: String| json!({ "Effect": effect, "Action": "execute-api:Invoke", "Resource": resource });
    Ok(match token.as_str() {
        "allow" => policy(json!([statement("Allow", format!("{stage_prefix}*"))])),
        "route-only" => policy(json!([statement("Allow", arn.to_string())])),
        "deny" => policy(json!([statement("Deny", format!("{stage_prefix}*"))])),
        "explicit-deny" => policy(json!([
            statement("Allow", format!("{stage_prefix}*")),
            statement("Deny", format!("{stage_prefix}DELETE/*"))
        ])),
        "not-resource" => policy(
            json!([{ "Effect": "Allow", "Action": "execute-api:Invoke", "NotResource": [format!("{stage_prefix}DELETE/*")] }]),
        ),
        "unauthorized" => return Err(fail("Unauthorized")),
        "error" => return Err(fail("Boom")),
        "malformed" => json!({ "hello": "world" }),
        "no-principal" => {
            let mut p = policy(json!([statement("Allow", format!("{stage_prefix}*"))]));
            p.as_object_mut().unwrap().remove("principalId");
            p
        }
        "nested-context" => {
            let mut p = policy(json!([statement("Allow", format!("{stage_prefix}*"))]));
            p["context"] = json!({ "team": { "id": 1 } });
            p
        }
        "crash" => std::process::exit(3),
        "slow" => {
            tokio::time::sleep(std::time::Duration::from_secs(30)).await;
            policy(json!([statement("Allow", format!("{stage_prefix}*"))]))
        }
        _ => return Err(fail("Unauthorized")),
    })
}
