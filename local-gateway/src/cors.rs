//! CORS as API Gateway does it: REST's mock preflight and `GatewayResponses` headers, and the
//! HTTP API's `CorsConfiguration` (preflights answered by the API, headers on every answer whose
//! `Origin` is allowed, the integration's own CORS headers ignored).

use crate::events::Response;
use crate::template::{Api, Cors, Route};

/// The REST mock integration's answer to `OPTIONS`: the configured headers, whatever the origin.
pub fn rest_preflight(api: &Api, route: &Route) -> Response {
    let mut headers = vec![("content-type".to_string(), "application/json".to_string())];
    if let Some(Cors::Rest {
        allow_origin,
        allow_headers,
        allow_methods,
        max_age,
        allow_credentials,
    }) = &api.cors
    {
        headers.push(("access-control-allow-origin".into(), allow_origin.clone()));
        // SAM's default methods: those the path has, and OPTIONS.
        let methods = allow_methods.clone().unwrap_or_else(|| {
            let mut methods: Vec<&str> = api
                .routes
                .iter()
                .filter(|r| r.path == route.path)
                .map(|r| r.method.as_str())
                .collect();
            methods.sort();
            methods.dedup();
            methods.join(",")
        });
        headers.push(("access-control-allow-methods".into(), methods));
        if let Some(allow_headers) = allow_headers {
            headers.push(("access-control-allow-headers".into(), allow_headers.clone()));
        }
        if let Some(max_age) = max_age {
            headers.push(("access-control-max-age".into(), max_age.clone()));
        }
        if *allow_credentials {
            headers.push(("access-control-allow-credentials".into(), "true".into()));
        }
    }
    Response {
        status: 200,
        headers,
        body: Vec::new(),
        kind: None,
    }
}

/// REST `GatewayResponses`: the headers configured for `kind`, else for `DEFAULT_4XX` or
/// `DEFAULT_5XX` by status, on API Gateway's own answers.
pub fn gateway_response_headers(api: &Api, kind: &str, response: &mut Response) {
    let default = if response.status >= 500 {
        "DEFAULT_5XX"
    } else {
        "DEFAULT_4XX"
    };
    let headers = api
        .gateway_responses
        .get(kind)
        .or_else(|| api.gateway_responses.get(default));
    for (name, value) in headers.into_iter().flatten() {
        set(response, &name.to_ascii_lowercase(), value);
    }
}

/// The HTTP API's answer to a preflight: the CORS headers when the origin is allowed, none
/// otherwise (and the browser refuses the request).
pub fn http_preflight(api: &Api, origin: Option<&str>, response: &mut Response) {
    let Some(Cors::Http {
        allow_headers,
        allow_methods,
        max_age,
        ..
    }) = &api.cors
    else {
        return;
    };
    if allowed_origin(api, origin).is_none() {
        return;
    }
    http_response_headers(api, origin, response);
    set(
        response,
        "access-control-allow-methods",
        &allow_methods.join(","),
    );
    if !allow_headers.is_empty() {
        set(
            response,
            "access-control-allow-headers",
            &allow_headers.join(","),
        );
    }
    if let Some(max_age) = max_age {
        set(response, "access-control-max-age", &max_age.to_string());
    }
}

/// HTTP API: every answer to an allowed origin carries the CORS headers, its own 401 and 403
/// included; what the integration said about CORS is ignored.
pub fn http_response_headers(api: &Api, origin: Option<&str>, response: &mut Response) {
    let Some(Cors::Http {
        expose_headers,
        allow_credentials,
        ..
    }) = &api.cors
    else {
        return;
    };
    response
        .headers
        .retain(|(name, _)| !name.to_ascii_lowercase().starts_with("access-control-"));
    let Some(allowed) = allowed_origin(api, origin) else {
        return;
    };
    set(response, "access-control-allow-origin", &allowed);
    set(response, "vary", "Origin");
    if *allow_credentials {
        set(response, "access-control-allow-credentials", "true");
    }
    if !expose_headers.is_empty() {
        set(
            response,
            "access-control-expose-headers",
            &expose_headers.join(","),
        );
    }
}

/// The value of `Access-Control-Allow-Origin` for `origin`, if the HTTP API allows it.
fn allowed_origin(api: &Api, origin: Option<&str>) -> Option<String> {
    let Some(Cors::Http {
        allow_origins,
        allow_credentials,
        ..
    }) = &api.cors
    else {
        return None;
    };
    let origin = origin?;
    if allow_origins.iter().any(|o| o == origin) {
        Some(origin.to_string())
    } else if allow_origins.iter().any(|o| o == "*") {
        // With credentials, a browser refuses `*`: API Gateway echoes the origin instead.
        Some(if *allow_credentials {
            origin.to_string()
        } else {
            "*".to_string()
        })
    } else {
        None
    }
}

fn set(response: &mut Response, name: &str, value: &str) {
    response
        .headers
        .retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    response.headers.push((name.to_string(), value.to_string()));
}
