//! What API Gateway sends a function and how it reads the answer: the authorizer events of each
//! flavour, the integration events (REST proxy, HTTP API 2.0), and the integration response.
//! The shapes are checked against `aws_lambda_events`' types in the tests.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Map, Value};

use crate::template::{Api, ApiKind};

/// An HTTP request as the gateway received it, with the stage already taken off the path.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The path after the stage, percent-decoded: `/tasks/42`.
    pub path: String,
    /// The path as sent, with the stage: `/prod/tasks/42`.
    pub raw_path: String,
    pub raw_query: String,
    /// Header names as sent, in order; a name may repeat.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub source_ip: String,
    pub request_id: String,
    pub time_epoch_ms: u128,
}

/// The matched route, as the events name it.
#[derive(Debug, Clone)]
pub struct Matched {
    /// `/tasks/{id}`.
    pub resource: String,
    /// `GET /tasks/{id}` (HTTP API route key).
    pub route_key: String,
    pub path_parameters: BTreeMap<String, String>,
}

/// The context the authorizer granted, as the integration receives it.
#[derive(Debug, Clone, Default)]
pub struct Granted {
    pub principal_id: Option<String>,
    pub context: Map<String, Value>,
}

impl Request {
    /// Every value of header `name`, matched in any letter case.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// REST's `headers` (last value wins) and `multiValueHeaders`, names as sent.
    fn rest_headers(&self) -> (Value, Value) {
        let mut single = Map::new();
        let mut multi: Map<String, Value> = Map::new();
        for (name, value) in &self.headers {
            single.insert(name.clone(), json!(value));
            match multi.get_mut(name) {
                Some(Value::Array(values)) => values.push(json!(value)),
                _ => {
                    multi.insert(name.clone(), json!([value]));
                }
            }
        }
        (Value::Object(single), Value::Object(multi))
    }

    /// HTTP API 2.0's `headers` (lower case, repeats comma-joined, cookies left out) and `cookies`.
    fn v2_headers(&self) -> (Value, Vec<String>) {
        let mut headers: Map<String, Value> = Map::new();
        let mut cookies = Vec::new();
        for (name, value) in &self.headers {
            let name = name.to_ascii_lowercase();
            if name == "cookie" {
                cookies.extend(
                    value
                        .split(';')
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .map(str::to_string),
                );
                continue;
            }
            match headers.get_mut(&name) {
                Some(Value::String(joined)) => {
                    joined.push(',');
                    joined.push_str(value);
                }
                _ => {
                    headers.insert(name, json!(value));
                }
            }
        }
        (Value::Object(headers), cookies)
    }

    /// The query string's parameters, decoded, in order.
    pub fn query(&self) -> Vec<(String, String)> {
        self.raw_query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (
                    percent_decode(&k.replace('+', " ")),
                    percent_decode(&v.replace('+', " ")),
                )
            })
            .collect()
    }

    fn rest_query(&self) -> (Value, Value) {
        let query = self.query();
        if query.is_empty() {
            return (Value::Null, Value::Null);
        }
        let mut single = Map::new();
        let mut multi: Map<String, Value> = Map::new();
        for (k, v) in query {
            single.insert(k.clone(), json!(v));
            match multi.get_mut(&k) {
                Some(Value::Array(values)) => values.push(json!(v)),
                _ => {
                    multi.insert(k, json!([v]));
                }
            }
        }
        (Value::Object(single), Value::Object(multi))
    }

    fn v2_query(&self) -> Option<Value> {
        let mut map: Map<String, Value> = Map::new();
        for (k, v) in self.query() {
            match map.get_mut(&k) {
                Some(Value::String(joined)) => {
                    joined.push(',');
                    joined.push_str(&v);
                }
                _ => {
                    map.insert(k, json!(v));
                }
            }
        }
        (!map.is_empty()).then_some(Value::Object(map))
    }

    fn body(&self) -> (Value, bool) {
        if self.body.is_empty() {
            return (Value::Null, false);
        }
        match std::str::from_utf8(&self.body) {
            Ok(text) => (json!(text), false),
            Err(_) => (json!(STANDARD.encode(&self.body)), true),
        }
    }

    fn user_agent(&self) -> String {
        self.header_values("user-agent")
            .first()
            .copied()
            .unwrap_or_default()
            .to_string()
    }

    /// `requestTime`, e.g. `24/Nov/2025:16:00:00 +0000`.
    pub fn time(&self) -> String {
        // `24/Nov/2025:16:00:00 +0000`, as API Gateway writes `requestTime`.
        let secs = (self.time_epoch_ms / 1000) as i64;
        let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let (y, m, d) = authorizer::date::civil_from_days(days);
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        format!(
            "{d:02}/{}/{y}:{:02}:{:02}:{:02} +0000",
            MONTHS[(m - 1) as usize],
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }
}

