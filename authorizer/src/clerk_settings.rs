//! The opt-in network settings: Clerk's Backend API (`CLERK_API_URL`), the secret keys that
//! authenticate it, and `CLERK_JWKS_URL`. With none of them set the authorizer makes no call.
//!
//! A secret key is never a plain deployed value: the template passes the ARN of a Secrets
//! Manager secret (`CLERK_SECRET_KEY_ARN`), read at cold start. `CLERK_SECRET_KEY` holds the
//! value directly for local runs and tests. Setting both is an error.

use std::fmt;

use crate::clerk_api::DEFAULT_API_URL;
use crate::config_error::ConfigError;
use crate::opaque::DEFAULT_CALLS_PER_SECOND;

/// `CLERK_SECRET_REREAD_SECONDS`' default: a secret is read again at most once a minute.
pub const DEFAULT_SECRET_REREAD_SECONDS: u64 = 60;

/// A secret value: never printed, never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value read from the environment or Secrets Manager.
    pub fn new(value: String) -> Secret {
        Secret(value)
    }

    /// The value, for the one header that carries it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// Where a secret key comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// The value itself (`CLERK_SECRET_KEY`), already checked.
    Value(Secret),
    /// A Secrets Manager secret's ARN (`CLERK_SECRET_KEY_ARN`), read at cold start and
    /// checked then with [`check_key`].
    Arn(String),
}

/// Which secret key, for messages and checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRole {
    /// The instance's secret key, `sk_test_…`/`sk_live_…`.
    Instance,
    /// A machine's secret key, `ak_…`.
    Machine,
}

impl KeyRole {
    /// The variable holding the value.
    pub fn variable(self) -> &'static str {
        match self {
            KeyRole::Instance => "CLERK_SECRET_KEY",
            KeyRole::Machine => "CLERK_MACHINE_SECRET_KEY",
        }
    }

    /// The variable holding the ARN.
    pub fn arn_variable(self) -> &'static str {
        match self {
            KeyRole::Instance => "CLERK_SECRET_KEY_ARN",
            KeyRole::Machine => "CLERK_MACHINE_SECRET_KEY_ARN",
        }
    }
}

/// Everything the networked parts need, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClerkApiSettings {
    /// `CLERK_API_URL`, without a trailing slash.
    pub url: String,
    /// The instance's secret key.
    pub secret_key: Option<SecretSource>,
    /// A machine's secret key, for `/m2m_tokens/verify`.
    pub machine_secret_key: Option<SecretSource>,
    /// `CLERK_JWKS_URL`.
    pub jwks_url: Option<String>,
    /// `CLERK_API_CALLS_PER_SECOND`.
    pub calls_per_second: u32,
    /// `CLERK_SECRET_REREAD_SECONDS`: how soon a secret that could not be read (or that Clerk
    /// refused) is read again from Secrets Manager.
    pub secret_reread_seconds: u64,
    /// The publishable key says a live instance (`Some(true)`), a development one
    /// (`Some(false)`), or nothing (`None`): a secret key must agree.
    pub live: Option<bool>,
}

