//! Clerk's authorization model at the gateway: Clerk's own test vectors, v1 and v2 session
//! tokens, every `has()` condition of the list form, the context, and "session tokens only".

mod common;

use authorizer::conditions::{Conditions, Unmet};
use authorizer::credential::Credential;
use authorizer::handler::Verdict;
use authorizer::session::{decode_permissions, scoped_list, Session, AMBIGUOUS_FPM};
use authorizer::verify::Claims;
use authorizer::{Authorizer, Config, Outcome};
use common::*;
use jsonwebtoken::{Algorithm, Header};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// Clerk's own vectors (tests/vectors/clerk/README.md says where each comes from).

const CLERK_PUBLIC: &str = include_str!("../vectors/clerk/clerk-test-public.pem");
const OTHER_PUBLIC: &str = include_str!("../vectors/clerk/other-public.pem");
const MOCK_JWT: &str = include_str!("../vectors/clerk/mockJwt.jwt");
const MOCK_EXPIRED: &str = include_str!("../vectors/clerk/mockExpiredJwt.jwt");
const MOCK_BAD_SIGNATURE: &str = include_str!("../vectors/clerk/mockInvalidSignatureJwt.jwt");
const MOCK_MALFORMED: &str = include_str!("../vectors/clerk/mockMalformedJwt.jwt");
const PERMISSION_VECTORS: &str = include_str!("../vectors/clerk/v2-permissions.json");
const MOCK_OAUTH: &str = include_str!("../vectors/clerk/mockSignedOAuthAccessTokenJwt.jwt");
const MOCK_OAUTH_APPLICATION_TYP: &str =
    include_str!("../vectors/clerk/mockSignedOAuthAccessTokenJwtApplicationTyp.jwt");
/// Clerk's test publishable key: it names `mockJwt`'s issuer.
const CLERK_PUBLISHABLE_KEY: &str = "pk_test_Y2xlcmsuaW5zcGlyZWQucHVtYS03NC5sY2wuZGV2JA";
/// An authorizer that accepts OAuth tokens and lets every genuine one through.
const OAUTH_SETTINGS: &[(&str, &str)] = &[
    ("ACCEPTED_TOKENS", "session_token,oauth_token"),
    (
        "ACCESS_RULES",
        r#"[{"routes": ["*"]}, {"routes": ["*"], "when": {"token": "oauth_token"}}]"#,
    ),
];
/// Clerk's tests pin the clock at the mock token's `iat`.
const CLERK_NOW: u64 = 1_666_648_250;
const CLERK_PARTY: &str = "https://accounts.inspired.puma-74.lcl.dev";

