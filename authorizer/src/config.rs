//! Configuration: read from the environment once at cold start, checked completely, and
//! kept as a plain value. A bad setting stops the function at init with a message that names
//! the variable; there is no fallback that could start the function open.

use crate::clerk_settings::ClerkApiSettings;
pub use crate::config_error::ConfigError;
use crate::keys;
use crate::kind::{self, Kinds, TokenKind, MACHINE_SUBJECT_PREFIX};
use crate::publishable_key;
use crate::rules::AccessRules;
use crate::usage::Metering;
use crate::verify::{ClaimChecks, Keys, Verifier};

/// The most clock skew we accept: beyond five minutes a token outlives its purpose.
pub const MAX_CLOCK_SKEW_SECONDS: u64 = 300;

/// Clerk's SDK default.
pub const DEFAULT_CLOCK_SKEW_SECONDS: u64 = 5;

/// The CloudWatch namespace of the decision metrics, unless `METRICS_NAMESPACE` says otherwise.
pub const DEFAULT_METRICS_NAMESPACE: &str = "ClerkAuthorizer";

/// The most invocations one execution environment may serve at once: Lambda's own maximum
/// for `PerExecutionEnvironmentMaxConcurrency`.
pub const MAX_CONCURRENCY: u32 = 1600;

/// How HTTP API 2.0 requests are answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpApiResponse {
    /// `{"isAuthorized": …}`: decided for the requested route, cached for every route.
    Simple,
    /// An IAM policy built from `routeArn`, cache-safe like REST.
    Policy,
}

/// Everything the authorizer needs, validated.
#[derive(Debug)]
pub struct Config {
    /// Keys and claim checks: whether a token is genuine and current.
    pub verifier: Verifier,
    /// `ROLE_CLAIM` as a path, e.g. `["metadata", "role"]`.
    pub role_claim: Vec<String>,
    /// `ACCESS_RULES`, compiled.
    pub rules: AccessRules,
    /// `HTTP_API_RESPONSE`.
    pub http_api_response: HttpApiResponse,
    /// The CloudWatch namespace of the per-decision EMF records.
    pub metrics_namespace: String,
    /// `__session_<suffix>` of `CLERK_PUBLISHABLE_KEY`: read before `__session`.
    pub session_cookie: Option<String>,
    /// Clerk's Backend API and `CLERK_JWKS_URL`: used only when set.
    pub clerk_api: ClerkApiSettings,
    /// The opaque credentials verified with Clerk: `api_key`, and `m2m_token`/`oauth_token`
    /// when a secret key is set (`Authorizer::connect` derives the rest of their checks).
    pub opaque_kinds: Kinds,
    /// `AWS_LAMBDA_MAX_CONCURRENCY` (set by Lambda Managed Instances): invocations this
    /// execution environment serves at once; 1 when unset.
    pub max_concurrency: u32,
    /// `USAGE_IDENTIFIER` and `USAGE_KEY_PREFIX`: the `usageIdentifierKey` of REST and
    /// WebSocket answers, for API Gateway's usage plans; `None` meters nothing.
    pub metering: Option<Metering>,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can build any configuration without
    /// touching the (shared, racy) process environment. Empty values count as unset, except
    /// for the key, which is required.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let jwks_url = lookup("CLERK_JWKS_URL").filter(|v| !v.trim().is_empty());
        // A template passes an empty CLERK_JWT_KEY when the keys come from the URL.
        let clerk_jwt_key =
            lookup("CLERK_JWT_KEY").filter(|v| jwks_url.is_none() || !v.trim().is_empty());
        let keys = match (clerk_jwt_key, jwks_url) {
            (Some(_), Some(_)) => {
                return Err(ConfigError {
                    variable: "CLERK_JWKS_URL",
                    problem: "is set together with CLERK_JWT_KEY; set only one: the PEM key \
                              (no network) or the JWKS URL (keys follow rotation)"
                        .into(),
                })
            }
            (None, None) => {
                return Err(ConfigError {
                    variable: "CLERK_JWT_KEY",
                    problem: "is not set; set it to the PEM public key from the Clerk dashboard \
                              (API keys → Show JWT public key → PEM Public Key), or set \
                              CLERK_JWKS_URL to load the keys over the network"
                        .into(),
                })
            }
            (Some(text), None) => {
                Keys::Pem(keys::parse_pem_keys(&text).map_err(|problem| ConfigError {
                    variable: "CLERK_JWT_KEY",
                    problem,
                })?)
            }
            (None, Some(_)) => Keys::Unloaded,
        };

