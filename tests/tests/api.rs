//! The sample API handlers over the files in `events/api/`: REST proxy and HTTP API 2.0 events
//! with the authorizer context attached the way API Gateway attaches it.

use std::path::Path;

use api_handlers::{handle_event, routes, tasks, ApiRequest, ApiResponse};
use serde_json::{json, Value};
use tests::*;

fn handler(function: &str) -> fn(&ApiRequest) -> ApiResponse {
    match function {
        "health" => routes::health,
        "me" => routes::me,
        "tasks" => tasks::handle,
        other => panic!("unknown function {other}"),
    }
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
            "{} is stale: run `cargo run -p tests --bin mint -- samples`",
            sample.file
        );
        let response = handle_event(handler(sample.function), &event);
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
    let rest = handle_event(routes::me, &read("rest-me-admin.json"));
    let http = handle_event(routes::me, &read("http-me-admin.json"));
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
    let me = body(&handle_event(routes::me, &event));
    assert_eq!(me["org_id"], SAMPLE_ORG);
    assert_eq!(me["org_role"], "org:member");
    assert_eq!(
        me["org_permissions"],
        json!(["org:tasks:view", "org:tasks:manage"])
    );
    assert_eq!(me["metadata"], json!({ "org_slug": "acme" }));
}

#[test]
fn editing_needs_edit_for_your_own_task_and_manage_for_anyone_s() {
    let status = |file: &str| handle_event(tasks::handle, &read(file))["statusCode"].clone();
    assert_eq!(status("rest-tasks-edit-own-editor.json"), 200);
    assert_eq!(status("http-tasks-edit-other-editor.json"), 403);
    assert_eq!(status("rest-tasks-edit-other-manager.json"), 200);
    // Without org:tasks:edit, not even your own task.
    let viewer = org_context(tasks::SAMPLE_EDITOR, &["org:tasks:view"]);
    let event = rest_proxy_event(
        "PATCH /tasks/1",
        "/tasks/{id}",
        Some(r#"{"done":true}"#),
        Some(viewer),
    );
    assert_eq!(handle_event(tasks::handle, &event)["statusCode"], 403);
    // A personal account edits its own tasks.
    let member = Some(sample_context(Some("member")));
    let own = rest_proxy_event(
        "PATCH /tasks/2",
        "/tasks/{id}",
        Some(r#"{"title":"Renamed"}"#),
        member.clone(),
    );
    let edited = handle_event(tasks::handle, &own);
    assert_eq!(body(&edited)["title"], "Renamed");
    let other = rest_proxy_event(
        "PATCH /tasks/1",
        "/tasks/{id}",
        Some(r#"{"done":true}"#),
        member,
    );
    assert_eq!(handle_event(tasks::handle, &other)["statusCode"], 403);
}

#[test]
fn delete_checks_the_admin_role_or_manage_permission_itself() {
    let member = handle_event(tasks::handle, &read("rest-tasks-delete-member.json"));
    assert_eq!(member["statusCode"], 403);
    assert_eq!(body(&member)["error"], "forbidden");
    let admin = handle_event(tasks::handle, &read("http-tasks-delete-admin.json"));
    assert_eq!(body(&admin), json!({ "deleted": 1 }));
}

#[test]
fn protected_routes_without_context_answer_401() {
    for route in [
        "GET /tasks",
        "POST /tasks",
        "DELETE /tasks/1",
        "GET /tasks/1",
    ] {
        let event = rest_proxy_event(route, "/tasks", Some("{}"), None);
        assert_eq!(
            handle_event(tasks::handle, &event)["statusCode"],
            401,
            "{route}"
        );
        let event = http_api_event(route, route, None, None);
        assert_eq!(
            handle_event(tasks::handle, &event)["statusCode"],
            401,
            "{route}"
        );
    }
}

#[test]
fn bad_bodies_and_ids_answer_400_with_a_json_error() {
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
        let response = handle_event(tasks::handle, &event);
        assert_eq!(response["statusCode"], 400, "{body_text:?}");
        assert_eq!(body(&response)["error"], "bad_request");
    }
    let long = json!({ "title": "x".repeat(201) }).to_string();
    let event = http_api_event("POST /tasks", "POST /tasks", Some(&long), member.clone());
    assert_eq!(handle_event(tasks::handle, &event)["statusCode"], 400);
    for id in ["0", "-1", "1.5", "+1", "99999999999999999999999"] {
        let event = rest_proxy_event(
            &format!("GET /tasks/{id}"),
            "/tasks/{id}",
            None,
            member.clone(),
        );
        assert_eq!(
            handle_event(tasks::handle, &event)["statusCode"],
            400,
            "{id}"
        );
    }
}

#[test]
fn created_task_is_owned_by_the_caller() {
    let response = handle_event(tasks::handle, &read("http-tasks-create-member.json"));
    assert_eq!(response["statusCode"], 201);
    assert_eq!(
        body(&response)["created_by"],
        "user_2member000000000000000001"
    );
}

#[test]
fn unreadable_events_and_wrong_methods_are_json_errors_not_panics() {
    for event in [
        json!(null),
        json!([]),
        json!({"version": "2.0"}),
        json!({"httpMethod": 5}),
    ] {
        let response = handle_event(tasks::handle, &event);
        assert_eq!(response["statusCode"], 400, "{event}");
        body(&response);
    }
    let put = rest_proxy_event("PUT /health", "/health", None, None);
    assert_eq!(handle_event(routes::health, &put)["statusCode"], 405);
}
