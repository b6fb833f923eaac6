//! A small stateless tasks API over a fixed sample list: `GET /tasks`, `GET /tasks/{id}`,
//! `POST /tasks`, `PATCH /tasks/{id}`, `DELETE /tasks/{id}`. Writes are validated and echoed,
//! not stored.
//!
//! The gateway decides the route; this handler decides the row, from the authorizer context,
//! as Clerk's RBAC guide does: editing needs `org:tasks:edit` for your own task and
//! `org:tasks:manage` for anyone's. (A personal account edits its own tasks; the map-form
//! `admin` role may edit and delete any task.)

use serde::Deserialize;
use serde_json::{json, Value};

use crate::{ApiRequest, ApiResponse, Identity};

pub const MAX_TITLE_CHARS: usize = 200;

/// Who created the sample tasks: an organisation member with `org:tasks:edit`, and the
/// `member` role's sample user (the sample events in `events/api/` use both).
pub const SAMPLE_EDITOR: &str = "user_2editor000000000000000001";
pub const SAMPLE_MEMBER: &str = "user_2member000000000000000001";

/// The fixed sample list.
pub fn sample_tasks() -> Vec<Value> {
    vec![
        json!({ "id": 1, "title": "Wire the Clerk authorizer", "done": true, "created_by": SAMPLE_EDITOR }),
        json!({ "id": 2, "title": "Deploy with sam deploy --guided", "done": false, "created_by": SAMPLE_MEMBER }),
        json!({ "id": 3, "title": "Add an admin to public metadata", "done": false, "created_by": SAMPLE_EDITOR }),
    ]
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskEdit {
    title: Option<String>,
    done: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTask {
    title: String,
    #[serde(default)]
    done: bool,
}

pub fn handle(request: &ApiRequest) -> ApiResponse {
    let Some(identity) = &request.identity else {
        return ApiResponse::error(
            401,
            "no authorizer context: this route must sit behind the Clerk authorizer",
        );
    };
    let id = match task_id(request) {
        Ok(id) => id,
        Err(response) => return response,
    };
    match (request.method.as_str(), id) {
        ("GET", None) => ApiResponse::ok(json!({ "tasks": sample_tasks() })),
        ("GET", Some(id)) => find(id).map_or_else(not_found, ApiResponse::ok),
        ("POST", None) => create(request.body.as_deref(), &identity.sub),
        ("PATCH", Some(id)) => match find(id) {
            None => not_found(),
            Some(task) if !may_edit(identity, &task) => ApiResponse::error(
                403,
                "editing needs org:tasks:edit for your own task, org:tasks:manage for anyone's",
            ),
            Some(task) => edit(task, request.body.as_deref()),
        },
        // Defence in depth: the authorizer already gates this route, and we check again.
        ("DELETE", Some(_))
            if !identity.is_admin() && !identity.has_permission("org:tasks:manage") =>
        {
            ApiResponse::error(403, "deleting a task needs org:tasks:manage")
        }
        ("DELETE", Some(id)) => {
            find(id).map_or_else(not_found, |_| ApiResponse::ok(json!({ "deleted": id })))
        }
        _ => ApiResponse::error(
            405,
            "use GET /tasks, GET /tasks/{id}, POST /tasks, PATCH /tasks/{id} or DELETE /tasks/{id}",
        ),
    }
}

/// The `{id}` of `/tasks/{id}`: from the path parameters, else the last path segment.
fn task_id(request: &ApiRequest) -> Result<Option<u64>, ApiResponse> {
    let raw = match request.path_parameters.get("id") {
        Some(id) => id.as_str(),
        None => match request.path.trim_end_matches('/').rsplit_once("/tasks/") {
            Some((_, id)) => id,
            None => return Ok(None),
        },
    };
    match raw.parse::<u64>() {
        Ok(id) if id > 0 && !raw.starts_with('+') => Ok(Some(id)),
        _ => Err(ApiResponse::error(
            400,
            "the task id must be a positive whole number",
        )),
    }
}

/// Your own task with `org:tasks:edit` (or in a personal account), anyone's with
/// `org:tasks:manage` (or the `admin` role).
fn may_edit(identity: &Identity, task: &Value) -> bool {
    let own = task["created_by"] == identity.sub.as_str();
    identity.is_admin()
        || identity.has_permission("org:tasks:manage")
        || (own && (identity.has_permission("org:tasks:edit") || identity.org_id.is_none()))
}

fn edit(mut task: Value, body: Option<&str>) -> ApiResponse {
    let edit: TaskEdit = match body.map(serde_json::from_str) {
        Some(Ok(edit)) => edit,
        _ => {
            return ApiResponse::error(400, r#"the body must be {"title"?: string, "done"?: bool}"#)
        }
    };
    if let Some(title) = edit.title {
        let title = title.trim();
        if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
            return ApiResponse::error(400, "the title must be 1 to 200 characters");
        }
        task["title"] = json!(title);
    }
    if let Some(done) = edit.done {
        task["done"] = json!(done);
    }
    ApiResponse::ok(task)
}

fn find(id: u64) -> Option<Value> {
    sample_tasks().into_iter().find(|t| t["id"] == id)
}

fn not_found() -> ApiResponse {
    ApiResponse::error(404, "no task with that id")
}

fn create(body: Option<&str>, owner: &str) -> ApiResponse {
    let Some(body) = body.filter(|b| !b.trim().is_empty()) else {
        return ApiResponse::error(400, r#"send a JSON body such as {"title": "Write docs"}"#);
    };
    let task: NewTask = match serde_json::from_str(body) {
        Ok(task) => task,
        Err(_) => {
            return ApiResponse::error(400, r#"the body must be {"title": string, "done"?: bool}"#)
        }
    };
    let title = task.title.trim();
    if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
        return ApiResponse::error(400, "the title must be 1 to 200 characters");
    }
    let id = sample_tasks().len() as u64 + 1;
    ApiResponse::created(
        json!({ "id": id, "title": title, "done": task.done, "created_by": owner }),
    )
}
