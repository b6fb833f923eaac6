//! The authorizer context handed to the API: flat, small, and the same in every flavour.
//!
//! API Gateway accepts only string, number and boolean context values and answers 500 for
//! anything else, so nested metadata is flattened here: scalars stay as they are, objects and
//! arrays become JSON strings, nulls are left out.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Number, Value};

use crate::verify::Claims;

/// The most context we send. API Gateway limits the whole authorizer response; staying far
/// below it leaves room for the policy.
pub const MAX_CONTEXT_BYTES: usize = 2048;

/// Keys that always come from the token itself and win over metadata of the same name.
pub const RESERVED_KEYS: [&str; 3] = ["sub", "sid", "role"];

/// One context value, of a type API Gateway accepts.
#[derive(Debug, Clone, PartialEq)]
pub enum ContextValue {
    String(String),
    Number(Number),
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
    /// Builds the context for a verified token: `sub`, `sid`, `role`, then every top-level
    /// field of the `metadata` claim.
    pub fn from_claims(claims: &Claims, role: Option<&str>) -> Context {
        let mut context = Context::default();
        context.insert("sub", ContextValue::String(claims.subject().to_string()));
        if let Some(sid) = claims.str("sid") {
            context.insert("sid", ContextValue::String(sid.to_string()));
        }
        if let Some(role) = role {
            context.insert("role", ContextValue::String(role.to_string()));
        }
        if let Some(Value::Object(metadata)) = claims.get("metadata") {
            for (key, value) in metadata {
                if RESERVED_KEYS.contains(&key.as_str()) {
                    continue;
                }
                let value = match value {
                    Value::Null => continue,
                    Value::Bool(b) => ContextValue::Bool(*b),
                    Value::Number(n) => ContextValue::Number(n.clone()),
                    Value::String(s) => ContextValue::String(s.clone()),
                    nested => ContextValue::String(nested.to_string()),
                };
                if !context.insert(key, value) {
                    context.dropped.push(key.clone());
                }
            }
        }
        context
    }

    /// Adds an entry unless it would push the context over `MAX_CONTEXT_BYTES`.
    fn insert(&mut self, key: &str, value: ContextValue) -> bool {
        let size = key.len()
            + 6
            + match &value {
                ContextValue::String(s) => s.len() + 2,
                ContextValue::Number(n) => n.to_string().len(),
                ContextValue::Bool(_) => 5,
            };
        if self.size + size > MAX_CONTEXT_BYTES {
            return false;
        }
        self.size += size;
        self.entries.push((key.to_string(), value));
        true
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn entries(&self) -> &[(String, ContextValue)] {
        &self.entries
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
