//! Clerk over the network on the sample template, as production wires it: the env file's
//! CLERK_SECRET_KEY goes into moto's Secrets Manager, the template picks the networked
//! authorizer by the secret's ARN, and API keys are verified by the local Clerk API.

mod common;

use common::*;
use serde_json::{json, Value};
use tests::*;

fn api_key_env() -> TempFile {
    let text: String = dev_api_key_env()
        .into_iter()
        .map(|(k, v)| format!("{k}='{v}'\n"))
        .collect();
    TempFile::new("api-keys.env", &text)
}

fn with(credential: &str) -> String {
    format!("Bearer {credential}")
}

#[test]
fn api_keys_through_secrets_manager_and_the_local_clerk_api() {
    let env = api_key_env();
    let gateway = Gateway::start("template.yaml", &["--env-file", env.path()]);
    let output = gateway.output();
    assert!(output.contains("function AuthorizerFunction"), "{output}");
    assert!(output.contains("as arn:aws:secretsmanager:"), "{output}");
    let (rest, http) = (
        gateway.url("RestApi", "/tasks"),
        gateway.url("HttpApi", "/tasks"),
    );

    let ci = with(SAMPLE_ORG_API_KEY);
    let created = call_with_body(
        "POST",
        &rest,
        &[("Authorization", &ci), ("Content-Type", "application/json")],
        r#"{"title": "nightly build"}"#,
    );
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.json()["created_by"], SAMPLE_ORG);
    assert_eq!(call("GET", &http, &[("Authorization", &ci)]).status, 200);

    // The organisation's members see the task its key created: same tenant.
    let now = authorizer::now();
    let mut claims = clerk_claims(SAMPLE_VIEWER, json!({}), now - 5, now + 600);
    set_org(
        &mut claims,
        SAMPLE_ORG,
        "acme",
        "org:member",
        &["org:tasks:view"],
    );
    let listed = call("GET", &rest, &[("Authorization", &with(&mint(&claims)))]);
    let titles: Vec<Value> = listed.json()["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].clone())
        .collect();
    assert!(titles.contains(&json!("nightly build")), "{}", listed.body);

    // A user's read-only key cannot write; revoked and unknown keys are refused.
    let reader = with(SAMPLE_USER_API_KEY);
    assert_eq!(
        call("GET", &rest, &[("Authorization", &reader)]).status,
        200
    );
    assert_eq!(
        call("POST", &rest, &[("Authorization", &reader)]).status,
        403
    );
    for key in [REVOKED_API_KEY, EXPIRED_API_KEY, FOREIGN_API_KEY] {
        assert_eq!(
            call("GET", &rest, &[("Authorization", &with(key))]).status,
            401,
            "{key}"
        );
        assert_eq!(
            call("GET", &http, &[("Authorization", &with(key))]).status,
            403,
            "{key}"
        );
    }
    // The secret key reaches no log line: the function read it from Secrets Manager.
    let output = gateway.output();
    assert!(!output.contains(DEV_SECRET_KEY) && !output.contains(SAMPLE_ORG_API_KEY));
}

#[test]
fn an_outage_of_clerk_is_an_error_that_is_not_cached() {
    // Its own threads: the server must answer while this test blocks on HTTP calls.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events/clerk-api.json");
    let clerk = runtime
        .block_on(local_gateway::clerk_api::LocalClerkApi::start(
            file.to_str().unwrap(),
            0,
        ))
        .unwrap();
    let env = api_key_env();
    let gateway = Gateway::start(
        "template.yaml",
        &["--env-file", env.path(), "--clerk-api", &clerk.url],
    );
    let (rest, http) = (
        gateway.url("RestApi", "/tasks"),
        gateway.url("HttpApi", "/tasks"),
    );
    let ci = with(SAMPLE_ORG_API_KEY);
    let control = |fault: &str| {
        let body = json!({ "fault": fault }).to_string();
        let answer = call_with_body("POST", &format!("{}/_control", clerk.url), &[], &body);
        assert_eq!(answer.status, 200);
    };
    control("500");
    // REST: 401; HTTP API: the authorizer's error is a 500. Neither is cached as a denial.
    assert_eq!(call("GET", &rest, &[("Authorization", &ci)]).status, 401);
    assert_eq!(call("GET", &http, &[("Authorization", &ci)]).status, 500);
    control("none");
    assert_eq!(call("GET", &rest, &[("Authorization", &ci)]).status, 200);
    assert_eq!(call("GET", &http, &[("Authorization", &ci)]).status, 200);
    drop(runtime);
}

#[test]
fn jwks_mode_loads_the_keys_from_the_local_clerk_api() {
    let env = dev_env_file();
    let gateway = Gateway::start("template.yaml", &["--env-file", env.path(), "--clerk-jwks"]);
    let output = gateway.output();
    assert!(output.contains("function AuthorizerFunction"), "{output}");
    let now = authorizer::now();
    let claims = clerk_claims(SAMPLE_EDITOR, json!({"role": "member"}), now - 5, now + 600);
    let tasks = gateway.url("RestApi", "/tasks");
    let token = with(&sign_with_kid(&claims, DEV_PRIVATE_KEY, DEV_KID));
    assert_eq!(
        call("GET", &tasks, &[("Authorization", &token)]).status,
        200
    );
    let foreign = with(&sign_with_kid(&claims, FOREIGN_PRIVATE_KEY, DEV_KID));
    assert_eq!(
        call("GET", &tasks, &[("Authorization", &foreign)]).status,
        401
    );
}
