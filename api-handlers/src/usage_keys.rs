//! Tenants' API Gateway API keys and the usage plans they sit in, through API Gateway's
//! management API: find a key by its value, create one, enable or disable it, move it between
//! plans. A key's value is `USAGE_KEY_PREFIX` + the tenant's Clerk id, the `usageIdentifierKey`
//! the authorizer names; its `description` records the last Clerk event applied to it
//! (`clerk-event-at=<ms>`), so an older event never undoes a newer one. (A tag would do too on
//! AWS; the description is what every API Gateway, moto's included, stores and returns.)
//!
//! API Gateway allows a key in one plan per stage: a move removes the key from its other plans
//! first, then adds it to the new one. Every call is retried with backoff on API Gateway's
//! `TooManyRequestsException` (429) and 5xx.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value};

use crate::aws_rest::{AwsClient, Reply, API_GATEWAY};

/// The most tries of one call when API Gateway throttles it.
const TRIES: u32 = 5;
/// What the key's description starts with; the rest is the event's time in milliseconds.
const EVENT_AT: &str = "clerk-event-at=";

/// Which usage plan a tenant's key belongs in, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanNames {
    /// `DEFAULT_USAGE_PLAN`: tenants without a subscription.
    pub default: String,
    /// `PLAN_USAGE_PLANS`: Clerk Billing plan slug → usage plan name (`free=Default,pro=Pro`).
    pub by_slug: BTreeMap<String, String>,
}

impl PlanNames {
    /// Reads `DEFAULT_USAGE_PLAN` and `PLAN_USAGE_PLANS` (`slug=Plan,…`); a bad value names
    /// its variable.
    pub fn parse(default: Option<&str>, mapping: Option<&str>) -> Result<PlanNames, String> {
        let default = default.map(str::trim).filter(|d| !d.is_empty()).ok_or(
            "DEFAULT_USAGE_PLAN is not set: name the usage plan of tenants without a subscription",
        )?;
        let mut by_slug = BTreeMap::new();
        for pair in mapping
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            match pair.split_once('=') {
                Some((slug, plan)) if !slug.trim().is_empty() && !plan.trim().is_empty() => {
                    by_slug.insert(slug.trim().to_string(), plan.trim().to_string());
                }
                _ => {
                    return Err(format!(
                        "PLAN_USAGE_PLANS has {pair:?}; write slug=UsagePlanName pairs, e.g. free=Default,pro=Pro"
                    ))
                }
            }
        }
        Ok(PlanNames {
            default: default.to_string(),
            by_slug,
        })
    }

    /// The same names with `prefix` before each (`USAGE_PLAN_NAME_PREFIX`: a stack's plans are
    /// named `<stack>-Default`, so that two stacks in one account never share a name).
    pub fn prefixed(mut self, prefix: &str) -> PlanNames {
        self.default = format!("{prefix}{}", self.default);
        for name in self.by_slug.values_mut() {
            *name = format!("{prefix}{name}");
        }
        self
    }

    /// The usage plan of a Clerk Billing plan slug; an unknown slug gets the default plan.
    pub fn for_slug(&self, slug: &str) -> &str {
        self.by_slug.get(slug).map_or(&self.default, String::as_str)
    }
}

/// A tenant's API key as API Gateway keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub id: String,
    pub enabled: bool,
    /// The time of the last Clerk event applied, if recorded.
    pub event_at: Option<i64>,
}

/// API Gateway's keys and plans, for one stack's prefix.
pub struct UsageKeys {
    client: AwsClient,
    prefix: String,
}

impl UsageKeys {
    pub fn new(client: AwsClient, prefix: &str) -> UsageKeys {
        UsageKeys {
            client,
            prefix: prefix.to_string(),
        }
    }

    /// The key value of `tenant`.
    pub fn value(&self, tenant: &str) -> String {
        format!("{}{tenant}", self.prefix)
    }

    /// One call, retried with backoff while API Gateway throttles it or fails with a 5xx.
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Reply, String> {
        let mut wait = Duration::from_millis(100);
        for attempt in 1..=TRIES {
            let reply = self.client.call(API_GATEWAY, method, path, &[], body)?;
            let retry = reply.status == 429 || reply.status >= 500;
            if !retry || attempt == TRIES {
                return Ok(reply);
            }
            std::thread::sleep(wait);
            wait *= 2;
        }
        unreachable!("the loop returns on its last try")
    }

    fn expect(&self, reply: Reply, what: &str) -> Result<Value, String> {
        match reply.status {
            200..=299 => Ok(reply.body),
            status => Err(format!(
                "API Gateway answered {status} {} to {what}",
                reply.error_type()
            )),
        }
    }

