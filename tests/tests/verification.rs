//! Every verification rule, driven through the real handler with tokens signed at test time.
//! Each failure must be `Unauthorized` with its own reason, and the same handler keeps serving.

mod common;

use authorizer::handler::Verdict;
use authorizer::Rejection;
use common::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

const NOW: u64 = 1_800_000_000;

struct Fixture {
    key: TestKey,
    authorizer: authorizer::Authorizer,
}

impl Fixture {
    fn new(overrides: &[(&str, &str)]) -> Fixture {
        let key = TestKey::generate();
        let pem = key.public_pem.clone();
        let mut all: Vec<(&str, &str)> = vec![("CLERK_JWT_KEY", Box::leak(pem.into_boxed_str()))];
        all.extend_from_slice(overrides);
        let authorizer = authorizer_with(&all);
        Fixture { key, authorizer }
    }

    /// Runs a TOKEN event for `GET /tasks` carrying `token` at time NOW.
    fn check(&self, token: &str) -> authorizer::Outcome {
        let event = token_event(&format!("Bearer {token}"), "GET /tasks");
        self.authorizer.handle(&event.to_string(), NOW)
    }

    fn reason(&self, claims: &Value) -> &'static str {
        self.check(&self.key.sign(claims)).reason
    }
}

fn claims() -> Value {
    clerk_claims("user_1", json!({"role": "admin"}), NOW - 10, NOW + 60)
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().unwrap().remove(key);
    claims
}

#[test]
fn valid_token_is_allowed() {
    let f = Fixture::new(&[]);
    assert_eq!(f.check(&f.key.sign(&claims())).verdict, Verdict::Allow);
}

#[test]
fn token_without_exp_is_unauthorized() {
    let f = Fixture::new(&[]);
    assert_eq!(f.reason(&without(claims(), "exp")), "missing_exp");
}

#[test]
fn exp_must_be_a_number() {
    let f = Fixture::new(&[]);
    assert_eq!(
        f.reason(&with(claims(), "exp", json!("4102444800"))),
        "bad_time_claim"
    );
    assert_eq!(
        f.reason(&with(claims(), "exp", Value::Null)),
        "bad_time_claim"
    );
}

#[test]
fn expired_token_is_unauthorized_even_with_admin_role() {
    let f = Fixture::new(&[]);
    assert_eq!(f.reason(&with(claims(), "exp", json!(NOW - 6))), "expired");
}

#[test]
fn clock_skew_is_five_seconds_by_default_and_configurable() {
    let f = Fixture::new(&[]);
    assert_eq!(f.reason(&with(claims(), "exp", json!(NOW - 4))), "allowed");
    assert_eq!(f.reason(&with(claims(), "exp", json!(NOW - 5))), "expired");
    let strict = Fixture::new(&[("CLOCK_SKEW_SECONDS", "0")]);
    assert_eq!(strict.reason(&with(claims(), "exp", json!(NOW))), "expired");
    assert_eq!(
        strict.reason(&with(claims(), "exp", json!(NOW + 1))),
        "allowed"
    );
}

#[test]
fn nbf_in_the_future_beyond_skew_is_unauthorized() {
    let f = Fixture::new(&[]);
    assert_eq!(f.reason(&with(claims(), "nbf", json!(NOW + 5))), "allowed");
    assert_eq!(
        f.reason(&with(claims(), "nbf", json!(NOW + 6))),
        "not_yet_valid"
    );
    assert_eq!(
        f.reason(&with(claims(), "nbf", json!("soon"))),
        "bad_time_claim"
    );
}

#[test]
fn iat_in_the_future_beyond_skew_is_unauthorized() {
    let f = Fixture::new(&[]);
    let c = with(with(claims(), "nbf", json!(NOW)), "iat", json!(NOW + 6));
    assert_eq!(f.reason(&c), "issued_in_future");
    let c = with(with(claims(), "nbf", json!(NOW)), "iat", json!(NOW + 5));
    assert_eq!(f.reason(&c), "allowed");
}

