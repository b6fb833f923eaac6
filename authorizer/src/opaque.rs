//! Clerk's opaque credentials (`ak_…` API keys, `mt_…` M2M tokens, `oat_…` OAuth tokens):
//! recognised by their prefix, checked for shape before any call, verified by Clerk's Backend
//! API through a [`Transport`], and remembered briefly so that neither a busy caller nor a
//! flood of invented keys turns into a flood of calls.
//!
//! The revocation window is the in-process cache (`CACHE_SECONDS`) plus API Gateway's
//! authorizer cache TTL: a revoked key may still open the API for that long.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use aws_lc_rs::digest::{Context, SHA256};
use serde_json::{Map, Value};

use crate::clerk_api::{self, Answer, Record, Transport};
use crate::kind::TokenKind;
use crate::rejection::Rejection;
use crate::token::Place;
use crate::verify::Claims;

/// The longest credential after its prefix, in URL-safe characters.
pub const MAX_OPAQUE_CHARS: usize = 256;
/// How long a verified or unknown credential is remembered, at most.
pub const CACHE_SECONDS: u64 = 60;
/// How many credentials are remembered at most; beyond, the oldest answers are forgotten.
pub const MAX_CACHED: usize = 10_000;
/// `CLERK_API_CALLS_PER_SECOND`'s default: calls to Clerk per second per execution
/// environment, beyond which a new credential is refused without a call. Clerk allows a
/// production instance 100 calls a second (a development one 10), shared with the app's own
/// backend and across every environment: docs/clerk-api.md has the arithmetic.
pub const DEFAULT_CALLS_PER_SECOND: u32 = 10;

/// How much longer than Clerk's budget an invocation waits for another one's call to it.
const FLIGHT_GRACE: Duration = Duration::from_millis(500);

/// The prefixes of Clerk's opaque credentials and the kind each one is.
const PREFIXES: [(&str, TokenKind); 3] = [
    ("ak_", TokenKind::ApiKey),
    ("mt_", TokenKind::Machine),
    ("oat_", TokenKind::OAuth),
];

/// The kind of opaque credential `token` claims to be, by its prefix; `None` for a JWT or
/// anything else. A credential with a known prefix but a bad body is `Err(Malformed)`.
pub fn recognise(token: &str) -> Option<Result<TokenKind, Rejection>> {
    let (prefix, kind) = PREFIXES.iter().find(|(p, _)| token.starts_with(p))?;
    let body = &token[prefix.len()..];
    let url_safe = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    Some(
        if !body.is_empty() && body.len() <= MAX_OPAQUE_CHARS && body.bytes().all(url_safe) {
            Ok(*kind)
        } else {
            Err(Rejection::Malformed)
        },
    )
}

/// What the opaque path checks beyond Clerk's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpaqueChecks {
    /// The opaque kinds accepted: `api_key`, and `m2m_token`/`oauth_token` when a secret
    /// key is configured.
    pub accepted: crate::kind::Kinds,
    /// This API's machine id: an M2M token's `scopes` (the machines it may call) must name it.
    pub machine_id: Option<String>,
    /// `OAUTH_AUDIENCE`: Clerk's record of an opaque OAuth token names no audience, so when
    /// this is set, opaque OAuth tokens are refused (their JWT form carries `aud`).
    pub oauth_audiences: Option<Vec<String>>,
    /// Calls to Clerk per second, at most.
    pub calls_per_second: u32,
}

/// A remembered answer.
#[derive(Debug, Clone)]
enum Cached {
    Verified(Arc<Record>),
    /// Unknown, revoked, expired or refused: all final for the cache's lifetime.
    Refused(Rejection),
}

#[derive(Debug, Default)]
struct State {
    /// Keyed by SHA-256 of the Clerk instance and the credential: the credential itself is
    /// never kept, and an answer never outlives a change of instance.
    entries: HashMap<[u8; 32], (Cached, u64)>,
    /// The second the call count is for, and the count.
    window: (u64, u32),
    /// No call to Clerk before this instant (milliseconds): its last 429's `Retry-After`.
    paused_until_ms: u64,
    /// The calls to Clerk under way, by cache key: invocations that need the same answer at
    /// the same time (Lambda Managed Instances) wait for the one call rather than make their own.
    flights: HashMap<[u8; 32], Arc<Flight>>,
}

/// What `OpaqueVerifier::join` found for a credential.
enum Turn {
    Cached(Cached),
    Lead(Arc<Flight>),
    Follow(Arc<Flight>),
}