/// `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}{path}`, from the real path.
pub fn method_arn(api: &Api, request: &Request) -> String {
    format!(
        "arn:aws:execute-api:{}:{}:{}/{}/{}{}",
        api.region, api.account_id, api.id, api.stage, request.method, request.path
    )
}

fn domain(api: &Api) -> String {
    format!("{}.execute-api.{}.amazonaws.com", api.id, api.region)
}

fn path_parameters(matched: &Matched) -> Value {
    if matched.path_parameters.is_empty() {
        Value::Null
    } else {
        json!(matched.path_parameters)
    }
}

/// REST's `requestContext` (without `authorizer`).
fn rest_context(api: &Api, request: &Request, matched: &Matched) -> Value {
    json!({
        "accountId": api.account_id,
        "apiId": api.id,
        "domainName": domain(api),
        "domainPrefix": api.id,
        "extendedRequestId": request.request_id,
        "httpMethod": request.method,
        "identity": { "sourceIp": request.source_ip, "userAgent": request.user_agent() },
        "path": request.raw_path,
        "protocol": "HTTP/1.1",
        "requestId": request.request_id,
        "requestTime": request.time(),
        "requestTimeEpoch": request.time_epoch_ms as u64,
        "resourceId": "local",
        "resourcePath": matched.resource,
        "stage": api.stage,
    })
}

/// HTTP API 2.0's `requestContext` (without `authorizer`).
fn v2_context(api: &Api, request: &Request, matched: &Matched) -> Value {
    json!({
        "accountId": api.account_id,
        "apiId": api.id,
        "domainName": domain(api),
        "domainPrefix": api.id,
        "http": {
            "method": request.method,
            "path": request.raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": request.source_ip,
            "userAgent": request.user_agent(),
        },
        "requestId": request.request_id,
        "routeKey": matched.route_key,
        "stage": api.stage,
        "time": request.time(),
        "timeEpoch": request.time_epoch_ms as u64,
    })
}

/// REST `TOKEN` authorizer event.
pub fn token_event(api: &Api, request: &Request, token: &str) -> Value {
    json!({ "type": "TOKEN", "authorizationToken": token, "methodArn": method_arn(api, request) })
}

/// REST `REQUEST` authorizer event (also HTTP API payload 1.0, with `version` and identity):
/// the proxy event's request part, with `type` and `methodArn`.
pub fn request_event(
    api: &Api,
    request: &Request,
    matched: &Matched,
    v1_identity: Option<&[String]>,
) -> Value {
    let mut event = rest_base(api, request, matched);
    event["type"] = json!("REQUEST");
    event["methodArn"] = json!(method_arn(api, request));
    if let Some(identity) = v1_identity {
        event["version"] = json!("1.0");
        event["identitySource"] = json!(identity.join(","));
        event["authorizationToken"] = json!(identity.first().cloned().unwrap_or_default());
    }
    event
}

/// What REST's proxy event and `REQUEST` authorizer event share.
fn rest_base(api: &Api, request: &Request, matched: &Matched) -> Value {
    let (headers, multi_headers) = request.rest_headers();
    let (query, multi_query) = request.rest_query();
    json!({
        "resource": matched.resource,
        "path": request.path,
        "httpMethod": request.method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": path_parameters(matched),
        "stageVariables": Value::Null,
        "requestContext": rest_context(api, request, matched),
    })
}

/// HTTP API payload 2.0 authorizer event.
pub fn v2_authorizer_event(
    api: &Api,
    request: &Request,
    matched: &Matched,
    identity: &[String],
) -> Value {
    let mut event = v2_base(api, request, matched);
    let object = event.as_object_mut().unwrap();
    object.insert("type".into(), json!("REQUEST"));
    object.insert("routeArn".into(), json!(method_arn(api, request)));
    object.insert("identitySource".into(), json!(identity));
    object.remove("body");
    object.remove("isBase64Encoded");
    event
}

fn v2_base(api: &Api, request: &Request, matched: &Matched) -> Value {
    let (headers, cookies) = request.v2_headers();
    let (body, base64) = request.body();
    let mut event = json!({
        "version": "2.0",
        "routeKey": matched.route_key,
        "rawPath": request.raw_path,
        "rawQueryString": request.raw_query,
        "headers": headers,
        "requestContext": v2_context(api, request, matched),
        "isBase64Encoded": base64,
    });
    let object = event.as_object_mut().unwrap();
    if !cookies.is_empty() {
        object.insert("cookies".into(), json!(cookies));
    }
    if let Some(query) = request.v2_query() {
        object.insert("queryStringParameters".into(), query);
    }
    if !matched.path_parameters.is_empty() {
        object.insert("pathParameters".into(), json!(matched.path_parameters));
    }
    if !body.is_null() {
        object.insert("body".into(), body);
    }
    event
}