#[test]
fn sub_must_be_a_non_empty_string() {
    let f = Fixture::new(&[]);
    assert_eq!(f.reason(&without(claims(), "sub")), "missing_sub");
    assert_eq!(f.reason(&with(claims(), "sub", json!(42))), "missing_sub");
    assert_eq!(f.reason(&with(claims(), "sub", json!(""))), "missing_sub");
}

#[test]
fn issuer_must_match_when_configured() {
    let f = Fixture::new(&[]);
    assert_eq!(
        f.reason(&with(claims(), "iss", json!("https://evil.example"))),
        "wrong_issuer"
    );
    assert_eq!(f.reason(&without(claims(), "iss")), "wrong_issuer");
    let open = Fixture::new(&[("JWT_ISSUER", ""), ("CLERK_PUBLISHABLE_KEY", "")]);
    assert_eq!(
        open.reason(&with(claims(), "iss", json!("https://other.example"))),
        "allowed"
    );
}

#[test]
fn azp_must_be_present_and_listed_when_parties_are_configured() {
    let f = Fixture::new(&[(
        "AUTHORIZED_PARTIES",
        "https://app.example.com, http://localhost:3000",
    )]);
    assert_eq!(f.reason(&claims()), "allowed");
    assert_eq!(
        f.reason(&with(claims(), "azp", json!("https://evil.example"))),
        "wrong_party"
    );
    assert_eq!(f.reason(&without(claims(), "azp")), "wrong_party");
    assert_eq!(
        f.reason(&with(claims(), "azp", json!(["http://localhost:3000"]))),
        "wrong_party"
    );
}

#[test]
fn audience_must_contain_a_configured_value_when_set() {
    let f = Fixture::new(&[("JWT_AUDIENCE", "api://tasks, api://other")]);
    assert_eq!(
        f.reason(&claims()),
        "wrong_audience",
        "Clerk tokens carry no aud by default"
    );
    assert_eq!(
        f.reason(&with(claims(), "aud", json!("api://tasks"))),
        "allowed"
    );
    assert_eq!(
        f.reason(&with(claims(), "aud", json!(["x", "api://other"]))),
        "allowed"
    );
    assert_eq!(
        f.reason(&with(claims(), "aud", json!(["x"]))),
        "wrong_audience"
    );
    let unset = Fixture::new(&[]);
    assert_eq!(
        unset.reason(&with(claims(), "aud", json!("anything"))),
        "allowed"
    );
}

#[test]
fn pending_sessions_are_refused_unless_allowed() {
    let f = Fixture::new(&[]);
    assert_eq!(
        f.reason(&with(claims(), "sts", json!("pending"))),
        "pending_session"
    );
    assert_eq!(f.reason(&with(claims(), "sts", json!("active"))), "allowed");
    let lenient = Fixture::new(&[("ALLOW_PENDING_SESSIONS", "true")]);
    assert_eq!(
        lenient.reason(&with(claims(), "sts", json!("pending"))),
        "allowed"
    );
}

#[test]
fn rs384_and_rs512_are_accepted_other_algorithms_are_not() {
    let f = Fixture::new(&[]);
    for alg in [Algorithm::RS384, Algorithm::RS512] {
        assert_eq!(
            f.check(&f.key.sign_with(Header::new(alg), &claims()))
                .reason,
            "allowed",
            "{alg:?}"
        );
    }
    let pss = f.key.sign_with(Header::new(Algorithm::PS256), &claims());
    assert_eq!(f.check(&pss).reason, "unsupported_alg");
}

#[test]
fn any_configured_key_verifies_during_rotation() {
    let old = TestKey::generate();
    let new = TestKey::generate();
    let both = format!("{}\n{}", old.public_pem, new.public_pem);
    let authorizer = authorizer_with(&[("CLERK_JWT_KEY", &both)]);
    for key in [&old, &new] {
        let event = token_event(&format!("Bearer {}", key.sign(&claims())), "GET /tasks");
        assert_eq!(authorizer.handle(&event.to_string(), NOW).reason, "allowed");
    }
    let stranger = TestKey::generate();
    let event = token_event(
        &format!("Bearer {}", stranger.sign(&claims())),
        "GET /tasks",
    );
    assert_eq!(
        authorizer.handle(&event.to_string(), NOW).reason,
        "bad_signature"
    );
}

