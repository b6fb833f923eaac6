//! A local stand-in for Clerk's Backend API, for development and tests: the three verify
//! endpoints, `GET /v1/jwks` and `GET /.well-known/jwks.json`, served from a JSON file of
//! credentials over real HTTP on loopback.
//!
//! The file (see `events/clerk-api.json`):
//! ```json
//! {"secret_keys": ["sk_test_…"], "machine_secret_keys": ["ak_…"],
//!  "credentials": [{"secret": "ak_…", "answer": {"object": "api_key", …}}],
//!  "jwks": {"keys": [...]}}
//! ```
//! An `answer` is returned as is with 200 (so a revoked or expired record is Clerk's own
//! answer); any other credential is a 404. A bearer that is not one of the secret keys is a
//! 401.
//!
//! For the backfill, `"organizations"` and `"users"` (ids) and `"subscriptions"` (tenant → its
//! Clerk Billing subscription) serve `GET /v1/organizations`, `/v1/users` and
//! `/v1/{organizations|users}/{id}/billing/subscription`.
//!
//! Control endpoints, for tests and the demo: `POST /_control` with
//! `{"fault": "none"|"slow"|"500"|"429"|"redirect", "delay_ms": N, "retry_after": S,
//! "times": N}` (the fault lasts N calls when given; a 429
//! carries `Retry-After: S`, 1 by default, as Clerk's do; `redirect` answers 307 to
//! `/_stolen`, which counts whoever follows it), `POST /_credentials` with one more
//! `{"secret", "answer"}`, `PUT /_jwks` with a new document, and `GET /_calls`, the count of
//! verify, JWKS and followed-redirect calls so far.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpListener;

/// The `Clerk-API-Version` the stand-in requires, as the authorizer sends it.
const API_VERSION: &str = authorizer::clerk_api::API_VERSION;

/// What the stand-in knows and how it misbehaves.
#[derive(Debug, Default)]
struct State {
    secret_keys: Vec<String>,
    machine_secret_keys: Vec<String>,
    /// credential → Clerk's 200 answer.
    credentials: Vec<(String, Value)>,
    jwks: Value,
    /// What the backfill lists: organisation and user ids, and tenant → its Clerk Billing
    /// subscription (`GET /v1/{organizations|users}/{id}/billing/subscription`; else 404).
    organizations: Vec<String>,
    users: Vec<String>,
    subscriptions: Vec<(String, Value)>,
    fault: Fault,
    /// The fault lasts this many more calls (`None`: until changed).
    fault_left: Option<u64>,
    verify_calls: u64,
    jwks_calls: u64,
    stolen_calls: u64,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Fault {
    #[default]
    None,
    /// Answer after `delay`.
    Slow(Duration),
    /// 500 Internal Server Error.
    ServerError,
    /// 429 Too Many Requests, with `Retry-After` in seconds.
    TooMany(u64),
    /// 307 to `/_stolen` on this server: a client that follows it would resend the secret.
    Redirect,
}

/// The stand-in, listening.
pub struct LocalClerkApi {
    /// `http://127.0.0.1:<port>`: the `CLERK_API_URL` to give the authorizer.
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl LocalClerkApi {
    /// Reads `file` and listens on `port` (0: any free port) on loopback.
    pub async fn start(file: &str, port: u16) -> Result<LocalClerkApi, String> {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("--clerk-credentials {file}: cannot be read ({e})"))?;
        let state = parse(&text).map_err(|e| format!("--clerk-credentials {file}: {e}"))?;
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|e| format!("the local Clerk API cannot listen on 127.0.0.1:{port}: {e}"))?;
        let url = format!(
            "http://{}",
            listener.local_addr().map_err(|e| e.to_string())?
        );
        let state = Arc::new(Mutex::new(state));
        tokio::spawn(serve(listener, state.clone()));
        Ok(LocalClerkApi { url, state })
    }

    /// The first instance secret key of the file: what local-gateway hands the authorizer.
    pub fn secret_key(&self) -> Option<String> {
        self.state.lock().unwrap().secret_keys.first().cloned()
    }
}

