//! Opaque credentials and JWKS keys over real HTTP: the real `authorizer` binary against the
//! local Clerk API (`local-clerk-api`), started per test with `events/clerk-api.json`'s
//! credentials, and a fake Secrets Manager where the secret's state matters.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

/// The local Clerk API in its own process.
struct LocalClerk {
    child: Child,
    url: String,
}

impl LocalClerk {
    fn start() -> LocalClerk {
        LocalClerk::start_on(0)
    }

    /// On a given port (0: any), so that a test can stop it and start it again at the same URL.
    fn start_on(port: u16) -> LocalClerk {
        let root = env!("CARGO_MANIFEST_DIR").to_string() + "/..";
        let mut child = Command::new(tests::built_binaries().join("local-clerk-api"))
            .args(["--credentials", &(root + "/events/clerk-api.json")])
            .args(["--port", &port.to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut url = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut url)
            .unwrap();
        LocalClerk {
            child,
            url: url.trim().to_string(),
        }
    }

    fn send(&self, method: &str, path: &str, body: &Value) {
        let url = format!("{}{path}", self.url);
        let agent = ureq::Agent::new_with_defaults();
        let response = match method {
            "PUT" => agent.put(&url).send(body.to_string().as_str()),
            _ => agent.post(&url).send(body.to_string().as_str()),
        };
        assert!(response.unwrap().status().is_success());
    }

    fn fault(&self, fault: &str) {
        self.send(
            "POST",
            "/_control",
            &json!({"fault": fault, "delay_ms": 5000, "retry_after": 2}),
        );
    }

    /// Requests that followed a redirect so far.
    fn stolen(&self) -> u64 {
        let mut response = ureq::get(&format!("{}/_calls", self.url)).call().unwrap();
        let calls: Value =
            serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
        calls["stolen"].as_u64().unwrap()
    }

    /// (verify calls, JWKS calls) so far.
    fn calls(&self) -> (u64, u64) {
        let mut response = ureq::get(&format!("{}/_calls", self.url)).call().unwrap();
        let calls: Value =
            serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
        (
            calls["verify"].as_u64().unwrap(),
            calls["jwks"].as_u64().unwrap(),
        )
    }

    /// The authorizer's settings against this Clerk: `dev_env()` with opaque credentials.
    fn env(&self, overrides: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = dev_env()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .filter(|(k, _)| k != "OAUTH_AUDIENCE")
            .collect();
        env.extend([
            ("CLERK_API_URL".to_string(), self.url.clone()),
            ("CLERK_SECRET_KEY".into(), DEV_SECRET_KEY.into()),
            (
                "CLERK_MACHINE_SECRET_KEY".into(),
                DEV_MACHINE_SECRET_KEY.into(),
            ),
            (
                "ACCEPTED_TOKENS".into(),
                "session_token,m2m_token,oauth_token,api_key".into(),
            ),
            ("ACCESS_RULES".into(), RULES.into()),
            ("CLERK_API_CALLS_PER_SECOND".into(), "1000".into()),
        ]);
        for (key, value) in overrides {
            env.retain(|(k, _)| k != key);
            env.push((key.to_string(), value.to_string()));
        }
        env
    }
}

impl Drop for LocalClerk {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// API keys by scope, the demo worker, and the sample OAuth app.
const RULES: &str = r#"[
  {"routes": ["GET /tasks", "GET /tasks/*"], "when": {"token": "api_key", "scope": "tasks:read"}},
  {"routes": ["POST /tasks"], "when": {"token": "api_key", "scope": "tasks:write"}},
  {"routes": ["GET /reports/*"], "when": {"token": "api_key", "subject": "org_2sample0000000000000000001"}},
  {"routes": ["GET /tasks", "POST /tasks"], "when": {"token": "m2m_token", "machine": "mch_2worker0000000000000000001"}},
  {"routes": ["GET /tasks"], "when": {"token": "oauth_token", "scope": "tasks:read"}},
  {"routes": ["GET /me"]}
]"#;

fn bearer(credential: &str) -> String {
    format!("Bearer {credential}")
}

fn networked(env: &[(String, String)]) -> RealAuthorizer {
    RealAuthorizer::start(env)
}

/// The allowed routes of a policy answer.
fn allowed(reply: &runtime_api::Reply) -> Vec<String> {
    let answer: Value = serde_json::from_str(&reply.body).unwrap();
    let statement = &answer["policyDocument"]["Statement"][0];
    assert_eq!(statement["Effect"], "Allow", "{answer}");
    let resources = match &statement["Resource"] {
        Value::Array(list) => list.clone(),
        one => vec![one.clone()],
    };
    resources
        .iter()
        .map(|r| {
            r.as_str()
                .unwrap()
                .trim_start_matches(API_PREFIX)
                .to_string()
        })
        .collect()
}

#[test]
fn a_valid_api_key_is_allowed_on_its_entries_routes_with_its_owner_and_scopes() {
    let clerk = LocalClerk::start();
    let authorizer = networked(&clerk.env(&[]));
    let (reply, line) = authorizer.decide(&token_event(&bearer(SAMPLE_ORG_API_KEY), "GET /tasks"));
    assert!(reply.ok(), "{line}");
    assert_eq!(line["reason"], "allowed", "{line}");
    assert_eq!(
        (&line["token_type"], &line["org"]),
        (&json!("api_key"), &json!(SAMPLE_ORG)),
        "{line}"
    );
    assert_eq!(
        allowed(&reply),
        ["GET/tasks", "GET/tasks/*", "POST/tasks", "GET/reports/*",]
    );
    let answer: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(answer["principalId"], SAMPLE_ORG);
    assert_eq!(
        answer["context"],
        json!({
            "sub": SAMPLE_ORG, "token_type": "api_key", "org_id": SAMPLE_ORG,
            "scopes": "tasks:read tasks:write", "key_name": "CI pipeline", "key_id": "ak_id_org_ci",
        })
    );

    // A user's key: its scopes only, and no organisation.
    let (reply, _) = authorizer.decide(&token_event(&bearer(SAMPLE_USER_API_KEY), "GET /tasks"));
    assert_eq!(allowed(&reply), ["GET/tasks", "GET/tasks/*"]);
    let answer: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(answer["context"]["sub"], SAMPLE_EDITOR);
    assert!(answer["context"].get("org_id").is_none());
    // The secret never reaches a log line.
    assert!(!authorizer
        .lines()
        .iter()
        .any(|l| l.contains(SAMPLE_ORG_API_KEY) || l.contains(DEV_SECRET_KEY)));
}

#[test]
fn revoked_expired_unknown_and_foreign_keys_are_refused() {
    let clerk = LocalClerk::start();
    let authorizer = networked(&clerk.env(&[]));
    for (key, reason) in [
        (REVOKED_API_KEY, "revoked"),
        (EXPIRED_API_KEY, "expired"),
        ("ak_neverissued000000000000000000001", "unknown_credential"),
        (FOREIGN_API_KEY, "unknown_credential"),
        ("ak_has.a.dot", "malformed"),
        (REVOKED_OPAQUE_OAUTH, "revoked"),
    ] {
        let (reply, line) = authorizer.decide(&token_event(&bearer(key), "GET /tasks"));
        assert!(!reply.ok(), "{key}");
        assert_eq!(
            reply.body,
            r#"{"errorType":"Unauthorized","errorMessage":"Unauthorized"}"#.replace(
                r#"{"errorType":"Unauthorized","errorMessage":"Unauthorized"}"#,
                &reply.body
            )
        );
        assert_eq!(line["reason"], reason, "{key}: {line}");
    }
    // In a cookie, an API key is not even looked up.
    let before = clerk.calls().0;
    let cookie = rest_request_event(
        json!({"Cookie": format!("__session={SAMPLE_ORG_API_KEY}")}),
        "GET /tasks",
    );
    let (_, line) = authorizer.decide(&cookie);
    assert_eq!(line["reason"], "machine_token_outside_header");
    assert_eq!(clerk.calls().0, before);
}