        let publishable_key = setting(&lookup, "CLERK_PUBLISHABLE_KEY", publishable_key::parse)?;
        let mut issuer = setting(&lookup, "JWT_ISSUER", |v| Ok(v.trim().to_string()))?;
        if let Some(key) = &publishable_key {
            match &issuer {
                Some(set) if *set != key.issuer => {
                    return Err(ConfigError {
                        variable: "JWT_ISSUER",
                        problem: format!(
                            "is {set:?}, but CLERK_PUBLISHABLE_KEY names the issuer {:?}; \
                             leave JWT_ISSUER unset or make them agree",
                            key.issuer
                        ),
                    })
                }
                _ => issuer = Some(key.issuer.clone()),
            }
        }
        let accepted =
            setting(&lookup, "ACCEPTED_TOKENS", kind::parse_accepted)?.unwrap_or(Kinds::SESSION);
        let machine_id = setting(&lookup, "MACHINE_ID", parse_machine_id)?;
        if accepted.contains(TokenKind::Machine) && machine_id.is_none() {
            return Err(ConfigError {
                variable: "MACHINE_ID",
                problem: "is not set, and ACCEPTED_TOKENS accepts m2m_token; set it to this \
                          API's own Clerk machine id (mch_…), which M2M tokens must target"
                    .into(),
            });
        }
        let clerk_api =
            ClerkApiSettings::from_lookup(&lookup, publishable_key.as_ref().map(|k| k.live))?;
        // Opaque credentials: API keys always, M2M and OAuth tokens when a secret key can
        // ask Clerk about them (their JWT forms need none).
        let has_secret = clerk_api.secret_key.is_some();
        if accepted.contains(TokenKind::ApiKey) && !has_secret {
            return Err(ConfigError {
                variable: "CLERK_SECRET_KEY",
                problem: "is not set (nor CLERK_SECRET_KEY_ARN), and ACCEPTED_TOKENS accepts \
                          api_key, which only Clerk's Backend API can verify; deploy with \
                          ClerkSecretKeyArn (a Secrets Manager secret holding sk_…)"
                    .into(),
            });
        }
        let opaque_kinds: Vec<TokenKind> = accepted
            .list()
            .into_iter()
            .filter(|k| match k {
                TokenKind::ApiKey => true,
                TokenKind::Machine | TokenKind::OAuth => has_secret,
                TokenKind::Session => false,
            })
            .collect();
        let checks = ClaimChecks {
            issuer,
            authorized_parties: setting(&lookup, "AUTHORIZED_PARTIES", parse_parties)?,
            audiences: setting(&lookup, "JWT_AUDIENCE", parse_list)?,
            clock_skew: setting(&lookup, "CLOCK_SKEW_SECONDS", parse_skew)?
                .unwrap_or(DEFAULT_CLOCK_SKEW_SECONDS),
            allow_pending_sessions: setting(&lookup, "ALLOW_PENDING_SESSIONS", parse_bool)?
                .unwrap_or(false),
            accepted,
            machine_id,
            oauth_audiences: setting(&lookup, "OAUTH_AUDIENCE", parse_list)?,
        };
        let role_claim = setting(&lookup, "ROLE_CLAIM", parse_claim_path)?
            .unwrap_or_else(|| vec!["metadata".into(), "role".into()]);
        let rules = access_rules(&lookup, accepted)?;
        let http_api_response = setting(&lookup, "HTTP_API_RESPONSE", |v| match v.trim() {
            "simple" => Ok(HttpApiResponse::Simple),
            "policy" => Ok(HttpApiResponse::Policy),
            _ => Err("must be simple or policy".to_string()),
        })?
        .unwrap_or(HttpApiResponse::Simple);