/// The integration event: REST proxy, or HTTP API 2.0, with what the authorizer granted where
/// API Gateway puts it (REST: `requestContext.authorizer`, values as strings, with
/// `principalId`; HTTP API: `requestContext.authorizer.lambda`, types kept).
pub fn integration_event(
    api: &Api,
    request: &Request,
    matched: &Matched,
    granted: Option<&Granted>,
) -> Value {
    match api.kind {
        ApiKind::Rest => {
            let mut event = rest_base(api, request, matched);
            let (body, base64) = request.body();
            event["body"] = body;
            event["isBase64Encoded"] = json!(base64);
            if let Some(granted) = granted {
                let mut authorizer: Map<String, Value> = granted
                    .context
                    .iter()
                    .map(|(k, v)| (k.clone(), json!(as_string(v))))
                    .collect();
                if let Some(principal) = &granted.principal_id {
                    authorizer.insert("principalId".into(), json!(principal));
                }
                authorizer.insert("integrationLatency".into(), json!(0));
                event["requestContext"]["authorizer"] = Value::Object(authorizer);
            }
            event
        }
        ApiKind::Http => {
            let mut event = v2_base(api, request, matched);
            if let Some(granted) = granted {
                event["requestContext"]["authorizer"] = json!({ "lambda": granted.context });
            }
            event
        }
    }
}

/// A context value as REST delivers it to the integration: always a string.
fn as_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// An HTTP response to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// For API Gateway's own answers, the gateway response type (`UNAUTHORIZED`,
    /// `ACCESS_DENIED`, …) whose `GatewayResponses` headers apply; `None` for an integration's.
    pub kind: Option<&'static str>,
}

impl Response {
    /// API Gateway's own JSON answer of type `kind`: `{"message": …}` (and REST's
    /// `{"Message": …}` for denies).
    pub fn gateway(kind: &'static str, status: u16, body: Value) -> Response {
        Response {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
            kind: Some(kind),
        }
    }
}

/// Reads an integration's answer. REST needs the proxy shape (`statusCode`, …); HTTP API 2.0
/// also accepts any other JSON, sent as a 200. `None` is a malformed answer.
pub fn integration_response(kind: ApiKind, body: &str) -> Option<Response> {
    let value: Value = serde_json::from_str(body).ok()?;
    let proxy = value.as_object().filter(|o| o.contains_key("statusCode"));
    let Some(proxy) = proxy else {
        return match kind {
            ApiKind::Rest => None,
            ApiKind::Http => Some(Response {
                status: 200,
                headers: vec![("content-type".into(), "application/json".into())],
                body: body.as_bytes().to_vec(),
                kind: None,
            }),
        };
    };
    let status = proxy
        .get("statusCode")?
        .as_u64()
        .filter(|s| (100..600).contains(s))? as u16;
    let mut headers = Vec::new();
    for (name, value) in proxy
        .get("headers")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        headers.push((name.clone(), scalar_text(value)?));
    }
    for (name, values) in proxy
        .get("multiValueHeaders")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for value in values.as_array()? {
            headers.push((name.clone(), scalar_text(value)?));
        }
    }
    if kind == ApiKind::Http {
        for cookie in proxy
            .get("cookies")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            headers.push(("set-cookie".into(), cookie.as_str()?.to_string()));
        }
    }
    let text = match proxy.get("body") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return None,
    };
    let body = if proxy.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
        STANDARD.decode(text).ok()?
    } else {
        text.into_bytes()
    };
    Some(Response {
        status,
        headers,
        body,
        kind: None,
    })
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(_) | Value::Bool(_) => Some(value.to_string()),
        _ => None,
    }
}

