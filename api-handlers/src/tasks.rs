//! The tasks API: `GET /tasks` (paginated), `GET /tasks/{id}`, `POST /tasks`,
//! `PATCH /tasks/{id}`, `DELETE /tasks/{id}`, over the tasks table (`task_store`).
//!
//! The gateway decides the route; this handler decides the row, from the authorizer context:
//! - the tenant is the active organisation, or the caller's own account: every read and write
//!   names it, so no id reaches another tenant's task (that is a 404, as for a missing one);
//! - editing needs `org:tasks:edit` for your own task and `org:tasks:manage` for anyone's, as
//!   Clerk's RBAC guide has it (a personal account edits its own tasks; the map-form `admin`
//!   role edits and deletes any task of its tenant);
//! - edits are conditional on the version read (or the one the client sends), so concurrent
//!   edits answer 409 instead of losing one.
//!
//! A request is read and checked in full (`Command::parse`) before the table is touched.

use serde::Deserialize;
use serde_json::json;

use crate::task_store::{self, Changes, StoreError, Task, TaskStore};
use crate::{ApiRequest, ApiResponse, Identity};

pub const MAX_TITLE_CHARS: usize = 200;
/// Tasks per page unless `?limit=` says otherwise, and the most it may say.
pub const DEFAULT_PAGE: usize = 20;
pub const MAX_PAGE: usize = 100;

