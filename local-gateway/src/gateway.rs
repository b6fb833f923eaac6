//! One request through one API, with API Gateway's semantics: stage, route, identity sources,
//! the authorizer (cached per identity values, its policy evaluated again for every route),
//! the integration, and the answers API Gateway itself gives on the way.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use authorizer::policy::{evaluate_document, Evaluation};
use serde_json::{json, Map, Value};

use crate::cors;
use crate::events::{self, Granted, Matched, Request, Response};
use crate::functions::{Answer, Functions};
use crate::routing;
use crate::template::{Api, ApiKeySource, ApiKind, App, Authorizer, Cors, Payload, Source};
use crate::usage_plans::{Admission, Meter, API_KEY_HEADER};

/// What the authorizer said, in a form that can be cached and evaluated for any route.
#[derive(Debug, Clone, PartialEq)]
enum Verdict {
    /// An IAM policy (REST, HTTP API 1.0, HTTP API 2.0 without simple responses).
    Policy {
        principal_id: String,
        document: Value,
        context: Map<String, Value>,
        /// `usageIdentifierKey`: the API key of `ApiKeySourceType: AUTHORIZER`.
        usage_key: Option<String>,
    },
    /// An HTTP API simple response.
    Simple {
        authorized: bool,
        context: Map<String, Value>,
    },
}

/// How the authorizer step went, for the log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthStep {
    /// The route has no authorizer.
    Open,
    /// An identity source was missing or empty: 401 without invoking the authorizer.
    NoIdentity,
    /// The authorizer's answer (fresh or cached) allowed the request.
    Allow { cached: bool },
    /// The answer (fresh or cached) denied it.
    Deny { cached: bool },
    /// The authorizer failed with `Unauthorized`.
    Unauthorized,
    /// The authorizer failed otherwise, timed out, or answered something unusable.
    Error(String),
}

impl AuthStep {
    pub fn describe(&self) -> String {
        let cache = |cached: bool| if cached { "cache hit" } else { "cache miss" };
        match self {
            AuthStep::Open => "none".into(),
            AuthStep::NoIdentity => "no identity source (authorizer not invoked)".into(),
            AuthStep::Allow { cached } => format!("allow ({})", cache(*cached)),
            AuthStep::Deny { cached } => format!("deny ({})", cache(*cached)),
            AuthStep::Unauthorized => "unauthorized".into(),
            AuthStep::Error(why) => format!("error: {why}"),
        }
    }
}

/// The result of one request, with what the log line reports.
pub struct Outcome {
    pub response: Response,
    /// `GET /tasks/{id}`, when a route matched.
    pub route: Option<String>,
    pub auth: AuthStep,
    /// What the access log's `$context.authorizer.*` and `$context.integration.*` say.
    pub facts: Facts,
}

/// The authorizer's and the integration's part in one request, for the access log.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The authorizer's answer as a status: 200, 401, 403 or 500 (`None`: not invoked).
    pub authorizer_status: Option<u16>,
    pub authorizer_latency_ms: Option<u128>,
    pub integration_latency_ms: Option<u128>,
    pub integration_error: Option<String>,
    /// The granted `principalId` and the context's `sub`.
    pub principal: Option<String>,
    pub sub: Option<String>,
    /// The usage plan's say, on a method with `ApiKeyRequired`.
    pub usage: Option<String>,
}

struct Cached {
    verdict: Verdict,
    expires: Instant,
}

/// The whole local API Gateway: the app, its running functions, and the authorizer caches.
pub struct Gateway {
    pub app: App,
    functions: Arc<Functions>,
    /// (API, authorizer, identity values) → the authorizer's answer.
    cache: Mutex<HashMap<(String, String, String), Cached>>,
    /// API name → its stage's throttling bucket (`Throttle::take`).
    buckets: Mutex<HashMap<String, Option<(f64, Instant)>>>,
    /// The template's usage plans, and what each API key has used of them.
    meter: Meter,
}

impl Gateway {
    pub fn new(app: App, functions: Functions) -> Gateway {
        Gateway {
            meter: Meter::new(app.usage_plans.clone()),
            app,
            functions: Arc::new(functions),
            cache: Mutex::default(),
            buckets: Mutex::default(),
        }
    }

    pub fn functions(&self) -> &Functions {
        &self.functions
    }

    /// The usage plans and their keys.
    pub fn meter(&self) -> &Meter {
        &self.meter
    }