/// An authorizer over Clerk's test key that lets every genuine session through, so the
/// verdict shows the verification alone.
fn clerk_authorizer(settings: &[(&str, &str)]) -> Authorizer {
    let settings: Vec<(String, String)> = [
        ("CLERK_JWT_KEY", CLERK_PUBLIC),
        ("ACCESS_RULES", r#"[{"routes": ["*"]}]"#),
    ]
    .iter()
    .chain(settings)
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let lookup = move |name: &str| {
        settings
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    Authorizer::new(Config::from_lookup(lookup).expect("valid config"))
}

fn clerk_check(authorizer: &Authorizer, token: &str, now: u64) -> (Verdict, &'static str) {
    let event = token_event(&format!("Bearer {}", token.trim()), "GET /tasks");
    let outcome = authorizer.handle(&event.to_string(), now);
    (outcome.verdict, outcome.reason)
}

#[test]
fn clerk_mock_jwt_is_genuine_at_its_pinned_time() {
    let a = clerk_authorizer(&[("AUTHORIZED_PARTIES", CLERK_PARTY)]);
    assert_eq!(
        clerk_check(&a, MOCK_JWT, CLERK_NOW),
        (Verdict::Allow, "allowed")
    );
}

#[test]
fn clerk_mock_jwt_expiry_honours_the_five_second_default_skew() {
    let exp = 1_666_648_310;
    let a = clerk_authorizer(&[]);
    assert_eq!(clerk_check(&a, MOCK_JWT, exp + 1).0, Verdict::Allow);
    assert_eq!(
        clerk_check(&a, MOCK_JWT, exp + 6),
        (Verdict::Unauthorized, "expired")
    );
    let strict = clerk_authorizer(&[("CLOCK_SKEW_SECONDS", "0")]);
    assert_eq!(
        clerk_check(&strict, MOCK_JWT, exp + 1),
        (Verdict::Unauthorized, "expired")
    );
}

#[test]
fn clerk_mock_jwt_is_refused_when_its_party_is_not_listed() {
    let a = clerk_authorizer(&[("AUTHORIZED_PARTIES", "https://app.example.com")]);
    assert_eq!(
        clerk_check(&a, MOCK_JWT, CLERK_NOW),
        (Verdict::Unauthorized, "wrong_party")
    );
}

#[test]
fn clerk_mock_jwt_does_not_verify_with_another_key() {
    let a = clerk_authorizer(&[("CLERK_JWT_KEY", OTHER_PUBLIC)]);
    assert_eq!(
        clerk_check(&a, MOCK_JWT, CLERK_NOW),
        (Verdict::Unauthorized, "bad_signature")
    );
}

#[test]
fn clerk_expired_tampered_and_malformed_vectors_are_refused_for_their_reasons() {
    let a = clerk_authorizer(&[]);
    assert_eq!(
        clerk_check(&a, MOCK_EXPIRED, CLERK_NOW),
        (Verdict::Unauthorized, "expired")
    );
    // Clerk checks the signature before any claim: the tampered azp is never read.
    assert_eq!(
        clerk_check(&a, MOCK_BAD_SIGNATURE, CLERK_NOW),
        (Verdict::Unauthorized, "bad_signature")
    );
    assert_eq!(
        clerk_check(&a, MOCK_MALFORMED, CLERK_NOW),
        (Verdict::Unauthorized, "bad_signature")
    );
}

#[test]
fn clerk_oauth_access_tokens_are_refused_as_sessions() {
    // Their `typ` decides, whatever else they carry (both carry `sid` and `azp`).
    let a = clerk_authorizer(&[]);
    for token in [MOCK_OAUTH, MOCK_OAUTH_APPLICATION_TYP] {
        assert_eq!(
            clerk_check(&a, token, CLERK_NOW),
            (Verdict::Unauthorized, "token_not_accepted")
        );
    }
}

#[test]
fn clerk_oauth_access_tokens_are_genuine_with_oauth_accepted_at_the_pinned_time() {
    // The authorized parties are a session check: they do not apply to OAuth tokens.
    let mut settings = OAUTH_SETTINGS.to_vec();
    settings.push(("AUTHORIZED_PARTIES", "https://app.example.com"));
    let a = clerk_authorizer(&settings);
    for token in [MOCK_OAUTH, MOCK_OAUTH_APPLICATION_TYP] {
        let event = http_v2_event(
            json!({ "authorization": format!("Bearer {}", token.trim()) }),
            &[],
            "GET /tasks",
        );
        let outcome = a.handle(&event.to_string(), CLERK_NOW);
        assert_eq!(
            (outcome.verdict, outcome.reason),
            (Verdict::Allow, "allowed")
        );
        assert_eq!(outcome.token_type, Some("oauth_token"));
        let context = &response(&outcome)["context"];
        assert_eq!(context["scopes"], "read:foo write:bar");
        assert_eq!(context["client_id"], "client_2VTWUzvGC5UhdJCNx6xG1D98edc");
        assert_eq!(context["sub"], "user_2vYVtestTESTtestTESTtestTESTtest");
        assert!(context.get("sid").is_none(), "{context}");
        // exp 1666648550 + the 5 s default skew.
        assert_eq!(clerk_check(&a, token, 1_666_648_554).0, Verdict::Allow);
        assert_eq!(
            clerk_check(&a, token, 1_666_648_556),
            (Verdict::Unauthorized, "expired")
        );
    }
}

#[test]
fn clerks_test_publishable_key_names_the_mock_jwts_issuer_and_not_the_oauth_tokens() {
    let mut settings = OAUTH_SETTINGS.to_vec();
    settings.push(("CLERK_PUBLISHABLE_KEY", CLERK_PUBLISHABLE_KEY));
    let a = clerk_authorizer(&settings);
    assert_eq!(
        clerk_check(&a, MOCK_JWT, CLERK_NOW),
        (Verdict::Allow, "allowed")
    );
    assert_eq!(
        clerk_check(&a, MOCK_OAUTH, CLERK_NOW),
        (Verdict::Unauthorized, "wrong_issuer")
    );
    // Its session cookie, __session_vWCgMp3A, is the credential before __session.
    let cookie = |header: String| {
        let event = rest_request_event(json!({ "Cookie": header }), "GET /tasks");
        a.handle(&event.to_string(), CLERK_NOW).reason
    };
    let jwt = MOCK_JWT.trim();
    assert_eq!(
        cookie(format!("__session=bad; __session_vWCgMp3A={jwt}")),
        "allowed"
    );
    assert_eq!(
        cookie(format!("__session_vWCgMp3A=bad; __session={jwt}")),
        "malformed"
    );
    // The pk_live_ key with the same tail names another cookie.
    assert_eq!(
        cookie(format!("__session_MqCvchyS=bad; __session={jwt}")),
        "allowed"
    );
}

#[test]
fn every_clerk_v2_permission_vector_decodes_as_expected() {
    let vectors: Value = serde_json::from_str(PERMISSION_VECTORS).unwrap();
    let cases = vectors["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 23, "the vector file has 23 cases");
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let mut o = case["o"].clone();
        if o.get("id").is_none() {
            o["id"] = json!("org_vector");
        }
        let mut payload =
            json!({"sub": "user_1", "sid": "sess_1", "v": 2, "fea": case["fea"], "o": o});
        if let Some(pla) = case.get("pla") {
            payload["pla"] = pla.clone();
        }
        let claims = Claims::from_payload(payload.as_object().unwrap().clone());
        let session = Session::from_claims(&claims, &["metadata", "role"]);
        let org = session.org.as_ref().expect("an active organisation");
        let mut got = org.permission_keys();
        let mut want: Vec<String> =
            serde_json::from_value(case["expected_org_permissions"].clone()).unwrap();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{name}");
        if let Some(role) = case.get("expected_org_role") {
            assert_eq!(org.role.as_deref(), role.as_str(), "{name}");
        }
        // Where Clerk's SDKs disagree, nothing is granted and the session says why.
        let disagree = case.get("js_sdk_org_permissions").is_some();
        assert_eq!(
            session.permissions_withheld,
            disagree.then_some(AMBIGUOUS_FPM),
            "{name}"
        );
    }
}

#[test]
fn a_feature_without_a_mask_gets_nothing() {
    let features = scoped_list(Some("o:a,o:b"));
    let got = decode_permissions(&features, Some("read"), Some("1")).unwrap();
    assert_eq!(
        got.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        ["org:a:read"]
    );
}

// ---------------------------------------------------------------------------------------------
// The list form, through the real handler, with v1 and v2 tokens.

const NOW: u64 = 1_800_000_000;

/// The issue's example rules.
const RULES: &str = r#"[
  {"routes": ["GET /tasks", "GET /tasks/*"], "when": {"permission": "org:tasks:view"}},
  {"routes": ["POST /tasks", "PATCH /tasks/*"], "when": {"permission": "org:tasks:edit"}},
  {"routes": ["DELETE /tasks/*"], "when": {"permission": "org:tasks:manage", "reverification": "strict"}},
  {"routes": ["GET /reports/*"], "when": {"plan": "pro"}},
  {"routes": ["*"], "when": {"org_role": "org:admin"}},
  {"routes": ["GET /tasks", "POST /tasks"], "when": {"org": false}},
  {"routes": ["GET /me"]}
]"#;

struct Fixture {
    key: TestKey,
    authorizer: Authorizer,
}

impl Fixture {
    fn new(rules: &str) -> Fixture {
        let key = TestKey::generate();
        let pem: &str = Box::leak(key.public_pem.clone().into_boxed_str());
        let rules: &str = Box::leak(rules.to_string().into_boxed_str());
        let authorizer = authorizer_with(&[("CLERK_JWT_KEY", pem), ("ACCESS_RULES", rules)]);
        Fixture { key, authorizer }
    }

    /// Runs a TOKEN event for `route` with a token of `claims` (merged over fresh claims).
    fn run(&self, extra: Value, route: &str) -> Outcome {
        self.run_signed(self.key.sign(&claims(extra)), route)
    }

    fn run_signed(&self, token: String, route: &str) -> Outcome {
        let event = token_event(&format!("Bearer {token}"), route);
        self.authorizer.handle(&event.to_string(), NOW)
    }

    fn verdict(&self, extra: Value, route: &str) -> (Verdict, &'static str) {
        let outcome = self.run(extra, route);
        (outcome.verdict, outcome.reason)
    }
}

/// Fresh session claims with `extra` merged in (a `null` removes a claim).
fn claims(extra: Value) -> Value {
    let mut claims = clerk_claims("user_1", json!({}), NOW - 10, NOW + 60);
    for (k, v) in extra.as_object().unwrap() {
        if v.is_null() {
            claims.as_object_mut().unwrap().remove(k);
        } else {
            claims[k] = v.clone();
        }
    }
    claims
}

/// A v2 organisation member with `per` granted on the `tasks` feature by `fpm`.
fn v2_org(rol: &str, per: &str, fpm: &str) -> Value {
    json!({"v": 2, "fea": "o:tasks", "o": {"id": "org_1", "slg": "acme", "rol": rol, "per": per, "fpm": fpm}})
}

/// The same member as a v1 token.
fn v1_org(role: &str, permissions: &[&str]) -> Value {
    json!({"v": null, "fva": null, "org_id": "org_1", "org_slug": "acme", "org_role": role, "org_permissions": permissions})
}

use Verdict::{Allow, Deny, Unauthorized};

#[test]
fn permission_grants_its_routes_in_v1_and_v2_alike() {
    let f = Fixture::new(RULES);
    for member in [
        v2_org("member", "view,edit", "1"),
        v1_org("org:member", &["org:tasks:view"]),
    ] {
        assert_eq!(
            f.verdict(member.clone(), "GET /tasks/7"),
            (Allow, "allowed")
        );
        assert_eq!(
            f.verdict(member, "POST /tasks"),
            (Deny, "missing_permission")
        );
    }
    for editor in [
        v2_org("member", "view,edit", "3"),
        v1_org("member", &["org:tasks:view", "org:tasks:edit"]),
    ] {
        assert_eq!(f.verdict(editor, "PATCH /tasks/7"), (Allow, "allowed"));
    }
}

#[test]
fn permission_and_org_role_need_an_active_organisation() {
    let f = Fixture::new(
        r#"[{"routes": ["GET /x"], "when": {"permission": "org:tasks:view"}},
                             {"routes": ["GET /y"], "when": {"org_role": "admin"}},
                             {"routes": ["GET /z"], "when": {"org": true}}]"#,
    );
    for route in ["GET /x", "GET /y", "GET /z"] {
        assert_eq!(
            f.verdict(json!({}), route),
            (Deny, "no_organization"),
            "{route}"
        );
    }
    let org = v2_org("admin", "view", "1");
    for route in ["GET /x", "GET /y", "GET /z"] {
        assert_eq!(f.verdict(org.clone(), route), (Allow, "allowed"), "{route}");
    }
}

