//! `POST /webhooks/clerk`: Clerk's webhooks keep one API Gateway API key per tenant in the
//! usage plan of its Clerk Billing plan. No authorizer: each delivery is checked against the
//! endpoint's Svix signing secret instead (`clerk_webhooks::svix`).
//!
//! Robust to Svix's delivery (at least once, in any order): each change is applied only if its
//! event is newer than the last one applied to that tenant (recorded on the key), so a replay or
//! a stale event answers 200 and changes nothing; and each step is idempotent, so a retry after a
//! failure half way finishes the job. A failure to reach API Gateway answers 500: Svix retries.

use clerk_webhooks::events::{self, Action, Change};
use clerk_webhooks::svix::SigningSecret;
use serde_json::json;

use crate::usage_keys::{PlanNames, UsageKeys};
use crate::{ApiRequest, ApiResponse};

/// What a delivery did, for the answer and the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The change was applied.
    Applied(String),
    /// An event at or before the last applied one for this tenant: nothing to do.
    Stale,
}

/// Everything a delivery needs: the secret, the plans, API Gateway.
pub struct Provisioner {
    pub secret: SigningSecret,
    pub plans: PlanNames,
    pub keys: UsageKeys,
}

impl Provisioner {
    /// One delivery, at `now` (seconds since the epoch).
    pub fn handle(&self, request: &ApiRequest, now: i64) -> ApiResponse {
        if request.method != "POST" {
            return ApiResponse::error(405, "POST Clerk's webhook deliveries here");
        }
        let body = request.body.as_deref().unwrap_or_default();
        if let Err(refusal) = self.secret.verify(
            request.header("svix-id"),
            request.header("svix-timestamp"),
            request.header("svix-signature"),
            body.as_bytes(),
            now,
        ) {
            tracing::warn!(
                status = refusal.status(),
                "webhook refused: {}",
                refusal.message()
            );
            return ApiResponse::error(refusal.status(), &refusal.message());
        }
        let change = match events::read(body.as_bytes()) {
            Ok(Some(change)) => change,
            Ok(None) => return ApiResponse::ok(json!({ "outcome": "ignored" })),
            Err(problem) => {
                tracing::warn!("webhook refused: {problem}");
                return ApiResponse::error(400, &problem);
            }
        };
        match self.apply(&change) {
            Ok(outcome) => {
                let (name, detail) = match &outcome {
                    Outcome::Applied(what) => ("applied", what.clone()),
                    Outcome::Stale => {
                        ("stale", "an event at or before the last one applied".into())
                    }
                };
                tracing::info!(
                    tenant = change.tenant,
                    event = change.event,
                    outcome = name,
                    "{detail}"
                );
                ApiResponse::ok(
                    json!({ "outcome": name, "tenant": change.tenant, "detail": detail }),
                )
            }
            Err(problem) => {
                tracing::error!(tenant = change.tenant, event = change.event, "{problem}");
                ApiResponse::error(500, &format!("not applied, Svix will retry: {problem}"))
            }
        }
    }

    /// Applies one change to its tenant's key, unless a newer one was applied already.
    pub fn apply(&self, change: &Change) -> Result<Outcome, String> {
        let key = self.keys.find(&change.tenant)?;
        if let Some(at) = key.as_ref().and_then(|k| k.event_at) {
            if change.at <= at {
                return Ok(Outcome::Stale);
            }
        }
        let plan_name = match &change.action {
            Action::Create | Action::MoveToDefault => Some(self.plans.default.as_str()),
            Action::Move { plan } => Some(self.plans.for_slug(plan)),
            Action::Disable => None,
        };
        let plan_id = match plan_name {
            None => None,
            Some(name) => Some(self.keys.plans()?.remove(name).ok_or_else(|| {
                format!(
                    "there is no usage plan named {name:?} (DEFAULT_USAGE_PLAN, PLAN_USAGE_PLANS)"
                )
            })?),
        };
        let enabled = change.action != Action::Disable;
        // The event's time is recorded last, so a failure half way leaves the event to be
        // applied again in full.
        let (key, existed) = match key {
            Some(key) => (key, true),
            None => (self.keys.create(&change.tenant, false, 0)?, false),
        };
        if let Some(plan) = &plan_id {
            // An existing key keeps its plan on a (late) `created`: it has a subscription.
            let keep = change.action == Action::Create && existed;
            if !keep {
                self.keys.move_to(&key, plan)?;
            }
        }
        self.keys.update(&key, enabled, change.at)?;
        Ok(Outcome::Applied(match plan_name {
            Some(plan) => format!("key in usage plan {plan}"),
            None => "key disabled".to_string(),
        }))
    }
}

/// The provisioner's settings, from the environment; a bad one names its variable.
pub struct Settings {
    /// `CLERK_WEBHOOK_SECRET_ARN` (Secrets Manager) or, for local runs, `CLERK_WEBHOOK_SECRET`.
    pub secret: SecretSource,
    pub plans: PlanNames,
    /// `USAGE_KEY_PREFIX`, as the authorizer's.
    pub prefix: String,
}

/// Where the signing secret comes from.
pub enum SecretSource {
    Arn(String),
    Value(String),
}

impl Settings {
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, String> {
        let value = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let secret =
            match (
                value("CLERK_WEBHOOK_SECRET_ARN"),
                value("CLERK_WEBHOOK_SECRET"),
            ) {
                (Some(arn), None) => SecretSource::Arn(arn),
                (None, Some(secret)) => {
                    SigningSecret::parse(&secret)
                        .map_err(|e| format!("CLERK_WEBHOOK_SECRET {e}"))?;
                    SecretSource::Value(secret)
                }
                (Some(_), Some(_)) => return Err(
                    "CLERK_WEBHOOK_SECRET_ARN is set together with CLERK_WEBHOOK_SECRET; set one"
                        .into(),
                ),
                (None, None) => return Err(
                    "CLERK_WEBHOOK_SECRET_ARN is not set: the ARN of the Secrets Manager secret \
                            holding the endpoint's signing secret (whsec_…)"
                        .into(),
                ),
            };
        let (plans, prefix) = plan_settings(&lookup)?;
        Ok(Settings {
            secret,
            plans,
            prefix,
        })
    }
}

/// The settings the provisioner and the backfill share: `DEFAULT_USAGE_PLAN`,
/// `PLAN_USAGE_PLANS` and `USAGE_PLAN_NAME_PREFIX` (the plans), and `USAGE_KEY_PREFIX`.
pub fn plan_settings(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<(PlanNames, String), String> {
    let value = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
    let plans = PlanNames::parse(
        value("DEFAULT_USAGE_PLAN").as_deref(),
        value("PLAN_USAGE_PLANS").as_deref(),
    )?
    .prefixed(value("USAGE_PLAN_NAME_PREFIX").unwrap_or_default().trim());
    let prefix = value("USAGE_KEY_PREFIX")
        .unwrap_or_default()
        .trim()
        .to_string();
    Ok((plans, prefix))
}

/// Seconds since the epoch, as `svix-timestamp` counts them.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
