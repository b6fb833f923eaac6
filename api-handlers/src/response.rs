//! Responses: always JSON, with a status code and `content-type`, in the shape both REST
//! proxy integrations and HTTP APIs accept.

use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct ApiResponse {
    pub status: u16,
    pub body: Value,
}

impl ApiResponse {
    pub fn ok(body: Value) -> ApiResponse {
        ApiResponse { status: 200, body }
    }

    pub fn created(body: Value) -> ApiResponse {
        ApiResponse { status: 201, body }
    }

    /// `{"error": "...", "message": "..."}` with a short machine-readable code.
    pub fn error(status: u16, message: &str) -> ApiResponse {
        let code = match status {
            400 => "bad_request",
            401 => "unauthorized",
            403 => "forbidden",
            404 => "not_found",
            405 => "method_not_allowed",
            409 => "conflict",
            500 => "internal",
            _ => "error",
        };
        ApiResponse {
            status,
            body: json!({ "error": code, "message": message }),
        }
    }

    /// The Lambda proxy response: `{"statusCode", "headers", "body", "isBase64Encoded"}`, with
    /// `extra` headers (CORS) beside `content-type`.
    pub fn to_lambda(&self, extra: &[(&str, String)]) -> Value {
        let mut headers = serde_json::Map::new();
        headers.insert("content-type".into(), json!("application/json"));
        for (name, value) in extra {
            headers.insert(name.to_string(), json!(value));
        }
        json!({
            "statusCode": self.status,
            "headers": headers,
            "body": self.body.to_string(),
            "isBase64Encoded": false,
        })
    }
}
