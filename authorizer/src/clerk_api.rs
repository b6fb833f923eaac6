//! Clerk's Backend API (BAPI), as data: which call verifies which opaque credential, and what
//! each answer means. No I/O here: a [`Transport`] (see `network`, or a test's fake) carries
//! the bytes, and [`exchange`] applies the retry policy over it.
//!
//! The wire contract is `@clerk/backend`'s: `POST {base}/api_keys/verify` with
//! `{"secret": …}`, `/m2m_tokens/verify` with `{"token": …}` and
//! `/oauth_applications/access_tokens/verify` with `{"access_token": …}` (no `/v1`: the SDK
//! skips the version for these three), each answering 200 with the credential's record, 404
//! for an unknown one, 400 for a malformed one and 401 for a bad secret key.

use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::kind::TokenKind;

/// `CLERK_API_URL`'s default, as in Clerk's SDKs.
pub const DEFAULT_API_URL: &str = "https://api.clerk.com";
/// The `Clerk-API-Version` header this contract was written against.
pub const API_VERSION: &str = "2026-05-12";
/// The `User-Agent` of every call.
pub const USER_AGENT: &str = concat!("clerk-apigw-authorizer/", env!("CARGO_PKG_VERSION"));
/// An answer longer than this is refused unread: a record is a few hundred bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// How long one call may take, connection included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_millis(1500);
/// How long opening a connection may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
/// The whole verification, retry and secret re-read included: well inside the function's
/// timeout, so that a slow BAPI ends in a refusal, not a Lambda timeout.
pub const VERIFY_BUDGET: Duration = Duration::from_millis(3500);
/// A 429 without a readable `Retry-After` pauses calls this long.
pub const DEFAULT_RETRY_AFTER_SECONDS: u64 = 1;
/// The longest pause a `Retry-After` may ask for: a wrong or hostile header cannot switch API
/// keys off for longer than this.
pub const MAX_RETRY_AFTER_SECONDS: u64 = 60;

/// Which of the two secret keys authenticates a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKey {
    /// The instance's secret key, `sk_…` (`CLERK_SECRET_KEY`).
    Instance,
    /// A machine's secret key, `ak_…` (`CLERK_MACHINE_SECRET_KEY`), when configured; the
    /// transport falls back to the instance key otherwise.
    Machine,
}

/// One BAPI endpoint that verifies one kind of opaque credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    /// The path under the base URL.
    pub path: &'static str,
    /// The field of the JSON body that carries the credential.
    pub field: &'static str,
    /// The `object` a genuine answer names.
    pub object: &'static str,
    /// The key that authenticates the call.
    pub key: SecretKey,
}

/// The endpoint for an opaque credential of `kind`; session tokens have none.
pub fn endpoint(kind: TokenKind) -> Option<Endpoint> {
    Some(match kind {
        TokenKind::ApiKey => Endpoint {
            path: "/api_keys/verify",
            field: "secret",
            object: "api_key",
            key: SecretKey::Instance,
        },
        TokenKind::Machine => Endpoint {
            path: "/m2m_tokens/verify",
            field: "token",
            object: "machine_to_machine_token",
            key: SecretKey::Machine,
        },
        TokenKind::OAuth => Endpoint {
            path: "/oauth_applications/access_tokens/verify",
            field: "access_token",
            object: "clerk_idp_oauth_access_token",
            key: SecretKey::Instance,
        },
        TokenKind::Session => return None,
    })
}

impl Endpoint {
    /// The JSON body that asks about `credential`.
    pub fn body(&self, credential: &str) -> String {
        let mut body = Map::new();
        body.insert(self.field.into(), Value::String(credential.into()));
        Value::Object(body).to_string()
    }
}

/// What a transport got back: a status and at most `MAX_BODY_BYTES + 1` bytes of body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The body, cut after `MAX_BODY_BYTES + 1` bytes so an oversized one is recognised.
    pub body: Vec<u8>,
    /// The `Retry-After` header, as sent (a 429 carries one).
    pub retry_after: Option<String>,
}

impl Reply {
    /// A reply with no `Retry-After`.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            body: body.into(),
            retry_after: None,
        }
    }
}

