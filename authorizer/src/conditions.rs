//! The `when` of an `ACCESS_RULES` entry: Clerk's `has()` checks, parsed once at init and
//! evaluated on a `Credential` per call.
//!
//! Every condition must hold. A value is a string or a list meaning "any one of these".
//!
//! Fail closed: an entry is for session tokens unless its `token` says otherwise, and the
//! session conditions (`role` … `impersonation`) never hold for another kind of token.

use serde_json::{Map, Value};

use crate::credential::Credential;
use crate::kind::{self, Kinds, TokenKind, MACHINE_SUBJECT_PREFIX};
use crate::session::{org_role, Scoped};

/// The conditions of one entry. `None` = not asked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conditions {
    /// The kinds of token the entry is for; `None` is session tokens only.
    pub token: Option<Kinds>,
    /// M2M only: the calling machine's id (`sub`).
    pub machine: Option<Vec<String>>,
    /// OAuth only: the `client_id`.
    pub client: Option<Vec<String>>,
    /// OAuth tokens and API keys: a scope, compared as a whole word.
    pub scope: Option<Vec<String>>,
    /// API keys only: the owner (`sub`), `user_…` or `org_…`.
    pub subject: Option<Vec<String>>,
    /// `role`: the string at `ROLE_CLAIM` is one of these.
    pub role: Option<Vec<String>>,
    /// `org`: `true` when an organisation is active, `false` for a personal account.
    pub org: Option<bool>,
    /// `org_role`: the active organisation's role is one of these (`org:` prefixed).
    pub org_role: Option<Vec<String>>,
    /// `permission`: the active organisation's permissions hold one of these.
    pub permission: Option<Vec<String>>,
    /// `plan`: `pla` holds one of these.
    pub plan: Option<Vec<Billing>>,
    /// `feature`: `fea` holds one of these.
    pub feature: Option<Vec<Billing>>,
    /// `reverification`: the factors were verified recently enough.
    pub reverification: Option<Reverification>,
    /// `false`: only when there is no `act`; `true`: only when there is one.
    pub impersonation: Option<bool>,
}

/// The first condition a credential does not meet; the rules turn it into the log's reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unmet {
    /// `token` (or its default, session tokens) does not list the credential's kind.
    TokenKind,
    /// `machine`: not an M2M token, or not one of the machines named.
    Machine,
    /// `client`: not an OAuth token of one of the clients named.
    Client,
    /// `scope`: the token has none of the scopes named.
    Scope,
    /// `subject`: not an API key of one of the owners named.
    Subject,
    /// A session condition, and the credential is not a session token.
    NotASession,
    /// `role`: the token has no role at `ROLE_CLAIM`.
    NoRole,
    /// `role`: the token's role is not one of those listed.
    Role,
    /// `org: true`, `org_role` or `permission`, and no organisation is active.
    NoOrganization,
    /// `org: false`, and an organisation is active.
    OrganizationActive,
    /// `org_role`: the organisation role is not one of those named.
    OrgRole,
    /// `permission`: none of the permissions named is held.
    Permission,
    /// `plan`: none of the plans named is held.
    Plan,
    /// `feature`: none of the features named is held.
    Feature,
    /// `reverification`: the factors were not verified recently enough (or `fva` is missing).
    Reverification,
    /// `impersonation: false`, and the token has an `act`.
    Impersonated,
    /// `impersonation: true`, and the token has no `act`.
    NotImpersonated,
}

impl Unmet {
    /// How far `Conditions::check` got before this one failed: a refusal's reason comes from
    /// the entry a session came closest to meeting.
    pub fn rank(self) -> u8 {
        match self {
            Unmet::TokenKind => 0,
            Unmet::Machine => 1,
            Unmet::Client => 2,
            Unmet::Scope | Unmet::Subject => 3,
            Unmet::NotASession => 4,
            Unmet::NoRole | Unmet::Role => 5,
            Unmet::NoOrganization | Unmet::OrganizationActive => 6,
            Unmet::OrgRole => 7,
            Unmet::Permission => 8,
            Unmet::Plan => 9,
            Unmet::Feature => 10,
            Unmet::Reverification => 11,
            Unmet::Impersonated | Unmet::NotImpersonated => 12,
        }
    }
}

/// Which of `pla`/`fea` a `plan` or `feature` condition looks in, as `has()` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Unscoped name: the organisation's list or the user's.
    Any,
    /// `o:`, `org:`, `organization:`.
    Org,
    /// `u:`, `user:`.
    User,
}

/// One plan or feature a condition asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Billing {
    /// Which list the slug is looked up in.
    pub scope: Scope,
    /// The plan's or feature's slug, e.g. `pro`.
    pub slug: String,
}

