//! The usage identifier: which API Gateway API key a REST API meters the caller by.
//!
//! With `ApiKeySourceType: AUTHORIZER`, API Gateway takes the key from the answer's
//! `usageIdentifierKey` and applies the throttle and quota of the usage plan that key is in.
//! The identifier is a Clerk id read from the verified credential (never from `metadata`,
//! which a user may be able to write), prefixed with `USAGE_KEY_PREFIX`, so each tenant's
//! key can be provisioned ahead of its requests (docs/metering.md).

use crate::config_error::ConfigError;
use crate::credential::Credential;

/// The most characters `USAGE_KEY_PREFIX` may have: API Gateway key values are at most 128
/// characters, and a Clerk id takes about 32 of them.
pub const MAX_KEY_PREFIX_LEN: usize = 64;

/// `USAGE_IDENTIFIER`: whom one quota is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageIdentifier {
    /// The organisation the credential acts for, else its user (or machine): a B2B tenant
    /// shares one quota across its members and its API keys.
    Tenant,
    /// The user, an API key's owner or the machine, whatever organisation is active.
    User,
}

/// Metering: on when `USAGE_IDENTIFIER` is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metering {
    /// `USAGE_IDENTIFIER`.
    pub identifier: UsageIdentifier,
    /// `USAGE_KEY_PREFIX`: empty by default. Two stacks in one account that share a Clerk
    /// instance need different prefixes, as key values are unique per account and region.
    pub key_prefix: String,
}

impl Metering {
    /// Reads `USAGE_IDENTIFIER` and `USAGE_KEY_PREFIX`; unset (or blank) identifier turns
    /// metering off. A prefix without an identifier is refused: it would silently meter
    /// nothing.
    pub fn from_lookup(
        lookup: &impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Metering>, ConfigError> {
        let value = |name| lookup(name).filter(|v| !v.trim().is_empty());
        let identifier = match value("USAGE_IDENTIFIER").as_deref().map(str::trim) {
            None if value("USAGE_KEY_PREFIX").is_some() => {
                return Err(ConfigError {
                    variable: "USAGE_KEY_PREFIX",
                    problem: "is set, but USAGE_IDENTIFIER is not, so nothing is metered; set \
                              USAGE_IDENTIFIER to tenant or user, or leave the prefix empty"
                        .into(),
                })
            }
            None => return Ok(None),
            Some("tenant") => UsageIdentifier::Tenant,
            Some("user") => UsageIdentifier::User,
            Some(other) => {
                return Err(ConfigError {
                    variable: "USAGE_IDENTIFIER",
                    problem: format!(
                        "must be tenant (the organisation, else the user) or user, or unset to \
                         meter nothing; not {other:?}"
                    ),
                })
            }
        };
        let key_prefix = value("USAGE_KEY_PREFIX").unwrap_or_default();
        let key_prefix = key_prefix.trim();
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        if key_prefix.len() > MAX_KEY_PREFIX_LEN || !key_prefix.chars().all(allowed) {
            return Err(ConfigError {
                variable: "USAGE_KEY_PREFIX",
                problem: format!(
                    "must be at most {MAX_KEY_PREFIX_LEN} letters, digits, '-', '_' or '.', \
                     e.g. prod- (it starts each API key value); not {key_prefix:?}"
                ),
            });
        }
        Ok(Some(Metering {
            identifier,
            key_prefix: key_prefix.to_string(),
        }))
    }

    /// The `usageIdentifierKey` for a verified credential.
    ///
    /// The subject is the user for a session (the impersonated user, not the actor: the
    /// tenant pays for what is done in its name), the user who granted an OAuth token, the
    /// owner (`user_…` or `org_…`) of an API key, and the machine of an M2M token. `tenant`
    /// prefers the session's active organisation (`o.id` or `org_id`) to it.
    pub fn key(&self, credential: &Credential<'_>) -> String {
        let org = match self.identifier {
            UsageIdentifier::Tenant => credential
                .session
                .as_ref()
                .and_then(|s| s.org.as_ref())
                .map(|org| org.id),
            UsageIdentifier::User => None,
        };
        format!("{}{}", self.key_prefix, org.unwrap_or(credential.subject))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metering(settings: &[(&str, &str)]) -> Result<Option<Metering>, ConfigError> {
        Metering::from_lookup(&|name: &str| {
            settings
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn unset_is_off_and_a_prefix_alone_is_refused() {
        assert_eq!(metering(&[]), Ok(None));
        assert_eq!(
            metering(&[("USAGE_IDENTIFIER", " "), ("USAGE_KEY_PREFIX", "")]),
            Ok(None)
        );
        let alone = metering(&[("USAGE_KEY_PREFIX", "prod-")]).unwrap_err();
        assert_eq!(alone.variable, "USAGE_KEY_PREFIX");
    }

    #[test]
    fn values_are_read_and_anything_else_names_the_variable() {
        let on = metering(&[
            ("USAGE_IDENTIFIER", "tenant"),
            ("USAGE_KEY_PREFIX", "prod-"),
        ]);
        assert_eq!(
            on,
            Ok(Some(Metering {
                identifier: UsageIdentifier::Tenant,
                key_prefix: "prod-".into()
            }))
        );
        let user = metering(&[("USAGE_IDENTIFIER", "user")]).unwrap().unwrap();
        assert_eq!(
            (user.identifier, user.key_prefix.as_str()),
            (UsageIdentifier::User, "")
        );
        for bad in ["org", "Tenant", "tenant,user"] {
            let error = metering(&[("USAGE_IDENTIFIER", bad)]).unwrap_err();
            assert_eq!(error.variable, "USAGE_IDENTIFIER");
        }
        for bad in ["a b", "x/", &"p".repeat(MAX_KEY_PREFIX_LEN + 1)] {
            let error = metering(&[("USAGE_IDENTIFIER", "user"), ("USAGE_KEY_PREFIX", bad)]);
            assert_eq!(error.unwrap_err().variable, "USAGE_KEY_PREFIX", "{bad:?}");
        }
    }
}