/// The invocation that makes the call for a flight; dropping it ends the flight with its answer.
struct Lead<'a> {
    verifier: &'a OpaqueVerifier,
    key: [u8; 32],
    flight: Arc<Flight>,
    answer: Result<Arc<Record>, Rejection>,
}

impl Drop for Lead<'_> {
    fn drop(&mut self) {
        let state = &self.verifier.state;
        let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
        state.flights.remove(&self.key);
        drop(state);
        self.flight.land(self.answer.clone());
    }
}

/// One call to Clerk under way, and its answer once it has landed.
#[derive(Default)]
struct Flight {
    answer: Mutex<Option<Result<Arc<Record>, Rejection>>>,
    landed: Condvar,
}

impl std::fmt::Debug for Flight {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Flight")
    }
}

impl Flight {
    fn land(&self, answer: Result<Arc<Record>, Rejection>) {
        *self.answer.lock().unwrap_or_else(|e| e.into_inner()) = Some(answer);
        self.landed.notify_all();
    }

    /// The leader's answer; an outage if it has not come within Clerk's whole budget.
    fn wait(&self) -> Result<Arc<Record>, Rejection> {
        let deadline = std::time::Instant::now() + clerk_api::VERIFY_BUDGET + FLIGHT_GRACE;
        let mut answer = self.answer.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(answer) = answer.as_ref() {
                return answer.clone();
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Err(Rejection::ClerkApiUnavailable);
            }
            answer = self
                .landed
                .wait_timeout(answer, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

/// What the handler asks of the opaque path. A trait object, so that a binary that never
/// connects to Clerk links none of it.
pub trait OpaqueCheck: Send + Sync + std::fmt::Debug {
    /// Verifies `token`, an opaque credential of `kind` found at `place`, at `now_ms`.
    fn verify(
        &self,
        token: &str,
        kind: TokenKind,
        place: Place,
        now_ms: u64,
    ) -> Result<Claims<'static>, Rejection>;
}

impl OpaqueCheck for OpaqueVerifier {
    fn verify(
        &self,
        token: &str,
        kind: TokenKind,
        place: Place,
        now_ms: u64,
    ) -> Result<Claims<'static>, Rejection> {
        if !self.checks.accepted.contains(kind) {
            return Err(Rejection::TokenNotAccepted);
        }
        // As Clerk's SDK: machine credentials come in `Authorization` only.
        if place != Place::Authorization {
            return Err(Rejection::MachineTokenOutsideHeader);
        }
        let key = cache_key(&self.transport.instance(), token);
        let record = match self.join(key, now_ms / 1000) {
            Turn::Cached(Cached::Verified(record)) => record,
            Turn::Cached(Cached::Refused(rejection)) => return Err(rejection),
            Turn::Follow(flight) => flight.wait()?,
            Turn::Lead(flight) => {
                // Landed when `lead` is dropped, even if the call panicked: a flight left in
                // the air would make every later request for this credential wait.
                let mut lead = Lead {
                    verifier: self,
                    key,
                    flight,
                    answer: Err(Rejection::ClerkApiUnavailable),
                };
                lead.answer = self.ask(key, kind, token, now_ms);
                lead.answer.clone()?
            }
        };
        if record.expiration_ms.is_some_and(|at| at <= now_ms) {
            return Err(Rejection::Expired);
        }
        self.check(kind, &record)?;
        Ok(claims(kind, &record))
    }
}

/// Verifies opaque credentials through Clerk, with the cache and the call cap.
pub struct OpaqueVerifier {
    checks: OpaqueChecks,
    transport: Arc<dyn Transport>,
    state: Mutex<State>,
}

impl std::fmt::Debug for OpaqueVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpaqueVerifier")
            .field("checks", &self.checks)
            .finish_non_exhaustive()
    }
}

impl OpaqueVerifier {
    /// A verifier that calls Clerk through `transport`.
    pub fn new(checks: OpaqueChecks, transport: Arc<dyn Transport>) -> Self {
        OpaqueVerifier {
            checks,
            transport,
            state: Mutex::new(State::default()),
        }
    }