    /// Serves `request` on API number `index` of the app, then adds what API Gateway adds on
    /// the way out: `GatewayResponses` headers on its own answers (REST), CORS headers for an
    /// allowed `Origin` (HTTP API).
    pub async fn handle(&self, index: usize, request: Request) -> Outcome {
        let api = &self.app.apis[index];
        let origin = request
            .header_values("origin")
            .first()
            .map(|o| o.to_string());
        if let Some(Cors::Http { .. }) = &api.cors {
            let is_preflight = request.method == "OPTIONS"
                && !request
                    .header_values("access-control-request-method")
                    .is_empty();
            let explicit = routing::find(api, "OPTIONS", &request.path)
                .is_some_and(|(route, _)| route.method == "OPTIONS");
            if is_preflight && !explicit {
                let mut response = Response {
                    status: 204,
                    headers: Vec::new(),
                    body: Vec::new(),
                    kind: None,
                };
                cors::http_preflight(api, origin.as_deref(), &mut response);
                return Outcome {
                    response,
                    route: Some("CORS preflight (answered by the API)".into()),
                    auth: AuthStep::Open,
                    facts: Facts::default(),
                };
            }
        }
        let mut outcome = self.serve(api, request).await;
        if let Some(kind) = outcome.response.kind {
            cors::gateway_response_headers(api, kind, &mut outcome.response);
        }
        cors::http_response_headers(api, origin.as_deref(), &mut outcome.response);
        outcome
    }

    /// Takes a token from the API stage's bucket; `false` when it is empty (429).
    fn admit(&self, api: &Api) -> bool {
        let Some(throttle) = api.throttle else {
            return true;
        };
        let mut buckets = self.buckets.lock().unwrap();
        throttle.take(buckets.entry(api.name.clone()).or_default(), Instant::now())
    }