#[test]
fn pkcs1_and_one_line_escaped_keys_are_accepted() {
    let pkcs1 = include_str!("../fixtures/dev-only-public-pkcs1.pem");
    let one_line = DEV_PUBLIC_KEY.trim().replace('\n', "\\n");
    let token = mint(&sample_claims(Some("admin")));
    for key in [pkcs1, one_line.as_str()] {
        let authorizer = authorizer_with(&[("CLERK_JWT_KEY", key)]);
        let event = token_event(&format!("Bearer {token}"), "GET /tasks");
        assert_eq!(authorizer.handle(&event.to_string(), NOW).reason, "allowed");
    }
}

// --- Attacks: each is 401 and the handler keeps serving the next request. ---

fn assert_attack_refused(f: &Fixture, token: &str, reason: Rejection, what: &str) {
    let outcome = f.check(token);
    assert_eq!(outcome.verdict, Verdict::Unauthorized, "{what}");
    assert_eq!(outcome.reason, reason.reason(), "{what}");
    assert!(
        outcome.response.is_none(),
        "{what}: REST must get the Unauthorized error"
    );
    assert_eq!(
        f.check(&f.key.sign(&claims())).verdict,
        Verdict::Allow,
        "served after {what}"
    );
}

fn segments(token: &str) -> Vec<String> {
    token.split('.').map(str::to_string).collect()
}

#[test]
fn alg_none_is_refused() {
    let f = Fixture::new(&[]);
    let payload = base64url(claims().to_string().as_bytes());
    for header in [r#"{"alg":"none","typ":"JWT"}"#, r#"{"alg":"None"}"#] {
        let token = format!("{}.{payload}.", base64url(header.as_bytes()));
        assert_attack_refused(&f, &token, Rejection::Malformed, header);
        let token = format!("{}.{payload}.c2ln", base64url(header.as_bytes()));
        assert_attack_refused(&f, &token, Rejection::Malformed, header);
    }
}

#[test]
fn hs256_signed_with_the_public_pem_is_refused() {
    let f = Fixture::new(&[]);
    let secret = EncodingKey::from_secret(f.key.public_pem.as_bytes());
    let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims(), &secret).unwrap();
    assert_attack_refused(
        &f,
        &token,
        Rejection::UnsupportedAlgorithm,
        "HS256 with PEM secret",
    );
}

#[test]
fn critical_header_extensions_are_refused() {
    let f = Fixture::new(&[]);
    let mut header = Header::new(Algorithm::RS256);
    header.crit = Some(vec!["b64".into()]);
    header.extras.insert("b64", false);
    let token = f.key.sign_with(header, &claims());
    assert_attack_refused(&f, &token, Rejection::CriticalHeader, "crit: [b64]");
}

#[test]
fn foreign_rsa_key_is_refused() {
    let f = Fixture::new(&[]);
    let token = TestKey::generate().sign(&claims());
    assert_attack_refused(&f, &token, Rejection::BadSignature, "foreign key");
}

#[test]
fn payload_tampered_after_signing_is_refused() {
    let f = Fixture::new(&[]);
    let mut parts = segments(&f.key.sign(&clerk_claims(
        "user_1",
        json!({"role": "member"}),
        NOW - 10,
        NOW + 60,
    )));
    parts[1] = base64url(claims().to_string().as_bytes()); // member → admin
    assert_attack_refused(
        &f,
        &parts.join("."),
        Rejection::BadSignature,
        "tampered payload",
    );
}

