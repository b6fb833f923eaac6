//! The authorizer context handed to the API: flat, small, and the same in every flavour.
//!
//! API Gateway accepts only string, number and boolean context values and answers 500 for
//! anything else, so nested metadata is flattened here: scalars stay as they are, objects and
//! arrays become JSON strings, nulls are left out.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Number, Value};

use crate::credential::Credential;
use crate::json::Json;
use crate::kind::TokenKind;
use crate::verify::Claims;

/// The most context we send. API Gateway limits the whole authorizer response; staying far
/// below it leaves room for the policy.
pub const MAX_CONTEXT_BYTES: usize = 2048;

/// Keys that always come from the token itself and win over metadata of the same name.
pub const RESERVED_KEYS: [&str; 16] = [
    "sub",
    "token_type",
    "key_name",
    "key_id",
    "machine_id",
    "client_id",
    "scopes",
    "actor",
    "sid",
    "role",
    "org_id",
    "org_slug",
    "org_role",
    "org_permissions",
    "plans",
    "features",
];

/// One context value, of a type API Gateway accepts.
#[derive(Debug, Clone, PartialEq)]
pub enum ContextValue {
    /// A string value.
    String(String),
    /// A number, as JSON has it.
    Number(Number),
    /// A boolean.
    Bool(bool),
}

/// An ordered, flat map of context values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    entries: Vec<(String, ContextValue)>,
    size: usize,
    /// Metadata keys left out because they would have pushed the context over the limit.
    pub dropped: Vec<String>,
}

impl Context {
    /// Builds the context for a verified credential: `sub` and `token_type` always; for an
    /// M2M token `machine_id` (the caller); for an OAuth token `client_id` and `scopes`
    /// (space-separated); `actor` (`act.sub`) when present. For a session: `sid`, `org_id`,
    /// `role`, the rest of the organisation (`org_role` with its `org:` prefix, `org_slug`,
    /// `org_permissions` comma-separated), `plans` and `features` as the token lists them,
    /// then every top-level field of the `metadata` claim.
    ///
    /// `sub`, `token_type`, `sid`, `org_id` and `scopes` are always kept: handlers scope data
    /// to the tenant by `org_id` and check `scopes`, so the size cap drops anything else first
    /// (and `dropped` says what).
    pub fn from_credential(claims: &Claims<'_>, credential: &Credential<'_>) -> Context {
        let mut context = Context::default();
        let text = |s: &str| ContextValue::String(s.to_string());
        context.force("sub", text(credential.subject));
        context.force("token_type", text(credential.kind.name()));
        let session = credential.session.as_ref();
        if let Some(sid) = session.and_then(|s| s.session) {
            context.force("sid", text(sid));
        }
        if let Some(org) = session.and_then(|s| s.org.as_ref()) {
            context.force("org_id", text(org.id));
        }
        // An organisation's API key acts for the organisation: its tasks, not a user's.
        if credential.kind == TokenKind::ApiKey && credential.subject.starts_with("org_") {
            context.force("org_id", text(credential.subject));
        }
        if matches!(credential.kind, TokenKind::OAuth | TokenKind::ApiKey) {
            context.force("scopes", ContextValue::String(credential.scopes.join(" ")));
        }
        let mut optional: Vec<(&str, ContextValue)> = Vec::new();
        if credential.kind == TokenKind::Machine {
            optional.push(("machine_id", text(credential.subject)));
        }
        if let Some(name) = credential.key_name {
            optional.push(("key_name", text(name)));
        }
        if let Some(id) = credential.key_id {
            optional.push(("key_id", text(id)));
        }
        if let Some(client) = credential.client {
            optional.push(("client_id", text(client)));
        }
        if let Some(actor) = credential.actor {
            optional.push(("actor", text(actor)));
        }
        if let Some(session) = session {
            if let Some(role) = session.role {
                optional.push(("role", text(role)));
            }
            if let Some(org) = &session.org {
                if let Some(role) = &org.role {
                    optional.push(("org_role", text(role)));
                }
                if let Some(slug) = org.slug {
                    optional.push(("org_slug", text(slug)));
                }
                if !org.permissions.is_empty() {
                    optional.push((
                        "org_permissions",
                        ContextValue::String(org.permission_list()),
                    ));
                }
            }
            if let Some(plans) = session.plans_claim.filter(|p| !p.is_empty()) {
                optional.push(("plans", text(plans)));
            }
            if let Some(features) = session.features_claim.filter(|f| !f.is_empty()) {
                optional.push(("features", text(features)));
            }
        }
        for (key, value) in optional {
            context.insert_or_note(key, value);
        }
        // Metadata is a session's: a machine token's claims never reach the context.
        if let (Some(_), Some(Json::Object(metadata))) = (session, claims.get("metadata")) {
            for (key, value) in metadata.iter() {
                if RESERVED_KEYS.contains(&key) {
                    continue;
                }
                let value = match value {
                    Json::Null => continue,
                    Json::Bool(b) => ContextValue::Bool(*b),
                    Json::Number(n) => ContextValue::Number(n.clone()),
                    Json::String(s) => ContextValue::String(s.to_string()),
                    nested => ContextValue::String(Value::from(nested).to_string()),
                };
                context.insert_or_note(key, value);
            }
        }
        context
    }

    fn insert_or_note(&mut self, key: &str, value: ContextValue) {
        if !self.insert(key, value) {
            self.dropped.push(key.to_string());
        }
    }

    /// Adds an entry whatever its size. Only for the few short ids that must always be there;
    /// the token size limit (16 KiB) bounds them.
    fn force(&mut self, key: &str, value: ContextValue) {
        self.size += entry_size(key, &value);
        self.entries.push((key.to_string(), value));
    }

    /// Adds an entry unless it would push the context over `MAX_CONTEXT_BYTES`.
    fn insert(&mut self, key: &str, value: ContextValue) -> bool {
        let size = entry_size(key, &value);
        if self.size + size > MAX_CONTEXT_BYTES {
            return false;
        }
        self.size += size;
        self.entries.push((key.to_string(), value));
        true
    }

    /// About the bytes the context takes when serialized.
    pub fn size(&self) -> usize {
        self.size
    }

    /// True when the context holds no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Every entry, in insertion order.
    pub fn entries(&self) -> &[(String, ContextValue)] {
        &self.entries
    }
}

/// The bytes an entry adds to the serialized context, with room for quotes and separators.
fn entry_size(key: &str, value: &ContextValue) -> usize {
    key.len()
        + 6
        + match value {
            ContextValue::String(s) => s.len() + 2,
            ContextValue::Number(n) => n.to_string().len(),
            ContextValue::Bool(_) => 5,
        }
}

impl Serialize for Context {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (key, value) in &self.entries {
            match value {
                ContextValue::String(s) => map.serialize_entry(key, s)?,
                ContextValue::Number(n) => map.serialize_entry(key, n)?,
                ContextValue::Bool(b) => map.serialize_entry(key, b)?,
            }
        }
        map.end()
    }
}