/// Why a call got no reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// No connection, or no answer, within the timeout.
    Timeout,
    /// The connection was refused or could not be opened (DNS, TLS, …).
    Connect,
    /// The connection broke mid-call: worth one retry.
    Reset,
    /// The server redirected: never followed, so the secret cannot leave for another host.
    Redirect,
    /// No secret key to send: the secret was empty or unreadable when last read. No call was
    /// made.
    NoSecret,
}

/// Carries calls to Clerk. Implemented over HTTPS by `network`, and by tests' fakes.
pub trait Transport: Send + Sync {
    /// `POST {base}{path}` with `body`, authenticated with `key`, within `timeout`.
    fn post(
        &self,
        path: &str,
        body: &str,
        key: SecretKey,
        timeout: Duration,
    ) -> Result<Reply, Failure>;

    /// `GET url` (the JWKS), within `timeout`.
    fn get(&self, url: &str, timeout: Duration) -> Result<Reply, Failure>;

    /// Re-reads the secret keys after a 401 (they may have been rotated). True when a key
    /// changed, so that one more call is worth making.
    fn reload_secrets(&self) -> bool;

    /// Which Clerk instance answers: a digest of the API URL and the secret key in use.
    /// Remembered answers are keyed by it, so none outlives a change of instance (as Clerk's
    /// SDKs scope their caches per instance).
    fn instance(&self) -> [u8; 32];
}

/// A credential Clerk vouched for: what the rules and the context may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Clerk's id of the credential (`ak_…`'s id, `mt_…`, `oat_…`): safe to log.
    pub id: String,
    /// The owner: `user_…` or `org_…` for an API key, `mch_…` for an M2M token, the user for
    /// an OAuth token.
    pub subject: String,
    /// The scopes Clerk lists; for an M2M token, the machines it may call.
    pub scopes: Vec<String>,
    /// An API key's name.
    pub name: Option<String>,
    /// An OAuth token's application.
    pub client_id: Option<String>,
    /// When it stops being valid, in milliseconds since the epoch; `None` = never.
    pub expiration_ms: Option<u64>,
}

/// What one verification concluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// 200, the expected object, neither revoked nor expired.
    Verified(Record),
    /// 200, but revoked.
    Revoked,
    /// 200, but expired (by its flag or its `expiration`).
    Expired,
    /// 404: Clerk does not know it (including another instance's credential).
    Unknown,
    /// 400 or another 4xx: Clerk refused the credential as malformed.
    Refused,
    /// 401 or 403, even after re-reading the secret: our secret key is wrong.
    SecretInvalid,
    /// A timeout, a 5xx or a connection error.
    Unavailable,
    /// 429: Clerk asks for no call for this many seconds (its `Retry-After`, bounded).
    RateLimited(u64),
    /// We have no secret key to ask with (empty or unreadable secret): no call was made.
    SecretUnavailable,
    /// A 200 that is not the record we asked for: another object, over 64 KiB, not JSON.
    BadAnswer,
}

/// The fields of a 200 we read; everything else is ignored.
#[derive(Deserialize)]
struct Wire {
    object: String,
    #[serde(default)]
    id: String,
    subject: String,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
    revoked: bool,
    expired: bool,
    #[serde(default)]
    expiration: Option<u64>,
}

/// Reads a reply to a verification at `endpoint`, at `now_ms`.
pub fn judge(endpoint: &Endpoint, reply: &Result<Reply, Failure>, now_ms: u64) -> Answer {
    let reply = match reply {
        Ok(reply) => reply,
        Err(Failure::NoSecret) => return Answer::SecretUnavailable,
        Err(_) => return Answer::Unavailable,
    };
    match reply.status {
        200 => {}
        404 => return Answer::Unknown,
        401 | 403 => return Answer::SecretInvalid,
        429 => return Answer::RateLimited(retry_after_seconds(reply.retry_after.as_deref())),
        400..=499 => return Answer::Refused,
        _ => return Answer::Unavailable,
    }
    if reply.body.len() > MAX_BODY_BYTES {
        return Answer::BadAnswer;
    }
    let Ok(wire) = serde_json::from_slice::<Wire>(&reply.body) else {
        return Answer::BadAnswer;
    };
    if wire.object != endpoint.object || wire.subject.is_empty() {
        return Answer::BadAnswer;
    }
    if wire.revoked {
        return Answer::Revoked;
    }
    if wire.expired || wire.expiration.is_some_and(|at| at <= now_ms) {
        return Answer::Expired;
    }
    Answer::Verified(Record {
        id: wire.id,
        subject: wire.subject,
        scopes: wire.scopes,
        name: wire.name,
        client_id: wire.client_id,
        expiration_ms: wire.expiration,
    })
}

