//! (3) Arbitrary `ACCESS_RULES` and `CLERK_JWT_KEY` values through configuration parsing.
//! A panic fails; an accepted configuration must name every route it grants under the API
//! prefix, so a policy can never be wider than the calling API and stage.
#![no_main]

use authorizer::credential::Credential;
use authorizer::verify::Claims;
use authorizer::Config;
use libfuzzer_sys::fuzz_target;

const DEV_PUBLIC: &str = include_str!("../../events/keys/dev-only-public.pem");

fuzz_target!(|data: &str| {
    // The input is `ACCESS_RULES` and `CLERK_JWT_KEY` separated by a NUL; without a NUL, the
    // whole input is tried as each, with a valid value for the other.
    let cases: Vec<(String, String)> = match data.split_once('\0') {
        Some((rules, key)) => vec![(rules.into(), key.into())],
        None => vec![
            (data.into(), DEV_PUBLIC.into()),
            (r#"{"admin":["*"]}"#.into(), data.into()),
        ],
    };
    for (rules, key) in cases {
        let lookup = |name: &str| match name {
            "ACCESS_RULES" => Some(rules.clone()),
            "CLERK_JWT_KEY" => Some(key.clone()),
            _ => None,
        };
        if let Ok(config) = Config::from_lookup(lookup) {
            for role in ["admin", "member", "", "*"] {
                let claims = serde_json::json!({"sub": "user_1", "metadata": {"role": role}});
                let claims = Claims::from_payload(claims.as_object().cloned().unwrap_or_default());
                let credential = Credential::from_claims(&claims, &config.role_claim);
                for suffix in config.rules.decide(&credential, "GET/x").granted {
                    assert!(
                        !suffix.is_empty() && !suffix.contains(char::is_whitespace),
                        "{suffix:?}"
                    );
                }
            }
        }
    }
});
