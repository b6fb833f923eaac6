//! Verified claims → what the rules and the context may know about the caller, by kind.
//!
//! Only a session token carries a `Session` (role, organisation, plans, features, factor
//! ages); an M2M or OAuth token never does, whatever claims it carries, so no session
//! condition can hold for it. OAuth tokens carry a client and scopes, API keys scopes and a
//! name; any kind may carry an actor (`act`), as impersonated and agent sessions do.

use crate::json::Json;
use crate::kind::TokenKind;
use crate::session::Session;
use crate::verify::Claims;

/// A verified caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential<'c> {
    /// What kind of token it is.
    pub kind: TokenKind,
    /// `sub`: a user id, or the calling machine's id (`mch_…`) for an M2M token.
    pub subject: &'c str,
    /// The session's view, for session tokens only.
    pub session: Option<Session<'c>>,
    /// An OAuth token's `client_id`.
    pub client: Option<&'c str>,
    /// An OAuth token's or an API key's scopes: `scope` split on white space when present,
    /// else the strings of an `scp` array. A claim of the wrong type grants none.
    pub scopes: Vec<&'c str>,
    /// An API key's name, as its owner called it.
    pub key_name: Option<&'c str>,
    /// An API key's id in Clerk (`ak_…`'s record id, never the secret), for the handler's
    /// logs and per-key bookkeeping.
    pub key_id: Option<&'c str>,
    /// `act.sub`, when `act` names the impersonator (or the agent) as a string.
    pub actor: Option<&'c str>,
    /// `act` is present, in any shape.
    pub impersonated: bool,
}

impl<'c> Credential<'c> {
    /// Reads a caller out of verified claims; `role_claim` is the dot path of `ROLE_CLAIM`.
    pub fn from_claims<S: AsRef<str>>(claims: &'c Claims<'_>, role_claim: &[S]) -> Credential<'c> {
        let kind = claims.kind();
        let act = claims.get("act");
        let oauth = kind == TokenKind::OAuth;
        let api_key = kind == TokenKind::ApiKey;
        Credential {
            kind,
            subject: claims.subject(),
            session: (kind == TokenKind::Session).then(|| Session::from_claims(claims, role_claim)),
            client: claims.str("client_id").filter(|_| oauth),
            scopes: if oauth || api_key {
                scopes(claims)
            } else {
                Vec::new()
            },
            key_name: claims.str("name").filter(|_| api_key),
            key_id: claims.str("jti").filter(|id| api_key && !id.is_empty()),
            actor: act.and_then(|a| a.get("sub")).and_then(Json::as_str),
            impersonated: act.is_some(),
        }
    }
}

fn scopes<'c>(claims: &'c Claims<'_>) -> Vec<&'c str> {
    match (claims.get("scope"), claims.get("scp")) {
        (Some(Json::String(scope)), _) => scope.split_ascii_whitespace().collect(),
        (None, Some(Json::Array(scp))) => scp.iter().filter_map(Json::as_str).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn credential(kind: TokenKind, claims: Value, f: impl FnOnce(&Credential<'_>)) {
        let claims = Claims::of_kind(kind, claims.as_object().unwrap().clone());
        f(&Credential::from_claims(&claims, &["metadata", "role"]));
    }

    #[test]
    fn scope_is_read_first_and_a_wrong_type_grants_nothing() {
        let oauth = |claims, expected: &[&str]| {
            credential(TokenKind::OAuth, claims, |c| assert_eq!(c.scopes, expected));
        };
        oauth(
            json!({"scope": "read:foo  write:bar"}),
            &["read:foo", "write:bar"],
        );
        oauth(json!({"scope": "a", "scp": ["b"]}), &["a"]);
        oauth(json!({"scp": ["b", 1, "c"]}), &["b", "c"]);
        oauth(json!({"scope": ["a"], "scp": ["b"]}), &[]);
        oauth(json!({"scp": "b"}), &[]);
        credential(TokenKind::Machine, json!({"scope": "a"}), |c| {
            assert!(c.scopes.is_empty() && c.client.is_none() && c.session.is_none())
        });
    }

    #[test]
    fn only_sessions_have_a_session_view() {
        let claims = json!({"sub": "user_1", "metadata": {"role": "admin"}, "client_id": "c"});
        credential(TokenKind::Session, claims.clone(), |c| {
            assert_eq!(c.session.as_ref().unwrap().role, Some("admin"));
            assert_eq!(c.client, None);
        });
        for kind in [TokenKind::Machine, TokenKind::OAuth] {
            credential(kind, claims.clone(), |c| assert!(c.session.is_none()));
        }
    }

    #[test]
    fn any_act_is_an_impersonation_and_a_string_sub_is_the_actor() {
        let act = |act: Value, actor: Option<&str>| {
            credential(
                TokenKind::Session,
                json!({"sub": "user_1", "act": act}),
                |c| {
                    assert!(c.impersonated);
                    assert_eq!(c.actor, actor);
                },
            );
        };
        act(json!({"sub": "user_support"}), Some("user_support"));
        act(json!({"sub": 7}), None);
        act(json!("x"), None);
        act(Value::Null, None);
        credential(TokenKind::Session, json!({"sub": "user_1"}), |c| {
            assert!(!c.impersonated && c.actor.is_none())
        });
    }
}