    async fn serve(&self, api: &Api, mut request: Request) -> Outcome {
        let mut facts = Facts::default();
        let outcome = |response, route: Option<String>, auth, facts: &Facts| Outcome {
            response,
            route,
            auth,
            facts: facts.clone(),
        };
        // The stage's throttling comes first: API Gateway's own 429.
        if !self.admit(api) {
            let response =
                Response::gateway("THROTTLED", 429, json!({"message": "Too Many Requests"}));
            return outcome(response, None, AuthStep::Open, &facts);
        }
        // The stage is the first path segment, except on an HTTP API's $default stage.
        if !(api.kind == ApiKind::Http && api.stage == "$default") {
            let prefix = format!("/{}", api.stage);
            match request.path.strip_prefix(&prefix) {
                Some(rest) if rest.is_empty() || rest.starts_with('/') => {
                    request.path = if rest.is_empty() {
                        "/".into()
                    } else {
                        rest.to_string()
                    };
                }
                _ => return outcome(forbidden(api), None, AuthStep::Open, &facts),
            }
        }
        let Some((route, matched)) = routing::find(api, &request.method, &request.path) else {
            let response = match api.kind {
                // REST answers an unknown resource or method with this famous 403.
                ApiKind::Rest => Response::gateway(
                    "MISSING_AUTHENTICATION_TOKEN",
                    403,
                    json!({"message": "Missing Authentication Token"}),
                ),
                ApiKind::Http => {
                    Response::gateway("DEFAULT_4XX", 404, json!({"message": "Not Found"}))
                }
            };
            return outcome(response, None, AuthStep::Open, &facts);
        };
        let route_key = Some(matched.route_key.clone());

        let mut granted = None;
        let mut usage_key = None;
        let mut auth = AuthStep::Open;
        if let Some(name) = &route.authorizer {
            let authorizer = &api.authorizers[name];
            let started = Instant::now();
            let answer = self.authorize(api, authorizer, &request, &matched).await;
            facts.authorizer_latency_ms = Some(started.elapsed().as_millis());
            let (verdict, cached) = match answer {
                Ok(answer) => answer,
                Err(step) => {
                    let response = match step {
                        AuthStep::NoIdentity | AuthStep::Unauthorized => Response::gateway(
                            "UNAUTHORIZED",
                            401,
                            json!({"message": "Unauthorized"}),
                        ),
                        _ => server_error(api),
                    };
                    if !matches!(step, AuthStep::NoIdentity) {
                        facts.authorizer_status = Some(response.status);
                    } else {
                        facts.authorizer_latency_ms = None;
                    }
                    return outcome(response, route_key, step, &facts);
                }
            };
            // A cached answer is judged again for this route: it may allow one and deny another.
            if let Verdict::Policy { usage_key: key, .. } = &verdict {
                usage_key = key.clone();
            }
            match judge(api, &verdict, &events::method_arn(api, &request)) {
                Ok(allowed) => {
                    facts.authorizer_status = Some(200);
                    facts.principal = allowed.principal_id.clone();
                    facts.sub = allowed
                        .context
                        .get("sub")
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    granted = Some(allowed);
                    auth = AuthStep::Allow { cached };
                }
                Err(response) => {
                    facts.authorizer_status = Some(403);
                    return outcome(response, route_key, AuthStep::Deny { cached }, &facts);
                }
            }
        }

        let source = events::method_arn(api, &request);
        if !route.preflight
            && api.needs_permissions
            && !crate::permissions::may_invoke(&self.app, &route.function, &source)
        {
            let why = format!(
                "no AWS::Lambda::Permission lets API Gateway invoke {} from {source}",
                route.function
            );
            facts.integration_error = Some(why.clone());
            return outcome(internal_error(api), route_key, AuthStep::Error(why), &facts);
        }
        if route.api_key_required && api.kind == ApiKind::Rest {
            let key = match api.api_key_source {
                ApiKeySource::Header => request
                    .header_values(API_KEY_HEADER)
                    .first()
                    .map(|k| k.to_string()),
                ApiKeySource::Authorizer => usage_key,
            };
            let resource_method = format!("{}/{}", route.path.trim_end_matches('/'), route.method);
            let admission = self.meter.admit(
                &api.name,
                &api.stage,
                &resource_method,
                key.as_deref(),
                SystemTime::now(),
            );
            facts.usage = Some(admission.describe());
            let refused = match admission {
                Admission::Admitted { .. } => None,
                Admission::Forbidden(_) => Some(("INVALID_API_KEY", 403, "Forbidden")),
                Admission::Throttled { .. } => Some(("THROTTLED", 429, "Too Many Requests")),
                Admission::LimitExceeded { .. } => Some(("QUOTA_EXCEEDED", 429, "Limit Exceeded")),
            };
            if let Some((kind, status, message)) = refused {
                let response = Response::gateway(kind, status, json!({ "message": message }));
                return outcome(response, route_key, auth, &facts);
            }
        }
        // A preflight is a mock: the authorizer and the API key (SAM's
        // AddApiKeyRequiredToCorsPreflight) are checked as on any method, then it answers.
        if route.preflight {
            return outcome(cors::rest_preflight(api, route), route_key, auth, &facts);
        }
        let event = events::integration_event(api, &request, &matched, granted.as_ref());
        let started = Instant::now();
        // API Gateway stops waiting at the integration timeout; the function runs on.
        let limit = route
            .timeout
            .unwrap_or_else(|| api.kind.integration_timeout());
        let answer = tokio::time::timeout(limit, self.invoke(&route.function, event)).await;
        facts.integration_latency_ms = Some(started.elapsed().as_millis());
        let Ok(answer) = answer else {
            facts.integration_error = Some(format!(
                "{} was still running at the integration timeout ({} ms)",
                route.function,
                limit.as_millis()
            ));
            return outcome(integration_timeout(api), route_key, auth, &facts);
        };
        let response = match answer {
            Answer::Response(body) => {
                events::integration_response(api.kind, &body).unwrap_or_else(|| {
                    facts.integration_error = Some("malformed Lambda proxy response".into());
                    bad_gateway(api)
                })
            }
            Answer::Error(why) | Answer::Failed(why) => {
                facts.integration_error = Some(why);
                bad_gateway(api)
            }
            // API Gateway answers a throttled Lambda with its own 500, not Lambda's 429.
            Answer::Throttled => {
                facts.integration_error = Some(format!(
                    "{} is throttled: every execution environment it may have is busy",
                    route.function
                ));
                internal_error(api)
            }
        };
        outcome(response, route_key, auth, &facts)
    }

