//! Helpers shared by the end-to-end tests: an authorizer over the dev configuration, fresh
//! RSA keys generated at test time, and shorthands for driving the real handler.
#![allow(dead_code)]

use authorizer::{Authorizer, Config, Outcome};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use base64::engine::general_purpose::STANDARD;
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