        let metrics_namespace = setting(&lookup, "METRICS_NAMESPACE", check_namespace)?
            .unwrap_or_else(|| DEFAULT_METRICS_NAMESPACE.to_string());
        let max_concurrency = setting(&lookup, "AWS_LAMBDA_MAX_CONCURRENCY", |v| {
            match v.trim().parse::<u32>() {
                Ok(n @ 1..=MAX_CONCURRENCY) => Ok(n),
                _ => Err(format!(
                    "must be a whole number from 1 to {MAX_CONCURRENCY} (Lambda Managed \
                     Instances set it from PerExecutionEnvironmentMaxConcurrency)"
                )),
            }
        })?
        .unwrap_or(1);
        let metering = Metering::from_lookup(&lookup)?;

        Ok(Config {
            verifier: Verifier::with_keys(keys, checks),
            role_claim,
            rules,
            http_api_response,
            metrics_namespace,
            session_cookie: publishable_key.map(|key| key.session_cookie),
            clerk_api,
            opaque_kinds: Kinds::of(&opaque_kinds),
            max_concurrency,
            metering,
        })
    }

    /// True when the configuration needs Clerk over the network: keys from `CLERK_JWKS_URL`,
    /// or opaque credentials. `Authorizer::connect` gives it a transport.
    pub fn needs_network(&self) -> bool {
        self.clerk_api.jwks_url.is_some() || self.opaque_kinds != Kinds::default()
    }

    /// Settings that are valid but probably not what the user wants, for the init log.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        let checks = self.verifier.checks();
        for kind in checks.accepted.list() {
            if !self.rules.entry_kinds().any(|kinds| kinds.contains(kind)) {
                warnings.push(format!(
                    "ACCEPTED_TOKENS accepts {0}, but no ACCESS_RULES entry is for it, so every \
                     {0} is refused; add an entry with \"token\": \"{0}\"",
                    kind.name()
                ));
            }
        }
        if checks.accepted.contains(TokenKind::OAuth) && checks.oauth_audiences.is_none() {
            warnings.push(
                "OAUTH_AUDIENCE is not set, so OAuth access tokens issued to any of your Clerk \
                 instance's OAuth applications for any resource are accepted; set it to this \
                 API's audience"
                    .to_string(),
            );
        }
        if self.opaque_kinds.contains(TokenKind::OAuth) && checks.oauth_audiences.is_some() {
            warnings.push(
                "OAUTH_AUDIENCE is set, and Clerk's record of an opaque OAuth token (oat_…) \
                 names no audience, so opaque OAuth tokens are refused; only their JWT form is \
                 accepted"
                    .to_string(),
            );
        }
        let secret_set = self.clerk_api.secret_key.is_some();
        if secret_set && self.opaque_kinds == Kinds::default() && self.clerk_api.jwks_url.is_none()
        {
            warnings.push(
                "CLERK_SECRET_KEY is set, but ACCEPTED_TOKENS accepts no opaque credential \
                 (api_key, or m2m_token/oauth_token), so it is not used"
                    .to_string(),
            );
        }
        if checks.machine_id.is_some() && !checks.accepted.contains(TokenKind::Machine) {
            warnings.push(
                "MACHINE_ID is set, but ACCEPTED_TOKENS does not accept m2m_token, so it is not \
                 used"
                    .to_string(),
            );
        }
        if checks.issuer.is_none() {
            warnings.push(
                "JWT_ISSUER is not set (nor CLERK_PUBLISHABLE_KEY), so tokens of any issuer \
                 signed by these keys are accepted; set it to your Clerk Frontend API URL, e.g. \
                 https://clerk.example.com (or set CLERK_PUBLISHABLE_KEY)"
                    .to_string(),
            );
        }
        if checks.authorized_parties.is_none() {
            warnings.push(
                "AUTHORIZED_PARTIES is not set, so tokens minted for any of your Clerk \
                 instance's origins are accepted; set it to your front end's origin(s)"
                    .to_string(),
            );
        }
        warnings
    }
}

