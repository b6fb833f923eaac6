//! What the backfill reads from Clerk's Backend API: the organisations and users, page by page,
//! and each one's Clerk Billing subscription (`GET /v1/{organizations|users}/{id}/billing/
//! subscription`, as `@clerk/backend`'s `BillingAPI` calls it). Clerk answers 429 with
//! `Retry-After` past its rate limit (1,000 requests per 10 s in production, 100 in
//! development, shared with the app's own backend): each call waits and tries again.

use std::time::Duration;

use serde_json::Value;
use ureq::Agent;

use crate::aws_rest::https_agent;

/// Clerk's default Backend API.
pub const DEFAULT_API_URL: &str = "https://api.clerk.com";
/// The `Clerk-API-Version` sent, as the authorizer sends it.
const API_VERSION: &str = "2026-05-12";
/// Items per page by default (Clerk's maximum is 500).
pub const PAGE: usize = 100;
/// The most tries of one call that Clerk throttles or fails with a 5xx.
const TRIES: u32 = 6;
/// The longest `Retry-After` honoured; a longer one is cut to this.
const LONGEST_WAIT: Duration = Duration::from_secs(30);

/// Clerk's Backend API with the instance's secret key.
pub struct ClerkBackend {
    agent: Agent,
    url: String,
    secret_key: String,
    /// Items per page of a list.
    pub page: usize,
}

impl ClerkBackend {
    /// `url` is `CLERK_API_URL` (without `/v1`); `secret_key` the instance's `sk_…`.
    pub fn new(url: &str, secret_key: &str) -> ClerkBackend {
        ClerkBackend {
            agent: https_agent(),
            url: url.trim_end_matches('/').to_string(),
            secret_key: secret_key.to_string(),
            page: PAGE,
        }
    }

    /// `GET path`: the body, or `None` for a 404. Retries a 429 after its `Retry-After` (else
    /// a doubling wait) and a 5xx with a doubling wait.
    fn get(&self, path: &str) -> Result<Option<Value>, String> {
        let mut wait = Duration::from_millis(250);
        for attempt in 1..=TRIES {
            let mut response = self
                .agent
                .get(format!("{}{path}", self.url))
                .header("authorization", format!("Bearer {}", self.secret_key))
                .header("clerk-api-version", API_VERSION)
                .header("user-agent", "clerk-apigw-authorizer-backfill")
                .call()
                .map_err(|e| format!("Clerk's Backend API did not answer GET {path}: {e}"))?;
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(|s| Duration::from_secs(s).min(LONGEST_WAIT));
            match status {
                200..=299 => {
                    let text = response
                        .body_mut()
                        .read_to_string()
                        .map_err(|e| format!("Clerk's answer to GET {path} cannot be read: {e}"))?;
                    return serde_json::from_str(&text)
                        .map(Some)
                        .map_err(|_| format!("Clerk's answer to GET {path} is not JSON"));
                }
                404 => return Ok(None),
                429 | 500..=599 if attempt < TRIES => {
                    let pause = if status == 429 {
                        retry_after.unwrap_or(wait)
                    } else {
                        wait
                    };
                    tracing::warn!(
                        status,
                        path,
                        "Clerk asked to wait; trying again in {pause:?}"
                    );
                    std::thread::sleep(pause);
                    wait *= 2;
                }
                401 | 403 => {
                    return Err(format!(
                        "Clerk refused the secret key ({status}) on GET {path}: give the \
                         instance's sk_… key as CLERK_SECRET_KEY"
                    ))
                }
                _ => return Err(format!("Clerk answered {status} to GET {path}")),
            }
        }
        Err(format!("Clerk kept refusing GET {path} ({TRIES} tries)"))
    }

    /// The ids of one page of organisations, from `offset`.
    pub fn organizations(&self, offset: usize) -> Result<Vec<String>, String> {
        let page = self
            .get(&format!(
                "/v1/organizations?limit={}&offset={offset}",
                self.page
            ))?
            .unwrap_or(Value::Null);
        Ok(ids(page.get("data").unwrap_or(&Value::Null)))
    }

    /// The ids of one page of users, from `offset` (Clerk answers a bare list here).
    pub fn users(&self, offset: usize) -> Result<Vec<String>, String> {
        let page = self
            .get(&format!("/v1/users?limit={}&offset={offset}", self.page))?
            .unwrap_or(Value::Null);
        Ok(ids(page.get("data").unwrap_or(&page)))
    }

    /// The slug of the tenant's current Clerk Billing plan: its subscription's active item
    /// (else a past-due one, which keeps its plan until it ends), or `None` without one.
    pub fn plan_of(&self, tenant: &str) -> Result<Option<String>, String> {
        let kind = if tenant.starts_with("org_") {
            "organizations"
        } else {
            "users"
        };
        let Some(subscription) = self.get(&format!("/v1/{kind}/{tenant}/billing/subscription"))?
        else {
            return Ok(None);
        };
        Ok(current_plan(&subscription))
    }
}

/// The plan slug of a subscription's active item, else of a past-due one.
pub fn current_plan(subscription: &Value) -> Option<String> {
    let items = subscription
        .get("subscription_items")
        .and_then(Value::as_array)?;
    ["active", "past_due"].iter().find_map(|status| {
        items
            .iter()
            .find(|item| item.get("status").and_then(Value::as_str) == Some(status))
            .and_then(|item| item.pointer("/plan/slug").and_then(Value::as_str))
            .map(str::to_string)
    })
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| item.get("id").and_then(Value::as_str).map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_current_plan_is_the_active_item_else_a_past_due_one() {
        let subscription = |items: Value| json!({ "object": "commerce_subscription", "subscription_items": items });
        assert_eq!(
            current_plan(&subscription(json!([
                { "status": "upcoming", "plan": { "slug": "enterprise" } },
                { "status": "active", "plan": { "slug": "pro" } },
            ]))),
            Some("pro".into())
        );
        assert_eq!(
            current_plan(&subscription(json!([
                { "status": "ended", "plan": { "slug": "pro" } },
                { "status": "past_due", "plan": { "slug": "team" } },
            ]))),
            Some("team".into())
        );
        assert_eq!(
            current_plan(&subscription(
                json!([{ "status": "ended", "plan": { "slug": "pro" } }])
            )),
            None
        );
        assert_eq!(current_plan(&json!({})), None);
    }
}