    /// Runs the authorizer step: identity sources, cache, invocation, answer.
    async fn authorize(
        &self,
        api: &Api,
        authorizer: &Authorizer,
        request: &Request,
        matched: &Matched,
    ) -> Result<(Verdict, bool), AuthStep> {
        let mut identity = Vec::new();
        for source in &authorizer.identity {
            match identity_value(source, request, matched, api) {
                Some(value) if !value.trim().is_empty() => identity.push(value),
                _ => return Err(AuthStep::NoIdentity),
            }
        }
        // A TOKEN authorizer's IdentityValidationExpression: no match, no invocation.
        if let Some(validation) = &authorizer.validation {
            if !validation.matches(&identity[0]) {
                return Err(AuthStep::NoIdentity);
            }
        }
        let key = (
            api.name.clone(),
            authorizer.name.clone(),
            identity.join("\u{1f}"),
        );
        if authorizer.ttl > 0 {
            let cache = self.cache.lock().unwrap();
            if let Some(entry) = cache.get(&key).filter(|e| e.expires > Instant::now()) {
                return Ok((entry.verdict.clone(), true));
            }
        }
        let event = match authorizer.payload {
            Payload::Token => events::token_event(api, request, &identity[0]),
            Payload::Request => events::request_event(api, request, matched, None),
            Payload::HttpV1 => events::request_event(api, request, matched, Some(&identity)),
            Payload::HttpV2 { .. } => events::v2_authorizer_event(api, request, matched, &identity),
        };
        let source = format!(
            "arn:aws:execute-api:{}:{}:{}/authorizers/{}",
            api.region,
            api.account_id,
            api.id,
            crate::template::derived_api_id(&authorizer.name)
        );
        if api.needs_permissions
            && !crate::permissions::may_invoke(&self.app, &authorizer.function, &source)
        {
            return Err(AuthStep::Error(format!(
                "no AWS::Lambda::Permission lets API Gateway invoke the authorizer {} from {source}",
                authorizer.function
            )));
        }
        let answer = self.invoke(&authorizer.function, event).await;
        let verdict = match answer {
            // Only REST turns the error `Unauthorized` into 401; for HTTP APIs any error is a 500.
            Answer::Error(message) if message == "Unauthorized" && api.kind == ApiKind::Rest => {
                return Err(AuthStep::Unauthorized)
            }
            Answer::Error(message) => {
                return Err(AuthStep::Error(format!("the authorizer failed: {message}")))
            }
            Answer::Failed(why) => return Err(AuthStep::Error(why)),
            Answer::Throttled => {
                return Err(AuthStep::Error(format!(
                "the authorizer {} is throttled: every execution environment it may have is busy",
                authorizer.function
            )))
            }
            Answer::Response(body) => read_verdict(&body, authorizer.payload)
                .map_err(|why| AuthStep::Error(format!("malformed authorizer answer: {why}")))?,
        };
        // Only usable answers are cached; failures are never.
        if authorizer.ttl > 0 {
            self.cache.lock().unwrap().insert(
                key,
                Cached {
                    verdict: verdict.clone(),
                    expires: Instant::now() + Duration::from_secs(authorizer.ttl),
                },
            );
        }
        Ok((verdict, false))
    }

    async fn invoke(&self, function: &str, event: Value) -> Answer {
        let functions = self.functions.clone();
        let function = function.to_string();
        tokio::task::spawn_blocking(move || functions.invoke(&function, event.to_string()))
            .await
            .unwrap_or_else(|e| Answer::Failed(format!("the invocation task failed: {e}")))
    }
}

/// What the authorizer's answer means for the request `arn`: the grant for the integration, or
/// API Gateway's 403.
fn judge(api: &Api, verdict: &Verdict, arn: &str) -> Result<Granted, Response> {
    let forbidden = || Response::gateway("ACCESS_DENIED", 403, json!({"message": "Forbidden"}));
    match verdict {
        Verdict::Simple {
            authorized: true,
            context,
        } => Ok(Granted {
            principal_id: None,
            context: context.clone(),
        }),
        Verdict::Simple { .. } => Err(forbidden()),
        Verdict::Policy {
            principal_id,
            document,
            context,
            ..
        } => match (evaluate_document(document, arn), api.kind) {
            (Evaluation::Allow, _) => Ok(Granted {
                principal_id: Some(principal_id.clone()),
                context: context.clone(),
            }),
            (_, ApiKind::Http) => Err(forbidden()),
            (Evaluation::ExplicitDeny, ApiKind::Rest) => Err(Response::gateway(
                "ACCESS_DENIED",
                403,
                json!({"Message": "User is not authorized to access this resource with an explicit deny"}),
            )),
            (Evaluation::ImplicitDeny, ApiKind::Rest) => Err(Response::gateway(
                "ACCESS_DENIED",
                403,
                json!({"Message": "User is not authorized to access this resource"}),
            )),
        },
    }
}

