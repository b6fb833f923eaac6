//! The sample API handlers over the files in `events/api/`: REST proxy and HTTP API 2.0 events
//! with the authorizer context attached the way API Gateway attaches it.

use std::path::Path;

use api_handlers::task_store::Task;
use api_handlers::{handle_event, routes, tasks, ApiRequest, ApiResponse, Identity};
use serde_json::{json, Value};
use tests::*;

fn answer(function: &str, event: &Value) -> Value {
    let handler: fn(&ApiRequest) -> ApiResponse = match function {
        "health" => routes::health,
        "me" => routes::me,
        "tasks" => return tasks(event),
        other => panic!("unknown function {other}"),
    };
    sync(handler, event)
}

/// A plain (synchronous) route through the same adapter as the Lambda.
fn sync(handler: fn(&ApiRequest) -> ApiResponse, event: &Value) -> Value {
    handle_event(|request| async move { handler(&request) }, event)
}

fn read(file: &str) -> Value {
    let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../events/api")).join(file);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn body(response: &Value) -> Value {
    assert_eq!(response["headers"]["content-type"], "application/json");
    serde_json::from_str(response["body"].as_str().unwrap()).expect("every body is JSON")
}

#[test]
fn every_api_sample_event_gets_its_status() {
    for sample in api_samples() {
        let event = read(&sample.file);
        assert_eq!(
            event, sample.event,
            "{} is stale: run `cargo mint samples`",
            sample.file
        );
        let response = answer(sample.function, &event);
        assert_eq!(
            response["statusCode"], sample.status,
            "{}: {}",
            sample.file, response["body"]
        );
        body(&response);
    }
}

#[test]
fn me_reads_rest_and_http_api_contexts_alike() {
    let rest = sync(routes::me, &read("rest-me-admin.json"));
    let http = sync(routes::me, &read("http-me-admin.json"));
    let expected = json!({
        "sub": "user_2admin0000000000000000001",
        "sid": "sess_2admin0000000000000000001",
        "role": "admin",
        "org_id": null,
        "org_role": null,
        "org_permissions": [],
        "metadata": { "plan": "pro" }
    });
    assert_eq!(body(&rest), expected);
    assert_eq!(body(&http), expected);
}

#[test]
fn me_shows_the_organisation_and_keeps_it_out_of_metadata() {
    let context = org_context(SAMPLE_MANAGER, &["org:tasks:view", "org:tasks:manage"]);
    let event = rest_proxy_event("GET /me", "/me", None, Some(context));
    let me = body(&sync(routes::me, &event));
    assert_eq!(me["org_id"], SAMPLE_ORG);
    assert_eq!(me["org_role"], "org:member");
    assert_eq!(
        me["org_permissions"],
        json!(["org:tasks:view", "org:tasks:manage"])
    );
    assert_eq!(me["metadata"], json!({ "org_slug": "acme" }));
}

fn tasks(event: &Value) -> Value {
    tasks_event(&unreachable_task_store(), event)
}

fn task(created_by: &str) -> Task {
    seeded_task(
        "0192f0c1-7e5a-7cc3-9b1e-3a8f5e1d2c4b",
        "Wire the Clerk authorizer",
        created_by,
    )
}

fn identity(context: Value) -> Identity {
    let fields = serde_json::from_value(context).unwrap();
    Identity::from_context(&fields).unwrap()
}

#[test]
fn editing_needs_edit_for_your_own_task_and_manage_for_anyone_s() {
    let editor = identity(org_context(
        SAMPLE_EDITOR,
        &["org:tasks:view", "org:tasks:edit"],
    ));
    let manager = identity(org_context(SAMPLE_MANAGER, &["org:tasks:manage"]));
    let viewer = identity(org_context(SAMPLE_EDITOR, &["org:tasks:view"]));
    assert!(tasks::may_edit(&editor, &task(SAMPLE_EDITOR)));
    assert!(!tasks::may_edit(&editor, &task(SAMPLE_MANAGER)));
    assert!(tasks::may_edit(&manager, &task(SAMPLE_EDITOR)));
    // Without org:tasks:edit, not even your own task.
    assert!(!tasks::may_edit(&viewer, &task(SAMPLE_EDITOR)));
    // A personal account edits its own tasks; the admin role anyone's in its tenant.
    let member = identity(sample_context(Some("member")));
    assert!(tasks::may_edit(&member, &task(&member.sub)));
    assert!(!tasks::may_edit(&member, &task(SAMPLE_EDITOR)));
    let admin = identity(sample_context(Some("admin")));
    assert!(tasks::may_edit(&admin, &task(SAMPLE_EDITOR)));
}