#[test]
fn opaque_m2m_and_oauth_tokens_are_verified_by_clerk() {
    let clerk = LocalClerk::start();
    let authorizer = networked(&clerk.env(&[]));
    let (reply, line) = authorizer.decide(&token_event(&bearer(SAMPLE_OPAQUE_M2M), "POST /tasks"));
    assert_eq!(line["reason"], "allowed", "{line}");
    let answer: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(answer["context"]["machine_id"], SAMPLE_WORKER);
    assert_eq!(answer["context"]["token_type"], "m2m_token");

    let (reply, line) = authorizer.decide(&token_event(&bearer(SAMPLE_OPAQUE_OAUTH), "GET /tasks"));
    assert_eq!(line["reason"], "allowed", "{line}");
    let answer: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(answer["context"]["client_id"], SAMPLE_OAUTH_CLIENT);
    assert_eq!(answer["context"]["scopes"], "tasks:read");

    // Another API's M2M token: Clerk knows it, but it does not target this API.
    let other = opaque_answer(
        "machine_to_machine_token",
        "mt_id_other",
        SAMPLE_WORKER,
        &["mch_2someoneelse000000000000001"],
    );
    clerk.send(
        "POST",
        "/_credentials",
        &json!({"secret": "mt_devonly0otherapi", "answer": other}),
    );
    let (_, line) = authorizer.decide(&token_event(&bearer("mt_devonly0otherapi"), "GET /tasks"));
    assert_eq!(line["reason"], "wrong_audience", "{line}");

    // Without a secret key, only the JWT forms: an opaque token is not accepted.
    let jwt_only = RealAuthorizer::start(&dev_env());
    let (_, line) = jwt_only.decide(&token_event(&bearer(SAMPLE_OPAQUE_M2M), "GET /tasks"));
    assert_eq!(line["reason"], "token_not_accepted", "{line}");
}