fn parse(text: &str) -> Result<State, String> {
    let file: Value = serde_json::from_str(text).map_err(|e| format!("is not JSON ({e})"))?;
    let strings = |key: &str| -> Vec<String> {
        file[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    };
    let mut credentials = Vec::new();
    for entry in file["credentials"].as_array().into_iter().flatten() {
        credentials.push(credential(entry)?);
    }
    Ok(State {
        secret_keys: strings("secret_keys"),
        machine_secret_keys: strings("machine_secret_keys"),
        organizations: strings("organizations"),
        users: strings("users"),
        subscriptions: file["subscriptions"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(tenant, subscription)| (tenant.clone(), subscription.clone()))
            .collect(),
        credentials,
        jwks: file.get("jwks").cloned().unwrap_or(json!({"keys": []})),
        ..State::default()
    })
}

fn credential(entry: &Value) -> Result<(String, Value), String> {
    match (entry["secret"].as_str(), entry.get("answer")) {
        (Some(secret), Some(answer)) if answer["object"].is_string() => {
            Ok((secret.to_string(), answer.clone()))
        }
        _ => Err(format!(
            "has a credential without \"secret\" or an \"answer\" with an \"object\": {entry}"
        )),
    }
}

async fn serve(listener: TcpListener, state: Arc<Mutex<State>>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = state.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let state = state.clone();
                async move { Ok::<_, Infallible>(handle(&state, request).await) }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn respond(status: u16, body: &Value) -> hyper::Response<Full<Bytes>> {
    hyper::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("a valid response")
}

fn clerk_error(status: u16, code: &str, message: &str) -> hyper::Response<Full<Bytes>> {
    respond(
        status,
        &json!({"errors": [{"code": code, "message": message, "long_message": message}]}),
    )
}

async fn handle(
    state: &Mutex<State>,
    request: hyper::Request<Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, 1 << 20).collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => return clerk_error(413, "too_large", "body too large"),
    };
    let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let bearer = parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_string();
    let path = parts.uri.path();
    let method = parts.method.as_str();

    // Control endpoints first: they never misbehave.
    match (method, path) {
        ("POST", "/_control") => {
            let fault = match (json["fault"].as_str(), json["delay_ms"].as_u64()) {
                (Some("slow"), delay) => Fault::Slow(Duration::from_millis(delay.unwrap_or(5000))),
                (Some("500"), _) => Fault::ServerError,
                (Some("429"), _) => Fault::TooMany(json["retry_after"].as_u64().unwrap_or(1)),
                (Some("redirect"), _) => Fault::Redirect,
                _ => Fault::None,
            };
            let mut s = state.lock().unwrap();
            s.fault = fault;
            s.fault_left = json["times"].as_u64();
            return respond(200, &json!({"fault": format!("{fault:?}")}));
        }
        ("POST", "/_credentials") => {
            return match credential(&json) {
                Ok(entry) => {
                    state.lock().unwrap().credentials.push(entry);
                    respond(201, &json!({}))
                }
                Err(e) => clerk_error(400, "bad_request", &e),
            };
        }
        ("PUT", "/_jwks") => {
            state.lock().unwrap().jwks = json;
            return respond(200, &json!({}));
        }
        ("GET", "/_calls") => {
            let s = state.lock().unwrap();
            return respond(
                200,
                &json!({"verify": s.verify_calls, "jwks": s.jwks_calls, "stolen": s.stolen_calls}),
            );
        }
        (_, "/_stolen") => {
            state.lock().unwrap().stolen_calls += 1;
            return respond(200, &json!({}));
        }
        _ => {}
    }

    let fault = {
        let mut s = state.lock().unwrap();
        let fault = s.fault;
        match &mut s.fault_left {
            Some(0) => {
                s.fault = Fault::None;
                s.fault_left = None;
                Fault::None
            }
            Some(left) => {
                *left -= 1;
                fault
            }
            None => fault,
        }
    };
    match fault {
        Fault::None => {}
        Fault::Slow(delay) => tokio::time::sleep(delay).await,
        Fault::ServerError => {
            count(state, path);
            return clerk_error(500, "internal_error", "injected by _control");
        }
        Fault::TooMany(seconds) => {
            count(state, path);
            let mut response = clerk_error(429, "too_many_requests", "injected by _control");
            response
                .headers_mut()
                .insert("retry-after", hyper::header::HeaderValue::from(seconds));
            return response;
        }
        Fault::Redirect => {
            count(state, path);
            let host = parts
                .headers
                .get("host")
                .and_then(|h| h.to_str().ok())
                .unwrap_or("127.0.0.1");
            return hyper::Response::builder()
                .status(307)
                .header("location", format!("http://{host}/_stolen"))
                .body(Full::new(Bytes::new()))
                .expect("a valid response");
        }
    }
    count(state, path);

    let s = state.lock().unwrap();
    match (method, path) {
        ("GET", "/.well-known/jwks.json") => return respond(200, &s.jwks),
        ("GET", "/v1/jwks") if s.secret_keys.contains(&bearer) => return respond(200, &s.jwks),
        _ => {}
    }
    if method == "GET" && path.starts_with("/v1/") {
        if !s.secret_keys.contains(&bearer) {
            return clerk_error(401, "authentication_invalid", "the secret key is not valid");
        }
        return tenants(&s, path, parts.uri.query().unwrap_or_default());
    }
    let (field, object, machine_key) = match (method, path) {
        ("POST", "/api_keys/verify") => ("secret", "api_key", false),
        ("POST", "/m2m_tokens/verify") => ("token", "machine_to_machine_token", true),
        ("POST", "/oauth_applications/access_tokens/verify") => {
            ("access_token", "clerk_idp_oauth_access_token", false)
        }
        _ => return clerk_error(404, "resource_not_found", "no such endpoint"),
    };
    let authorised =
        s.secret_keys.contains(&bearer) || (machine_key && s.machine_secret_keys.contains(&bearer));
    if !authorised {
        return clerk_error(401, "authentication_invalid", "the secret key is not valid");
    }
    // The rest of the contract's headers, as Clerk's SDK sends them.
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    if header("clerk-api-version") != Some(API_VERSION)
        || header("content-type") != Some("application/json")
        || header("user-agent").is_none_or(str::is_empty)
    {
        return clerk_error(
            400,
            "request_invalid",
            "Clerk-API-Version, Content-Type: application/json and a User-Agent are required",
        );
    }
    let Some(credential) = json[field].as_str() else {
        return clerk_error(400, "form_param_missing", &format!("{field} is required"));
    };
    match s
        .credentials
        .iter()
        .find(|(secret, answer)| secret == credential && answer["object"] == object)
    {
        Some((_, answer)) => respond(200, answer),
        None => clerk_error(404, "resource_not_found", "not found"),
    }
}

