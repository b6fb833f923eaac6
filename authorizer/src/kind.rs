//! Which kind of Clerk token a signed JWT is, decided by one table, and which kinds this API
//! accepts (`ACCEPTED_TOKENS`).
//!
//! A Clerk instance signs session tokens, machine-to-machine (M2M) tokens, OAuth access tokens
//! and JWT-template tokens with the same key, so a valid signature says nothing about what a
//! token is for. The header `cat` (Clerk's token category) is an allow-list per kind, never a
//! deny-list: a category we do not know is refused, whatever the rest of the token says.
//!
//! | kind | recognised by | `cat` allowed | `typ` |
//! |---|---|---|---|
//! | OAuth | `typ` `at+jwt` or `application/at+jwt` | absent, ignore | as recognised |
//! | M2M | `sub` starts `mch_` | absent, M2M, ignore | absent or `JWT` |
//! | session | neither of the others | absent, session, ignore | absent or `JWT` |
//!
//! Clerk's opaque credentials (`ak_…` API keys, `mt_…` M2M and `oat_…` OAuth tokens) are not
//! JWTs: `opaque` recognises them, and Clerk's Backend API says what they are.

use crate::rejection::Rejection;

/// The header `cat` of session tokens.
pub const SESSION_CATEGORY: &str = "cl_B7d4PD111AAA";
/// The header `cat` of JWT-template tokens: accepted as no kind at all.
pub const TEMPLATE_CATEGORY: &str = "cl_B7d4PD222AAA";
/// The header `cat` of M2M tokens.
pub const MACHINE_CATEGORY: &str = "cl_B7d4PD333AAA";
/// The header `cat` of instances that stamp one value on every class ("ignore"): it carries no
/// class information, so the token's structure decides.
pub const IGNORE_CATEGORY: &str = "cl_I7d4PD111III";
/// Machine identities' ids, the `sub` of M2M tokens.
pub const MACHINE_SUBJECT_PREFIX: &str = "mch_";
/// The header `typ` values of OAuth 2.0 JWT access tokens (RFC 9068 §2.1).
pub const OAUTH_TYPES: [&str; 2] = ["at+jwt", "application/at+jwt"];

/// A kind of Clerk token, named as Clerk's `acceptsToken` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A user's session token (`session_token`).
    Session,
    /// A machine-to-machine token (`m2m_token`): a service calling as itself.
    Machine,
    /// An OAuth access token (`oauth_token`): a third-party app acting for a user.
    OAuth,
    /// A Clerk API key (`api_key`, opaque `ak_…`): a customer's program calling as a user or
    /// an organisation. Only Clerk's Backend API can verify one.
    ApiKey,
}

impl TokenKind {
    /// Every kind, in the order the names below list them.
    pub const ALL: [TokenKind; 4] = [
        TokenKind::Session,
        TokenKind::Machine,
        TokenKind::OAuth,
        TokenKind::ApiKey,
    ];

    /// The name in `ACCEPTED_TOKENS`, in a rule's `token` condition and in the context's
    /// `token_type`.
    pub fn name(self) -> &'static str {
        match self {
            TokenKind::Session => "session_token",
            TokenKind::Machine => "m2m_token",
            TokenKind::OAuth => "oauth_token",
            TokenKind::ApiKey => "api_key",
        }
    }

    /// Reads a name; the error lists the known ones.
    pub fn parse(name: &str) -> Result<TokenKind, String> {
        TokenKind::ALL
            .into_iter()
            .find(|kind| kind.name() == name)
            .ok_or_else(|| {
                format!(
                    "has the unknown token kind {name:?}; use {}",
                    names(&TokenKind::ALL)
                )
            })
    }

    /// A bit for `Kinds`.
    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// "session_token, m2m_token": a list of kinds as the messages quote it.
