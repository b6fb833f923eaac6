//! Shared by the fuzz targets: the two configurations and the independent signature oracle.

use authorizer::{Authorizer, Config};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

pub const DEV_PUBLIC: &str = include_str!("../../events/keys/dev-only-public.pem");
pub const UNREACHABLE_PUBLIC: &str = include_str!("../keys/unreachable-public.pem");
/// The sample events' dev settings, so seeds with genuine tokens reach the decision code.
pub const RULES: &str =
    r#"{"admin":["*"],"member":["GET /tasks","GET /tasks/*","POST /tasks","GET /me","$connect"]}"#;
/// A fixed clock inside the sample tokens' lifetime.
pub const NOW: u64 = 1_800_000_000;

pub fn authorizer(key: &str) -> Authorizer {
    let lookup = |name: &str| match name {
        "CLERK_JWT_KEY" => Some(key.to_string()),
        "JWT_ISSUER" => Some("https://clerk.dev-only.example".into()),
        "AUTHORIZED_PARTIES" => Some("http://localhost:3000".into()),
        "ACCESS_RULES" => Some(RULES.into()),
        _ => None,
    };
    Authorizer::new(Config::from_lookup(lookup).expect("the fuzz configuration is valid"))
}

/// jsonwebtoken's own verdict on the signature alone: the oracle for "accepted" tokens.
pub fn genuinely_signed(token: &str) -> bool {
    let key = DecodingKey::from_rsa_pem(DEV_PUBLIC.as_bytes()).unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.algorithms = vec![Algorithm::RS256, Algorithm::RS384, Algorithm::RS512];
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_aud = false;
    jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation).is_ok()
}
