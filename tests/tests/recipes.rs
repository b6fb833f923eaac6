//! What an adopter copies from `examples/`: the starter rules are valid and mean what their
//! names say, and the Node and Python snippets read the context the real authorizer gives, on
//! REST and HTTP API events.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use authorizer::handler::Verdict;
use common::*;
use serde_json::{json, Value};

fn starter(name: &str) -> authorizer::Authorizer {
    let path = format!(
        "{}/../examples/starter-rules/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let rules = std::fs::read_to_string(&path).unwrap();
    let rules: &str = Box::leak(rules.into_boxed_str());
    authorizer_with(&[
        ("ACCESS_RULES", rules),
        ("ACCEPTED_TOKENS", "session_token"),
    ])
}

fn verdict(
    authorizer: &authorizer::Authorizer,
    claims: &Value,
    route: &str,
) -> (Verdict, &'static str) {
    let outcome = run(
        authorizer,
        &token_event(&format!("Bearer {}", mint(claims)), route),
    );
    (outcome.verdict, outcome.reason)
}

fn org_member(permissions: &[&str], role: &str, fva: Value) -> Value {
    let now = authorizer::now();
    let mut claims = clerk_claims(SAMPLE_EDITOR, json!({}), now, now + 60);
    set_org(&mut claims, SAMPLE_ORG, "acme", role, permissions);
    claims["fva"] = fva;
    claims
}

#[test]
fn the_starter_rules_mean_what_their_names_say() {
    use Verdict::*;
    let anyone = starter("any-signed-in-user");
    assert_eq!(
        verdict(&anyone, &fresh_claims(""), "DELETE /anything/1").0,
        Allow
    );

    let admins = starter("admin-only");
    assert_eq!(
        verdict(&admins, &fresh_claims("admin"), "DELETE /x").0,
        Allow
    );
    assert_eq!(
        verdict(&admins, &fresh_claims("member"), "GET /x"),
        (Deny, "role_without_rules")
    );

    let org = starter("organisation-permission");
    let reader = org_member(&["org:invoices:read"], "org:member", json!([0, -1]));
    assert_eq!(verdict(&org, &reader, "GET /invoices/7").0, Allow);
    assert_eq!(
        verdict(&org, &reader, "POST /invoices"),
        (Deny, "missing_permission")
    );
    let writer = org_member(
        &["org:invoices:read", "org:invoices:write"],
        "org:member",
        json!([0, -1]),
    );
    assert_eq!(verdict(&org, &writer, "POST /invoices").0, Allow);
    let admin = org_member(&[], "org:admin", json!([2, 2]));
    assert_eq!(verdict(&org, &admin, "DELETE /invoices/7").0, Allow);
    let stale = org_member(&[], "org:admin", json!([45, 45]));
    assert_eq!(
        verdict(&org, &stale, "DELETE /invoices/7"),
        (Deny, "reverification_required")
    );
}

/// Runs a snippet with `event` on its standard input; its JSON answer.
fn snippet(program: &str, args: &[&str], event: &Value) -> Value {
    let mut child = Command::new(program)
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/context"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program} runs: {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(event.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{program} failed");
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn the_node_and_python_snippets_read_the_context_on_both_apis() {
    // The context the real authorizer gives an organisation editor, as each API hands it on.
    let claims = org_member(
        &["org:tasks:view", "org:tasks:edit"],
        "org:member",
        json!([0, -1]),
    );
    let token = mint(&claims);
    let http = run(
        &dev_authorizer(),
        &http_v2_event(
            json!({ "authorization": format!("Bearer {token}") }),
            &[],
            "GET /tasks",
        ),
    );
    let context = response(&http)["context"].clone();
    // REST hands every context value on as a string.
    let strings: serde_json::Map<String, Value> = context
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                Value::String(v.as_str().map_or_else(|| v.to_string(), str::to_string)),
            )
        })
        .collect();
    let events = [
        rest_proxy_event("GET /tasks", "/tasks", None, Some(Value::Object(strings))),
        http_api_event("GET /tasks", "GET /tasks", None, Some(context)),
    ];
    let node = [
        "--input-type=module",
        "-e",
        "import { clerkIdentity } from './handler.mjs'; let s = ''; for await (const c of process.stdin) s += c; console.log(JSON.stringify(clerkIdentity(JSON.parse(s))));",
    ];
    let python = [
        "-c",
        "import json, sys; from handler import clerk_identity; print(json.dumps(clerk_identity(json.load(sys.stdin))))",
    ];
    for event in &events {
        for identity in [
            snippet("node", &node, event),
            snippet("python3", &python, event),
        ] {
            assert_eq!(identity["subject"], SAMPLE_EDITOR, "{identity}");
            assert_eq!(identity["userId"], SAMPLE_EDITOR, "{identity}");
            assert_eq!(identity["orgId"], SAMPLE_ORG);
            assert_eq!(identity["tokenType"], "session_token");
            assert_eq!(
                identity["permissions"],
                json!(["org:tasks:view", "org:tasks:edit"])
            );
        }
    }
    // An organisation's API key (the context tests/tests/clerk_api.rs gets from the real
    // authorizer): its subject is the organisation, and no user id is made up.
    let key = json!({"sub": SAMPLE_ORG, "token_type": "api_key", "org_id": SAMPLE_ORG,
        "scopes": "tasks:read tasks:write", "key_name": "CI pipeline", "key_id": "ak_id_org_ci"});
    let events = [
        rest_proxy_event("GET /tasks", "/tasks", None, Some(key.clone())),
        http_api_event("GET /tasks", "GET /tasks", None, Some(key)),
    ];
    for event in &events {
        for identity in [
            snippet("node", &node, event),
            snippet("python3", &python, event),
        ] {
            assert_eq!(identity["subject"], SAMPLE_ORG, "{identity}");
            assert_eq!(identity["userId"], Value::Null, "{identity}");
            assert_eq!(identity["tokenType"], "api_key");
            assert_eq!(identity["keyId"], "ak_id_org_ci");
            assert_eq!(identity["scopes"], json!(["tasks:read", "tasks:write"]));
        }
    }
}
