//! Helpers shared by the end-to-end tests: an authorizer over the dev configuration, fresh
//! RSA keys generated at test time, and shorthands for driving the real handler.
#![allow(dead_code)]

use authorizer::{Authorizer, Config, Outcome};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::Value;

pub use tests::*;

/// The authorizer exactly as the demo runs it, with `overrides` on top of the dev settings.
pub fn authorizer_with(overrides: &[(&str, &str)]) -> Authorizer {
    Authorizer::new(Config::from_lookup(dev_lookup(overrides)).expect("valid test config"))
}

pub fn dev_authorizer() -> Authorizer {
    authorizer_with(&[])
}

/// Runs one event through the real handler, now.
pub fn run(authorizer: &Authorizer, event: &Value) -> Outcome {
    authorizer.handle(&event.to_string(), authorizer::now())
}

/// The response JSON of an outcome that has one.
pub fn response(outcome: &Outcome) -> Value {
    serde_json::from_str(
        outcome
            .response
            .as_deref()
            .expect("a response, not Unauthorized"),
    )
    .expect("response is JSON")
}

/// A fresh 2048-bit RSA key pair: (private key for signing, SPKI public key as PEM).
pub struct TestKey {
    pub encoding: EncodingKey,
    pub public_pem: String,
    pub public_der: Vec<u8>,
}

impl TestKey {
    pub fn generate() -> TestKey {
        let pair = KeyPair::generate(KeySize::Rsa2048).expect("RSA key generation");
        let pkcs8 = pair.as_der().expect("PKCS#8 encoding");
        let encoding = EncodingKey::from_rsa_pem(pem("PRIVATE KEY", pkcs8.as_ref()).as_bytes())
            .expect("PKCS#8 PEM");
        let spki = pair.public_key().as_der().expect("SPKI encoding");
        let public_der = spki.as_ref().to_vec();
        TestKey {
            encoding,
            public_pem: pem("PUBLIC KEY", &public_der),
            public_der,
        }
    }

    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with(Header::new(Algorithm::RS256), claims)
    }

    pub fn sign_with(&self, header: Header, claims: &Value) -> String {
        jsonwebtoken::encode(&header, claims, &self.encoding).expect("signing")
    }

    /// Signs `payload` exactly as written (RS256, `typ: JWT`), for JSON no `Value` can hold,
    /// such as a repeated key.
    pub fn sign_text(&self, payload: &str) -> String {
        self.sign_texts(r#"{"alg":"RS256","typ":"JWT"}"#, payload)
    }

    /// Signs `header` and `payload` exactly as written, with RS256 whatever the header says.
    pub fn sign_texts(&self, header: &str, payload: &str) -> String {
        let signed = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(payload)
        );
        let signature =
            jsonwebtoken::crypto::sign(signed.as_bytes(), &self.encoding, Algorithm::RS256)
                .expect("signing");
        format!("{signed}.{signature}")
    }
}

pub fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// Valid claims for `role`, issued now and good for an hour.
pub fn fresh_claims(role: &str) -> Value {
    let now = authorizer::now();
    clerk_claims(
        "user_2test00000000000000000001",
        serde_json::json!({ "role": role }),
        now,
        now + 3600,
    )
}

pub fn base64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The release-independent authorizer binary (`target/debug/authorizer`) under the Lambda
/// Runtime API emulator, with an environment of our choosing: what Lambda runs.
pub struct RealAuthorizer {
    api: runtime_api::RuntimeApi,
    child: std::process::Child,
    stdout: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl RealAuthorizer {
    /// Builds the binaries if needed and starts this one with exactly `env` (plus Lambda's own).
    pub fn start<K: AsRef<str>, V: AsRef<str>>(env: &[(K, V)]) -> RealAuthorizer {
        let name = "authorizer";
        use std::io::BufRead;
        use std::process::{Command, Stdio};
        let binary = tests::built_binaries().join(name);
        let api = runtime_api::RuntimeApi::start().unwrap();
        let mut child = Command::new(binary)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k.as_ref(), v.as_ref())))
            .env("AWS_LAMBDA_RUNTIME_API", &api.address)
            .env("AWS_LAMBDA_FUNCTION_NAME", "authorizer")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let sink = stdout.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        RealAuthorizer { api, child, stdout }
    }

    /// Invokes the function with `event` and waits for its answer.
    pub fn invoke(&self, event: &Value) -> runtime_api::Reply {
        self.api
            .invoke(event.to_string(), std::time::Duration::from_secs(10))
            .expect("an answer within 10 s")
    }

    /// Queues `event` without waiting: several in flight at once, as on Lambda Managed
    /// Instances (start the function with `AWS_LAMBDA_MAX_CONCURRENCY`).
    #[allow(dead_code)]
    pub fn submit(&self, event: &Value) -> runtime_api::Pending {
        self.api
            .submit(event.to_string(), std::time::Duration::from_secs(10))
    }

    /// Invokes the function and returns its answer with the decision line it logged.
    pub fn decide(&self, event: &Value) -> (runtime_api::Reply, Value) {
        let before = self.decisions().len();
        let reply = self.invoke(event);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            if let Some(line) = self.decisions().get(before) {
                return (reply, line.clone());
            }
            assert!(std::time::Instant::now() < deadline, "no decision line");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    /// Every decision line so far, parsed.
    pub fn decisions(&self) -> Vec<Value> {
        self.lines()
            .iter()
            .filter(|l| l.contains("authorizer decision"))
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// Everything the function printed so far.
    pub fn lines(&self) -> Vec<String> {
        self.stdout.lock().unwrap().clone()
    }

    /// Everything the function printed, once `done` holds of it (at most 5 s).
    pub fn lines_when(&self, done: impl Fn(&[String]) -> bool) -> Vec<String> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let lines = self.lines();
            if done(&lines) || std::time::Instant::now() > deadline {
                return lines;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
}

impl Drop for RealAuthorizer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
