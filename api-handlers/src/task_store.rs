//! The tasks table on DynamoDB: one partition per tenant (`tenant`: the organisation id, or the
//! user id of a personal account), one item per task (`id`, a UUIDv7 so a partition sorts by
//! creation time).
//!
//! Every call names the tenant: there is no way to reach an item without one, so a caller's id
//! can only ever select among their own tenant's tasks. Writes are conditional, so two edits
//! from the same version cannot both win (the second is a `Conflict`). Attribute names always go
//! through `#placeholders`, so none can collide with DynamoDB's reserved words.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use aws_config::timeout::TimeoutConfig;
use aws_config::BehaviorVersion;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::primitives::{DateTime, DateTimeFormat};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use aws_sdk_dynamodb::Client;
use serde::Serialize;

use crate::aws_trust;

/// The variable that names the table (the template sets it to `!Ref TasksTable`).
pub const TABLE_VARIABLE: &str = "TASKS_TABLE";

/// One task, as stored and as answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Task {
    pub id: String,
    pub title: String,
    pub done: bool,
    /// The `sub` of the user who created it: the owner the editing rule looks at.
    pub created_by: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub updated_at: String,
    /// 1 at creation, one more at each edit: what a conditional write compares.
    pub version: u64,
}

/// The fields an edit may change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    pub title: Option<String>,
    pub done: Option<bool>,
}

/// One page of a tenant's tasks, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub tasks: Vec<Task>,
    /// The id to continue after, when there are more.
    pub next: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// The item is not in the tenant's partition.
    NotFound,
    /// A conditional write lost: the task changed (or went) since it was read.
    Conflict,
    /// The table could not answer: missing, unreachable, throttled, denied. The text says why,
    /// for the log; the caller only ever sees a 500.
    Failed(String),
}

/// The table and a client for it.
#[derive(Debug, Clone)]
pub struct TaskStore {
    client: Client,
    table: String,
}

/// Lambda gives the region and the function's role credentials in the environment: the client's
/// configuration from them directly skips the default chain's providers (profile files, SSO,
/// IMDS, ...), most of the SDK's cold start, and its HTTPS client trusts `aws_trust`'s roots
/// rather than reading the machine's CA bundle. `None` outside Lambda (no region or no
/// credentials in the environment): there the default chain decides.
pub fn lambda_config() -> Option<aws_sdk_dynamodb::Config> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let region = env("AWS_REGION").or_else(|| env("AWS_DEFAULT_REGION"))?;
    env("AWS_ACCESS_KEY_ID")?;
    let endpoint = env("AWS_ENDPOINT_URL_DYNAMODB").or_else(|| env("AWS_ENDPOINT_URL"));
    let trust = aws_trust::trust_for(&region, endpoint.as_deref());
    let mut config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new(region))
        .credentials_provider(
            aws_config::environment::credentials::EnvironmentVariableCredentialsProvider::new(),
        )
        .timeout_config(timeouts());
    if let Some(endpoint) = endpoint {
        config = config.endpoint_url(endpoint);
    }
    if let Some(client) = aws_trust::http_client(trust) {
        config = config.http_client(client);
    }
    Some(config.build())
}

/// Short on purpose: the function's own timeout is 5 s, and an unreachable table must end as a
/// 500 with a reason in the log, not as a Lambda timeout.
fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(1))
        .operation_attempt_timeout(Duration::from_millis(1500))
        .operation_timeout(Duration::from_secs(3))
        .build()
}

impl TaskStore {
    /// Reads `TASKS_TABLE` and the SDK's usual configuration (region, credentials and, locally,
    /// `AWS_ENDPOINT_URL_DYNAMODB`): `lambda_config`, else the default chain. A missing table
    /// name stops the function at init.
    pub async fn from_env() -> Result<TaskStore, String> {
        let table = std::env::var(TABLE_VARIABLE)
            .ok()
            .filter(|t| !t.trim().is_empty())
            .ok_or(format!(
                "{TABLE_VARIABLE} is not set: set it to the tasks table's name (the template passes !Ref TasksTable)"
            ))?;
        if let Some(config) = lambda_config() {
            return Ok(TaskStore::new(Client::from_conf(config), table));
        }
        let config = aws_config::defaults(BehaviorVersion::latest())
            .timeout_config(timeouts())
            .load()
            .await;
        Ok(TaskStore::new(Client::new(&config), table))
    }

