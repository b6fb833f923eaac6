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