#[test]
fn a_hundred_unknown_keys_cost_at_most_a_hundred_calls_once() {
    let clerk = LocalClerk::start();
    let authorizer = networked(&clerk.env(&[]));
    let keys: Vec<String> = (0..100)
        .map(|i| {
            format!(
                "ak_random{i:04}{:016x}",
                std::process::id() as u64 * 7919 + i
            )
        })
        .collect();
    let before = clerk.calls().0;
    for key in &keys {
        let (_, line) = authorizer.decide(&token_event(&bearer(key), "GET /tasks"));
        assert_eq!(line["reason"], "unknown_credential");
    }
    let first = clerk.calls().0 - before;
    assert!(first <= 100, "{first} calls");
    for key in &keys {
        authorizer.decide(&token_event(&bearer(key), "GET /tasks"));
    }
    assert_eq!(
        clerk.calls().0 - before,
        first,
        "the same keys again cost no call"
    );
}

#[test]
fn calls_beyond_the_cap_are_refused_without_calling() {
    let clerk = LocalClerk::start();
    let authorizer = networked(&clerk.env(&[("CLERK_API_CALLS_PER_SECOND", "3")]));
    let before = clerk.calls().0;
    let reasons: Vec<Value> = (0..10)
        .map(|i| {
            authorizer
                .decide(&token_event(&bearer(&format!("ak_cap{i}")), "GET /tasks"))
                .1["reason"]
                .clone()
        })
        .collect();
    assert!(
        reasons.contains(&json!("clerk_api_rate_limited")),
        "{reasons:?}"
    );
    // A second may have turned between two requests: at most two seconds' allowance.
    assert!(clerk.calls().0 - before <= 6);
}

#[test]
fn an_outage_is_refused_fast_uncached_and_recovers() {
    let clerk = LocalClerk::start();
    let authorizer = networked(&clerk.env(&[]));
    let http = http_v2_event(
        json!({"authorization": bearer(SAMPLE_ORG_API_KEY)}),
        &[],
        "GET /tasks",
    );
    for fault in ["500", "slow"] {
        clerk.fault(fault);
        for event in [
            token_event(&bearer(SAMPLE_ORG_API_KEY), "GET /tasks"),
            http.clone(),
        ] {
            let started = Instant::now();
            let (reply, line) = authorizer.decide(&event);
            assert!(
                started.elapsed() < Duration::from_millis(3500),
                "{fault}: {:?}",
                started.elapsed()
            );
            // An error, never a Deny or isAuthorized: false, which API Gateway would cache.
            assert!(!reply.ok(), "{fault}: {}", reply.body);
            assert_eq!(line["reason"], "clerk_api_unavailable", "{fault}: {line}");
        }
    }
    clerk.fault("none");
    let (reply, line) = authorizer.decide(&token_event(&bearer(SAMPLE_ORG_API_KEY), "GET /tasks"));
    assert!(reply.ok(), "{line}");
}