pub fn names(kinds: &[TokenKind]) -> String {
    kinds
        .iter()
        .map(|k| k.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A set of token kinds, such as the accepted ones or those a rule is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Kinds(u8);

impl Kinds {
    /// Session tokens only: the default of `ACCEPTED_TOKENS` and of a rule without `token`.
    pub const SESSION: Kinds = Kinds(1);

    /// The set of `kinds`.
    pub fn of(kinds: &[TokenKind]) -> Kinds {
        Kinds(kinds.iter().fold(0, |bits, k| bits | k.bit()))
    }

    /// True when `kind` is in the set.
    pub fn contains(self, kind: TokenKind) -> bool {
        self.0 & kind.bit() != 0
    }

    /// The kinds in the set, in `TokenKind::ALL` order.
    pub fn list(self) -> Vec<TokenKind> {
        TokenKind::ALL
            .into_iter()
            .filter(|k| self.contains(*k))
            .collect()
    }
}

/// `ACCEPTED_TOKENS`: a comma list of kind names; an empty item is an error, not a no-op.
pub fn parse_accepted(value: &str) -> Result<Kinds, String> {
    let mut kinds = Vec::new();
    for item in value.split(',').map(str::trim) {
        if item.is_empty() {
            return Err(format!(
                "has an empty item; list token kinds separated by commas, e.g. \
                 session_token,m2m_token (known: {})",
                names(&TokenKind::ALL)
            ));
        }
        kinds.push(TokenKind::parse(item)?);
    }
    Ok(Kinds::of(&kinds))
}

/// The table: a signed token's kind from its header `typ` and `cat` and its `sub`. `cat` is
/// `Some(None)` when present but not a string (always refused).
pub fn classify(
    typ: Option<&str>,
    cat: Option<Option<&str>>,
    sub: Option<&str>,
) -> Result<TokenKind, Rejection> {
    let kind = match typ {
        Some(typ) if OAUTH_TYPES.contains(&typ) => TokenKind::OAuth,
        None | Some("JWT") if sub.is_some_and(|s| s.starts_with(MACHINE_SUBJECT_PREFIX)) => {
            TokenKind::Machine
        }
        None | Some("JWT") => TokenKind::Session,
        Some(_) => return Err(Rejection::WrongTokenCategory),
    };
    let allowed = match cat {
        None | Some(Some(IGNORE_CATEGORY)) => true,
        Some(Some(SESSION_CATEGORY)) => kind == TokenKind::Session,
        Some(Some(MACHINE_CATEGORY)) => kind == TokenKind::Machine,
        Some(_) => false,
    };
    if allowed {
        Ok(kind)
    } else {
        Err(Rejection::WrongTokenCategory)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TokenKind::*;

    const USER: Option<&str> = Some("user_1");
    const MACHINE: Option<&str> = Some("mch_1");

    #[test]
    fn the_table_decides_each_kind() {
        let ok = |typ, cat: Option<&str>, sub| classify(typ, cat.map(Some), sub);
        for typ in [None, Some("JWT")] {
            for cat in [None, Some(SESSION_CATEGORY), Some(IGNORE_CATEGORY)] {
                assert_eq!(ok(typ, cat, USER), Ok(Session), "{typ:?} {cat:?}");
            }
            for cat in [None, Some(MACHINE_CATEGORY), Some(IGNORE_CATEGORY)] {
                assert_eq!(ok(typ, cat, MACHINE), Ok(Machine), "{typ:?} {cat:?}");
            }
        }
        for typ in OAUTH_TYPES {
            for cat in [None, Some(IGNORE_CATEGORY)] {
                // `typ` decides, whatever the subject.
                assert_eq!(ok(Some(typ), cat, USER), Ok(OAuth));
                assert_eq!(ok(Some(typ), cat, MACHINE), Ok(OAuth));
            }
        }
    }

    #[test]
    fn any_other_category_or_type_is_refused() {
        let refused = Err(Rejection::WrongTokenCategory);
        type Case<'a> = (Option<&'a str>, Option<Option<&'a str>>, Option<&'a str>);
        let cases: [Case; 12] = [
            (None, Some(Some("cl_B7d4PD444AAA")), USER),
            (None, Some(Some("session")), USER),
            (None, Some(None), USER), // e.g. the number 1
            (None, Some(Some(TEMPLATE_CATEGORY)), USER),
            (None, Some(Some(MACHINE_CATEGORY)), USER),
            (None, Some(Some(SESSION_CATEGORY)), MACHINE),
            (None, Some(Some(TEMPLATE_CATEGORY)), MACHINE),
            (Some("at+jwt"), Some(Some(SESSION_CATEGORY)), USER),
            (Some("at+jwt"), Some(Some(MACHINE_CATEGORY)), MACHINE),
            (Some("jwt"), None, USER),
            (Some("AT+JWT"), None, USER),
            (Some("JOSE"), None, MACHINE),
        ];
        for (typ, cat, sub) in cases {
            assert_eq!(classify(typ, cat, sub), refused, "{typ:?} {cat:?} {sub:?}");
        }
    }

    #[test]
    fn accepted_tokens_are_a_strict_comma_list() {
        assert_eq!(parse_accepted("session_token"), Ok(Kinds::SESSION));
        let all = parse_accepted(" session_token , m2m_token,oauth_token, api_key").unwrap();
        assert_eq!(all.list(), TokenKind::ALL);
        assert!(parse_accepted("session_token,,m2m_token")
            .unwrap_err()
            .contains("empty item"));
        assert!(parse_accepted("m2m").unwrap_err().contains("unknown"));
    }
}
