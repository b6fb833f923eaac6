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
    authorizer_with(key, &[])
}

/// Every kind of token accepted, with an entry for each kind (machine tokens reach the rules).
#[allow(dead_code)]
pub fn every_kind(key: &str) -> Authorizer {
    authorizer_with(
        key,
        &[
            ("ACCEPTED_TOKENS", "session_token,m2m_token,oauth_token"),
            ("MACHINE_ID", "mch_2tasksapi00000000000000001"),
            (
                "ACCESS_RULES",
                r#"[{"routes":["*"],"when":{"role":"admin"}},{"routes":["GET /tasks"],"when":{"token":"m2m_token"}},{"routes":["GET /me"],"when":{"token":"oauth_token","scope":"tasks:read"}}]"#,
            ),
        ],
    )
}

fn authorizer_with(key: &str, overrides: &[(&str, &str)]) -> Authorizer {
    let lookup = |name: &str| {
        if let Some((_, v)) = overrides.iter().find(|(n, _)| *n == name) {
            return Some(v.to_string());
        }
        match name {
            "CLERK_JWT_KEY" => Some(key.to_string()),
            "JWT_ISSUER" => Some("https://clerk.dev-only.example".into()),
            "AUTHORIZED_PARTIES" => Some("http://localhost:3000".into()),
            "ACCESS_RULES" => Some(RULES.into()),
            _ => None,
        }
    };
    Authorizer::new(Config::from_lookup(lookup).expect("the fuzz configuration is valid"))
}

/// The header's `typ` and `cat`, decoded independently of the authorizer.
#[allow(dead_code)]
pub fn header(token: &str) -> Option<serde_json::Value> {
    use base64::Engine;
    let header = token.split('.').next()?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
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
