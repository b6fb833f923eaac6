//! Configuration is checked once at init: every bad setting stops the function with a
//! message that names the variable, and never echoes key material.

mod common;

use authorizer::kind::TokenKind;
use authorizer::{Config, ConfigError};
use common::*;

fn error(overrides: &[(&str, &str)]) -> ConfigError {
    Config::from_lookup(dev_lookup(overrides)).expect_err("configuration must be refused")
}

fn assert_refused(overrides: &[(&str, &str)], variable: &str, needle: &str) {
    let err = error(overrides);
    assert_eq!(err.variable, variable, "{overrides:?}: {err}");
    let message = err.to_string();
    assert!(message.starts_with(variable), "{message}");
    assert!(
        message.contains(needle),
        "{overrides:?}: {message:?} lacks {needle:?}"
    );
}

#[test]
fn missing_key_is_refused() {
    let err = Config::from_lookup(|_| None).unwrap_err();
    assert_eq!(err.variable, "CLERK_JWT_KEY");
    assert!(err.to_string().contains("not set"));
}

#[test]
fn empty_or_whitespace_key_is_refused() {
    for value in ["", "   \n\t "] {
        assert_refused(&[("CLERK_JWT_KEY", value)], "CLERK_JWT_KEY", "is empty");
    }
}

#[test]
fn private_key_is_refused_and_never_echoed() {
    let err = error(&[("CLERK_JWT_KEY", DEV_PRIVATE_KEY)]);
    let message = err.to_string();
    assert!(message.contains("PRIVATE key"), "{message}");
    let body_line = DEV_PRIVATE_KEY.lines().nth(1).unwrap();
    assert!(!message.contains(body_line), "the message echoes the key");
    assert!(
        !format!("{err:?}").contains(body_line),
        "the Debug form echoes the key"
    );
}

#[test]
fn weak_rsa_key_is_refused() {
    let weak = include_str!("../fixtures/weak-1024-public.pem");
    assert_refused(&[("CLERK_JWT_KEY", weak)], "CLERK_JWT_KEY", "1024-bit");
}

#[test]
fn junk_between_pem_blocks_is_refused() {
    let chain = format!("{DEV_PUBLIC_KEY}\nsubject=CN=junk\n{DEV_PUBLIC_KEY}");
    assert_refused(
        &[("CLERK_JWT_KEY", &chain)],
        "CLERK_JWT_KEY",
        "between or around",
    );
    let prefixed = format!("key:\n{DEV_PUBLIC_KEY}");
    assert_refused(
        &[("CLERK_JWT_KEY", &prefixed)],
        "CLERK_JWT_KEY",
        "between or around",
    );
}

#[test]
fn certificate_chain_with_junk_between_blocks_is_refused() {
    let cert = include_str!("../fixtures/dev-only-cert.pem");
    let chain = format!("subject=CN=dev-only\n{cert}issuer=CN=dev-only\n{cert}");
    assert_refused(
        &[("CLERK_JWT_KEY", &chain)],
        "CLERK_JWT_KEY",
        "between or around",
    );
    let chain = format!("{cert}junk\n{cert}");
    assert_refused(&[("CLERK_JWT_KEY", &chain)], "CLERK_JWT_KEY", "CERTIFICATE");
}

#[test]
fn certificates_and_non_pem_values_are_refused() {
    let cert = include_str!("../fixtures/dev-only-cert.pem");
    assert_refused(&[("CLERK_JWT_KEY", cert)], "CLERK_JWT_KEY", "CERTIFICATE");
    assert_refused(
        &[("CLERK_JWT_KEY", "sk_test_abc")],
        "CLERK_JWT_KEY",
        "not PEM",
    );
    let truncated = &DEV_PUBLIC_KEY[..DEV_PUBLIC_KEY.len() - 30];
    assert_refused(
        &[("CLERK_JWT_KEY", truncated)],
        "CLERK_JWT_KEY",
        "END PUBLIC KEY",
    );
    let corrupted = DEV_PUBLIC_KEY.replacen("MII", "XXX", 1);
    assert_refused(
        &[("CLERK_JWT_KEY", &corrupted)],
        "CLERK_JWT_KEY",
        "not a valid RSA key",
    );
}

