//! The Clerk events that change a tenant's API key, read as `@clerk/backend` types them
//! (`WebhookEvent` in `api/resources/Webhooks.d.ts`, the payloads in `JSON.d.ts`):
//!
//! | event | tenant | change |
//! |---|---|---|
//! | `organization.created`, `user.created` | `data.id` | a key in the default plan |
//! | `subscriptionItem.active` | `data.payer.organization_id`, else `data.payer.user_id` | to the plan of `data.plan.slug` |
//! | `subscriptionItem.ended` | the same | back to the default plan |
//! | `organization.deleted`, `user.deleted` | `data.id` | the key disabled |
//!
//! Every event carries `timestamp` (milliseconds): the provisioner applies a change only if it
//! is newer than the last one applied to that tenant, so Svix's retries and out-of-order
//! deliveries never undo a newer change. Any other event type is not ours: `Ok(None)`.

use serde_json::Value;

/// What to do to a tenant's API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Create it (enabled) in the default plan, unless it exists.
    Create,
    /// Move it to the usage plan of this Clerk Billing plan slug.
    Move { plan: String },
    /// Move it back to the default plan.
    MoveToDefault,
    /// Disable it: the tenant is gone.
    Disable,
}

/// One event's change to one tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `org_…` or `user_…`.
    pub tenant: String,
    pub action: Action,
    /// The event's `timestamp`, in milliseconds since the epoch.
    pub at: i64,
    /// The event's `type`, for the log.
    pub event: String,
}

/// Reads an event's JSON body. `Ok(None)`: a valid event of a type that changes no key.
pub fn read(body: &[u8]) -> Result<Option<Change>, String> {
    let event: Value = serde_json::from_slice(body).map_err(|_| "the body is not JSON")?;
    let kind = event
        .get("type")
        .and_then(Value::as_str)
        .ok_or("the event has no type")?;
    let at = event
        .get("timestamp")
        .and_then(Value::as_i64)
        .filter(|t| *t > 0)
        .ok_or("the event has no timestamp")?;
    let data = event
        .get("data")
        .filter(|d| d.is_object())
        .ok_or("the event has no data")?;
    let id = || tenant_id(data.get("id"), kind);
    let payer = || {
        let payer = data
            .get("payer")
            .ok_or(format!("{kind} has no data.payer"))?;
        match payer.get("organization_id").filter(|v| !v.is_null()) {
            Some(org) => tenant_id(Some(org), kind),
            None => tenant_id(payer.get("user_id"), kind),
        }
    };
    let (tenant, action) = match kind {
        "organization.created" | "user.created" => (id()?, Action::Create),
        "organization.deleted" | "user.deleted" => (id()?, Action::Disable),
        "subscriptionItem.active" => {
            let plan = data
                .get("plan")
                .and_then(|p| p.get("slug"))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .ok_or(format!("{kind} has no data.plan.slug"))?;
            (
                payer()?,
                Action::Move {
                    plan: plan.to_string(),
                },
            )
        }
        "subscriptionItem.ended" => (payer()?, Action::MoveToDefault),
        _ => return Ok(None),
    };
    Ok(Some(Change {
        tenant,
        action,
        at,
        event: kind.to_string(),
    }))
}

/// A Clerk organisation or user id: `org_`/`user_` and letters or digits.
fn tenant_id(value: Option<&Value>, kind: &str) -> Result<String, String> {
    let id = value.and_then(Value::as_str).unwrap_or_default();
    let rest = id
        .strip_prefix("org_")
        .or_else(|| id.strip_prefix("user_"))
        .unwrap_or_default();
    if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(format!("{kind} names no organisation or user id"));
    }
    Ok(id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(kind: &str, data: Value) -> Vec<u8> {
        json!({"type": kind, "object": "event", "data": data, "timestamp": 1_764_000_000_123i64,
               "instance_id": "ins_1", "event_attributes": {"http_request": {"client_ip": "", "user_agent": ""}}})
            .to_string()
            .into_bytes()
    }

    fn change(kind: &str, data: Value) -> Option<Change> {
        read(&event(kind, data)).unwrap()
    }

    #[test]
    fn each_event_names_its_tenant_and_change() {
        let org = "org_2acme0000000000000000001";
        let user = "user_2solo0000000000000000001";
        let created = change(
            "organization.created",
            json!({"id": org, "object": "organization"}),
        )
        .unwrap();
        assert_eq!(
            (created.tenant.as_str(), created.action, created.at),
            (org, Action::Create, 1_764_000_000_123)
        );
        assert_eq!(
            change("user.created", json!({"id": user})).unwrap().action,
            Action::Create
        );
        assert_eq!(
            change("organization.deleted", json!({"id": org, "deleted": true}))
                .unwrap()
                .action,
            Action::Disable
        );
        assert_eq!(
            change("user.deleted", json!({"id": user, "deleted": true}))
                .unwrap()
                .tenant,
            user
        );
        let item = |payer: Value| {
            json!({"object": "commerce_subscription_item", "status": "active",
            "plan": {"slug": "pro", "name": "Pro"}, "payer": payer})
        };
        let active = change(
            "subscriptionItem.active",
            item(json!({"organization_id": org, "user_id": user})),
        )
        .unwrap();
        assert_eq!(
            (active.tenant.as_str(), active.action),
            (org, Action::Move { plan: "pro".into() })
        );
        let personal = change(
            "subscriptionItem.active",
            item(json!({"user_id": user, "organization_id": null})),
        )
        .unwrap();
        assert_eq!(personal.tenant, user);
        let ended = change(
            "subscriptionItem.ended",
            item(json!({"organization_id": org})),
        )
        .unwrap();
        assert_eq!(ended.action, Action::MoveToDefault);
    }

    #[test]
    fn other_events_change_nothing_and_malformed_ones_are_errors() {
        assert_eq!(change("session.created", json!({"id": "sess_1"})), None);
        assert_eq!(change("subscriptionItem.canceled", json!({})), None);
        for body in [
            b"not json".to_vec(),
            br#"{"type": "user.created", "data": {"id": "user_1"}}"#.to_vec(),
            br#"{"type": "user.created", "timestamp": 1, "data": "x"}"#.to_vec(),
            event("user.created", json!({"id": "usr_1"})),
            event("organization.created", json!({"id": "org_"})),
            event("organization.created", json!({"id": "org_a/b"})),
            event(
                "subscriptionItem.active",
                json!({"payer": {"organization_id": "org_1"}}),
            ),
            event("subscriptionItem.active", json!({"plan": {"slug": "pro"}})),
        ] {
            assert!(read(&body).is_err(), "{}", String::from_utf8_lossy(&body));
        }
    }
}
