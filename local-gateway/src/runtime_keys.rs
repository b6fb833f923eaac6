//! API keys created at run time, as a provisioner (the sample's `POST /webhooks/clerk`) creates
//! them on AWS: through API Gateway's management API, here moto's. At start the template's usage
//! plans are created there under their names, on the local APIs' stages, so a provisioner finds
//! them as it would in the account; then the keys and each plan's keys are read back every
//! `LOOK_EVERY`, and the meter sees a new, moved or disabled key within a second.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use crate::dynamodb::LocalServer;
use crate::gateway::Gateway;
use crate::moto::{self, Call};
use crate::template::{Api, App};
use crate::usage_plans::{ApiKey, UsagePlan};

/// How often the keys are read back from moto.
pub const LOOK_EVERY: Duration = Duration::from_millis(250);

/// The plans in moto's API Gateway, and the moto_server started for them if none was running;
/// kept until the gateway stops.
pub struct RuntimeKeys {
    pub mirror: Mirror,
    _server: Option<LocalServer>,
}

impl RuntimeKeys {
    /// Where moto's API Gateway is (`AWS_ENDPOINT_URL_API_GATEWAY` for the functions).
    pub fn endpoint(&self) -> &str {
        &self.mirror.endpoint
    }
}

/// With usage plans in the app: creates them in moto's API Gateway, on the moto_server at
/// `moto` when one runs, else on one of their own. `None` without plans.
pub async fn start(
    app: &App,
    region: &str,
    moto: Option<&str>,
    project: &std::path::Path,
) -> Result<Option<RuntimeKeys>, String> {
    if app.usage_plans.plans.is_empty() {
        return Ok(None);
    }
    let (endpoint, server) = match moto {
        Some(endpoint) => (endpoint.to_string(), None),
        None => {
            let server = LocalServer::start(project)?;
            (server.endpoint.clone(), Some(server))
        }
    };
    let mirror = Mirror::create(&endpoint, region, &app.usage_plans.plans, &app.apis).await?;
    println!(
        "local-gateway: usage plans also in moto's API Gateway at {endpoint} \
         (AWS_ENDPOINT_URL_API_GATEWAY): keys created there count within a second"
    );
    Ok(Some(RuntimeKeys {
        mirror,
        _server: server,
    }))
}

/// The template's plans as moto's API Gateway holds them.
#[derive(Clone)]
pub struct Mirror {
    endpoint: String,
    region: String,
    /// Each plan's id in moto, by the index of the template's plan.
    plan_ids: Vec<String>,
}

impl Mirror {
    /// Creates each of `plans` in moto's API Gateway at `endpoint`, with its limits and the ids
    /// and stages of the local APIs it covers.
    pub async fn create(
        endpoint: &str,
        region: &str,
        plans: &[UsagePlan],
        apis: &[Api],
    ) -> Result<Mirror, String> {
        let mut plan_ids = Vec::new();
        for plan in plans {
            let stages: Vec<Value> = plan
                .stages
                .iter()
                .map(|stage| {
                    let id = apis
                        .iter()
                        .find(|a| a.name == stage.api)
                        .map_or(stage.api.as_str(), |a| a.id.as_str());
                    json!({ "apiId": id, "stage": stage.stage })
                })
                .collect();
            let mut body = json!({ "name": plan.name, "apiStages": stages });
            if let Some(t) = plan.throttle {
                body["throttle"] = json!({ "rateLimit": t.rate, "burstLimit": t.burst });
            }
            if let Some(q) = plan.quota {
                body["quota"] =
                    json!({ "limit": q.limit, "period": q.period.api_name(), "offset": q.offset });
            }
            let created = call(endpoint, region, "POST", "/usageplans", Some(&body))
                .await
                .map_err(|e| format!("cannot create usage plan {} in moto: {e}", plan.name))?;
            let id = created["id"]
                .as_str()
                .ok_or_else(|| format!("moto created usage plan {} without an id", plan.name))?;
            plan_ids.push(id.to_string());
        }
        Ok(Mirror {
            endpoint: endpoint.to_string(),
            region: region.to_string(),
            plan_ids,
        })
    }

    /// Every key in moto with the template plans it is in (indexes, as `ApiKey::plans`).
    pub async fn keys(&self) -> Result<Vec<ApiKey>, String> {
        let mut keys = Vec::new();
        let mut position = String::new();
        loop {
            let path = format!("/apikeys?includeValues=true&limit=500{position}");
            let page = call(&self.endpoint, &self.region, "GET", &path, None).await?;
            for key in items(&page) {
                let text = |field: &str| key[field].as_str().unwrap_or_default().to_string();
                keys.push((
                    text("id"),
                    ApiKey {
                        name: text("name"),
                        value: text("value"),
                        enabled: key["enabled"].as_bool().unwrap_or(false),
                        plans: Vec::new(),
                    },
                ));
            }
            match page["position"].as_str() {
                Some(next) if !next.is_empty() => position = format!("&position={next}"),
                _ => break,
            }
        }
        for (index, plan) in self.plan_ids.iter().enumerate() {
            let path = format!("/usageplans/{plan}/keys?limit=500");
            let page = call(&self.endpoint, &self.region, "GET", &path, None).await?;
            for member in items(&page) {
                if let Some((_, key)) = keys.iter_mut().find(|(id, _)| member["id"] == **id) {
                    key.plans.push(index);
                }
            }
        }
        Ok(keys.into_iter().map(|(_, key)| key).collect())
    }
}

/// Reads the keys back every `LOOK_EVERY` into the gateway's meter, with one line per key that
/// appears or changes (its name, a tenant id, and its plans; never its value).
pub fn spawn(mirror: Mirror, gateway: Arc<Gateway>) {
    tokio::spawn(async move {
        let mut seen: Vec<ApiKey> = Vec::new();
        let mut failing = false;
        loop {
            match mirror.keys().await {
                Ok(keys) => {
                    failing = false;
                    for key in keys.iter().filter(|k| !seen.contains(k)) {
                        let plans: Vec<&str> = key
                            .plans
                            .iter()
                            .map(|&i| gateway.meter().plans()[i].name.as_str())
                            .collect();
                        println!(
                            "local-gateway: API key {} (from moto's API Gateway): {}, in {}",
                            key.name,
                            if key.enabled { "enabled" } else { "disabled" },
                            if plans.is_empty() {
                                "no usage plan".to_string()
                            } else {
                                format!("usage plan {}", plans.join(", "))
                            }
                        );
                    }
                    gateway.meter().set_runtime_keys(keys.clone());
                    seen = keys;
                }
                // Keys already seen stay in force; one line until it answers again.
                Err(problem) if !failing => {
                    failing = true;
                    eprintln!("local-gateway: cannot read API keys from moto: {problem}");
                }
                Err(_) => {}
            }
            tokio::time::sleep(LOOK_EVERY).await;
        }
    });
}

async fn call(
    endpoint: &str,
    region: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<Value, String> {
    let call = Call {
        service: "apigateway",
        region,
        method,
        path,
        target: None,
        body,
    };
    match moto::call(endpoint, &call).await? {
        (200..=299, answer) => Ok(answer),
        (status, answer) => Err(format!("{method} {path}: status {status}: {answer}")),
    }
}

fn items(page: &Value) -> impl Iterator<Item = &Value> {
    page.get("item")
        .or_else(|| page.get("items"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}
