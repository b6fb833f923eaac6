//! The pipeline: event JSON → `Request` → token → verified claims → decision → response JSON.
//!
//! Plain functions on plain values, with the clock passed in: no Lambda, no environment,
//! no I/O. `main.rs` feeds it events; tests, benchmarks and fuzzers call it directly.

use std::sync::Arc;

use crate::clerk_api::Transport;
use crate::config::{Config, HttpApiResponse};
use crate::context::{Context, ContextValue};
use crate::credential::Credential;
use crate::event::{Flavour, Request};
use crate::jwks::KeyRing;
use crate::opaque::{self, OpaqueCheck, OpaqueChecks, OpaqueVerifier};
use crate::policy::{self, Effect, Resources};
use crate::rejection::Rejection;
use crate::rules::WEBSOCKET_CONNECT;
use crate::token::Place;
use crate::verify::Claims;

/// The principal reported when a token was refused but the flavour still needs a policy.
pub const ANONYMOUS: &str = "anonymous";

/// What API Gateway will do with our answer for the requested route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// 2xx: the route is allowed.
    Allow,
    /// 403: a genuine token whose role may not call this route.
    Deny,
    /// 401 on REST and WebSocket; 403 on HTTP APIs, which have no 401 from a Lambda authorizer.
    Unauthorized,
}

impl Verdict {
    /// The verdict's name in the log and the metrics.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Deny => "deny",
            Verdict::Unauthorized => "unauthorized",
        }
    }
}

/// Everything one call decided: the response for API Gateway and the facts for the log line.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// What API Gateway answers for the requested route.
    pub verdict: Verdict,
    /// Machine-readable: `allowed`, `no_role`, `expired`, `bad_signature`, …
    pub reason: &'static str,
    /// The event's flavour, when it was recognised.
    pub flavour: Option<Flavour>,
    /// The requested route, e.g. `GET/tasks/42`.
    pub route: Option<String>,
    /// `sub` of a verified token: the user, or the calling machine.
    pub sub: Option<String>,
    /// The verified token's kind, as `ACCEPTED_TOKENS` names it (`session_token`, …).
    pub token_type: Option<&'static str>,
    /// `act.sub` of an impersonated (or agent) session.
    pub actor: Option<String>,
    /// The session's role at `ROLE_CLAIM`, if any.
    pub role: Option<String>,
    /// The active organisation's id.
    pub org: Option<String>,
    /// Something the log should explain, such as `permissions_withheld_ambiguous_fpm`.
    pub note: Option<&'static str>,
    /// Metadata keys left out of the context to keep it under the size limit.
    pub dropped_context: Vec<String>,
    /// An HTTP API simple response decided for one route of several, on an API whose cache
    /// key lacks `$context.routeKey`: API Gateway will reuse it for every route.
    pub route_cache_unsafe: bool,
    /// The JSON to return, or `None` for the Lambda error `Unauthorized`.
    pub response: Option<String>,
}

/// The authorizer: a validated configuration and the pipeline over it.
#[derive(Debug)]
pub struct Authorizer {
    config: Config,
    /// HTTP API simple responses under rules limited to particular routes: such an answer
    /// depends on the route. Fixed by the configuration, so judged once here.
    simple_responses_vary_by_route: bool,
    /// Opaque credentials, verified with Clerk: present once `connect`ed.
    opaque: Option<Box<dyn OpaqueCheck>>,
}

impl Authorizer {
    /// The authorizer over a validated configuration.
    pub fn new(config: Config) -> Self {
        let simple_responses_vary_by_route = config.http_api_response == HttpApiResponse::Simple
            && config.rules.has_route_specific_rules();
        Authorizer {
            config,
            simple_responses_vary_by_route,
            opaque: None,
        }
    }

    /// The authorizer with Clerk reachable through `transport`, at `now` (cold start): loads
    /// the keys of `CLERK_JWKS_URL` and verifies opaque credentials with Clerk's Backend API.
    ///
    /// Nothing here stops the function: a JWKS that cannot be loaded is logged (as an ERROR
    /// naming `CLERK_JWKS_URL`) and tried again, boundedly, while every token is refused as an
    /// outage (`jwks_unavailable`), never as a cacheable deny.
    ///
    /// Without `connect`, a configuration that needs the network refuses what needs it with
    /// an outage reason: it never allows.
    pub fn connect(mut config: Config, transport: Arc<dyn Transport>, now: u64) -> Self {
        if let Some(url) = &config.clerk_api.jwks_url {
            let (ring, problem) = KeyRing::load(url, transport.clone(), now);
            if let Some(problem) = problem {
                tracing::error!(
                    variable = "CLERK_JWKS_URL",
                    reason = Rejection::JwksUnavailable.reason(),
                    "CLERK_JWKS_URL {problem}: every token is refused (not cached by API \
                     Gateway) until it can be read; it is tried again at most every {} s. \
                     Check the URL (https://<your Frontend API>/.well-known/jwks.json) and that \
                     the function can reach it",
                    crate::jwks::EMPTY_RETRY_SECONDS
                );
            }
            config.verifier.set_key_source(Box::new(ring));
        }
        let checks = config.verifier.checks();
        let opaque_checks = OpaqueChecks {
            accepted: config.opaque_kinds,
            machine_id: checks.machine_id.clone(),
            oauth_audiences: checks.oauth_audiences.clone(),
            calls_per_second: config.clerk_api.calls_per_second,
        };
        let opaque = OpaqueVerifier::new(opaque_checks, transport);
        let mut authorizer = Authorizer::new(config);
        authorizer.opaque = Some(Box::new(opaque));
        authorizer
    }