    /// The cached answer for `key`, or this invocation's part in the one call for it: it makes
    /// the call (`Lead`), or waits for the invocation that is making it (`Follow`). One lock
    /// covers the cache and the flights, so that an answer is always in one or the other.
    fn join(&self, key: [u8; 32], now: u64) -> Turn {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match state.entries.get(&key) {
            Some((cached, until)) if now < *until => return Turn::Cached(cached.clone()),
            _ => {}
        }
        if let Some(flight) = state.flights.get(&key) {
            return Turn::Follow(flight.clone());
        }
        let flight = Arc::new(Flight::default());
        state.flights.insert(key, flight.clone());
        Turn::Lead(flight)
    }

    /// Asks Clerk about `token` (within the call cap) and remembers a final answer.
    fn ask(
        &self,
        key: [u8; 32],
        kind: TokenKind,
        token: &str,
        now_ms: u64,
    ) -> Result<Arc<Record>, Rejection> {
        if !self.admit_call(now_ms) {
            return Err(Rejection::ClerkApiRateLimited);
        }
        let cached = match clerk_api::exchange(self.transport.as_ref(), kind, token, now_ms) {
            Answer::Verified(record) => Cached::Verified(Arc::new(record)),
            Answer::Unknown => Cached::Refused(Rejection::UnknownCredential),
            Answer::Refused => Cached::Refused(Rejection::Malformed),
            Answer::Revoked => Cached::Refused(Rejection::Revoked),
            Answer::Expired => Cached::Refused(Rejection::Expired),
            // Outages are never remembered: the next request asks again.
            Answer::SecretInvalid => return Err(Rejection::ClerkSecretKeyInvalid),
            Answer::Unavailable => return Err(Rejection::ClerkApiUnavailable),
            Answer::SecretUnavailable => return Err(Rejection::ClerkSecretUnavailable),
            Answer::RateLimited(seconds) => {
                // One second more: the handler's clock counts whole seconds, so the pause is
                // never shorter than Clerk asked.
                self.pause(now_ms + (seconds + 1) * 1000);
                return Err(Rejection::ClerkApiRateLimited);
            }
            Answer::BadAnswer => return Err(Rejection::ClerkApiBadAnswer),
        };
        self.remember(key, &cached, now_ms / 1000);
        match cached {
            Cached::Verified(record) => Ok(record),
            Cached::Refused(rejection) => Err(rejection),
        }
    }

    fn check(&self, kind: TokenKind, record: &Record) -> Result<(), Rejection> {
        let checks = &self.checks;
        match kind {
            // The machines an M2M token may call are its scopes; Clerk's SDK does not check
            // them, and without this any of the instance's machines could call this API.
            TokenKind::Machine => {
                let own = checks.machine_id.as_deref();
                if !record.scopes.iter().any(|s| Some(s.as_str()) == own) {
                    return Err(Rejection::WrongAudience);
                }
            }
            TokenKind::OAuth => {
                if record.client_id.as_deref().is_none_or(str::is_empty) {
                    return Err(Rejection::MissingClientId);
                }
                if checks.oauth_audiences.is_some() {
                    return Err(Rejection::WrongAudience);
                }
            }
            TokenKind::ApiKey | TokenKind::Session => {}
        }
        Ok(())
    }

    fn remember(&self, key: [u8; 32], cached: &Cached, now: u64) {
        let mut until = now + CACHE_SECONDS;
        if let Cached::Verified(record) = cached {
            // Never past the credential's own end.
            if let Some(at) = record.expiration_ms {
                until = until.min(at / 1000);
            }
        }
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.entries.len() >= MAX_CACHED {
            state.entries.retain(|_, (_, u)| now < *u);
        }
        if state.entries.len() >= MAX_CACHED {
            // Still full of live answers: forget the refusals first (they are the cheap ones
            // an attacker makes), then everything.
            state
                .entries
                .retain(|_, (c, _)| matches!(c, Cached::Verified(_)));
            if state.entries.len() >= MAX_CACHED {
                state.entries.clear();
            }
        }
        state.entries.insert(key, (cached.clone(), until));
    }

    /// Counts one call in the current second, unless the cap is reached or Clerk asked us to
    /// wait.
    fn admit_call(&self, now_ms: u64) -> bool {
        let now = now_ms / 1000;
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if now_ms < state.paused_until_ms {
            return false;
        }
        if state.window.0 != now {
            state.window = (now, 0);
        }
        if state.window.1 >= self.checks.calls_per_second {
            return false;
        }
        state.window.1 += 1;
        true
    }

    /// Makes no call before `until_ms` (Clerk's `Retry-After`).
    fn pause(&self, until_ms: u64) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.paused_until_ms = state.paused_until_ms.max(until_ms);
    }
}

