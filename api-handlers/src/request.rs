//! REST proxy (payload 1.0) and HTTP API (payload 2.0) events → one plain `ApiRequest`.
//!
//! The authorizer's context arrives at `requestContext.authorizer.<key>` on REST and at
//! `requestContext.authorizer.lambda.<key>` on HTTP APIs; aws_lambda_events reads both into
//! `authorizer.fields`, so handlers see the same `Identity` either way.

use std::collections::HashMap;

use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayV2httpRequest};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{Map, Value};

/// Who is calling, as the authorizer described them.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    pub sub: String,
    pub sid: Option<String>,
    pub role: Option<String>,
    /// The active organisation: the tenant to scope data to. `None` for a personal account.
    pub org_id: Option<String>,
    /// `org:admin`, `org:member`, …
    pub org_role: Option<String>,
    /// The organisation permissions the token carries, e.g. `org:tasks:edit`.
    pub org_permissions: Vec<String>,
    /// The remaining context fields: the token's metadata (flattened by the authorizer), plus
    /// `org_slug`, `plans` and `features` when the token has them.
    pub metadata: Map<String, Value>,
}

impl Identity {
    /// Reads the authorizer context. No `sub` means no authorizer ran: `None`.
    pub fn from_context(fields: &HashMap<String, Value>) -> Option<Identity> {
        let text = |key: &str| {
            fields
                .get(key)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let sub = text("sub")?;
        // Ours, or added by API Gateway to REST contexts: not the user's metadata.
        const NOT_METADATA: [&str; 8] = [
            "sub",
            "sid",
            "role",
            "org_id",
            "org_role",
            "org_permissions",
            "principalId",
            "integrationLatency",
        ];
        let metadata = fields
            .iter()
            .filter(|(k, _)| !NOT_METADATA.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Some(Identity {
            sub,
            sid: text("sid"),
            role: text("role"),
            org_id: text("org_id"),
            org_role: text("org_role"),
            org_permissions: text("org_permissions")
                .map(|list| list.split(',').map(str::to_string).collect())
                .unwrap_or_default(),
            metadata,
        })
    }

    /// The `admin` role of the map-form rules (`metadata.role`).
    pub fn is_admin(&self) -> bool {
        self.role.as_deref() == Some("admin")
    }

    /// True when the token carries the organisation permission `permission`.
    pub fn has_permission(&self, permission: &str) -> bool {
        self.org_permissions.iter().any(|p| p == permission)
    }
}

/// The parts of a request the sample routes use.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiRequest {
    pub method: String,
    pub path: String,
    pub path_parameters: HashMap<String, String>,
    /// The query string's parameters (the first value of each).
    pub query: HashMap<String, String>,
    pub body: Option<String>,
    pub identity: Option<Identity>,
    /// The `Origin` header of a cross-origin (browser) request.
    pub origin: Option<String>,
    /// Every header, for the handlers that read more than `Origin` (the provisioner's
    /// `svix-*`). Names are matched in any letter case.
    pub headers: aws_lambda_events::http::HeaderMap,
}

impl ApiRequest {
    /// The value of header `name` (any letter case), if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Reads an HTTP API 2.0 event (`version: "2.0"`) or a REST proxy event.
    pub fn from_event(event: &Value) -> Result<ApiRequest, String> {
        if event.get("version").and_then(Value::as_str) == Some("2.0") {
            let e: ApiGatewayV2httpRequest = serde_json::from_value(event.clone())
                .map_err(|e| format!("not an HTTP API 2.0 event: {e}"))?;
            let identity = e
                .request_context
                .authorizer
                .as_ref()
                .and_then(|a| Identity::from_context(&a.fields));
            Ok(ApiRequest {
                method: e.request_context.http.method.to_string(),
                path: e
                    .raw_path
                    .or(e.request_context.http.path)
                    .unwrap_or_default(),
                path_parameters: e.path_parameters,
                query: first_values(&e.query_string_parameters),
                body: decode_body(e.body, e.is_base64_encoded)?,
                identity,
                origin: header(&e.headers, "origin"),
                headers: e.headers,
            })
        } else {
            let e: ApiGatewayProxyRequest = serde_json::from_value(event.clone())
                .map_err(|e| format!("not an API Gateway proxy event: {e}"))?;
            let identity = Identity::from_context(&e.request_context.authorizer.fields);
            Ok(ApiRequest {
                method: e.http_method.to_string(),
                path: e.path.unwrap_or_default(),
                path_parameters: e.path_parameters,
                query: first_values(&e.query_string_parameters),
                body: decode_body(e.body, e.is_base64_encoded)?,
                identity,
                origin: header(&e.headers, "origin"),
                headers: e.headers,
            })
        }
    }
}

fn first_values(query: &aws_lambda_events::query_map::QueryMap) -> HashMap<String, String> {
    let mut first = HashMap::new();
    for (key, value) in query.iter() {
        first
            .entry(key.to_string())
            .or_insert_with(|| value.to_string());
    }
    first
}

/// A header's value (the first, if repeated); `HeaderMap` matches names in any case.
fn header(headers: &aws_lambda_events::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn decode_body(body: Option<String>, base64: bool) -> Result<Option<String>, String> {
    match body {
        Some(body) if base64 => {
            let bytes = STANDARD
                .decode(body)
                .map_err(|_| "the body is not valid base64".to_string())?;
            String::from_utf8(bytes)
                .map(Some)
                .map_err(|_| "the body is not UTF-8".to_string())
        }
        other => Ok(other),
    }
}