impl ClerkApiSettings {
    /// Reads the settings through `lookup` (empty values count as unset).
    pub fn from_lookup(
        lookup: &impl Fn(&str) -> Option<String>,
        live: Option<bool>,
    ) -> Result<ClerkApiSettings, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let url = match get("CLERK_API_URL") {
            Some(url) => check_url("CLERK_API_URL", &url)?,
            None => DEFAULT_API_URL.to_string(),
        };
        let jwks_url = get("CLERK_JWKS_URL")
            .map(|url| check_url("CLERK_JWKS_URL", &url))
            .transpose()?;
        let whole = |name: &'static str, default: u64, range: std::ops::RangeInclusive<u64>| {
            let Some(value) = get(name) else {
                return Ok(default);
            };
            match value.trim().parse::<u64>() {
                Ok(n) if range.contains(&n) => Ok(n),
                _ => Err(ConfigError {
                    variable: name,
                    problem: format!(
                        "must be a whole number from {} to {}, not {:?}",
                        range.start(),
                        range.end(),
                        value.trim()
                    ),
                }),
            }
        };
        let calls_per_second = whole(
            "CLERK_API_CALLS_PER_SECOND",
            DEFAULT_CALLS_PER_SECOND.into(),
            1..=1000,
        )? as u32;
        let secret_reread_seconds = whole(
            "CLERK_SECRET_REREAD_SECONDS",
            DEFAULT_SECRET_REREAD_SECONDS,
            1..=3600,
        )?;
        let source = |role: KeyRole| -> Result<Option<SecretSource>, ConfigError> {
            match (get(role.variable()), get(role.arn_variable())) {
                (Some(_), Some(_)) => Err(ConfigError {
                    variable: role.arn_variable(),
                    problem: format!(
                        "is set together with {}; set only one of them (the ARN when deployed)",
                        role.variable()
                    ),
                }),
                (Some(value), None) => Ok(Some(SecretSource::Value(check_key(
                    role,
                    role.variable(),
                    value,
                    live,
                )?))),
                (None, Some(arn)) => Ok(Some(SecretSource::Arn(check_arn(role, arn.trim())?))),
                (None, None) => Ok(None),
            }
        };
        Ok(ClerkApiSettings {
            url,
            secret_key: source(KeyRole::Instance)?,
            machine_secret_key: source(KeyRole::Machine)?,
            jwks_url,
            calls_per_second,
            secret_reread_seconds,
            live,
        })
    }
}

/// Checks a secret key's shape: `sk_test_`/`sk_live_` agreeing with the publishable key for
/// the instance key, `ak_` for a machine's. The message names `variable` and never quotes the
/// value.
pub fn check_key(
    role: KeyRole,
    variable: &'static str,
    value: String,
    live: Option<bool>,
) -> Result<Secret, ConfigError> {
    let value = value.trim().to_string();
    let problem = match role {
        KeyRole::Instance => {
            let key_live = if value.starts_with("sk_live_") {
                Some(true)
            } else if value.starts_with("sk_test_") {
                Some(false)
            } else {
                None
            };
            match (key_live, live) {
                (None, _) => Some(
                    "is not a Clerk secret key; it must start with sk_test_ or sk_live_ (Clerk \
                     dashboard → API keys → Secret keys)"
                        .to_string(),
                ),
                (Some(key), Some(pk)) if key != pk => Some(format!(
                    "is a {} secret key, but CLERK_PUBLISHABLE_KEY is a {} key; use the two keys \
                     of the same instance",
                    if key { "live" } else { "test" },
                    if pk { "live" } else { "test" }
                )),
                _ => None,
            }
        }
        KeyRole::Machine if !value.starts_with("ak_") => Some(
            "is not a machine secret key; it must start with ak_ (Clerk dashboard → Machines → \
             the machine → Secret key)"
                .to_string(),
        ),
        KeyRole::Machine => None,
    };
    let url_safe = value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    match problem {
        Some(problem) => Err(ConfigError { variable, problem }),
        None if !url_safe || value.len() > 512 => Err(ConfigError {
            variable,
            problem: "has characters a Clerk key never has (spaces, quotes, line breaks?)".into(),
        }),
        None => Ok(Secret(value)),
    }
}

fn check_arn(role: KeyRole, arn: &str) -> Result<String, ConfigError> {
    if arn.starts_with("arn:") && arn.contains(":secretsmanager:") {
        Ok(arn.to_string())
    } else {
        Err(ConfigError {
            variable: role.arn_variable(),
            problem: format!(
                "must be the ARN of a Secrets Manager secret, arn:aws:secretsmanager:…, holding \
                 the key (to give the value itself, set {} instead)",
                role.variable()
            ),
        })
    }
}