/// What a request asks for, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    List {
        limit: usize,
        after: Option<String>,
    },
    Get {
        id: String,
    },
    Create {
        title: String,
        done: bool,
    },
    Edit {
        id: String,
        changes: Changes,
        /// The version the client read, when it says so.
        version: Option<u64>,
    },
    Delete {
        id: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTask {
    title: String,
    #[serde(default)]
    done: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskEdit {
    title: Option<String>,
    done: Option<bool>,
    version: Option<u64>,
}

impl Command {
    /// Reads the method, the id, the query and the body; any problem is the 400 (or 405) to
    /// answer.
    pub fn parse(request: &ApiRequest) -> Result<Command, ApiResponse> {
        let id = task_id(request)?;
        match (request.method.as_str(), id) {
            ("GET", None) => Ok(Command::List {
                limit: page_size(request)?,
                after: match request.query.get("cursor") {
                    None => None,
                    Some(cursor) => Some(canonical_id(cursor).ok_or_else(|| {
                        ApiResponse::error(400, "cursor must be the next value of a previous page")
                    })?),
                },
            }),
            ("GET", Some(id)) => Ok(Command::Get { id }),
            ("POST", None) => {
                let new: NewTask = body(request, r#"{"title": string, "done"?: bool}"#)?;
                Ok(Command::Create {
                    title: title(&new.title)?,
                    done: new.done,
                })
            }
            ("PATCH", Some(id)) => {
                let edit: TaskEdit = body(
                    request,
                    r#"{"title"?: string, "done"?: bool, "version"?: number}"#,
                )?;
                if edit.title.is_none() && edit.done.is_none() {
                    return Err(ApiResponse::error(400, "say what to change: title or done"));
                }
                Ok(Command::Edit {
                    id,
                    changes: Changes {
                        title: edit.title.as_deref().map(title).transpose()?,
                        done: edit.done,
                    },
                    version: edit.version,
                })
            }
            ("DELETE", Some(id)) => Ok(Command::Delete { id }),
            _ => Err(ApiResponse::error(
                405,
                "use GET /tasks, GET /tasks/{id}, POST /tasks, PATCH /tasks/{id} or DELETE /tasks/{id}",
            )),
        }
    }
}

/// The partition a caller's tasks live in: the active organisation, else their own account.
pub fn tenant(identity: &Identity) -> &str {
    identity.org_id.as_deref().unwrap_or(&identity.sub)
}

/// Your own task with `org:tasks:edit` (or in a personal account), anyone's with
/// `org:tasks:manage` (or the `admin` role).
pub fn may_edit(identity: &Identity, task: &Task) -> bool {
    let own = task.created_by == identity.sub;
    identity.is_admin()
        || identity.has_permission("org:tasks:manage")
        || (own && (identity.has_permission("org:tasks:edit") || identity.org_id.is_none()))
}

/// Deleting needs `org:tasks:manage` (or the `admin` role). The authorizer already gates the
/// route; this is defence in depth.
pub fn may_delete(identity: &Identity) -> bool {
    identity.is_admin() || identity.has_permission("org:tasks:manage")
}

pub async fn handle(store: &TaskStore, request: &ApiRequest) -> ApiResponse {
    let Some(identity) = &request.identity else {
        return ApiResponse::error(
            401,
            "no authorizer context: this route must sit behind the Clerk authorizer",
        );
    };
    let command = match Command::parse(request) {
        Ok(command) => command,
        Err(response) => return response,
    };
    let tenant = tenant(identity);
    let answer = match command {
        Command::List { limit, after } => store
            .list(tenant, limit, after.as_deref())
            .await
            .map(|page| ApiResponse::ok(json!({ "tasks": page.tasks, "next": page.next }))),
        Command::Get { id } => store.get(tenant, &id).await.map(task_response),
        Command::Create { title, done } => {
            let now = task_store::now();
            let task = Task {
                id: uuid::Uuid::now_v7().to_string(),
                title,
                done,
                created_by: identity.sub.clone(),
                created_at: now.clone(),
                updated_at: now,
                version: 1,
            };
            store
                .create(tenant, &task)
                .await
                .map(|()| ApiResponse::created(json!(task)))
        }
        Command::Edit {
            id,
            changes,
            version,
        } => edit(store, identity, &id, &changes, version).await,
        Command::Delete { .. } if !may_delete(identity) => Ok(ApiResponse::error(
            403,
            "deleting a task needs org:tasks:manage",
        )),
        Command::Delete { id } => store
            .delete(tenant, &id)
            .await
            .map(|()| ApiResponse::ok(json!({ "deleted": id }))),
    };
    answer.unwrap_or_else(|e| store_error(store, &request.method, e))
}

async fn edit(
    store: &TaskStore,
    identity: &Identity,
    id: &str,
    changes: &Changes,
    version: Option<u64>,
) -> Result<ApiResponse, StoreError> {
    let tenant = tenant(identity);
    let task = store.get(tenant, id).await?;
    if !may_edit(identity, &task) {
        return Ok(ApiResponse::error(
            403,
            "editing needs org:tasks:edit for your own task, org:tasks:manage for anyone's",
        ));
    }
    let expected = version.unwrap_or(task.version);
    if expected != task.version {
        return Err(StoreError::Conflict);
    }
    store
        .update(tenant, id, changes, expected)
        .await
        .map(task_response)
}

fn task_response(task: Task) -> ApiResponse {
    ApiResponse::ok(json!(task))
}

/// 404 and 409 for the caller; anything else is the table's fault: a 500, and the reason in
/// the log (never in the answer).
fn store_error(store: &TaskStore, method: &str, error: StoreError) -> ApiResponse {
    match error {
        StoreError::NotFound => ApiResponse::error(404, "no task with that id"),
        StoreError::Conflict => ApiResponse::error(
            409,
            "the task changed since you read it: read it again, then retry with its version",
        ),
        StoreError::Failed(reason) => {
            tracing::error!(table = store.table(), method, %reason, "the tasks table failed");
            ApiResponse::error(
                500,
                "the tasks table is unavailable; the function's log says why",
            )
        }
    }
}

/// The `{id}` of `/tasks/{id}`: from the path parameters, else the last path segment.
fn task_id(request: &ApiRequest) -> Result<Option<String>, ApiResponse> {
    let raw = match request.path_parameters.get("id") {
        Some(id) => id.as_str(),
        None => match request.path.trim_end_matches('/').rsplit_once("/tasks/") {
            Some((_, id)) => id,
            None => return Ok(None),
        },
    };
    canonical_id(raw).map(Some).ok_or_else(|| {
        ApiResponse::error(
            400,
            "a task id is a UUID, such as 0192f0c1-7e5a-7cc3-9b1e-3a8f5e1d2c4b",
        )
    })
}

/// A task id in the one spelling the table uses (lower-case, hyphenated).
fn canonical_id(text: &str) -> Option<String> {
    uuid::Uuid::try_parse(text).ok().map(|id| id.to_string())
}

fn page_size(request: &ApiRequest) -> Result<usize, ApiResponse> {
    match request.query.get("limit") {
        None => Ok(DEFAULT_PAGE),
        Some(limit) => limit
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| ApiResponse::error(400, "limit must be a whole number from 1 to 100")),
    }
}

fn body<T: serde::de::DeserializeOwned>(
    request: &ApiRequest,
    shape: &str,
) -> Result<T, ApiResponse> {
    let Some(body) = request.body.as_deref().filter(|b| !b.trim().is_empty()) else {
        return Err(ApiResponse::error(
            400,
            &format!("send a JSON body: {shape}"),
        ));
    };
    serde_json::from_str(body)
        .map_err(|_| ApiResponse::error(400, &format!("the body must be {shape}")))
}

fn title(text: &str) -> Result<String, ApiResponse> {
    let title = text.trim();
    if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
        return Err(ApiResponse::error(
            400,
            "the title must be 1 to 200 characters",
        ));
    }
    Ok(title.to_string())
}