#[test]
fn bad_access_rules_are_refused() {
    for (rules, needle) in [
        ("\"*\"", "JSON object"),
        ("[\"*\"]", "entry 1"),
        (
            r#"[{"routes": ["GET /me"]}, {"routes": ["DELETE /tasks/*"], "when": {"permision": "org:tasks:manage"}}]"#,
            "entry 2",
        ),
        (
            r#"[{"routes": ["DELETE /tasks/*"], "when": {"reverification": "stricter"}}]"#,
            "unknown reverification preset \"stricter\"",
        ),
        ("not json", "not valid JSON"),
        (r#"{"member":["FETCH /tasks"]}"#, "unknown method"),
        (r#"{"member":["GET tasks"]}"#, "start with '/'"),
    ] {
        assert_refused(&[("ACCESS_RULES", rules)], "ACCESS_RULES", needle);
    }
}

#[test]
fn negative_non_numeric_or_absurd_clock_skew_is_refused() {
    for skew in ["-1", "five", "301", "1e3", "3600"] {
        assert_refused(
            &[("CLOCK_SKEW_SECONDS", skew)],
            "CLOCK_SKEW_SECONDS",
            "0 to 300",
        );
    }
    assert!(Config::from_lookup(dev_lookup(&[("CLOCK_SKEW_SECONDS", "300")])).is_ok());
}

#[test]
fn other_settings_are_checked_too() {
    assert_refused(
        &[("AUTHORIZED_PARTIES", "https://app.example.com/")],
        "AUTHORIZED_PARTIES",
        "trailing slash",
    );
    assert_refused(
        &[("AUTHORIZED_PARTIES", " , ")],
        "AUTHORIZED_PARTIES",
        "no entries",
    );
    assert_refused(
        &[("ROLE_CLAIM", "metadata..role")],
        "ROLE_CLAIM",
        "dot path",
    );
    assert_refused(
        &[("HTTP_API_RESPONSE", "iam")],
        "HTTP_API_RESPONSE",
        "simple or policy",
    );
    assert_refused(
        &[("ALLOW_PENDING_SESSIONS", "yes")],
        "ALLOW_PENDING_SESSIONS",
        "true or false",
    );
}

#[test]
fn defaults_allow_admins_only() {
    let config =
        Config::from_lookup(|name| (name == "CLERK_JWT_KEY").then(|| DEV_PUBLIC_KEY.to_string()))
            .unwrap();
    assert_eq!(
        config.rules,
        authorizer::rules::AccessRules::parse(r#"{"admin":["*"]}"#).unwrap()
    );
    assert_eq!(config.verifier.checks().clock_skew, 5);
    assert!(!config.verifier.checks().allow_pending_sessions);
    assert_eq!(config.role_claim, ["metadata", "role"]);
}

#[test]
fn the_simple_response_cache_warning_is_judged_from_the_events_identity_sources() {
    let authorizer = dev_authorizer();
    let token = mint(&fresh_claims("member"));
    let mut event = http_v2_event(
        serde_json::json!({ "authorization": format!("Bearer {token}") }),
        &[],
        "GET /tasks",
    );
    // The route key is among the identity sources: the cache is per route.
    assert!(!run(&authorizer, &event).route_cache_unsafe);
    // It is not: a simple response would be reused for every route.
    event["identitySource"] = serde_json::json!([format!("Bearer {token}")]);
    assert!(run(&authorizer, &event).route_cache_unsafe);
    // Not a concern with IAM policies, which are cache-safe, nor with rules for every route.
    let policy = authorizer_with(&[("HTTP_API_RESPONSE", "policy")]);
    assert!(!run(&policy, &event).route_cache_unsafe);
    let everywhere = authorizer_with(&[
        ("ACCESS_RULES", r#"{"member": ["*"]}"#),
        ("ACCEPTED_TOKENS", "session_token"),
    ]);
    assert!(!run(&everywhere, &event).route_cache_unsafe);
    // No longer an init warning: the authorizer cannot see the template.
    let config = Config::from_lookup(dev_lookup(&[])).unwrap();
    assert!(
        !config.warnings().iter().any(|w| w.contains("every route")),
        "{:?}",
        config.warnings()
    );
}

#[test]
fn an_unset_issuer_is_warned_about_at_init() {
    let warnings = |overrides: &[(&str, &str)]| {
        Config::from_lookup(dev_lookup(overrides))
            .unwrap()
            .warnings()
    };
    let unset = warnings(&[("JWT_ISSUER", ""), ("CLERK_PUBLISHABLE_KEY", "")]);
    assert!(
        unset.iter().any(|w| w.starts_with("JWT_ISSUER is not set")),
        "{unset:?}"
    );
    assert!(!warnings(&[]).iter().any(|w| w.starts_with("JWT_ISSUER")));
    assert!(
        !warnings(&[("JWT_ISSUER", "")])
            .iter()
            .any(|w| w.starts_with("JWT_ISSUER")),
        "the publishable key names it"
    );
}

#[test]
fn large_rule_sets_load_from_access_rules_file() {
    // Lambda allows 4 KB of environment variables in all; this rule set alone is larger.
    let entries: Vec<serde_json::Value> = (0..80)
        .map(|i| serde_json::json!({"routes": [format!("GET /resource{i}/*")], "when": {"permission": format!("org:resource{i}:view")}}))
        .collect();
    let json = serde_json::Value::Array(entries).to_string();
    assert!(json.len() > 4096);
    let path = std::env::temp_dir().join(format!("access-rules-{}.json", std::process::id()));
    std::fs::write(&path, &json).unwrap();
    let path = path.to_str().unwrap();
    let from_file = Config::from_lookup(dev_lookup(&[
        ("ACCESS_RULES", ""),
        ("ACCESS_RULES_FILE", path),
    ]))
    .unwrap();
    assert_eq!(from_file.rules.len(), 80);

    assert_refused(
        &[("ACCESS_RULES_FILE", path)],
        "ACCESS_RULES_FILE",
        "only one",
    );
    assert_refused(
        &[
            ("ACCESS_RULES", ""),
            ("ACCESS_RULES_FILE", "/nonexistent/rules.json"),
        ],
        "ACCESS_RULES_FILE",
        "cannot be read",
    );
    std::fs::write(path, "[{\"routes\": []}]").unwrap();
    assert_refused(
        &[("ACCESS_RULES", ""), ("ACCESS_RULES_FILE", path)],
        "ACCESS_RULES_FILE",
        "entry 1",
    );
    std::fs::remove_file(path).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Token kinds, machine tokens and the publishable key.

const SESSIONS_ONLY: &[(&str, &str)] = &[
    ("ACCEPTED_TOKENS", "session_token"),
    ("ACCESS_RULES", DEV_ACCESS_RULES),
];

fn warnings(overrides: &[(&str, &str)]) -> Vec<String> {
    Config::from_lookup(dev_lookup(overrides))
        .expect("a valid configuration")
        .warnings()
}

#[test]
fn accepted_tokens_is_a_strict_list_and_blank_means_sessions_only() {
    for value in [
        "session_token,,m2m_token",
        ",",
        "m2m",
        "session",
        "api_keys",
    ] {
        assert_refused(
            &[("ACCEPTED_TOKENS", value)],
            "ACCEPTED_TOKENS",
            if value.contains(",") {
                "empty item"
            } else {
                "unknown token kind"
            },
        );
    }
    for blank in ["", "  "] {
        let config = Config::from_lookup(dev_lookup(&[
            ("ACCEPTED_TOKENS", blank),
            ("ACCESS_RULES", DEV_ACCESS_RULES),
        ]))
        .unwrap();
        assert_eq!(
            config.verifier.checks().accepted,
            authorizer::kind::Kinds::SESSION
        );
    }
}

#[test]
fn machine_id_is_required_with_m2m_tokens_and_must_be_a_machine_id() {
    assert_refused(&[("MACHINE_ID", "")], "MACHINE_ID", "is not set");
    for bad in [
        "user_2abc",
        "mch_",
        "mch_2ab c",
        "2abc",
        "mch_2abc,mch_2def",
    ] {
        assert_refused(&[("MACHINE_ID", bad)], "MACHINE_ID", "mch_");
    }
    let sessions_only_with_id = warnings(SESSIONS_ONLY);
    assert!(
        sessions_only_with_id
            .iter()
            .any(|w| w.starts_with("MACHINE_ID is set")),
        "{sessions_only_with_id:?}"
    );
}

#[test]
fn an_entry_for_a_kind_not_accepted_stops_init() {
    let rules =
        r#"[{"routes": ["GET /tasks"], "when": {"token": "m2m_token", "machine": "mch_2w"}}]"#;
    assert_refused(
        &[
            ("ACCEPTED_TOKENS", "session_token"),
            ("ACCESS_RULES", rules),
        ],
        "ACCESS_RULES",
        "entry 1 is for m2m_token, which ACCEPTED_TOKENS (session_token) does not accept",
    );
    // The map form is for sessions: with sessions not accepted, it cannot apply.
    assert_refused(
        &[
            ("ACCEPTED_TOKENS", "m2m_token"),
            ("ACCESS_RULES", r#"{"admin": ["*"]}"#),
        ],
        "ACCESS_RULES",
        "is for session_token",
    );
}

#[test]
fn conditions_no_token_of_the_entry_can_meet_stop_init() {
    for (when, needle) in [
        (
            r#"{"machine": "mch_2w"}"#,
            "\"machine\" only holds for m2m_token",
        ),
        (
            r#"{"scope": "tasks:read"}"#,
            "\"scope\" only holds for oauth_token, api_key",
        ),
        (
            r#"{"token": "m2m_token", "scope": "x"}"#,
            "\"scope\" only holds for oauth_token, api_key",
        ),
        (
            r#"{"token": "oauth_token", "subject": "org_1"}"#,
            "\"subject\" only holds for api_key",
        ),
        (
            r#"{"client": "client_1"}"#,
            "\"client\" only holds for oauth_token",
        ),
        (
            r#"{"token": "oauth_token", "role": "admin"}"#,
            "\"role\" only holds for session_token",
        ),
        (
            r#"{"token": "m2m_token", "impersonation": false}"#,
            "\"impersonation\" only holds",
        ),
        (
            r#"{"token": "m2m_token", "machine": "user_1"}"#,
            "name Clerk machine ids",
        ),
        (r#"{"token": "api_keys"}"#, "unknown token kind"),
        (r#"{"token": []}"#, "non-empty string"),
        (r#"{"impersonation": "no"}"#, "true or false"),
        (r#"{"scopes": "x"}"#, "unknown condition"),
    ] {
        let rules = format!(r#"[{{"routes": ["GET /x"], "when": {when}}}]"#);
        assert_refused(&[("ACCESS_RULES", &rules)], "ACCESS_RULES", needle);
    }
}

#[test]
fn init_warns_about_accepted_kinds_no_entry_names_and_oauth_without_an_audience() {
    let session_rules = warnings(&[("ACCESS_RULES", DEV_ACCESS_RULES)]);
    for kind in ["m2m_token", "oauth_token"] {
        assert!(
            session_rules
                .iter()
                .any(|w| w.contains(&format!("accepts {kind}, but no"))),
            "{session_rules:?}"
        );
    }
    assert!(!session_rules
        .iter()
        .any(|w| w.contains("accepts session_token")));
    let no_audience = warnings(&[("OAUTH_AUDIENCE", "")]);
    assert!(
        no_audience
            .iter()
            .any(|w| w.starts_with("OAUTH_AUDIENCE is not set")),
        "{no_audience:?}"
    );
    let dev = warnings(&[]);
    assert!(
        !dev.iter()
            .any(|w| w.contains("OAUTH_AUDIENCE") || w.contains("ACCEPTED_TOKENS")),
        "{dev:?}"
    );
}

#[test]
fn the_publishable_key_sets_the_issuer_and_must_agree_with_jwt_issuer() {
    // Clerk's test key names clerk.inspired.puma-74.lcl.dev.
    const CLERK_KEY: &str = "pk_test_Y2xlcmsuaW5zcGlyZWQucHVtYS03NC5sY2wuZGV2JA";
    assert_refused(
        &[("CLERK_PUBLISHABLE_KEY", CLERK_KEY)],
        "JWT_ISSUER",
        "https://clerk.inspired.puma-74.lcl.dev",
    );
    let config = Config::from_lookup(dev_lookup(&[
        ("CLERK_PUBLISHABLE_KEY", CLERK_KEY),
        ("JWT_ISSUER", ""),
    ]))
    .unwrap();
    assert_eq!(
        config.verifier.checks().issuer.as_deref(),
        Some("https://clerk.inspired.puma-74.lcl.dev")
    );
    assert_eq!(config.session_cookie.as_deref(), Some("__session_vWCgMp3A"));
    for bad in [
        "pk_test_",
        "pk_prod_abc",
        "pk_test_!!",
        "sk_test_abc",
        "pk_test_Y2xlcmsuZXhhbXBsZS5jb20",
    ] {
        assert_refused(
            &[("CLERK_PUBLISHABLE_KEY", bad)],
            "CLERK_PUBLISHABLE_KEY",
            "publishable key",
        );
    }
    // With the key alone, the issuer it names is required.
    let authorizer = authorizer_with(&[("JWT_ISSUER", "")]);
    let mut claims = fresh_claims("admin");
    claims["iss"] = serde_json::json!("https://clerk.another.example");
    let outcome = run(
        &authorizer,
        &token_event(&format!("Bearer {}", mint(&claims)), "GET /tasks"),
    );
    assert_eq!(outcome.reason, "wrong_issuer");
}

#[test]
fn the_documented_machine_callers_settings_are_a_valid_configuration() {
    let readme = include_str!("../../docs/token-kinds.md");
    let start = readme
        .find("Accepting machine callers")
        .expect("docs/token-kinds.md's machine callers example");
    let block = &readme[start..];
    let block = &block[block.find("```sh\n").unwrap() + 6..];
    let block = &block[..block.find("```").unwrap()];
    // The shell reads the settings as a user's would.
    let output = std::process::Command::new("bash")
        .args(["-euc", &format!("set -a\n{block}\nenv -0")])
        .env_clear()
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let settings: Vec<(String, String)> = String::from_utf8(output.stdout)
        .unwrap()
        .split('\0')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let names: Vec<&str> = settings.iter().map(|(k, _)| k.as_str()).collect();
    for name in [
        "ACCEPTED_TOKENS",
        "MACHINE_ID",
        "OAUTH_AUDIENCE",
        "ACCESS_RULES",
    ] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    let config = Config::from_lookup(|name| {
        if name == "CLERK_JWT_KEY" {
            return Some(DEV_PUBLIC_KEY.to_string());
        }
        settings
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    })
    .expect("the settings of docs/token-kinds.md are valid");
    assert_eq!(config.rules.len(), 4);
    assert_eq!(config.verifier.checks().accepted.list().len(), 3);
}

#[test]
fn network_settings_stop_init_naming_the_variable() {
    let api_key = ("ACCEPTED_TOKENS", "session_token,api_key");
    assert_refused(&[api_key], "CLERK_SECRET_KEY", "Backend API");
    // The dev publishable key is a test key: a live secret key belongs to another instance.
    assert_refused(
        &[api_key, ("CLERK_SECRET_KEY", "sk_live_abc")],
        "CLERK_SECRET_KEY",
        "live secret key",
    );
    assert_refused(
        &[api_key, ("CLERK_SECRET_KEY", "pk_test_abc")],
        "CLERK_SECRET_KEY",
        "sk_test_",
    );
    assert_refused(
        &[
            ("CLERK_SECRET_KEY", "sk_test_a"),
            (
                "CLERK_SECRET_KEY_ARN",
                "arn:aws:secretsmanager:us-east-1:1:secret:x",
            ),
        ],
        "CLERK_SECRET_KEY_ARN",
        "only one",
    );
    assert_refused(
        &[("CLERK_MACHINE_SECRET_KEY", "sk_test_abc")],
        "CLERK_MACHINE_SECRET_KEY",
        "ak_",
    );
    assert_refused(
        &[(
            "CLERK_JWKS_URL",
            "https://clerk.dev-only.example/.well-known/jwks.json",
        )],
        "CLERK_JWKS_URL",
        "together with CLERK_JWT_KEY",
    );
    assert_refused(
        &[("CLERK_API_URL", "http://api.clerk.com")],
        "CLERK_API_URL",
        "https://",
    );
    // Never the value itself, in any of these messages.
    let message = error(&[api_key, ("CLERK_SECRET_KEY", "sk_live_s3cr3t")]).to_string();
    assert!(!message.contains("s3cr3t"), "{message}");
}

#[test]
fn opaque_kinds_follow_the_secret_key() {
    let machine = [
        ("ACCEPTED_TOKENS", "session_token,m2m_token,oauth_token"),
        ("MACHINE_ID", "mch_2tasksapi00000000000000001"),
    ];
    let without = Config::from_lookup(dev_lookup(&machine)).unwrap();
    assert!(!without.needs_network(), "JWT forms need no secret");
    let mut with = machine.to_vec();
    with.push(("CLERK_SECRET_KEY", "sk_test_abc"));
    let with = Config::from_lookup(dev_lookup(&with)).unwrap();
    assert!(with.needs_network());
    assert_eq!(
        with.opaque_kinds.list(),
        [TokenKind::Machine, TokenKind::OAuth]
    );
}