#[test]
fn header_jwk_or_jku_naming_an_attacker_key_is_ignored() {
    let f = Fixture::new(&[]);
    let attacker = TestKey::generate();
    let jwk =
        jsonwebtoken::jwk::Jwk::from_encoding_key(&attacker.encoding, Algorithm::RS256).unwrap();
    let mut header = Header::new(Algorithm::RS256);
    header.jwk = Some(jwk);
    header.jku = Some("https://attacker.example/jwks.json".into());
    header.x5u = Some("https://attacker.example/cert.pem".into());
    header.kid = Some("attacker".into());
    let token = attacker.sign_with(header, &claims());
    assert_attack_refused(&f, &token, Rejection::BadSignature, "jwk/jku header");
}

#[test]
fn wrong_segment_counts_bad_base64_and_garbage_are_malformed() {
    let f = Fixture::new(&[]);
    let good = segments(&f.key.sign(&claims()));
    let cases = [
        (format!("{}.{}", good[0], good[1]), "two segments"),
        (
            format!(
                "{}.{}.{}.{}.{}",
                good[0], good[1], good[2], good[1], good[2]
            ),
            "five segments",
        ),
        (
            format!("{}.{}.{}", good[0], good[1], "!!!not base64!!!"),
            "bad base64 signature",
        ),
        (
            format!("{}.{}.{}", "%%%", good[1], good[2]),
            "bad base64 header",
        ),
        (
            format!("{}.{}.{}", base64url(b"not json"), good[1], good[2]),
            "non-JSON header",
        ),
        (format!("..{}", good[2]), "empty segments"),
    ];
    for (token, what) in cases {
        assert_attack_refused(&f, &token, Rejection::Malformed, what);
    }
}