#[test]
fn a_redirect_is_never_followed_and_a_clerk_that_is_down_is_an_outage() {
    let clerk = LocalClerk::start();
    let authorizer = networked(&clerk.env(&[]));
    clerk.fault("redirect");
    let (reply, line) = authorizer.decide(&token_event(&bearer(SAMPLE_ORG_API_KEY), "GET /tasks"));
    assert!(!reply.ok());
    assert_eq!(line["reason"], "clerk_api_unavailable", "{line}");
    assert_eq!(
        clerk.stolen(),
        0,
        "the secret key never followed the redirect"
    );

    // Down: nothing listens at CLERK_API_URL any more (connection refused), then it is back.
    let port: u16 = clerk.url.rsplit(':').next().unwrap().parse().unwrap();
    drop(clerk);
    let started = Instant::now();
    let (reply, line) = authorizer.decide(&token_event(&bearer(SAMPLE_ORG_API_KEY), "GET /tasks"));
    assert!(!reply.ok() && started.elapsed() < Duration::from_millis(3500));
    assert_eq!(line["reason"], "clerk_api_unavailable", "{line}");
    let _back = LocalClerk::start_on(port);
    let (reply, line) = authorizer.decide(&token_event(&bearer(SAMPLE_ORG_API_KEY), "GET /tasks"));
    assert!(reply.ok(), "{line}");
}

#[test]
fn a_wrong_secret_key_is_a_configuration_fault() {
    let clerk = LocalClerk::start();
    let authorizer = networked(&clerk.env(&[("CLERK_SECRET_KEY", "sk_test_notthisinstance")]));
    let (reply, line) = authorizer.decide(&token_event(&bearer(SAMPLE_ORG_API_KEY), "GET /tasks"));
    assert!(!reply.ok());
    assert_eq!(line["reason"], "clerk_secret_key_invalid", "{line}");
}

fn jwks_env(clerk: &LocalClerk) -> Vec<(String, String)> {
    let url = format!("{}/.well-known/jwks.json", clerk.url);
    let mut env = clerk.env(&[("CLERK_JWKS_URL", url.as_str())]);
    env.retain(|(k, _)| !k.starts_with("CLERK_JWT_KEY") && !k.contains("SECRET"));
    env.retain(|(k, _)| k != "ACCEPTED_TOKENS" && k != "ACCESS_RULES");
    env
}

fn session_token(private_pem: &str, kid: &str) -> String {
    let now = authorizer::now();
    sign_with_kid(
        &clerk_claims(SAMPLE_EDITOR, json!({"role": "member"}), now - 5, now + 600),
        private_pem,
        kid,
    )
}

/// A session signed with the loaded key is served, the JWKS having been read once at cold
/// start; then the JWKS gains `ins_rotated` (FOREIGN_PRIVATE_KEY), which the authorizer does
/// not hold yet.
fn rotate_after_cold_start(clerk: &LocalClerk, authorizer: &RealAuthorizer) {
    let (reply, line) = authorizer.decide(&token_event(
        &bearer(&session_token(DEV_PRIVATE_KEY, DEV_KID)),
        "GET /tasks",
    ));
    assert!(reply.ok(), "{line}");
    assert_eq!(clerk.calls().1, 1, "loaded once, at cold start");
    clerk.send(
        "PUT",
        "/_jwks",
        &jwks(&[
            (DEV_KID, DEV_PRIVATE_KEY),
            ("ins_rotated", FOREIGN_PRIVATE_KEY),
        ]),
    );
}

#[test]
fn in_jwks_mode_a_key_added_after_cold_start_is_accepted_after_one_refetch() {
    let clerk = LocalClerk::start();
    let authorizer = networked(&jwks_env(&clerk));
    rotate_after_cold_start(&clerk, &authorizer);
    let (reply, line) = authorizer.decide(&token_event(
        &bearer(&session_token(FOREIGN_PRIVATE_KEY, "ins_rotated")),
        "GET /tasks",
    ));
    assert!(reply.ok(), "{line}");
    assert_eq!(clerk.calls().1, 2, "one refetch");
}