/// An `https://` URL, or `http://` on this machine (local Clerk stand-ins): a secret key is
/// never sent in clear over a network.
fn check_url(variable: &'static str, url: &str) -> Result<String, ConfigError> {
    let url = url.trim().trim_end_matches('/');
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://").filter(|rest| is_loopback(rest)));
    match host {
        Some(rest) if !rest.is_empty() && !rest.contains(char::is_whitespace) => {
            Ok(url.to_string())
        }
        _ => Err(ConfigError {
            variable,
            problem: format!(
                "must be an https:// URL (http:// only for 127.0.0.1 or localhost), not {url:?}"
            ),
        }),
    }
}

fn is_loopback(rest: &str) -> bool {
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => authority,
    };
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(
        vars: &[(&str, &str)],
        live: Option<bool>,
    ) -> Result<ClerkApiSettings, ConfigError> {
        ClerkApiSettings::from_lookup(
            &|name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            },
            live,
        )
    }

    fn variable(r: Result<ClerkApiSettings, ConfigError>) -> &'static str {
        r.unwrap_err().variable
    }

    #[test]
    fn nothing_set_is_networkless_defaults() {
        let s = settings(&[], None).unwrap();
        assert_eq!(s.url, "https://api.clerk.com");
        assert!(s.secret_key.is_none() && s.machine_secret_key.is_none() && s.jwks_url.is_none());
    }

    #[test]
    fn keys_are_checked_and_never_quoted() {
        let ok = settings(&[("CLERK_SECRET_KEY", "sk_test_abc")], Some(false)).unwrap();
        assert_eq!(
            ok.secret_key,
            Some(SecretSource::Value(Secret("sk_test_abc".into())))
        );
        assert!(!format!("{ok:?}").contains("abc"));
        let e = settings(&[("CLERK_SECRET_KEY", "sk_live_abc")], Some(false)).unwrap_err();
        assert!(e.problem.contains("live secret key") && !e.problem.contains("abc"));
        assert_eq!(
            variable(settings(&[("CLERK_SECRET_KEY", "pk_test_abc")], None)),
            "CLERK_SECRET_KEY"
        );
        assert_eq!(
            variable(settings(
                &[("CLERK_MACHINE_SECRET_KEY", "sk_test_abc")],
                None
            )),
            "CLERK_MACHINE_SECRET_KEY"
        );
        assert_eq!(
            variable(settings(
                &[
                    ("CLERK_SECRET_KEY", "sk_test_a"),
                    ("CLERK_SECRET_KEY_ARN", "arn:aws:secretsmanager:x")
                ],
                None
            )),
            "CLERK_SECRET_KEY_ARN"
        );
        assert_eq!(
            variable(settings(&[("CLERK_SECRET_KEY_ARN", "sk_test_a")], None)),
            "CLERK_SECRET_KEY_ARN"
        );
        assert_eq!(
            variable(settings(&[("CLERK_SECRET_KEY", "sk_test_a b")], None)),
            "CLERK_SECRET_KEY"
        );
    }

    #[test]
    fn urls_are_https_or_loopback() {
        for good in [
            "https://api.clerk.com/",
            "http://127.0.0.1:8080",
            "http://localhost/x",
        ] {
            assert!(settings(&[("CLERK_API_URL", good)], None).is_ok(), "{good}");
        }
        for bad in [
            "http://api.clerk.com",
            "http://127.0.0.1.evil.com",
            "ftp://x",
            "https://",
        ] {
            assert_eq!(
                variable(settings(&[("CLERK_API_URL", bad)], None)),
                "CLERK_API_URL",
                "{bad}"
            );
        }
        assert_eq!(
            variable(settings(&[("CLERK_JWKS_URL", "http://x")], None)),
            "CLERK_JWKS_URL"
        );
        assert_eq!(
            variable(settings(&[("CLERK_API_CALLS_PER_SECOND", "0")], None)),
            "CLERK_API_CALLS_PER_SECOND"
        );
        assert_eq!(settings(&[], None).unwrap().secret_reread_seconds, 60);
        for bad in ["0", "3601", "1m"] {
            assert_eq!(
                variable(settings(&[("CLERK_SECRET_REREAD_SECONDS", bad)], None)),
                "CLERK_SECRET_REREAD_SECONDS"
            );
        }
    }
}