    /// The configuration it decides with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Decides one event at time `now` (seconds since the epoch). Never panics on any input.
    pub fn handle(&self, event: &str, now: u64) -> Outcome {
        let request = match Request::parse(event) {
            Ok(request) => request,
            Err(rejection) => return refused(None, rejection),
        };
        // A JWT's payload is decoded here, and its claims borrow from it.
        let mut payload = Vec::new();
        let verified = request
            .token(self.config.session_cookie.as_deref())
            .and_then(|(token, place)| self.verify(token, place, now, &mut payload));
        match verified {
            Ok(claims) => self.decide(&request, &claims),
            Err(rejection) => self.reject(&request, rejection),
        }
    }

    /// A JWT is verified here with the keys; an opaque credential by Clerk.
    fn verify<'p>(
        &self,
        token: &str,
        place: Place,
        now: u64,
        payload: &'p mut Vec<u8>,
    ) -> Result<Claims<'p>, Rejection> {
        let kind = match opaque::recognise(token) {
            None => return self.config.verifier.verify(token, place, now, payload),
            Some(kind) => kind?,
        };
        match &self.opaque {
            // The latest instant of this second: expiry is judged as late as `now` may be.
            Some(verifier) => verifier.verify(token, kind, place, now * 1000 + 999),
            None if self.config.opaque_kinds.contains(kind) => Err(Rejection::ClerkApiUnavailable),
            None => Err(Rejection::TokenNotAccepted),
        }
    }

    fn decide(&self, request: &Request<'_>, claims: &Claims<'_>) -> Outcome {
        let credential = Credential::from_claims(claims, &self.config.role_claim);
        let decision = self.config.rules.decide(&credential, request.arn.route);
        let allowed = decision.allowed;
        let context = Context::from_credential(claims, &credential);
        let sub = credential.subject;
        let session = credential.session.as_ref();
        let prefix = request.arn.prefix;
        let usage_key = match &self.config.metering {
            Some(metering) if request.flavour.has_usage_plans() => Some(metering.key(&credential)),
            _ => None,
        };
        let usage_key = usage_key.as_deref();

        let response = match request.flavour {
            Flavour::HttpV2 if self.config.http_api_response == HttpApiResponse::Simple => {
                policy::render_simple(allowed, Some(&context))
            }
            // A WebSocket authorizer guards exactly one route.
            Flavour::WebSocket => {
                let effect = if allowed { Effect::Allow } else { Effect::Deny };
                let resources = Resources {
                    prefix,
                    suffixes: &[WEBSOCKET_CONNECT],
                };
                policy::render_policy(sub, effect, resources, Some(&context), usage_key)
            }
            // Cache-safe: every route the session may call, whichever route was asked for.
            _ if !decision.granted.is_empty() => {
                let resources = Resources {
                    prefix,
                    suffixes: &decision.granted,
                };
                policy::render_policy(sub, Effect::Allow, resources, Some(&context), usage_key)
            }
            _ => {
                let resources = Resources {
                    prefix,
                    suffixes: &["*"],
                };
                policy::render_policy(sub, Effect::Deny, resources, Some(&context), usage_key)
            }
        };

        Outcome {
            verdict: if allowed {
                Verdict::Allow
            } else {
                Verdict::Deny
            },
            reason: decision.reason,
            flavour: Some(request.flavour),
            route: Some(request.arn.route.to_string()),
            sub: Some(sub.to_string()),
            token_type: Some(credential.kind.name()),
            actor: credential.actor.map(str::to_string),
            role: session.and_then(|s| s.role).map(str::to_string),
            // The active organisation, or the organisation an API key belongs to.
            org: match context.get("org_id") {
                Some(ContextValue::String(org)) => Some(org.clone()),
                _ => None,
            },
            note: session.and_then(|s| s.permissions_withheld),
            dropped_context: context.dropped.clone(),
            route_cache_unsafe: self.simple_responses_vary_by_route
                && request.flavour == Flavour::HttpV2
                && request.cache_key_lacks_route(),
            response: Some(response),
        }
    }

    fn reject(&self, request: &Request<'_>, rejection: Rejection) -> Outcome {
        let mut outcome = refused(Some(request), rejection);
        // HTTP APIs turn a Lambda error into 500, so they get an explicit "no" instead; but
        // not for an outage, which API Gateway would cache as that credential's answer.
        outcome.response = match request.flavour {
            _ if rejection.is_outage() => None,
            Flavour::HttpV2 if self.config.http_api_response == HttpApiResponse::Simple => {
                Some(policy::render_simple(false, None))
            }
            Flavour::HttpV1 | Flavour::HttpV2 => {
                let resources = Resources {
                    prefix: request.arn.prefix,
                    suffixes: &["*"],
                };
                Some(policy::render_policy(
                    ANONYMOUS,
                    Effect::Deny,
                    resources,
                    None,
                    None,
                ))
            }
            Flavour::RestToken | Flavour::RestRequest | Flavour::WebSocket => None,
        };
        outcome
    }
}

fn refused(request: Option<&Request<'_>>, rejection: Rejection) -> Outcome {
    Outcome {
        verdict: Verdict::Unauthorized,
        reason: rejection.reason(),
        flavour: request.map(|r| r.flavour),
        route: request.map(|r| r.arn.route.to_string()),
        sub: None,
        token_type: None,
        actor: None,
        role: None,
        org: None,
        note: None,
        dropped_context: Vec::new(),
        route_cache_unsafe: false,
        response: None,
    }
}