#[test]
fn org_role_compares_with_the_org_prefix_added() {
    let f = Fixture::new(RULES);
    for admin in [
        v2_org("admin", "", "0"),
        v2_org("org:admin", "", "0"),
        v1_org("admin", &[]),
    ] {
        assert_eq!(f.verdict(admin, "DELETE /anything/1"), (Allow, "allowed"));
    }
    let f =
        Fixture::new(r#"[{"routes": ["GET /x"], "when": {"org_role": ["org:owner", "billing"]}}]"#);
    assert_eq!(
        f.verdict(v2_org("billing", "", "0"), "GET /x"),
        (Allow, "allowed")
    );
    assert_eq!(
        f.verdict(v2_org("member", "", "0"), "GET /x"),
        (Deny, "missing_org_role")
    );
}

#[test]
fn personal_account_condition_is_the_absence_of_an_organisation() {
    let f = Fixture::new(RULES);
    assert_eq!(f.verdict(json!({}), "POST /tasks"), (Allow, "allowed"));
    let f = Fixture::new(r#"[{"routes": ["GET /mine"], "when": {"org": false}}]"#);
    assert_eq!(
        f.verdict(v2_org("member", "", "0"), "GET /mine"),
        (Deny, "personal_account_only")
    );
}

#[test]
fn delete_needs_manage_and_a_strict_reverification() {
    let f = Fixture::new(RULES);
    let manager = |fva: Value| {
        let mut c = v2_org("member", "view,edit,manage", "7");
        c["fva"] = fva;
        c
    };
    assert_eq!(
        f.verdict(manager(json!([3, 2])), "DELETE /tasks/1"),
        (Allow, "allowed")
    );
    assert_eq!(
        f.verdict(manager(json!([3, -1])), "DELETE /tasks/1"),
        (Allow, "allowed")
    );
    for stale in [
        json!([3, 10]),
        json!([30, -1]),
        json!([-1, -1]),
        json!("3,2"),
        json!([3]),
        Value::Null,
    ] {
        assert_eq!(
            f.verdict(manager(stale.clone()), "DELETE /tasks/1"),
            (Deny, "reverification_required"),
            "{stale}"
        );
    }
    let editor = v2_org("member", "view,edit", "3");
    assert_eq!(
        f.verdict(editor, "DELETE /tasks/1"),
        (Deny, "missing_permission")
    );
}

#[test]
fn custom_reverification_levels() {
    let f = Fixture::new(
        r#"[{"routes": ["GET /a"], "when": {"reverification": {"level": "first_factor", "after_minutes": 5}}},
            {"routes": ["GET /b"], "when": {"reverification": "strict_mfa"}}]"#,
    );
    assert_eq!(f.verdict(json!({"fva": [4, -1]}), "GET /a").0, Allow);
    assert_eq!(f.verdict(json!({"fva": [5, -1]}), "GET /a").0, Deny);
    assert_eq!(f.verdict(json!({"fva": [4, 4]}), "GET /b").0, Allow);
    assert_eq!(f.verdict(json!({"fva": [4, 20]}), "GET /b").0, Deny);
    assert_eq!(f.verdict(json!({"fva": [-1, 4]}), "GET /b").0, Deny);
}

#[test]
fn plans_and_features_follow_has_scoping() {
    let f = Fixture::new(
        r#"[{"routes": ["GET /any"], "when": {"plan": "pro"}},
            {"routes": ["GET /org"], "when": {"plan": "org:pro"}},
            {"routes": ["GET /user"], "when": {"plan": "user:pro"}},
            {"routes": ["GET /feature"], "when": {"feature": ["o:reports", "u:exports"]}}]"#,
    );
    let user_pro = json!({"pla": "u:pro"});
    assert_eq!(f.verdict(user_pro.clone(), "GET /any").0, Allow);
    assert_eq!(
        f.verdict(user_pro.clone(), "GET /org"),
        (Deny, "missing_plan")
    );
    assert_eq!(f.verdict(user_pro, "GET /user").0, Allow);
    let org_pro = json!({"pla": "o:pro"});
    assert_eq!(f.verdict(org_pro.clone(), "GET /org").0, Allow);
    assert_eq!(f.verdict(org_pro, "GET /user").0, Deny);
    assert_eq!(
        f.verdict(json!({"fea": "u:exports"}), "GET /feature").0,
        Allow
    );
    assert_eq!(
        f.verdict(json!({"fea": "u:reports"}), "GET /feature"),
        (Deny, "missing_feature")
    );
}

