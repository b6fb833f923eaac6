//! The real binary refuses to start on a bad configuration: it exits at init with a message
//! that names the variable, and never echoes the key it was given.

use std::process::Command;

const PRIVATE: &str = include_str!("../../events/keys/dev-only-private.pem");
const PUBLIC: &str = include_str!("../../events/keys/dev-only-public.pem");

fn start(env: &[(&str, &str)]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_authorizer"))
        .env_clear()
        .envs(env.iter().copied())
        // No Runtime API: a process that got past init would fail differently, and later.
        .env("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9")
        .output()
        .expect("the authorizer binary runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

#[test]
fn missing_key_stops_the_function_at_init() {
    let (ok, text) = start(&[]);
    assert!(!ok);
    assert!(text.contains("CLERK_JWT_KEY is not set"), "{text}");
}

#[test]
fn private_key_stops_the_function_at_init_without_echoing_it() {
    let (ok, text) = start(&[("CLERK_JWT_KEY", PRIVATE)]);
    assert!(!ok);
    assert!(text.contains("CLERK_JWT_KEY holds a PRIVATE key"), "{text}");
    for line in PRIVATE.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!text.contains(line), "the init error echoes the key");
    }
}

#[test]
fn bad_access_rules_stop_the_function_at_init() {
    let (ok, text) = start(&[
        ("CLERK_JWT_KEY", PUBLIC),
        ("ACCESS_RULES", r#"{"member":["GET tasks"]}"#),
    ]);
    assert!(!ok);
    assert!(text.contains("ACCESS_RULES role \"member\""), "{text}");
}

#[test]
fn a_bad_max_concurrency_stops_the_function_at_init() {
    for bad in ["0", "many", "1601"] {
        let (ok, text) = start(&[
            ("CLERK_JWT_KEY", PUBLIC),
            ("AWS_LAMBDA_MAX_CONCURRENCY", bad),
        ]);
        assert!(!ok, "{bad}");
        assert!(
            text.contains("AWS_LAMBDA_MAX_CONCURRENCY must be a whole number from 1 to 1600"),
            "{bad}: {text}"
        );
    }
}

/// A port nothing listens on: a connection there is refused at once.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An unreadable secret or JWKS is a dependency that is down, not a bad configuration: the
/// function gets past init (and then fails only for want of a Runtime API here), having logged
/// one ERROR that names the variable.
#[test]
fn an_unreadable_secret_or_jwks_does_not_stop_the_function_at_init() {
    let dead = format!("http://127.0.0.1:{}", closed_port());
    let rules = r#"[{"routes": ["*"], "when": {"token": "api_key"}}, {"routes": ["*"]}]"#;
    let (ok, text) = start(&[
        ("CLERK_JWT_KEY", PUBLIC),
        ("ACCEPTED_TOKENS", "session_token,api_key"),
        ("ACCESS_RULES", rules),
        (
            "CLERK_SECRET_KEY_ARN",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:clerk",
        ),
        ("AWS_ENDPOINT_URL_SECRETS_MANAGER", &dead),
        ("AWS_ACCESS_KEY_ID", "local"),
        ("AWS_SECRET_ACCESS_KEY", "local"),
    ]);
    assert!(!ok);
    assert!(
        text.contains("CLERK_SECRET_KEY_ARN cannot be read"),
        "{text}"
    );
    assert!(!text.contains("invalid configuration"), "{text}");
    assert!(
        text.contains("AWS_LAMBDA_FUNCTION_NAME"),
        "it went on to the runtime: {text}"
    );

    let jwks = format!("{dead}/.well-known/jwks.json");
    let (ok, text) = start(&[("CLERK_JWKS_URL", &jwks)]);
    assert!(!ok);
    assert!(
        text.contains("CLERK_JWKS_URL could not be fetched"),
        "{text}"
    );
    assert!(!text.contains("invalid configuration"), "{text}");
}