/// Which factors must be fresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// The first factor (password, code, passkey, …).
    FirstFactor,
    /// The second factor, or the first when there is none.
    SecondFactor,
    /// Both factors, or the first alone when there is no second one.
    MultiFactor,
}

/// `reverification`: `level` verified less than `after_minutes` ago.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reverification {
    /// Which factors must be fresh.
    pub level: Level,
    /// How young, in minutes, a verification must be.
    pub after_minutes: i64,
}

/// The keys of a `when` object that choose the kind of token and the machine caller.
const TOKEN_KEYS: [&str; 5] = ["token", "machine", "client", "scope", "subject"];

/// The keys of a `when` object that only a session token can meet.
const SESSION_KEYS: [&str; 8] = [
    "role",
    "org",
    "org_role",
    "permission",
    "plan",
    "feature",
    "reverification",
    "impersonation",
];

/// Every key a `when` object may hold.
pub fn keys() -> impl Iterator<Item = &'static str> {
    TOKEN_KEYS.into_iter().chain(SESSION_KEYS)
}

impl Conditions {
    /// A `role` condition alone: what the map form `{"admin": [...]}` means.
    pub fn role(role: &str) -> Conditions {
        Conditions {
            role: Some(vec![role.to_string()]),
            ..Conditions::default()
        }
    }