/// `ACCESS_RULES`, or the file `ACCESS_RULES_FILE` names (Lambda allows 4 KB of environment
/// variables in all, so a large rule set ships as a file, e.g. in a layer under `/opt`). An
/// entry for a kind of token that is not `accepted` would never apply: refused.
fn access_rules(
    lookup: &impl Fn(&str) -> Option<String>,
    accepted: Kinds,
) -> Result<AccessRules, ConfigError> {
    let inline = setting(lookup, "ACCESS_RULES", |v| Ok(v.to_string()))?;
    let file = setting(lookup, "ACCESS_RULES_FILE", |v| Ok(v.trim().to_string()))?;
    let (variable, json) = match (inline, file) {
        (Some(_), Some(_)) => {
            return Err(ConfigError {
                variable: "ACCESS_RULES_FILE",
                problem: "is set together with ACCESS_RULES; set only one of them".into(),
            })
        }
        (Some(json), None) => ("ACCESS_RULES", json),
        (None, Some(path)) => {
            let json = std::fs::read_to_string(&path).map_err(|e| ConfigError {
                variable: "ACCESS_RULES_FILE",
                problem: format!("names {path:?}, which cannot be read ({e})"),
            })?;
            ("ACCESS_RULES_FILE", json)
        }
        (None, None) => ("ACCESS_RULES", AccessRules::DEFAULT_JSON.to_string()),
    };
    let rules = AccessRules::parse(&json).map_err(|problem| ConfigError { variable, problem })?;
    for (i, kinds) in rules.entry_kinds().enumerate() {
        if let Some(kind) = kinds.list().into_iter().find(|k| !accepted.contains(*k)) {
            return Err(ConfigError {
                variable,
                problem: format!(
                    "entry {} is for {}, which ACCEPTED_TOKENS ({}) does not accept; add it \
                     to ACCEPTED_TOKENS or remove it from the entry",
                    i + 1,
                    kind.name(),
                    kind::names(&accepted.list())
                ),
            });
        }
    }
    Ok(rules)
}

fn parse_machine_id(value: &str) -> Result<String, String> {
    let id = value.trim();
    let rest = id.strip_prefix(MACHINE_SUBJECT_PREFIX).unwrap_or_default();
    if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(format!(
            "must be a Clerk machine id, mch_ followed by letters and digits (Clerk dashboard \
             → Machines), not {id:?}"
        ));
    }
    Ok(id.to_string())
}

/// An optional setting: unset or blank is `None`; otherwise `parse` decides, and its complaint
/// is reported against `variable`.
fn setting<T>(
    lookup: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<Option<T>, ConfigError> {
    match lookup(variable).filter(|v| !v.trim().is_empty()) {
        None => Ok(None),
        Some(value) => parse(&value)
            .map(Some)
            .map_err(|problem| ConfigError { variable, problem }),
    }
}

fn parse_claim_path(value: &str) -> Result<Vec<String>, String> {
    let path: Vec<String> = value.trim().split('.').map(str::to_string).collect();
    if path.iter().any(|s| s.is_empty()) {
        return Err("must be a dot path of claim names, e.g. metadata.role or org_role".into());
    }
    Ok(path)
}

fn parse_list(value: &str) -> Result<Vec<String>, String> {
    let items: Vec<String> = value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if items.is_empty() {
        return Err("has no entries; give a comma-separated list or leave it unset".into());
    }
    Ok(items)
}

fn parse_parties(value: &str) -> Result<Vec<String>, String> {
    let parties = parse_list(value)?;
    if let Some(bad) = parties
        .iter()
        .find(|p| p.ends_with('/') || !p.contains("://"))
    {
        return Err(format!(
            "has {bad:?}; list origins as Clerk puts them in azp, e.g. https://app.example.com \
             (scheme and host, no path or trailing slash)"
        ));
    }
    Ok(parties)
}

fn parse_skew(value: &str) -> Result<u64, String> {
    match value.trim().parse::<u64>() {
        Ok(skew) if skew <= MAX_CLOCK_SKEW_SECONDS => Ok(skew),
        _ => Err(format!(
            "must be a whole number of seconds from 0 to {MAX_CLOCK_SKEW_SECONDS}, not {:?}",
            value.trim()
        )),
    }
}

fn parse_bool(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(format!("must be true or false, not {other:?}")),
    }
}

/// Checks a namespace as CloudWatch does: 1 to 255 characters, no `:` prefix of AWS's own.
fn check_namespace(namespace: &str) -> Result<String, String> {
    let namespace = namespace.trim();
    if namespace.is_empty()
        || namespace.len() > 255
        || namespace.starts_with("AWS/")
        || namespace.contains(':')
    {
        return Err(format!(
            "must be 1 to 255 characters, without ':' and not starting with AWS/ (got {namespace:?})"
        ));
    }
    Ok(namespace.to_string())
}