/// SHA-256 of the instance's digest and the credential.
fn cache_key(instance: &[u8; 32], token: &str) -> [u8; 32] {
    let mut context = Context::new(&SHA256);
    context.update(instance);
    context.update(token.as_bytes());
    context
        .finish()
        .as_ref()
        .try_into()
        .expect("SHA-256 is 32 bytes")
}

/// Clerk's record as claims, so that the credential, the rules and the context read opaque
/// and JWT credentials alike: `sub`, `scope` (space-separated), `client_id`, `name`, `jti`.
fn claims(kind: TokenKind, record: &Record) -> Claims<'static> {
    let mut payload = Map::new();
    let mut put = |name: &str, value: &str| {
        payload.insert(name.into(), Value::String(value.into()));
    };
    put("sub", &record.subject);
    put("jti", &record.id);
    if kind != TokenKind::Machine {
        put("scope", &record.scopes.join(" "));
    }
    if let Some(client) = &record.client_id {
        put("client_id", client);
    }
    if let Some(name) = &record.name {
        put("name", name);
    }
    Claims::of_kind(kind, payload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clerk_api::{FakeClerk, Reply};
    use crate::kind::Kinds;
    use std::sync::Mutex;

    #[test]
    fn prefixes_and_shape_are_checked_before_any_call() {
        assert_eq!(recognise("ak_abc-DEF_9"), Some(Ok(TokenKind::ApiKey)));
        assert_eq!(recognise("mt_x"), Some(Ok(TokenKind::Machine)));
        assert_eq!(recognise("oat_x"), Some(Ok(TokenKind::OAuth)));
        assert_eq!(
            recognise(&format!("ak_{}", "a".repeat(256))),
            Some(Ok(TokenKind::ApiKey))
        );
        for bad in ["ak_", "ak_a.b", "ak_a b", "mt_é", "oat_a/b", "ak_a=="] {
            assert_eq!(recognise(bad), Some(Err(Rejection::Malformed)), "{bad}");
        }
        assert_eq!(
            recognise(&format!("ak_{}", "a".repeat(257))),
            Some(Err(Rejection::Malformed))
        );
        assert_eq!(recognise("eyJhbGciOiJSUzI1NiJ9.e30.sig"), None);
        assert_eq!(recognise("sk_test_x"), None);
    }

    /// A Clerk that knows one key (or answers every call with `status`), counting calls.
    fn verifier(status: u16, calls_per_second: u32) -> (OpaqueVerifier, Arc<FakeClerk>) {
        let clerk = Arc::new(FakeClerk::posting(move |_, body| {
            let reply = |status, body: &str| Ok(Reply::new(status, body));
            if status != 200 {
                return reply(status, "");
            }
            if body != r#"{"secret":"ak_good"}"# {
                return reply(404, "");
            }
            reply(
                200,
                r#"{"object":"api_key","id":"ak_id","name":"CI","subject":"org_1",
                "scopes":["tasks:read"],"revoked":false,"expired":false,"expiration":null}"#,
            )
        }));
        (
            OpaqueVerifier::new(checks(calls_per_second), clerk.clone()),
            clerk,
        )
    }

    fn checks(calls_per_second: u32) -> OpaqueChecks {
        OpaqueChecks {
            accepted: Kinds::of(&[TokenKind::ApiKey]),
            machine_id: None,
            oauth_audiences: None,
            calls_per_second,
        }
    }

    const T: u64 = 1_800_000_000_000;

    #[test]
    fn answers_are_remembered_for_a_minute_and_outages_never() {
        let (v, clerk) = verifier(200, 100);
        let calls = || clerk.post_count();
        let claims = v
            .verify("ak_good", TokenKind::ApiKey, Place::Authorization, T)
            .unwrap();
        assert_eq!(
            (claims.subject(), claims.str("scope")),
            ("org_1", Some("tasks:read"))
        );
        assert_eq!(
            v.verify("ak_bad", TokenKind::ApiKey, Place::Authorization, T),
            Err(Rejection::UnknownCredential)
        );
        v.verify(
            "ak_good",
            TokenKind::ApiKey,
            Place::Authorization,
            T + 59_000,
        )
        .unwrap();
        let _ = v.verify(
            "ak_bad",
            TokenKind::ApiKey,
            Place::Authorization,
            T + 59_000,
        );
        assert_eq!(calls(), 2);
        v.verify(
            "ak_good",
            TokenKind::ApiKey,
            Place::Authorization,
            T + 60_000,
        )
        .unwrap();
        assert_eq!(calls(), 3);

        let (v, clerk) = verifier(503, 100);
        for _ in 0..3 {
            assert_eq!(
                v.verify("ak_good", TokenKind::ApiKey, Place::Authorization, T),
                Err(Rejection::ClerkApiUnavailable)
            );
        }
        assert_eq!(clerk.post_count(), 6, "one retry each, nothing cached");
    }

    #[test]
    fn a_remembered_key_is_never_used_past_its_expiration() {
        let expiring = FakeClerk::posting(|_, _| {
            let record = format!(
                r#"{{"object":"api_key","id":"ak_id","subject":"user_1","scopes":[],
                "revoked":false,"expired":false,"expiration":{}}}"#,
                T + 10_000
            );
            Ok(Reply::new(200, record))
        });
        let v = OpaqueVerifier::new(checks(100), Arc::new(expiring));
        assert!(v
            .verify("ak_x", TokenKind::ApiKey, Place::Authorization, T)
            .is_ok());
        assert_eq!(
            v.verify("ak_x", TokenKind::ApiKey, Place::Authorization, T + 10_000),
            Err(Rejection::Expired)
        );
    }

    #[test]
    fn the_cache_is_bounded_and_forgets_refusals_first() {
        let (v, _) = verifier(200, 1000);
        v.verify("ak_good", TokenKind::ApiKey, Place::Authorization, T)
            .unwrap();
        for i in 0..MAX_CACHED + 5 {
            // A new second for each batch of calls, so the cap does not interfere.
            let now = T + (i as u64 / 900) * 1000;
            let _ = v.verify(
                &format!("ak_{i}"),
                TokenKind::ApiKey,
                Place::Authorization,
                now,
            );
        }
        let state = v.state.lock().unwrap();
        assert!(state.entries.len() <= MAX_CACHED);
        let good = cache_key(&[0; 32], "ak_good");
        assert!(
            state.entries.contains_key(&good),
            "the verified key was kept"
        );
        assert!(
            !state.entries.keys().any(|k| k.as_slice() == b"ak_good"),
            "never the key itself"
        );
    }

    #[test]
    fn calls_are_capped_per_second() {
        let (v, clerk) = verifier(200, 3);
        let results: Vec<_> = (0..5)
            .map(|i| {
                v.verify(
                    &format!("ak_{i}"),
                    TokenKind::ApiKey,
                    Place::Authorization,
                    T,
                )
            })
            .collect();
        assert_eq!(clerk.post_count(), 3);
        assert_eq!(results[4], Err(Rejection::ClerkApiRateLimited));
        // The next second has a new allowance, and remembered answers need none.
        assert_eq!(
            v.verify("ak_0", TokenKind::ApiKey, Place::Authorization, T + 1000),
            Err(Rejection::UnknownCredential)
        );
        assert_eq!(clerk.post_count(), 3);
        assert!(v
            .verify("ak_good", TokenKind::ApiKey, Place::Authorization, T + 1000)
            .is_ok());
    }

    #[test]
    fn only_accepted_kinds_from_the_authorization_header_are_looked_up() {
        let (v, clerk) = verifier(200, 100);
        assert_eq!(
            v.verify("mt_x", TokenKind::Machine, Place::Authorization, T),
            Err(Rejection::TokenNotAccepted)
        );
        assert_eq!(
            v.verify("ak_good", TokenKind::ApiKey, Place::Cookie, T),
            Err(Rejection::MachineTokenOutsideHeader)
        );
        assert_eq!(clerk.post_count(), 0);
    }

    #[test]
    fn a_429_pauses_every_call_for_its_retry_after() {
        let limited = Arc::new(Mutex::new(true));
        let flag = limited.clone();
        let clerk = Arc::new(FakeClerk::posting(move |_, _| {
            if *flag.lock().unwrap() {
                return Ok(Reply {
                    retry_after: Some("2".into()),
                    ..Reply::new(429, "")
                });
            }
            Ok(Reply::new(404, ""))
        }));
        let v = OpaqueVerifier::new(checks(100), clerk.clone());
        let verify = |token: &str, at| v.verify(token, TokenKind::ApiKey, Place::Authorization, at);
        assert_eq!(verify("ak_a", T), Err(Rejection::ClerkApiRateLimited));
        assert_eq!(clerk.post_count(), 1, "a 429 is not retried");
        *limited.lock().unwrap() = false;
        // For two seconds (and the rest of the second it came in) no credential, new or
        // not, reaches Clerk; none is remembered.
        for (token, at) in [("ak_a", T + 10), ("ak_b", T + 1999), ("ak_c", T + 2999)] {
            assert_eq!(verify(token, at), Err(Rejection::ClerkApiRateLimited));
        }
        assert_eq!(clerk.post_count(), 1);
        assert_eq!(verify("ak_a", T + 3000), Err(Rejection::UnknownCredential));
        assert_eq!(clerk.post_count(), 2);
    }

    #[test]
    fn no_secret_is_an_outage_and_answers_are_kept_per_instance() {
        let clerk = Arc::new(FakeClerk::posting(|_, _| {
            Err(crate::clerk_api::Failure::NoSecret)
        }));
        let v = OpaqueVerifier::new(checks(100), clerk.clone());
        for _ in 0..2 {
            assert_eq!(
                v.verify("ak_good", TokenKind::ApiKey, Place::Authorization, T),
                Err(Rejection::ClerkSecretUnavailable)
            );
        }
        assert!(Rejection::ClerkSecretUnavailable.is_outage());

        // Another instance (another secret key or API URL) asks again.
        let (v, clerk) = verifier(200, 100);
        v.verify("ak_good", TokenKind::ApiKey, Place::Authorization, T)
            .unwrap();
        *clerk.instance.lock().unwrap() = [1; 32];
        v.verify("ak_good", TokenKind::ApiKey, Place::Authorization, T)
            .unwrap();
        assert_eq!(clerk.post_count(), 2);
        *clerk.instance.lock().unwrap() = [0; 32];
        v.verify("ak_good", TokenKind::ApiKey, Place::Authorization, T)
            .unwrap();
        assert_eq!(clerk.post_count(), 2);
    }

    /// A Clerk that answers after `delay`, `status` 200 knowing `ak_good`, else an outage.
    fn slow_verifier(delay_ms: u64, status: u16) -> (Arc<OpaqueVerifier>, Arc<FakeClerk>) {
        let clerk = Arc::new(FakeClerk::posting(move |_, _| {
            std::thread::sleep(Duration::from_millis(delay_ms));
            Ok(Reply::new(
                status,
                r#"{"object":"api_key","id":"ak_id","name":"CI","subject":"org_1",
                "scopes":["tasks:read"],"revoked":false,"expired":false,"expiration":null}"#,
            ))
        }));
        let v = Arc::new(OpaqueVerifier::new(checks(100), clerk.clone()));
        (v, clerk)
    }

    /// `n` verifications of `token` at once, each on its own thread.
    fn at_once(
        v: &Arc<OpaqueVerifier>,
        token: &str,
        n: usize,
    ) -> Vec<Result<Claims<'static>, Rejection>> {
        let barrier = Arc::new(std::sync::Barrier::new(n));
        let threads: Vec<_> = (0..n)
            .map(|_| {
                let (v, barrier, token) = (v.clone(), barrier.clone(), token.to_string());
                std::thread::spawn(move || {
                    barrier.wait();
                    v.verify(&token, TokenKind::ApiKey, Place::Authorization, T)
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    }

    #[test]
    fn invocations_at_once_with_one_uncached_credential_make_one_call() {
        let (v, clerk) = slow_verifier(300, 200);
        let answers = at_once(&v, "ak_good", 8);
        assert!(answers.iter().all(Result::is_ok), "{answers:?}");
        assert_eq!(clerk.post_count(), 1);
        // Another credential is its own flight.
        at_once(&v, "ak_other", 4);
        assert_eq!(clerk.post_count(), 2);
    }

    #[test]
    fn an_outage_is_shared_by_its_flight_and_never_kept() {
        let (v, clerk) = slow_verifier(200, 503);
        let answers = at_once(&v, "ak_good", 6);
        assert!(
            answers
                .iter()
                .all(|a| a.as_ref().err() == Some(&Rejection::ClerkApiUnavailable)),
            "{answers:?}"
        );
        // One flight (the retry policy may make a second call within it), then a new one.
        let calls = clerk.post_count();
        assert!((1..=2).contains(&calls), "{calls} calls");
        let _ = v.verify("ak_good", TokenKind::ApiKey, Place::Authorization, T);
        assert!(clerk.post_count() > calls);
    }
}