    pub fn new(client: Client, table: String) -> TaskStore {
        TaskStore { client, table }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Up to `limit` tasks of `tenant`, after the task `after` (a previous page's `next`).
    pub async fn list(
        &self,
        tenant: &str,
        limit: usize,
        after: Option<&str>,
    ) -> Result<Page, StoreError> {
        // One more than asked for tells whether there is a next page, so the last page never
        // points at an empty one.
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#tenant = :tenant")
            .expression_attribute_names("#tenant", "tenant")
            .expression_attribute_values(":tenant", s(tenant))
            .consistent_read(true)
            .limit(limit as i32 + 1);
        if let Some(after) = after {
            query = query.set_exclusive_start_key(Some(key(tenant, after)));
        }
        let output = query.send().await.map_err(failed)?;
        let mut tasks = output
            .items()
            .iter()
            .map(task)
            .collect::<Result<Vec<_>, _>>()?;
        let next = if tasks.len() > limit {
            tasks.truncate(limit);
            tasks.last().map(|t| t.id.clone())
        } else {
            None
        };
        Ok(Page { tasks, next })
    }

    /// The task `id` of `tenant` (a strongly consistent read).
    pub async fn get(&self, tenant: &str, id: &str) -> Result<Task, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(tenant, id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(failed)?;
        output.item().map(task).unwrap_or(Err(StoreError::NotFound))
    }

    /// Stores a new task; never overwrites one.
    pub async fn create(&self, tenant: &str, task: &Task) -> Result<(), StoreError> {
        let mut item = key(tenant, &task.id);
        item.extend([
            ("title".to_string(), s(&task.title)),
            ("done".to_string(), AttributeValue::Bool(task.done)),
            ("created_by".to_string(), s(&task.created_by)),
            ("created_at".to_string(), s(&task.created_at)),
            ("updated_at".to_string(), s(&task.updated_at)),
            ("version".to_string(), n(task.version)),
        ]);
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#id)")
            .expression_attribute_names("#id", "id")
            .send()
            .await
            .map(|_| ())
            .map_err(conflict_or_failed)
    }

    /// Applies `changes` if the task is still at `version`; answers the task as stored.
    pub async fn update(
        &self,
        tenant: &str,
        id: &str,
        changes: &Changes,
        version: u64,
    ) -> Result<Task, StoreError> {
        let mut set = vec!["#version = #version + :one", "#updated_at = :now"];
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(tenant, id)))
            .condition_expression("#version = :expected")
            .expression_attribute_names("#version", "version")
            .expression_attribute_names("#updated_at", "updated_at")
            .expression_attribute_values(":expected", n(version))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now", s(&now()))
            .return_values(ReturnValue::AllNew);
        if let Some(title) = &changes.title {
            set.push("#title = :title");
            update = update
                .expression_attribute_names("#title", "title")
                .expression_attribute_values(":title", s(title));
        }
        if let Some(done) = changes.done {
            set.push("#done = :done");
            update = update
                .expression_attribute_names("#done", "done")
                .expression_attribute_values(":done", AttributeValue::Bool(done));
        }
        let output = update
            .update_expression(format!("SET {}", set.join(", ")))
            .send()
            .await
            .map_err(conflict_or_failed)?;
        output.attributes().map(task).unwrap_or_else(|| {
            Err(StoreError::Failed(
                "UpdateItem answered no attributes".into(),
            ))
        })
    }

    /// Deletes the task if it exists.
    pub async fn delete(&self, tenant: &str, id: &str) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(tenant, id)))
            .condition_expression("attribute_exists(#id)")
            .expression_attribute_names("#id", "id")
            .send()
            .await
            .map(|_| ())
            .map_err(|e| match conflict_or_failed(e) {
                StoreError::Conflict => StoreError::NotFound,
                other => other,
            })
    }
}

/// The time now, as the table stores it.
pub fn now() -> String {
    DateTime::from(SystemTime::now())
        .fmt(DateTimeFormat::DateTime)
        .unwrap_or_default()
}

/// The item key: the one place that names the table's key attributes.
fn key(tenant: &str, id: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([("tenant".to_string(), s(tenant)), ("id".to_string(), s(id))])
}

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_string())
}

fn n(number: u64) -> AttributeValue {
    AttributeValue::N(number.to_string())
}

/// An item → a task. An item we cannot read is a failure, reported with its key.
fn task(item: &HashMap<String, AttributeValue>) -> Result<Task, StoreError> {
    let text = |name: &str| match item.get(name) {
        Some(AttributeValue::S(text)) => Ok(text.clone()),
        _ => Err(StoreError::Failed(format!(
            "item {:?} has no string attribute {name}",
            item.get("id")
        ))),
    };
    let version = match item.get("version") {
        Some(AttributeValue::N(number)) => number.parse().ok(),
        _ => None,
    };
    Ok(Task {
        id: text("id")?,
        title: text("title")?,
        done: matches!(item.get("done"), Some(AttributeValue::Bool(true))),
        created_by: text("created_by")?,
        created_at: text("created_at").unwrap_or_default(),
        updated_at: text("updated_at").unwrap_or_default(),
        version: version.ok_or_else(|| {
            StoreError::Failed(format!("item {:?} has no numeric version", item.get("id")))
        })?,
    })
}

/// Any SDK error as a failure, with the service's code and message, or the transport's reason.
fn failed<E, R>(error: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    StoreError::Failed(DisplayErrorContext(&error).to_string())
}

/// A lost condition is a conflict; anything else a failure.
fn conflict_or_failed<E, R>(error: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match error.as_service_error().and_then(|e| e.code()) {
        Some("ConditionalCheckFailedException") => StoreError::Conflict,
        _ => failed(error),
    }
}