/// A `Retry-After` in seconds (its delta-seconds form, which Clerk sends), within
/// 1..=`MAX_RETRY_AFTER_SECONDS`; anything else (absent, a date, garbage) is
/// `DEFAULT_RETRY_AFTER_SECONDS`.
pub fn retry_after_seconds(header: Option<&str>) -> u64 {
    header
        .and_then(|value| value.trim().parse::<u64>().ok())
        .map_or(DEFAULT_RETRY_AFTER_SECONDS, |seconds| {
            seconds.clamp(1, MAX_RETRY_AFTER_SECONDS)
        })
}

/// True when a reply is worth one more try: a 5xx or a broken connection. A timeout is not
/// retried (the budget is spent), nor a 429 (Clerk asked us to slow down).
fn retryable(reply: &Result<Reply, Failure>) -> bool {
    match reply {
        Ok(reply) => reply.status >= 500,
        Err(failure) => *failure == Failure::Reset,
    }
}

/// Verifies `credential` of `kind` with Clerk, at `now_ms`: one call, one more on a 5xx or a
/// reset, and after a 401 one more with the re-read secret. Ends within `VERIFY_BUDGET`.
pub fn exchange(
    transport: &dyn Transport,
    kind: TokenKind,
    credential: &str,
    now_ms: u64,
) -> Answer {
    let Some(endpoint) = endpoint(kind) else {
        return Answer::Refused;
    };
    let started = Instant::now();
    let body = endpoint.body(credential);
    let call = || {
        let left = VERIFY_BUDGET.saturating_sub(started.elapsed());
        if left < Duration::from_millis(100) {
            return Err(Failure::Timeout);
        }
        transport.post(
            endpoint.path,
            &body,
            endpoint.key,
            left.min(REQUEST_TIMEOUT),
        )
    };
    let first = call();
    let unauthorised = matches!(&first, Ok(r) if r.status == 401 || r.status == 403);
    let again = retryable(&first) || (unauthorised && transport.reload_secrets());
    let reply = if again { call() } else { first };
    judge(&endpoint, &reply, now_ms)
}

/// How a `FakeClerk` answers a POST (path, body).
#[cfg(test)]
type FakePost = Box<dyn Fn(&str, &str) -> Result<Reply, Failure> + Send + Sync>;

/// A Clerk for unit tests: POSTs answered by `post` (path, body), GETs by `get`, each
/// recorded.
#[cfg(test)]
pub(crate) struct FakeClerk {
    pub post: FakePost,
    pub get: Box<dyn Fn() -> Result<Reply, Failure> + Send + Sync>,
    /// What `reload_secrets` says: the secret changed.
    pub rotated: bool,
    pub posts: std::sync::Mutex<Vec<(String, String, SecretKey)>>,
    pub gets: std::sync::atomic::AtomicUsize,
    /// What `instance` says.
    pub instance: std::sync::Mutex<[u8; 32]>,
}

#[cfg(test)]
impl FakeClerk {
    /// Answers POSTs with `post`; GETs fail.
    pub fn posting(
        post: impl Fn(&str, &str) -> Result<Reply, Failure> + Send + Sync + 'static,
    ) -> FakeClerk {
        FakeClerk {
            post: Box::new(post),
            get: Box::new(|| Err(Failure::Connect)),
            rotated: false,
            posts: Default::default(),
            gets: Default::default(),
            instance: Default::default(),
        }
    }

