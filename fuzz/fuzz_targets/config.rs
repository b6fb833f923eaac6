//! (3) Arbitrary `ACCESS_RULES` and `CLERK_JWT_KEY` values through configuration parsing.
//! A panic fails; an accepted configuration must name every route it grants under the API
//! prefix, so a policy can never be wider than the calling API and stage.
#![no_main]

use authorizer::credential::Credential;
use authorizer::kind::TokenKind;
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
        // The same rules with every kind of token accepted: a machine or OAuth token's grants
        // never depend on the session claims it carries (role, organisation, plans, features,
        // factor ages): only on its kind, machine, client and scopes.
        let every = |name: &str| match name {
            "ACCEPTED_TOKENS" => Some("session_token,m2m_token,oauth_token".to_string()),
            "MACHINE_ID" => Some("mch_2tasksapi00000000000000001".to_string()),
            other => lookup(other),
        };
        if let Ok(config) = Config::from_lookup(every) {
            let session_claims = serde_json::json!({"metadata": {"role": "admin"}, "v": 2,
                "o": {"id": "org_1", "rol": "admin", "per": "manage", "fpm": "1"},
                "fea": "o:tasks", "pla": "o:pro,u:pro", "fva": [0, 0], "org_id": "org_1"});
            for (kind, base) in [
                (
                    TokenKind::Machine,
                    serde_json::json!({"sub": "mch_2worker"}),
                ),
                (
                    TokenKind::OAuth,
                    serde_json::json!({"sub": "user_1", "client_id": "client_1", "scope": "tasks:read"}),
                ),
            ] {
                let mut rich = base.clone();
                for (k, v) in session_claims.as_object().unwrap() {
                    rich[k] = v.clone();
                }
                let grants = |claims: &serde_json::Value| {
                    let claims =
                        Claims::of_kind(kind, claims.as_object().cloned().unwrap_or_default());
                    let credential = Credential::from_claims(&claims, &config.role_claim);
                    config
                        .rules
                        .decide(&credential, "DELETE/x")
                        .granted
                        .iter()
                        .map(|s| s.to_string())
                        .collect::<Vec<_>>()
                };
                assert_eq!(
                    grants(&base),
                    grants(&rich),
                    "{kind:?} grants changed with session claims: {rules}"
                );
            }
        }
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
