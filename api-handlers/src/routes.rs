//! `GET /health` and `GET /me`.

use serde_json::json;

use crate::{ApiRequest, ApiResponse};

/// Public: no authorizer runs in front of it.
pub fn health(request: &ApiRequest) -> ApiResponse {
    match request.method.as_str() {
        "GET" | "HEAD" => ApiResponse::ok(json!({ "status": "ok" })),
        _ => ApiResponse::error(405, "use GET /health"),
    }
}

/// The caller's identity, as the authorizer passed it on.
pub fn me(request: &ApiRequest) -> ApiResponse {
    if request.method != "GET" {
        return ApiResponse::error(405, "use GET /me");
    }
    let Some(identity) = &request.identity else {
        return ApiResponse::error(
            401,
            "no authorizer context: this route must sit behind the Clerk authorizer",
        );
    };
    ApiResponse::ok(json!({
        "sub": identity.sub,
        "sid": identity.sid,
        "role": identity.role,
        "org_id": identity.org_id,
        "org_role": identity.org_role,
        "org_permissions": identity.org_permissions,
        "metadata": identity.metadata,
    }))
}