    /// Answers GETs with `get`; POSTs fail.
    pub fn getting(get: impl Fn() -> Result<Reply, Failure> + Send + Sync + 'static) -> FakeClerk {
        FakeClerk {
            get: Box::new(get),
            ..FakeClerk::posting(|_, _| Err(Failure::Connect))
        }
    }

    /// POSTs so far.
    pub fn post_count(&self) -> usize {
        self.posts.lock().unwrap().len()
    }

    /// GETs so far.
    pub fn get_count(&self) -> usize {
        self.gets.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[cfg(test)]
impl Transport for FakeClerk {
    fn post(&self, path: &str, body: &str, key: SecretKey, _: Duration) -> Result<Reply, Failure> {
        self.posts
            .lock()
            .unwrap()
            .push((path.into(), body.into(), key));
        (self.post)(path, body)
    }
    fn get(&self, _: &str, _: Duration) -> Result<Reply, Failure> {
        self.gets.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        (self.get)()
    }
    fn reload_secrets(&self) -> bool {
        self.rotated
    }
    fn instance(&self) -> [u8; 32] {
        *self.instance.lock().unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    const NOW_MS: u64 = 1_800_000_000_000;

    fn ok(body: &str) -> Result<Reply, Failure> {
        Ok(Reply::new(200, body))
    }

    fn status(status: u16) -> Result<Reply, Failure> {
        Ok(Reply::new(
            status,
            r#"{"errors":[{"code":"x","message":"x","long_message":"x"}]}"#,
        ))
    }

    fn api_key(extra: &str) -> String {
        format!(
            r#"{{"object":"api_key","id":"ak_id_1","type":"api_key","name":"CI","subject":"org_1",
            "scopes":["read"],"claims":null,"revoked":false,"revocation_reason":null,
            "expired":false,"expiration":null,"created_at":1,"updated_at":1{extra}}}"#
        )
    }

    #[test]
    fn a_current_record_is_verified_with_its_fields() {
        let endpoint = endpoint(TokenKind::ApiKey).unwrap();
        let Answer::Verified(record) = judge(&endpoint, &ok(&api_key("")), NOW_MS) else {
            panic!("not verified");
        };
        assert_eq!(record.subject, "org_1");
        assert_eq!(record.scopes, ["read"]);
        assert_eq!(record.name.as_deref(), Some("CI"));
        assert_eq!(record.expiration_ms, None);
    }

    #[test]
    fn revoked_expired_and_foreign_answers_are_refused() {
        let endpoint = endpoint(TokenKind::ApiKey).unwrap();
        let judge = |body: String| judge(&endpoint, &ok(&body), NOW_MS);
        assert_eq!(
            judge(api_key("").replace(r#""revoked":false"#, r#""revoked":true"#)),
            Answer::Revoked
        );
        assert_eq!(
            judge(api_key("").replace(r#""expired":false"#, r#""expired":true"#)),
            Answer::Expired
        );
        // The flag says current, but `expiration` (milliseconds) has passed.
        assert_eq!(
            judge(api_key("").replace(
                r#""expiration":null"#,
                &format!(r#""expiration":{}"#, NOW_MS)
            )),
            Answer::Expired
        );
        let m2m = api_key("").replace(r#""api_key","id""#, r#""machine_to_machine_token","id""#);
        assert_eq!(judge(m2m), Answer::BadAnswer);
        assert_eq!(judge("not json".into()), Answer::BadAnswer);
        assert_eq!(
            judge(api_key("").replace("\"revoked\":false,", "")),
            Answer::BadAnswer
        );
        let huge = api_key(&format!(r#","pad":"{}""#, "x".repeat(MAX_BODY_BYTES)));
        assert_eq!(judge(huge), Answer::BadAnswer);
    }

    #[test]
    fn statuses_map_to_answers() {
        let endpoint = endpoint(TokenKind::OAuth).unwrap();
        for (code, answer) in [
            (404, Answer::Unknown),
            (400, Answer::Refused),
            (422, Answer::Refused),
            (401, Answer::SecretInvalid),
            (403, Answer::SecretInvalid),
            (429, Answer::RateLimited(DEFAULT_RETRY_AFTER_SECONDS)),
            (500, Answer::Unavailable),
            (503, Answer::Unavailable),
            (302, Answer::Unavailable),
        ] {
            assert_eq!(judge(&endpoint, &status(code), NOW_MS), answer, "{code}");
        }
        for failure in [
            Failure::Timeout,
            Failure::Connect,
            Failure::Reset,
            Failure::Redirect,
        ] {
            assert_eq!(judge(&endpoint, &Err(failure), NOW_MS), Answer::Unavailable);
        }
        assert_eq!(
            judge(&endpoint, &Err(Failure::NoSecret), NOW_MS),
            Answer::SecretUnavailable
        );
    }

    #[test]
    fn a_429_names_its_retry_after_within_bounds() {
        let endpoint = endpoint(TokenKind::ApiKey).unwrap();
        let limited = |header: Option<&str>| {
            let reply = Reply {
                retry_after: header.map(str::to_string),
                ..Reply::new(429, "")
            };
            judge(&endpoint, &Ok(reply), NOW_MS)
        };
        assert_eq!(limited(Some("2")), Answer::RateLimited(2));
        assert_eq!(limited(Some(" 7 ")), Answer::RateLimited(7));
        assert_eq!(limited(Some("0")), Answer::RateLimited(1));
        assert_eq!(
            limited(Some("86400")),
            Answer::RateLimited(MAX_RETRY_AFTER_SECONDS)
        );
        for unreadable in [None, Some("Wed, 21 Oct 2026 07:28:00 GMT"), Some("-3")] {
            assert_eq!(
                limited(unreadable),
                Answer::RateLimited(DEFAULT_RETRY_AFTER_SECONDS)
            );
        }
    }

    /// Answers from a script, in order.
    fn scripted(replies: Vec<Result<Reply, Failure>>, rotated: bool) -> FakeClerk {
        let replies = Mutex::new(replies);
        FakeClerk {
            rotated,
            ..FakeClerk::posting(move |_, _| replies.lock().unwrap().remove(0))
        }
    }

    #[test]
    fn one_retry_on_a_5xx_or_a_reset_only() {
        let m2m = r#"{"object":"machine_to_machine_token","id":"mt_1","subject":"mch_1",
            "scopes":["mch_2"],"claims":null,"revoked":false,"expired":false,"expiration":null}"#;
        let t = scripted(vec![status(502), ok(m2m)], false);
        assert!(matches!(
            exchange(&t, TokenKind::Machine, "mt_x", NOW_MS),
            Answer::Verified(_)
        ));
        let calls = t.posts.lock().unwrap();
        assert_eq!(calls.len(), 2);
        assert_eq!(
            calls[0],
            (
                "/m2m_tokens/verify".into(),
                r#"{"token":"mt_x"}"#.into(),
                SecretKey::Machine
            )
        );

        let t = scripted(vec![Err(Failure::Reset), status(500)], false);
        assert_eq!(
            exchange(&t, TokenKind::ApiKey, "ak_x", NOW_MS),
            Answer::Unavailable
        );
        assert_eq!(t.post_count(), 2);

        for first in [
            status(429),
            Err(Failure::Timeout),
            Err(Failure::NoSecret),
            status(404),
        ] {
            let t = scripted(vec![first], false);
            exchange(&t, TokenKind::ApiKey, "ak_x", NOW_MS);
            assert_eq!(t.post_count(), 1);
        }
    }

    #[test]
    fn a_401_retries_once_only_when_the_secret_changed() {
        let t = scripted(vec![status(401)], false);
        assert_eq!(
            exchange(&t, TokenKind::OAuth, "oat_x", NOW_MS),
            Answer::SecretInvalid
        );
        assert_eq!(t.post_count(), 1);
        let t = scripted(vec![status(401), status(401)], true);
        assert_eq!(
            exchange(&t, TokenKind::OAuth, "oat_x", NOW_MS),
            Answer::SecretInvalid
        );
        assert_eq!(t.posts.lock().unwrap()[0].1, r#"{"access_token":"oat_x"}"#);
        assert_eq!(t.post_count(), 2);
    }
}