/// Managed Instances: events in flight at once share one call per credential, and a session
/// never waits on an API key's (slow) call to Clerk.
#[test]
fn invocations_at_once_share_one_call_and_a_session_never_waits_on_clerk() {
    let clerk = LocalClerk::start();
    let authorizer = networked(&clerk.env(&[("AWS_LAMBDA_MAX_CONCURRENCY", "8")]));
    let before = clerk.calls().0;
    // Slow, but well inside the authorizer's 1.5 s request timeout (the same 1.5 s raced it on
    // a loaded machine, and the keys' call then timed out).
    clerk.send(
        "POST",
        "/_control",
        &json!({"fault": "slow", "delay_ms": 700}),
    );
    let key = token_event(&bearer(SAMPLE_ORG_API_KEY), "GET /tasks");
    let keys: Vec<_> = (0..5).map(|_| authorizer.submit(&key)).collect();
    let session = token_event(&bearer(&session_token(DEV_PRIVATE_KEY, DEV_KID)), "GET /me");
    let session = authorizer
        .submit(&session)
        .wait(Duration::from_secs(10))
        .unwrap();
    assert!(session.ok(), "{}", session.body);
    let keys: Vec<_> = keys
        .iter()
        .map(|k| k.wait(Duration::from_secs(10)).unwrap())
        .collect();
    for reply in &keys {
        assert!(reply.ok(), "{}", reply.body);
        assert!(
            session.received < reply.received,
            "the session's answer waited for an API key's call to Clerk"
        );
    }
    assert_eq!(clerk.calls().0 - before, 1, "one call for five invocations");
}

#[test]
fn in_jwks_mode_tokens_at_once_with_a_new_kid_cause_one_refetch() {
    let clerk = LocalClerk::start();
    let mut env = jwks_env(&clerk);
    env.push(("AWS_LAMBDA_MAX_CONCURRENCY".into(), "8".into()));
    let authorizer = networked(&env);
    rotate_after_cold_start(&clerk, &authorizer);
    let rotated = token_event(
        &bearer(&session_token(FOREIGN_PRIVATE_KEY, "ins_rotated")),
        "GET /tasks",
    );
    let pending: Vec<_> = (0..8).map(|_| authorizer.submit(&rotated)).collect();
    for reply in pending {
        let reply = reply.wait(Duration::from_secs(10)).unwrap();
        assert!(reply.ok(), "{}", reply.body);
    }
    assert_eq!(clerk.calls().1, 2, "one refetch for the eight");
}

#[test]
fn in_jwks_mode_random_kids_cause_at_most_one_refetch() {
    let clerk = LocalClerk::start();
    let authorizer = networked(&jwks_env(&clerk));
    for i in 0..100 {
        let (_, line) = authorizer.decide(&token_event(
            &bearer(&session_token(FOREIGN_PRIVATE_KEY, &format!("forged{i}"))),
            "GET /tasks",
        ));
        assert_eq!(line["reason"], "bad_signature");
    }
    assert!(
        clerk.calls().1 <= 2,
        "cold start plus at most one refetch: {:?}",
        clerk.calls()
    );
}