#[test]
fn non_json_payload_with_a_valid_signature_is_malformed() {
    let f = Fixture::new(&[]);
    let header = base64url(br#"{"alg":"RS256","typ":"JWT"}"#);
    let payload = base64url(b"[1,2,3]");
    let message = format!("{header}.{payload}");
    let signature =
        jsonwebtoken::crypto::sign(message.as_bytes(), &f.key.encoding, Algorithm::RS256).unwrap();
    assert_attack_refused(
        &f,
        &format!("{message}.{signature}"),
        Rejection::Malformed,
        "array payload",
    );
}

#[test]
fn sixty_four_kib_of_garbage_is_refused_without_decoding() {
    let f = Fixture::new(&[]);
    let garbage: String = (0..64 * 1024)
        .map(|i| (b'a' + (i % 26) as u8) as char)
        .collect();
    assert_attack_refused(&f, &garbage, Rejection::TooLarge, "64 KiB garbage");
    let dotted = format!("{0}.{0}.{0}", &garbage[..6000]);
    assert_attack_refused(&f, &dotted, Rejection::TooLarge, "18 KiB dotted garbage");
}

#[test]
fn other_schemes_and_empty_values_are_refused_in_the_token_flavour() {
    let f = Fixture::new(&[]);
    for (value, reason) in [
        ("Basic dXNlcjpwYXNz", "unsupported_scheme"),
        ("", "no_token"),
        ("Bearer ", "no_token"),
    ] {
        let event = token_event(value, "GET /tasks");
        let outcome = f.authorizer.handle(&event.to_string(), NOW);
        assert_eq!(
            (outcome.verdict, outcome.reason),
            (Verdict::Unauthorized, reason),
            "{value:?}"
        );
    }
    let bare = f.key.sign(&claims());
    let event = token_event(&bare, "GET /tasks");
    assert_eq!(
        f.authorizer.handle(&event.to_string(), NOW).reason,
        "allowed",
        "bare JWT"
    );
    let lower = token_event(&format!("bEaReR {bare}"), "GET /tasks");
    assert_eq!(
        f.authorizer.handle(&lower.to_string(), NOW).reason,
        "allowed",
        "scheme case"
    );
}

#[test]
fn deeply_nested_claims_are_refused_not_overflowed() {
    let f = Fixture::new(&[]);
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    // serde_json refuses to build such a value past its recursion limit, so splice the text.
    let payload = claims()
        .to_string()
        .replacen('{', &format!("{{\"deep\":{deep},"), 1);
    let header = base64url(br#"{"alg":"RS256","typ":"JWT"}"#);
    let message = format!("{header}.{}", base64url(payload.as_bytes()));
    let signature =
        jsonwebtoken::crypto::sign(message.as_bytes(), &f.key.encoding, Algorithm::RS256).unwrap();
    assert_attack_refused(
        &f,
        &format!("{message}.{signature}"),
        Rejection::Malformed,
        "200-deep nesting",
    );
}

/// A claim written twice reads as its last value, as serde_json's `Map` (and so Clerk's
/// backends in Go and JavaScript) read it: the borrowed claims must not pick the first.
#[test]
fn a_repeated_claim_reads_as_its_last_value() {
    let f = Fixture::new(&[]);
    // `claims()` is sorted; the text puts a second `sub` and `exp` after it.
    let text = |extra: &str| {
        let body = claims().to_string();
        format!("{},{extra}}}", &body[..body.len() - 1])
    };
    let outcome = f.check(&f.key.sign_text(&text(r#""sub":"user_2""#)));
    assert_eq!(outcome.verdict, Verdict::Allow);
    assert_eq!(outcome.sub.as_deref(), Some("user_2"));
    let expired_last = text(&format!(r#""exp":{}"#, NOW - 100));
    assert_eq!(f.check(&f.key.sign_text(&expired_last)).reason, "expired");
    // And the other way round: expired first, current last.
    let mut past = claims();
    past["exp"] = json!(NOW - 100);
    let body = past.to_string();
    let current_last = format!("{},\"exp\":{}}}", &body[..body.len() - 1], NOW + 60);
    assert_eq!(
        f.check(&f.key.sign_text(&current_last)).verdict,
        Verdict::Allow
    );
}

/// A claim with escapes is read through them (it cannot borrow from the payload).
#[test]
fn escaped_claims_read_as_their_text() {
    let f = Fixture::new(&[]);
    let body = claims().to_string();
    let text = format!(
        r#"{},"sub":"user\u005fescaped\"q"}}"#,
        &body[..body.len() - 1]
    );
    let outcome = f.check(&f.key.sign_text(&text));
    assert_eq!(outcome.verdict, Verdict::Allow);
    assert_eq!(outcome.sub.as_deref(), Some("user_escaped\"q"));
}

/// The header is read here, not by jsonwebtoken, and refuses what its `decode_header` refused
/// among the fields a verification reads, even when the signature is genuine.
#[test]
fn a_genuinely_signed_header_is_still_read_strictly() {
    let f = Fixture::new(&[]);
    let payload = claims().to_string();
    let reason = |header: &str| f.check(&f.key.sign_texts(header, &payload)).reason;
    assert_eq!(reason(r#"{"alg":"RS256","typ":"JWT"}"#), "allowed");
    // Escapes are read through; null is absent, as serde's Option reads it.
    assert_eq!(
        reason(r#"{"alg":"RS\u0032\u0035\u0036","typ":"JW\u0054"}"#),
        "allowed"
    );
    assert_eq!(
        reason(r#"{"alg":"RS256","typ":null,"kid":null,"crit":null}"#),
        "allowed"
    );
    // A repeated name reads as its last value (RFC 7515 §4 allows either that or a refusal).
    assert_eq!(reason(r#"{"alg":"HS256","alg":"RS256"}"#), "allowed");
    for (header, why) in [
        (r#"{"alg":"RS999"}"#, "malformed"),
        (r#"{"alg":"rs256"}"#, "malformed"),
        (r#"{"alg":256}"#, "malformed"),
        (r#"{"typ":"JWT"}"#, "malformed"),
        (r#"{"alg":"RS256","typ":5}"#, "malformed"),
        (r#"{"alg":"RS256","kid":["a"]}"#, "malformed"),
        (r#"["RS256"]"#, "malformed"),
        (r#"{"alg":"RS256"} x"#, "malformed"),
        (r#"{"alg":"RS256","alg":"HS256"}"#, "unsupported_alg"),
        (r#"{"alg":"RS256","crit":[]}"#, "critical_header"),
    ] {
        assert_eq!(reason(header), why, "{header}");
    }
}
