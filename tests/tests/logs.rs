//! The JSON logs of a full run of the sample events never contain a token, a signature or a
//! fragment of a key.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use serde_json::Value;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

/// Every JWT-looking run of characters in `text` (three base64url segments).
fn jwts(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
        .filter(|s| s.matches('.').count() == 2 && s.len() > 100)
        .map(str::to_string)
        .collect()
}

#[test]
fn logs_of_every_sample_hold_no_token_signature_or_key() {
    let capture = Capture::default();
    authorizer::logging::init_with_writer(capture.clone());
    let authorizer = dev_authorizer();
    let samples = samples();
    let mut secrets = Vec::new();
    for sample in &samples {
        let text = sample.event.to_string();
        let outcome = authorizer.handle(&text, authorizer::now());
        authorizer::logging::log_outcome(&outcome);
        for jwt in jwts(&text) {
            secrets.extend(jwt.split('.').filter(|s| s.len() >= 16).map(str::to_string));
            secrets.push(jwt);
        }
    }
    // A config error must not echo a private key either.
    let err = authorizer::Config::from_lookup(dev_lookup(&[("CLERK_JWT_KEY", DEV_PRIVATE_KEY)]))
        .unwrap_err();
    tracing::error!(variable = err.variable, "invalid configuration: {err}");

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    let decisions = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["message"] == "authorizer decision")
        .count();
    assert_eq!(
        decisions,
        samples.len(),
        "one JSON decision line per event:\n{logs}"
    );
    assert!(secrets.len() > samples.len(), "the samples carry tokens");
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "the logs contain a token fragment: {secret}"
        );
    }
    for pem in [DEV_PUBLIC_KEY, DEV_PRIVATE_KEY] {
        for line in pem.lines().filter(|l| !l.starts_with("-----")) {
            assert!(!logs.contains(line), "the logs contain a key line");
        }
    }
    assert!(!logs.contains("BEGIN"), "the logs contain a PEM header");
}