#[test]
fn every_condition_of_an_entry_must_hold() {
    let f = Fixture::new(
        r#"[{"routes": ["GET /x"], "when": {"role": "staff", "plan": "pro", "permission": "org:tasks:view"}}]"#,
    );
    let mut all = v2_org("member", "view", "1");
    all["metadata"] = json!({"role": "staff"});
    all["pla"] = json!("o:pro");
    assert_eq!(f.verdict(all.clone(), "GET /x").0, Allow);
    all["pla"] = json!("o:free");
    assert_eq!(f.verdict(all, "GET /x"), (Deny, "missing_plan"));
}

#[test]
fn an_entry_without_when_grants_any_verified_token() {
    let f = Fixture::new(RULES);
    assert_eq!(f.verdict(json!({}), "GET /me"), (Allow, "allowed"));
    // Only organisation admins may call other routes ("*" for org:admin).
    assert_eq!(
        f.verdict(json!({}), "GET /nowhere"),
        (Deny, "no_organization")
    );
    let f = Fixture::new(r#"[{"routes": ["GET /me"]}]"#);
    assert_eq!(
        f.verdict(json!({}), "GET /nowhere"),
        (Deny, "route_not_allowed")
    );
}

#[test]
fn the_policy_is_every_route_of_every_holding_entry_and_nothing_else() {
    let f = Fixture::new(RULES);
    let outcome = f.run(v2_org("member", "view,edit", "3"), "GET /tasks");
    let resources = response(&outcome)["policyDocument"]["Statement"][0]["Resource"].clone();
    let suffixes: Vec<String> = resources
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_str()
                .unwrap()
                .strip_prefix(API_PREFIX)
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        suffixes,
        [
            "GET/tasks",
            "GET/tasks/*",
            "POST/tasks",
            "PATCH/tasks/*",
            "GET/me"
        ]
    );
}