    /// Parses a `when` object. The error says which key is wrong and what it should be.
    pub fn parse(when: &Map<String, Value>) -> Result<Conditions, String> {
        if let Some(unknown) = when.keys().find(|k| !keys().any(|key| key == k.as_str())) {
            return Err(format!(
                "unknown condition {unknown:?}; use {}",
                keys().collect::<Vec<_>>().join(", ")
            ));
        }
        let names = |key: &str| when.get(key).map(|v| names(key, v)).transpose();
        let flag = |key: &str| {
            when.get(key)
                .map(|v| v.as_bool().ok_or(format!("{key:?} must be true or false")))
                .transpose()
        };
        let token = names("token")?
            .map(|list| {
                list.iter()
                    .map(|name| TokenKind::parse(name).map_err(|e| format!("\"token\" {e}")))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .map(|kinds| Kinds::of(&kinds));
        let kinds = token.unwrap_or(Kinds::SESSION);
        // A condition that no credential of the entry's kinds can meet is a mistake: say so
        // at init rather than grant nothing quietly.
        let needs = |key: &str, holders: &[TokenKind]| {
            if when.contains_key(key) && !holders.iter().any(|k| kinds.contains(*k)) {
                Err(format!(
                    "{key:?} only holds for {}, and this entry is for {}; add \"token\": \"{}\"",
                    kind::names(holders),
                    kind::names(&kinds.list()),
                    holders[0].name()
                ))
            } else {
                Ok(())
            }
        };
        needs("machine", &[TokenKind::Machine])?;
        needs("client", &[TokenKind::OAuth])?;
        needs("scope", &[TokenKind::OAuth, TokenKind::ApiKey])?;
        needs("subject", &[TokenKind::ApiKey])?;
        for key in SESSION_KEYS {
            needs(key, &[TokenKind::Session])?;
        }
        let machine = names("machine")?;
        if let Some(bad) = machine
            .iter()
            .flatten()
            .find(|m| !m.starts_with(MACHINE_SUBJECT_PREFIX))
        {
            return Err(format!(
                "\"machine\" has {bad:?}; name Clerk machine ids, mch_…"
            ));
        }
        let billing = |key: &str| {
            names(key).and_then(|list| {
                list.map(|l| l.iter().map(|n| billing(n)).collect())
                    .transpose()
            })
        };
        Ok(Conditions {
            token,
            machine,
            client: names("client")?,
            scope: names("scope")?,
            subject: names("subject")?,
            role: names("role")?,
            org: flag("org")?,
            org_role: names("org_role")?.map(|l| l.iter().map(|r| org_role(r)).collect()),
            permission: names("permission")?,
            plan: billing("plan")?,
            feature: billing("feature")?,
            reverification: when.get("reverification").map(reverification).transpose()?,
            impersonation: flag("impersonation")?,
        })
    }

    /// The kinds of token the entry is for.
    pub fn kinds(&self) -> Kinds {
        self.token.unwrap_or(Kinds::SESSION)
    }

    /// True when a condition only a session can meet is asked.
    fn asks_session(&self) -> bool {
        self.role.is_some()
            || self.org.is_some()
            || self.org_role.is_some()
            || self.permission.is_some()
            || self.plan.is_some()
            || self.feature.is_some()
            || self.reverification.is_some()
            || self.impersonation.is_some()
    }

    /// The first unmet condition, in a fixed order, or `None` when all hold.
    pub fn check(&self, credential: &Credential<'_>) -> Option<Unmet> {
        if !self.kinds().contains(credential.kind) {
            return Some(Unmet::TokenKind);
        }
        if let Some(machines) = &self.machine {
            if credential.kind != TokenKind::Machine
                || !machines.iter().any(|m| m == credential.subject)
            {
                return Some(Unmet::Machine);
            }
        }
        if let Some(clients) = &self.client {
            if !credential
                .client
                .is_some_and(|c| clients.iter().any(|x| x == c))
            {
                return Some(Unmet::Client);
            }
        }
        if let Some(scopes) = &self.scope {
            if !scopes
                .iter()
                .any(|s| credential.scopes.contains(&s.as_str()))
            {
                return Some(Unmet::Scope);
            }
        }
        if let Some(owners) = &self.subject {
            if credential.kind != TokenKind::ApiKey
                || !owners.iter().any(|o| o == credential.subject)
            {
                return Some(Unmet::Subject);
            }
        }
        let session = match &credential.session {
            Some(session) => session,
            None if self.asks_session() => return Some(Unmet::NotASession),
            None => return None,
        };
        if let Some(roles) = &self.role {
            match session.role {
                None => return Some(Unmet::NoRole),
                Some(role) if !roles.iter().any(|r| r == role) => return Some(Unmet::Role),
                Some(_) => {}
            }
        }
        let needs_org =
            self.org == Some(true) || self.org_role.is_some() || self.permission.is_some();
        match (&session.org, needs_org, self.org) {
            (None, true, _) => return Some(Unmet::NoOrganization),
            (Some(_), _, Some(false)) => return Some(Unmet::OrganizationActive),
            _ => {}
        }
        if let (Some(roles), Some(org)) = (&self.org_role, &session.org) {
            if !org.role.as_ref().is_some_and(|r| roles.contains(r)) {
                return Some(Unmet::OrgRole);
            }
        }
        if let (Some(wanted), Some(org)) = (&self.permission, &session.org) {
            if !wanted
                .iter()
                .any(|w| org.permissions.iter().any(|p| p.is(w)))
            {
                return Some(Unmet::Permission);
            }
        }
        if let Some(plans) = &self.plan {
            if !plans.iter().any(|p| p.held_in(&session.plans)) {
                return Some(Unmet::Plan);
            }
        }
        if let Some(features) = &self.feature {
            if !features.iter().any(|f| f.held_in(&session.features)) {
                return Some(Unmet::Feature);
            }
        }
        if let Some(reverification) = &self.reverification {
            if !reverification.is_fresh(session.factor_age) {
                return Some(Unmet::Reverification);
            }
        }
        match (self.impersonation, credential.impersonated) {
            (Some(false), true) => return Some(Unmet::Impersonated),
            (Some(true), false) => return Some(Unmet::NotImpersonated),
            _ => {}
        }
        None
    }
}

impl Billing {
    fn held_in(&self, list: &[Scoped<'_>]) -> bool {
        list.iter().any(|entry| {
            entry.slug == self.slug
                && match self.scope {
                    Scope::Any => entry.for_org() || entry.for_user(),
                    Scope::Org => entry.for_org(),
                    Scope::User => entry.for_user(),
                }
        })
    }
}

impl Reverification {
    /// Clerk's presets for `has({reverification: …})`.
    pub fn preset(name: &str) -> Option<Reverification> {
        let (level, after_minutes) = match name {
            "strict" => (Level::SecondFactor, 10),
            "moderate" => (Level::SecondFactor, 60),
            "lax" => (Level::SecondFactor, 1440),
            "strict_mfa" => (Level::MultiFactor, 10),
            _ => return None,
        };
        Some(Reverification {
            level,
            after_minutes,
        })
    }

    /// Clerk's rule: a factor is fresh when verified (not `-1`) less than `after_minutes`
    /// ago; `second_factor` falls back to the first factor when there is no second one;
    /// `multi_factor` needs both, or the first alone when there is no second one.
    pub fn is_fresh(&self, factor_age: Option<[i64; 2]>) -> bool {
        let Some([first, second]) = factor_age else {
            return false;
        };
        // `-1` (never verified) and any other negative age are not fresh.
        let fresh = |age: i64| (0..self.after_minutes).contains(&age);
        match self.level {
            Level::FirstFactor => fresh(first),
            Level::SecondFactor if second == -1 => fresh(first),
            Level::SecondFactor => fresh(second),
            Level::MultiFactor if second == -1 => fresh(first),
            Level::MultiFactor => fresh(first) && fresh(second),
        }
    }
}

/// A string or a non-empty list of non-empty strings.
fn names(key: &str, value: &Value) -> Result<Vec<String>, String> {
    let bad = || format!("{key:?} must be a non-empty string or a list of them");
    let list: Vec<String> = match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string).ok_or_else(bad))
            .collect::<Result<_, _>>()?,
        _ => return Err(bad()),
    };
    if list.is_empty() || list.iter().any(|s| s.trim().is_empty() || s.trim() != s) {
        return Err(bad());
    }
    Ok(list)
}