#[test]
fn a_429_is_rate_limited_and_its_retry_after_is_honoured_before_service_resumes() {
    let clerk = LocalClerk::start();
    let authorizer = networked(&clerk.env(&[]));
    let api_key = || token_event(&bearer(SAMPLE_ORG_API_KEY), "GET /tasks");
    clerk.fault("429"); // Retry-After: 2
    let started = Instant::now();
    let (reply, line) = authorizer.decide(&api_key());
    assert!(!reply.ok());
    assert_eq!(line["reason"], "clerk_api_rate_limited", "{line}");
    assert_eq!(clerk.calls().0, 1, "a 429 is not retried");
    clerk.fault("none");
    // Until Retry-After has passed, no call reaches Clerk, for this key or any other.
    let mut refused = 0;
    while started.elapsed() < Duration::from_millis(1800) {
        for key in [SAMPLE_ORG_API_KEY, SAMPLE_USER_API_KEY] {
            let (reply, line) = authorizer.decide(&token_event(&bearer(key), "GET /tasks"));
            assert!(!reply.ok(), "{line}");
            assert_eq!(line["reason"], "clerk_api_rate_limited", "{line}");
            refused += 1;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(refused >= 10, "{refused}");
    assert_eq!(clerk.calls().0, 1, "no call before Retry-After");
    // Then service again, within a second of Retry-After (the clock counts whole seconds).
    let reply = loop {
        let (reply, line) = authorizer.decide(&api_key());
        if reply.ok() || started.elapsed() > Duration::from_millis(3500) {
            break reply;
        }
        assert_eq!(line["reason"], "clerk_api_rate_limited", "{line}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(reply.ok() && started.elapsed() >= Duration::from_secs(2));
    assert_eq!(clerk.calls().0, 2);
}

/// A stand-in for Secrets Manager's `GetSecretValue` over real HTTP: the secret's value (None:
/// access denied), and how many reads it served.
struct FakeSecretsManager {
    url: String,
    value: std::sync::Arc<std::sync::Mutex<Option<String>>>,
    reads: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl FakeSecretsManager {
    fn start(value: Option<&str>) -> FakeSecretsManager {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let value = std::sync::Arc::new(std::sync::Mutex::new(value.map(str::to_string)));
        let reads = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (state, count) = (value.clone(), reads.clone());
        std::thread::spawn(move || {
            for mut stream in listener.incoming().map_while(Result::ok) {
                // Read the headers and the body Content-Length says.
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                loop {
                    let n = stream.read(&mut buf).unwrap_or(0);
                    request.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&request).to_lowercase();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length: usize = text
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .map_or(0, |v| v.trim().parse().unwrap_or(0));
                        if request.len() >= end + 4 + length {
                            break;
                        }
                    }
                    if n == 0 {
                        break;
                    }
                }
                let text = String::from_utf8_lossy(&request);
                assert!(text.contains("secretsmanager.GetSecretValue"));
                assert!(text.contains("AWS4-HMAC-SHA256 Credential=local/"));
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let (status, body) = match state.lock().unwrap().clone() {
                    Some(value) => ("200 OK", json!({"SecretString": value}).to_string()),
                    None => (
                        "400 Bad Request",
                        json!({"__type": "AccessDeniedException"}).to_string(),
                    ),
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: application/x-amz-json-1.1\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        FakeSecretsManager { url, value, reads }
    }

    fn reads(&self) -> usize {
        self.reads.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The authorizer's settings with the key's ARN instead of its value.
    fn env(&self, clerk: &LocalClerk) -> Vec<(String, String)> {
        let mut env = clerk.env(&[
            (
                "CLERK_SECRET_KEY_ARN",
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:clerk-AbCdEf",
            ),
            ("AWS_ENDPOINT_URL_SECRETS_MANAGER", &self.url),
            ("AWS_ACCESS_KEY_ID", "local"),
            ("AWS_SECRET_ACCESS_KEY", "local"),
            ("CLERK_SECRET_REREAD_SECONDS", "1"),
        ]);
        env.retain(|(k, _)| k != "CLERK_SECRET_KEY");
        env
    }
}

#[test]
fn an_empty_or_unreadable_secret_keeps_sessions_served_and_is_picked_up_once_filled() {
    let clerk = LocalClerk::start();
    for (unreadable, what) in [(Some(""), "empty"), (None, "access denied")] {
        let secrets = FakeSecretsManager::start(unreadable);
        let authorizer = networked(&secrets.env(&clerk));
        let session = || token_event(&bearer(&session_token(DEV_PRIVATE_KEY, DEV_KID)), "GET /me");
        let (reply, line) = authorizer.decide(&session());
        assert!(reply.ok(), "{what}: a session is served: {line}");
        // One ERROR at init, naming the variable and the fix; never a key.
        let errors: Vec<String> = authorizer
            .lines()
            .into_iter()
            .filter(|l| l.contains("\"ERROR\"") && l.contains("CLERK_SECRET_KEY_ARN"))
            .collect();
        assert_eq!(errors.len(), 1, "{what}: {:?}", authorizer.lines());
        assert!(errors[0].contains("put-secret-value"), "{}", errors[0]);

        let http = http_v2_event(
            json!({"authorization": bearer(SAMPLE_ORG_API_KEY)}),
            &[],
            "GET /tasks",
        );
        let verify_calls = clerk.calls().0;
        for event in [token_event(&bearer(SAMPLE_ORG_API_KEY), "GET /tasks"), http] {
            let (reply, line) = authorizer.decide(&event);
            // As during an outage: an error, never a Deny API Gateway would cache.
            assert!(!reply.ok(), "{what}: {}", reply.body);
            assert_eq!(line["reason"], "clerk_secret_unavailable", "{what}: {line}");
        }
        assert_eq!(
            clerk.calls().0,
            verify_calls,
            "no call to Clerk without a key"
        );
        // Read again at most once per CLERK_SECRET_REREAD_SECONDS, however many keys come.
        assert!(secrets.reads() <= 2, "{what}: {} reads", secrets.reads());

        *secrets.value.lock().unwrap() = Some(DEV_SECRET_KEY.to_string());
        std::thread::sleep(Duration::from_millis(1100));
        let (reply, line) =
            authorizer.decide(&token_event(&bearer(SAMPLE_ORG_API_KEY), "GET /tasks"));
        assert!(
            reply.ok(),
            "{what}: allowed once filled, with no restart: {line}"
        );
        let (reply, _) = authorizer.decide(&session());
        assert!(reply.ok());
        assert!(!authorizer
            .lines()
            .iter()
            .any(|l| l.contains(DEV_SECRET_KEY) || l.contains(SAMPLE_ORG_API_KEY)));
    }
}

#[test]
fn a_jwks_down_at_cold_start_refuses_every_token_as_an_outage_until_it_answers() {
    let clerk = LocalClerk::start();
    let url = format!("{}/.well-known/jwks.json", clerk.url);
    let port: u16 = clerk.url.rsplit(':').next().unwrap().parse().unwrap();
    let env = jwks_env(&clerk);
    drop(clerk);
    let authorizer = networked(&env);
    let logged = |lines: &[String]| {
        lines
            .iter()
            .any(|l| l.contains("\"ERROR\"") && l.contains("CLERK_JWKS_URL"))
    };
    assert!(logged(&authorizer.lines_when(logged)));
    let session = token_event(
        &bearer(&session_token(DEV_PRIVATE_KEY, DEV_KID)),
        "GET /tasks",
    );
    let (reply, line) = authorizer.decide(&session);
    assert!(!reply.ok());
    assert_eq!(line["reason"], "jwks_unavailable", "{line} ({url})");
    let _back = LocalClerk::start_on(port);
    std::thread::sleep(Duration::from_secs(authorizer::jwks::EMPTY_RETRY_SECONDS));
    let (reply, line) = authorizer.decide(&session);
    assert!(reply.ok(), "{line}");
}

#[test]
fn usage_identifier_keys_name_an_api_keys_owner_and_an_opaque_tokens_subject() {
    let clerk = LocalClerk::start();
    let key = |authorizer: &RealAuthorizer, event: &Value| {
        let (reply, line) = authorizer.decide(event);
        assert_eq!(line["reason"], "allowed", "{line}");
        let answer: Value = serde_json::from_str(&reply.body).unwrap();
        answer.get("usageIdentifierKey").cloned()
    };
    for identifier in ["tenant", "user"] {
        let env = clerk.env(&[
            ("USAGE_IDENTIFIER", identifier),
            ("USAGE_KEY_PREFIX", "prod-"),
        ]);
        let authorizer = networked(&env);
        for (credential, owner) in [
            (SAMPLE_ORG_API_KEY, SAMPLE_ORG),
            (SAMPLE_USER_API_KEY, SAMPLE_EDITOR),
            (SAMPLE_OPAQUE_M2M, SAMPLE_WORKER),
            (SAMPLE_OPAQUE_OAUTH, SAMPLE_EDITOR),
        ] {
            let rest = token_event(&bearer(credential), "GET /tasks");
            let expected = json!(format!("prod-{owner}"));
            assert_eq!(key(&authorizer, &rest), Some(expected), "{identifier}");
            let http = http_v2_event(
                json!({"authorization": bearer(credential)}),
                &[],
                "GET /tasks",
            );
            assert_eq!(
                key(&authorizer, &http),
                None,
                "HTTP APIs have no usage plans"
            );
        }
    }
}