#[test]
fn org_context_is_added_and_wins_over_metadata() {
    let f = Fixture::new(RULES);
    let mut c = v2_org("admin", "view,edit", "3");
    c["pla"] = json!("o:pro");
    c["metadata"] = json!({"org_id": "org_forged", "org_role": "org:owner", "team": "blue"});
    let context = response(&f.run(c, "GET /me"))["context"].clone();
    assert_eq!(context["org_id"], "org_1");
    assert_eq!(context["org_slug"], "acme");
    assert_eq!(context["org_role"], "org:admin");
    assert_eq!(context["org_permissions"], "org:tasks:view,org:tasks:edit");
    assert_eq!(context["plans"], "o:pro");
    assert_eq!(context["features"], "o:tasks");
    assert_eq!(context["team"], "blue");
}

#[test]
fn org_id_survives_the_context_cap_and_the_rest_is_logged_as_dropped() {
    let f = Fixture::new(RULES);
    let per: Vec<String> = (0..60)
        .map(|i| format!("permission_with_a_rather_long_name_{i:02}"))
        .collect();
    let mut c = json!({"v": 2, "fea": "o:tasks", "o": {"id": "org_1", "rol": "admin", "per": per.join(","), "fpm": "1152921504606846975"}});
    c["metadata"] = json!({"note": "x".repeat(400)});
    let outcome = f.run(c, "GET /me");
    let context = response(&outcome)["context"].clone();
    assert_eq!(context["org_id"], "org_1");
    assert!(context.get("org_permissions").is_none());
    assert!(outcome
        .dropped_context
        .contains(&"org_permissions".to_string()));
    assert!(context.to_string().len() <= 2200);
}