/// `%XX` decoding; invalid sequences stay as they are.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Route;
    use aws_lambda_events::apigw::{
        ApiGatewayCustomAuthorizerRequest, ApiGatewayCustomAuthorizerRequestTypeRequest,
        ApiGatewayProxyRequest, ApiGatewayV2CustomAuthorizerV1Request,
        ApiGatewayV2CustomAuthorizerV2Request, ApiGatewayV2httpRequest,
    };

    fn api(kind: ApiKind) -> Api {
        Api {
            name: "Api".into(),
            kind,
            id: "abc1234567".into(),
            stage: "prod".into(),
            region: "eu-west-1".into(),
            account_id: "111122223333".into(),
            routes: vec![Route {
                method: "GET".into(),
                path: "/tasks/{id}".into(),
                function: "F".into(),
                authorizer: None,
                preflight: false,
                timeout: None,
                api_key_required: false,
            }],
            authorizers: Default::default(),
            default_authorizer: None,
            cors: None,
            preflight_authorizer: true,
            gateway_responses: Default::default(),
            needs_permissions: false,
            throttle: None,
            api_key_source: crate::template::ApiKeySource::Header,
            api_key_required: false,
            preflight_api_key: false,
            sam_usage_plan: None,
            access_log: None,
        }
    }

    fn request() -> (Request, Matched) {
        let request = Request {
            method: "GET".into(),
            path: "/tasks/42".into(),
            raw_path: "/prod/tasks/42".into(),
            raw_query: "a=1&a=2".into(),
            headers: vec![
                ("Authorization".into(), "Bearer t".into()),
                ("Cookie".into(), "a=b; __session=t".into()),
                ("User-Agent".into(), "curl".into()),
            ],
            body: b"{}".to_vec(),
            source_ip: "127.0.0.1".into(),
            request_id: "r1".into(),
            time_epoch_ms: 1_764_000_000_000,
        };
        let matched = Matched {
            resource: "/tasks/{id}".into(),
            route_key: "GET /tasks/{id}".into(),
            path_parameters: [("id".to_string(), "42".to_string())].into(),
        };
        (request, matched)
    }

    #[test]
    fn every_event_is_the_shape_aws_lambda_events_reads() {
        let (rest, http) = (api(ApiKind::Rest), api(ApiKind::Http));
        let (r, m) = request();
        let identity = vec!["Bearer t".to_string()];
        let token: ApiGatewayCustomAuthorizerRequest =
            serde_json::from_value(token_event(&rest, &r, "Bearer t")).unwrap();
        assert_eq!(
            token.method_arn.as_deref(),
            Some("arn:aws:execute-api:eu-west-1:111122223333:abc1234567/prod/GET/tasks/42")
        );
        let request_type: ApiGatewayCustomAuthorizerRequestTypeRequest =
            serde_json::from_value(request_event(&rest, &r, &m, None)).unwrap();
        assert_eq!(request_type.path_parameters["id"], "42");
        let v1: ApiGatewayV2CustomAuthorizerV1Request =
            serde_json::from_value(request_event(&http, &r, &m, Some(&identity))).unwrap();
        assert_eq!(v1.identity_source.as_deref(), Some("Bearer t"));
        let v2: ApiGatewayV2CustomAuthorizerV2Request =
            serde_json::from_value(v2_authorizer_event(&http, &r, &m, &identity)).unwrap();
        assert_eq!(v2.identity_source, Some(identity.clone()));
        assert_eq!(v2.cookies, vec!["a=b", "__session=t"]);
        let proxy: ApiGatewayProxyRequest =
            serde_json::from_value(integration_event(&rest, &r, &m, None)).unwrap();
        assert_eq!(proxy.body.as_deref(), Some("{}"));
        let v2_integration: ApiGatewayV2httpRequest =
            serde_json::from_value(integration_event(&http, &r, &m, None)).unwrap();
        assert_eq!(
            v2_integration.query_string_parameters.all("a"),
            Some(vec!["1", "2"])
        );
        assert_eq!(v2_integration.request_context.time_epoch, 1_764_000_000_000);
        assert_eq!(r.time(), "24/Nov/2025:16:00:00 +0000");
    }

    #[test]
    fn proxy_answers_are_read_and_bad_ones_refused() {
        let ok = integration_response(ApiKind::Rest, r#"{"statusCode":201,"headers":{"x":"1"},"multiValueHeaders":{"y":["a","b"]},"body":"hi"}"#).unwrap();
        assert_eq!(ok.status, 201);
        assert_eq!(ok.headers.len(), 3);
        assert_eq!(ok.body, b"hi");
        let b64 = integration_response(
            ApiKind::Rest,
            r#"{"statusCode":200,"body":"aGk=","isBase64Encoded":true}"#,
        )
        .unwrap();
        assert_eq!(b64.body, b"hi");
        assert!(
            integration_response(ApiKind::Rest, r#"{"hello":1}"#).is_none(),
            "REST needs statusCode"
        );
        assert_eq!(
            integration_response(ApiKind::Http, r#"{"hello":1}"#)
                .unwrap()
                .status,
            200,
            "HTTP API 2.0 sends other JSON as a 200"
        );
        assert!(integration_response(ApiKind::Rest, r#"{"statusCode":"200"}"#).is_none());
        assert!(integration_response(ApiKind::Rest, "not json").is_none());
    }

    #[test]
    fn percent_decoding_leaves_bad_sequences_alone() {
        assert_eq!(percent_decode("/a%20b/%zz/%4"), "/a b/%zz/%4");
    }
}