#[test]
fn the_tenant_is_the_organisation_else_the_account() {
    let editor = identity(org_context(SAMPLE_EDITOR, &["org:tasks:edit"]));
    assert_eq!(tasks::tenant(&editor), SAMPLE_ORG);
    let member = identity(sample_context(Some("member")));
    assert_eq!(tasks::tenant(&member), member.sub);
}

#[test]
fn delete_checks_the_admin_role_or_manage_permission_itself() {
    for file in [
        "rest-tasks-delete-member.json",
        "http-tasks-delete-editor.json",
    ] {
        let response = tasks(&read(file));
        assert_eq!(response["statusCode"], 403, "{file}");
        assert_eq!(body(&response)["error"], "forbidden");
    }
    assert!(tasks::may_delete(&identity(sample_context(Some("admin")))));
    assert!(tasks::may_delete(&identity(org_context(
        SAMPLE_MANAGER,
        &["org:tasks:manage"]
    ))));
}

#[test]
fn protected_routes_without_context_answer_401() {
    let id = "0192f0c1-7e5a-7cc3-9b1e-3a8f5e1d2c4b";
    for route in [
        "GET /tasks".to_string(),
        "POST /tasks".to_string(),
        format!("DELETE /tasks/{id}"),
        format!("GET /tasks/{id}"),
    ] {
        let event = rest_proxy_event(&route, "/tasks", Some("{}"), None);
        assert_eq!(tasks(&event)["statusCode"], 401, "{route}");
        let event = http_api_event(&route, &route, None, None);
        assert_eq!(tasks(&event)["statusCode"], 401, "{route}");
    }
}

#[test]
fn bad_bodies_ids_and_pages_answer_400_with_a_json_error() {
    let member = Some(sample_context(Some("member")));
    for body_text in [
        "",
        "not json",
        "[]",
        r#"{"title":""}"#,
        r#"{"title":5}"#,
        r#"{"title":"x","extra":1}"#,
    ] {
        let event = rest_proxy_event("POST /tasks", "/tasks", Some(body_text), member.clone());
        let response = tasks(&event);
        assert_eq!(response["statusCode"], 400, "{body_text:?}");
        assert_eq!(body(&response)["error"], "bad_request");
    }
    let long = json!({ "title": "x".repeat(201) }).to_string();
    let event = http_api_event("POST /tasks", "POST /tasks", Some(&long), member.clone());
    assert_eq!(tasks(&event)["statusCode"], 400);
    let patch = "PATCH /tasks/0192f0c1-7e5a-7cc3-9b1e-3a8f5e1d2c4b";
    for body_text in [
        "{}",
        r#"{"version":1}"#,
        r#"{"done":"yes"}"#,
        r#"{"version":-1,"done":true}"#,
    ] {
        let event = rest_proxy_event(patch, "/tasks/{id}", Some(body_text), member.clone());
        assert_eq!(tasks(&event)["statusCode"], 400, "{body_text}");
    }
    for id in ["0", "abc", "1.5", "0192f0c1-7e5a-7cc3-9b1e", "../tasks"] {
        let event = rest_proxy_event(
            &format!("GET /tasks/{id}"),
            "/tasks/{id}",
            None,
            member.clone(),
        );
        assert_eq!(tasks(&event)["statusCode"], 400, "{id}");
    }
    for query in [
        json!({"limit": "0"}),
        json!({"limit": "101"}),
        json!({"limit": "x"}),
        json!({"cursor": "nope"}),
    ] {
        let mut event = rest_proxy_event("GET /tasks", "/tasks", None, member.clone());
        event["queryStringParameters"] = query.clone();
        assert_eq!(tasks(&event)["statusCode"], 400, "{query}");
    }
}

#[test]
fn a_table_that_cannot_be_reached_is_a_500_that_names_no_reason() {
    let member = Some(sample_context(Some("member")));
    let event = http_api_event("GET /tasks", "GET /tasks", None, member);
    let response = tasks(&event);
    assert_eq!(response["statusCode"], 500);
    assert_eq!(body(&response)["error"], "internal");
    assert!(!body(&response)["message"]
        .as_str()
        .unwrap()
        .contains("127.0.0.1"));
}

#[test]
fn unreadable_events_and_wrong_methods_are_json_errors_not_panics() {
    for event in [
        json!(null),
        json!([]),
        json!({"version": "2.0"}),
        json!({"httpMethod": 5}),
    ] {
        let response = tasks(&event);
        assert_eq!(response["statusCode"], 400, "{event}");
        body(&response);
    }
    let put = rest_proxy_event("PUT /health", "/health", None, None);
    assert_eq!(sync(routes::health, &put)["statusCode"], 405);
    let member = Some(sample_context(Some("member")));
    let put = rest_proxy_event("PUT /tasks", "/tasks", Some("{}"), member);
    assert_eq!(tasks(&put)["statusCode"], 405);
}