#[test]
fn ambiguous_permissions_are_withheld_and_the_outcome_says_why() {
    let f = Fixture::new(RULES);
    let c = json!({"v": 2, "fea": "u:dashboard,o:tasks", "o": {"id": "org_1", "rol": "member", "per": "view", "fpm": "1"}});
    let outcome = f.run(c, "GET /tasks");
    assert_eq!(
        (outcome.verdict, outcome.reason),
        (Deny, "missing_permission")
    );
    assert_eq!(outcome.note, Some(AMBIGUOUS_FPM));
}

// ---------------------------------------------------------------------------------------------
// Token categories: an allow-list per kind (authorizer/src/kind.rs has the table).

#[test]
fn session_tokens_are_judged_by_an_allow_list_of_categories() {
    let f = Fixture::new(RULES);
    let with_header = |typ: Option<&str>, cat: Option<Value>| {
        let mut header = Header::new(Algorithm::RS256);
        header.typ = typ.map(str::to_string);
        if let Some(cat) = cat {
            header.extras.insert("cat", cat);
        }
        let outcome = f.run_signed(f.key.sign_with(header, &claims(json!({}))), "GET /me");
        (outcome.verdict, outcome.reason)
    };
    let allowed = (Allow, "allowed");
    let wrong = (Unauthorized, "wrong_token_category");
    assert_eq!(with_header(Some("JWT"), None), allowed);
    assert_eq!(with_header(None, None), allowed);
    assert_eq!(
        with_header(Some("JWT"), Some(json!("cl_B7d4PD111AAA"))),
        allowed
    );
    // "ignore": the structure decides, and this one is a session.
    assert_eq!(with_header(None, Some(json!("cl_I7d4PD111III"))), allowed);
    // Everything else, including what a deny-list let through.
    for cat in [
        json!("cl_B7d4PD444AAA"),
        json!("session"),
        json!(1),
        json!(null),
        json!(["cl_B7d4PD111AAA"]),
        json!("cl_B7d4PD222AAA"),
        json!("cl_B7d4PD333AAA"),
        json!(""),
    ] {
        assert_eq!(with_header(Some("JWT"), Some(cat.clone())), wrong, "{cat}");
    }
    assert_eq!(with_header(Some("JOSE"), None), wrong);
    // An OAuth token's type on a session-shaped token makes it an OAuth token (the dev
    // settings accept them), judged as one: it has no client_id.
    assert_eq!(
        with_header(Some("at+jwt"), None),
        (Unauthorized, "missing_client_id")
    );
    // A session-shaped token with a machine's sub is an M2M token, and targets nobody.
    assert_eq!(
        f.verdict(json!({"sub": "mch_2abc"}), "GET /me"),
        (Unauthorized, "wrong_audience")
    );
    assert_eq!(
        f.verdict(json!({"sid": null}), "GET /me"),
        (Unauthorized, "missing_sid")
    );
    assert_eq!(
        f.verdict(json!({"sid": ""}), "GET /me"),
        (Unauthorized, "missing_sid")
    );
}

#[test]
fn conditions_report_the_first_unmet_in_a_fixed_order() {
    let when = json!({"role": "staff", "reverification": "strict", "plan": "pro"});
    let conditions = Conditions::parse(when.as_object().unwrap()).unwrap();
    let claims = Claims::from_payload(
        claims(json!({"fva": [-1, -1]}))
            .as_object()
            .unwrap()
            .clone(),
    );
    let credential = Credential::from_claims(&claims, &["metadata", "role"]);
    assert_eq!(conditions.check(&credential), Some(Unmet::NoRole));
}