    /// The key whose value is the tenant's, if any. Keys are named by tenant, so the listing
    /// asks for that name only, values included, and pages through what it returns.
    pub fn find(&self, tenant: &str) -> Result<Option<Key>, String> {
        let value = self.value(tenant);
        let mut position: Option<String> = None;
        loop {
            let mut path = format!("/apikeys?name={tenant}&includeValues=true&limit=500");
            if let Some(p) = &position {
                path += &format!("&position={p}");
            }
            let page = self.call("GET", &path, None)?;
            let page = self.expect(page, "listing API keys")?;
            let items = page.get("item").or_else(|| page.get("items"));
            for key in items.and_then(Value::as_array).into_iter().flatten() {
                if key.get("value").and_then(Value::as_str) == Some(value.as_str()) {
                    return Ok(Some(read_key(key)?));
                }
            }
            match page.get("position").and_then(Value::as_str) {
                Some(next) if !next.is_empty() => position = Some(next.to_string()),
                _ => return Ok(None),
            }
        }
    }

    /// Creates the tenant's key, enabled or not, recording the event's time.
    pub fn create(&self, tenant: &str, enabled: bool, event_at: i64) -> Result<Key, String> {
        let body = json!({
            "name": tenant,
            "value": self.value(tenant),
            "enabled": enabled,
            "description": format!("{EVENT_AT}{event_at}"),
        });
        let reply = self.call("POST", "/apikeys", Some(&body))?;
        read_key(&self.expect(reply, "creating an API key")?)
    }

    /// Sets the key's `enabled` and records the event's time.
    pub fn update(&self, key: &Key, enabled: bool, event_at: i64) -> Result<(), String> {
        let body = json!({ "patchOperations": [
            { "op": "replace", "path": "/enabled", "value": enabled.to_string() },
            { "op": "replace", "path": "/description", "value": format!("{EVENT_AT}{event_at}") },
        ]});
        let reply = self.call("PATCH", &format!("/apikeys/{}", key.id), Some(&body))?;
        self.expect(reply, "updating an API key").map(drop)
    }

    /// Every usage plan: name → id.
    pub fn plans(&self) -> Result<BTreeMap<String, String>, String> {
        let reply = self.call("GET", "/usageplans?limit=500", None)?;
        let body = self.expect(reply, "listing usage plans")?;
        Ok(plan_list(&body))
    }

    /// The ids of the plans the key is in.
    pub fn plans_of(&self, key: &Key) -> Result<Vec<String>, String> {
        let reply = self.call(
            "GET",
            &format!("/usageplans?keyId={}&limit=500", key.id),
            None,
        )?;
        let body = self.expect(reply, "listing a key's usage plans")?;
        Ok(plan_list(&body).into_values().collect())
    }

    /// Puts the key in plan `target` (an id) only: out of every other plan first (a key may be
    /// in one plan per stage), then into `target` unless it is there.
    pub fn move_to(&self, key: &Key, target: &str) -> Result<(), String> {
        let current = self.plans_of(key)?;
        for plan in current.iter().filter(|p| *p != target) {
            let reply = self.call(
                "DELETE",
                &format!("/usageplans/{plan}/keys/{}", key.id),
                None,
            )?;
            if reply.status != 404 {
                self.expect(reply, "removing a key from a usage plan")?;
            }
        }
        if !current.iter().any(|p| p == target) {
            let body = json!({ "keyId": key.id, "keyType": "API_KEY" });
            let reply = self.call("POST", &format!("/usageplans/{target}/keys"), Some(&body))?;
            // 409: already there (a retried delivery raced us): the state wanted.
            if reply.status != 409 {
                self.expect(reply, "adding a key to a usage plan")?;
            }
        }
        Ok(())
    }
}

fn plan_list(body: &Value) -> BTreeMap<String, String> {
    body.get("item")
        .or_else(|| body.get("items"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|plan| {
            Some((
                plan.get("name")?.as_str()?.to_string(),
                plan.get("id")?.as_str()?.to_string(),
            ))
        })
        .collect()
}

fn read_key(key: &Value) -> Result<Key, String> {
    Ok(Key {
        id: key
            .get("id")
            .and_then(Value::as_str)
            .ok_or("API Gateway returned a key without an id")?
            .to_string(),
        enabled: key.get("enabled").and_then(Value::as_bool).unwrap_or(false),
        event_at: key
            .get("description")
            .and_then(Value::as_str)
            .and_then(|d| d.strip_prefix(EVENT_AT))
            .and_then(|at| at.parse().ok()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_names_map_slugs_and_name_their_variable_when_wrong() {
        let names = PlanNames::parse(Some("Default"), Some(" free=Default, pro=Pro ")).unwrap();
        assert_eq!(names.for_slug("pro"), "Pro");
        assert_eq!(names.for_slug("enterprise"), "Default");
        let names = names.prefixed("staging-");
        assert_eq!(names.for_slug("pro"), "staging-Pro");
        assert_eq!(names.for_slug("enterprise"), "staging-Default");
        assert!(PlanNames::parse(None, None)
            .unwrap_err()
            .starts_with("DEFAULT_USAGE_PLAN"));
        for bad in ["pro", "pro=", "=Pro"] {
            assert!(PlanNames::parse(Some("D"), Some(bad))
                .unwrap_err()
                .starts_with("PLAN_USAGE_PLANS"));
        }
    }
}