/// The value of one identity source for this request.
fn identity_value(
    source: &Source,
    request: &Request,
    matched: &Matched,
    api: &Api,
) -> Option<String> {
    match source {
        Source::Header(name) => {
            let values = request.header_values(name);
            (!values.is_empty()).then(|| values.join(","))
        }
        Source::Query(name) => {
            let values: Vec<String> = request
                .query()
                .into_iter()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v)
                .collect();
            (!values.is_empty()).then(|| values.join(","))
        }
        Source::StageVariable(_) => None,
        Source::Context(name) => match name.as_str() {
            "routeKey" => Some(matched.route_key.clone()),
            "httpMethod" => Some(request.method.clone()),
            "path" => Some(request.raw_path.clone()),
            "stage" => Some(api.stage.clone()),
            "apiId" => Some(api.id.clone()),
            "accountId" => Some(api.account_id.clone()),
            "requestId" => Some(request.request_id.clone()),
            "identity.sourceIp" => Some(request.source_ip.clone()),
            _ => None,
        },
    }
}

/// Reads and checks an authorizer's answer as API Gateway does: a policy needs a non-empty
/// `principalId` and a `policyDocument`; a simple response a boolean `isAuthorized`; context
/// values must be strings, numbers or booleans.
fn read_verdict(body: &str, payload: Payload) -> Result<Verdict, String> {
    let value: Value = serde_json::from_str(body).map_err(|_| "not JSON".to_string())?;
    let object = value.as_object().ok_or("not a JSON object")?;
    let context = match object.get("context") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(context)) => {
            if let Some((key, _)) = context
                .iter()
                .find(|(_, v)| !(v.is_string() || v.is_number() || v.is_boolean()))
            {
                return Err(format!(
                    "context value {key:?} is not a string, number or boolean"
                ));
            }
            context.clone()
        }
        Some(_) => return Err("context is not an object".into()),
    };
    if payload == (Payload::HttpV2 { simple: true }) {
        let authorized = object
            .get("isAuthorized")
            .and_then(Value::as_bool)
            .ok_or("no boolean isAuthorized")?;
        return Ok(Verdict::Simple {
            authorized,
            context,
        });
    }
    let principal_id = object
        .get("principalId")
        .and_then(Value::as_str)
        .filter(|p| !p.is_empty())
        .ok_or("no principalId")?
        .to_string();
    let document = object
        .get("policyDocument")
        .filter(|d| d.is_object())
        .ok_or("no policyDocument")?;
    if document
        .get("Statement")
        .is_none_or(|s| !(s.is_array() || s.is_object()))
    {
        return Err("the policyDocument has no Statement".into());
    }
    let usage_key = match object.get("usageIdentifierKey") {
        None | Some(Value::Null) => None,
        Some(Value::String(key)) => Some(key.clone()),
        Some(_) => return Err("usageIdentifierKey is not a string".into()),
    };
    Ok(Verdict::Policy {
        principal_id,
        document: document.clone(),
        context,
        usage_key,
    })
}

fn forbidden(_api: &Api) -> Response {
    Response::gateway("DEFAULT_4XX", 403, json!({"message": "Forbidden"}))
}

fn server_error(api: &Api) -> Response {
    match api.kind {
        ApiKind::Rest => Response::gateway("AUTHORIZER_FAILURE", 500, json!({"message": null})),
        ApiKind::Http => Response::gateway(
            "AUTHORIZER_FAILURE",
            500,
            json!({"message": "Internal Server Error"}),
        ),
    }
}

/// An integration that failed, timed out or answered something unusable.
/// What API Gateway answers when it may not invoke an integration's function.
fn internal_error(api: &Api) -> Response {
    let message = match api.kind {
        ApiKind::Rest => "Internal server error",
        ApiKind::Http => "Internal Server Error",
    };
    Response::gateway("DEFAULT_5XX", 500, json!({ "message": message }))
}

/// The answer when the integration outlasts its timeout: REST 504, HTTP API 503.
fn integration_timeout(api: &Api) -> Response {
    match api.kind {
        ApiKind::Rest => Response::gateway(
            "INTEGRATION_TIMEOUT",
            504,
            json!({"message": "Endpoint request timed out"}),
        ),
        ApiKind::Http => Response::gateway(
            "DEFAULT_5XX",
            503,
            json!({"message": "Service Unavailable"}),
        ),
    }
}

fn bad_gateway(api: &Api) -> Response {
    match api.kind {
        ApiKind::Rest => Response::gateway(
            "DEFAULT_5XX",
            502,
            json!({"message": "Internal server error"}),
        ),
        ApiKind::Http => Response::gateway(
            "DEFAULT_5XX",
            500,
            json!({"message": "Internal Server Error"}),
        ),
    }
}
