//! The `when` of an `ACCESS_RULES` entry: Clerk's `has()` checks, parsed once at init and
//! evaluated on a `Session` per call.
//!
//! Every condition must hold. A value is a string or a list meaning "any one of these".

use serde_json::{Map, Value};

use crate::session::{org_role, Scoped, Session};

/// The conditions of one entry. `None` = not asked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conditions {
    pub role: Option<Vec<String>>,
    pub org: Option<bool>,
    pub org_role: Option<Vec<String>>,
    pub permission: Option<Vec<String>>,
    pub plan: Option<Vec<Billing>>,
    pub feature: Option<Vec<Billing>>,
    pub reverification: Option<Reverification>,
}

/// The first condition a session does not meet; the rules turn it into the log's reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unmet {
    /// `role`: the token has no role at `ROLE_CLAIM`.
    NoRole,
    /// `role`: the token's role is not one of those listed.
    Role,
    /// `org: true`, `org_role` or `permission`, and no organisation is active.
    NoOrganization,
    /// `org: false`, and an organisation is active.
    OrganizationActive,
    OrgRole,
    Permission,
    Plan,
    Feature,
    /// `reverification`: the factors were not verified recently enough (or `fva` is missing).
    Reverification,
}

impl Unmet {
    /// How far `Conditions::check` got before this one failed: a refusal's reason comes from
    /// the entry a session came closest to meeting.
    pub fn rank(self) -> u8 {
        match self {
            Unmet::NoRole | Unmet::Role => 0,
            Unmet::NoOrganization | Unmet::OrganizationActive => 1,
            Unmet::OrgRole => 2,
            Unmet::Permission => 3,
            Unmet::Plan => 4,
            Unmet::Feature => 5,
            Unmet::Reverification => 6,
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
    pub scope: Scope,
    pub slug: String,
}

/// Which factors must be fresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    FirstFactor,
    SecondFactor,
    MultiFactor,
}

/// `reverification`: `level` verified less than `after_minutes` ago.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reverification {
    pub level: Level,
    pub after_minutes: i64,
}

/// The keys a `when` object may hold.
pub const KEYS: [&str; 7] = [
    "role",
    "org",
    "org_role",
    "permission",
    "plan",
    "feature",
    "reverification",
];

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
        if let Some(unknown) = when.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(format!(
                "unknown condition {unknown:?}; use {}",
                KEYS.join(", ")
            ));
        }
        let names = |key: &str| when.get(key).map(|v| names(key, v)).transpose();
        let billing = |key: &str| {
            names(key).and_then(|list| {
                list.map(|l| l.iter().map(|n| billing(n)).collect())
                    .transpose()
            })
        };
        Ok(Conditions {
            role: names("role")?,
            org: when
                .get("org")
                .map(|v| v.as_bool().ok_or("\"org\" must be true or false"))
                .transpose()?,
            org_role: names("org_role")?.map(|l| l.iter().map(|r| org_role(r)).collect()),
            permission: names("permission")?,
            plan: billing("plan")?,
            feature: billing("feature")?,
            reverification: when.get("reverification").map(reverification).transpose()?,
        })
    }

    /// The first unmet condition, in a fixed order, or `None` when all hold.
    pub fn check(&self, session: &Session<'_>) -> Option<Unmet> {
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