fn billing(name: &str) -> Result<Billing, String> {
    let (scope, slug) = match name.split_once(':') {
        None => (Scope::Any, name),
        Some(("o" | "org" | "organization", slug)) => (Scope::Org, slug),
        Some(("u" | "user", slug)) => (Scope::User, slug),
        Some((other, _)) => {
            return Err(format!(
                "{name:?} has the unknown scope {other:?}; use o:, org:, organization:, u:, user: or none"
            ))
        }
    };
    if slug.is_empty() || slug.contains(':') {
        return Err(format!(
            "{name:?} must be a slug, optionally scoped (e.g. \"pro\", \"o:pro\")"
        ));
    }
    Ok(Billing {
        scope,
        slug: slug.to_string(),
    })
}

fn reverification(value: &Value) -> Result<Reverification, String> {
    const HELP: &str = "\"reverification\" must be strict, moderate, lax, strict_mfa, or \
        {\"level\": \"first_factor\" | \"second_factor\" | \"multi_factor\", \"after_minutes\": N}";
    match value {
        Value::String(name) => Reverification::preset(name)
            .ok_or_else(|| format!("unknown reverification preset {name:?}; {HELP}")),
        Value::Object(object) => {
            if object.len() != 2 {
                return Err(HELP.into());
            }
            let level = match object.get("level").and_then(Value::as_str) {
                Some("first_factor") => Level::FirstFactor,
                Some("second_factor") => Level::SecondFactor,
                Some("multi_factor") => Level::MultiFactor,
                _ => return Err(HELP.into()),
            };
            let after_minutes = object
                .get("after_minutes")
                .and_then(Value::as_i64)
                .filter(|m| *m > 0)
                .ok_or_else(|| format!("{HELP} (after_minutes a whole number above 0)"))?;
            Ok(Reverification {
                level,
                after_minutes,
            })
        }
        _ => Err(HELP.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh(level: Level, minutes: i64, fva: Option<[i64; 2]>) -> bool {
        Reverification {
            level,
            after_minutes: minutes,
        }
        .is_fresh(fva)
    }

    #[test]
    fn reverification_follows_clerks_factor_rules() {
        use Level::*;
        // Fresh means strictly younger than the limit.
        assert!(fresh(FirstFactor, 10, Some([9, -1])));
        assert!(!fresh(FirstFactor, 10, Some([10, -1])));
        // second_factor falls back to the first factor when there is no second one.
        assert!(fresh(SecondFactor, 10, Some([5, -1])));
        assert!(!fresh(SecondFactor, 10, Some([5, 20])));
        assert!(fresh(SecondFactor, 10, Some([20, 5])));
        // multi_factor needs both, or the first alone, and never a missing first.
        assert!(fresh(MultiFactor, 10, Some([5, -1])));
        assert!(!fresh(MultiFactor, 10, Some([5, 20])));
        assert!(fresh(MultiFactor, 10, Some([5, 5])));
        assert!(!fresh(MultiFactor, 10, Some([-1, 5])));
        // Never verified, or no fva at all: not fresh.
        for level in [FirstFactor, SecondFactor, MultiFactor] {
            assert!(!fresh(level, 10, Some([-1, -1])));
            assert!(!fresh(level, 10, None));
        }
    }

    #[test]
    fn presets_are_clerks() {
        let p = |n| Reverification::preset(n).unwrap();
        assert_eq!(
            p("strict"),
            Reverification {
                level: Level::SecondFactor,
                after_minutes: 10
            }
        );
        assert_eq!(p("moderate").after_minutes, 60);
        assert_eq!(p("lax").after_minutes, 1440);
        assert_eq!(
            p("strict_mfa"),
            Reverification {
                level: Level::MultiFactor,
                after_minutes: 10
            }
        );
        assert_eq!(Reverification::preset("relaxed"), None);
    }

    #[test]
    fn scoped_names_pick_the_list() {
        let b = |n| billing(n).unwrap();
        assert_eq!(b("pro").scope, Scope::Any);
        assert_eq!(
            b("organization:pro"),
            Billing {
                scope: Scope::Org,
                slug: "pro".into()
            }
        );
        assert_eq!(b("user:pro").scope, Scope::User);
        assert!(billing("team:pro").is_err());
        assert!(billing("o:").is_err());
    }
}