/// The lists and subscriptions the backfill reads, paged by `limit` and `offset` as Clerk
/// pages them (organisations in `{data, total_count}`, users as a bare list).
fn tenants(s: &State, path: &str, query: &str) -> hyper::Response<Full<Bytes>> {
    let param = |name: &str, default: usize| {
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let page = |ids: &[String], object: &str| -> Vec<Value> {
        ids.iter()
            .skip(param("offset", 0))
            .take(param("limit", 10))
            .map(|id| json!({"object": object, "id": id}))
            .collect()
    };
    let segments: Vec<&str> = path.trim_start_matches("/v1/").split('/').collect();
    match segments.as_slice() {
        ["organizations"] => respond(
            200,
            &json!({"data": page(&s.organizations, "organization"), "total_count": s.organizations.len()}),
        ),
        ["users"] => respond(200, &Value::Array(page(&s.users, "user"))),
        ["organizations" | "users", tenant, "billing", "subscription"] => {
            match s.subscriptions.iter().find(|(t, _)| t == tenant) {
                Some((_, subscription)) => respond(200, subscription),
                None => clerk_error(404, "resource_not_found", "no subscription"),
            }
        }
        _ => clerk_error(404, "resource_not_found", "no such endpoint"),
    }
}

fn count(state: &Mutex<State>, path: &str) {
    let mut s = state.lock().unwrap();
    if path.ends_with("jwks") || path.ends_with("jwks.json") {
        s.jwks_calls += 1;
    } else {
        s.verify_calls += 1;
    }
}
