//! Token → verified claims. Signature first, then every claim check, each one explicit.
//!
//! jsonwebtoken reads the header (so `alg` is one of its typed algorithms); the signature is
//! checked with keys parsed once at init (see `keys`), and only then is the payload decoded.
//! Header fields that could name a key (`jwk`, `jku`, `x5u`, `kid`) are never consulted: only
//! the configured keys verify.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::Algorithm;
use serde_json::{Map, Value};

use crate::keys::RsaKey;
use crate::rejection::Rejection;
use crate::token::MAX_TOKEN_BYTES;

/// The header `cat` of Clerk machine (M2M) tokens: signed by the instance, never a session.
pub const MACHINE_TOKEN_CATEGORY: &str = "cl_B7d4PD333AAA";
/// The header `cat` of tokens made from a Clerk JWT template: no session semantics.
pub const TEMPLATE_TOKEN_CATEGORY: &str = "cl_B7d4PD222AAA";
/// Machine identities' ids.
pub const MACHINE_SUBJECT_PREFIX: &str = "mch_";

/// Claim checks beyond the signature. Every field is set explicitly by `config`; there is no
/// default here that could quietly skip a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimChecks {
    /// Exact `iss` required, when set.
    pub issuer: Option<String>,
    /// `azp` must be present and one of these, when set.
    pub authorized_parties: Option<Vec<String>>,
    /// `aud` (string or array) must contain one of these, when set.
    pub audiences: Option<Vec<String>>,
    /// Leeway for `exp`, `nbf` and `iat`, in seconds.
    pub clock_skew: u64,
    /// Accept `sts: "pending"` sessions (Clerk treats them as signed out by default).
    pub allow_pending_sessions: bool,
}

/// The keys and checks that decide whether a token is genuine and current.
#[derive(Debug)]
pub struct Verifier {
    keys: Vec<RsaKey>,
    checks: ClaimChecks,
}

/// The payload of a token that passed every check. `sub` and `sid` are known to be non-empty
/// strings.
#[derive(Debug, Clone, PartialEq)]
pub struct Claims {
    payload: Map<String, Value>,
}

impl Claims {
    /// Wraps a payload without any check; for benchmarks and tests that render from known claims.
    pub fn from_payload(payload: Map<String, Value>) -> Claims {
        Claims { payload }
    }

    /// The Clerk user id.
    pub fn subject(&self) -> &str {
        self.str("sub").unwrap_or_default()
    }

    /// A top-level string claim.
    pub fn str(&self, name: &str) -> Option<&str> {
        self.payload.get(name).and_then(Value::as_str)
    }

    /// A top-level claim of any type.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.payload.get(name)
    }

    /// The string at a dot path such as `metadata.role` or `o.rol`; any other type is `None`.
    pub fn str_at<S: AsRef<str>>(&self, path: &[S]) -> Option<&str> {
        let (first, rest) = path.split_first()?;
        let mut value = self.payload.get(first.as_ref())?;
        for segment in rest {
            value = value.as_object()?.get(segment.as_ref())?;
        }
        value.as_str()
    }
}

impl Verifier {
    pub fn new(keys: Vec<RsaKey>, checks: ClaimChecks) -> Self {
        Verifier { keys, checks }
    }

    pub fn checks(&self) -> &ClaimChecks {
        &self.checks
    }

    /// Verifies `token` at time `now` (seconds since the epoch).
    pub fn verify(&self, token: &str, now: u64) -> Result<Claims, Rejection> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(Rejection::TooLarge);
        }
        let mut segments = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) = (
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
        ) else {
            return Err(Rejection::Malformed);
        };
        if header.is_empty() || payload.is_empty() || signature.is_empty() {
            return Err(Rejection::Malformed);
        }

        let jose = jsonwebtoken::decode_header(token).map_err(|_| Rejection::Malformed)?;
        let alg = jose.alg;
        if !matches!(alg, Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512) {
            return Err(Rejection::UnsupportedAlgorithm);
        }
        // `crit` names extensions the recipient must understand (RFC 7515 §4.1.11), such as
        // an unencoded payload (`b64: false`); we implement none of them.
        if jose.crit.is_some() {
            return Err(Rejection::CriticalHeader);
        }
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| Rejection::Malformed)?;
        let signed = &token.as_bytes()[..header.len() + 1 + payload.len()];
        if !self
            .keys
            .iter()
            .any(|key| key.verifies(alg, signed, &signature))
        {
            return Err(Rejection::BadSignature);
        }

        // Signed by the instance, but is it a session token? (Clerk's authenticateRequest.)
        if jose.typ.as_deref().is_some_and(|typ| typ != "JWT") {
            return Err(Rejection::WrongTokenType);
        }
        match jose.extras.inner().get("cat").and_then(Value::as_str) {
            Some(MACHINE_TOKEN_CATEGORY) => return Err(Rejection::MachineToken),
            Some(TEMPLATE_TOKEN_CATEGORY) => return Err(Rejection::TemplateToken),
            _ => {}
        }

        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| Rejection::Malformed)?;
        let payload: Map<String, Value> =
            serde_json::from_slice(&payload).map_err(|_| Rejection::Malformed)?;
        let claims = Claims { payload };
        self.check(&claims, now)?;
        Ok(claims)
    }

    fn check(&self, claims: &Claims, now: u64) -> Result<(), Rejection> {
        let checks = &self.checks;
        let now = now as f64;
        let skew = checks.clock_skew as f64;

        let exp = time_claim(claims, "exp")?.ok_or(Rejection::MissingExpiry)?;
        if now >= exp + skew {
            return Err(Rejection::Expired);
        }
        if time_claim(claims, "nbf")?.is_some_and(|nbf| nbf > now + skew) {
            return Err(Rejection::NotYetValid);
        }
        if time_claim(claims, "iat")?.is_some_and(|iat| iat > now + skew) {
            return Err(Rejection::IssuedInFuture);
        }
        let sub = claims.str("sub").unwrap_or_default();
        if sub.is_empty() {
            return Err(Rejection::MissingSubject);
        }
        if sub.starts_with(MACHINE_SUBJECT_PREFIX) {
            return Err(Rejection::MachineToken);
        }
        if claims.str("sid").is_none_or(str::is_empty) {
            return Err(Rejection::MissingSessionId);
        }
        if let Some(issuer) = &checks.issuer {
            if claims.str("iss") != Some(issuer.as_str()) {
                return Err(Rejection::WrongIssuer);
            }
        }
        if let Some(parties) = &checks.authorized_parties {
            let azp = claims.str("azp").ok_or(Rejection::WrongParty)?;
            if !parties.iter().any(|party| party == azp) {
                return Err(Rejection::WrongParty);
            }
        }
        if let Some(audiences) = &checks.audiences {
            let accepted = |aud: &str| audiences.iter().any(|a| a == aud);
            let ok = match claims.get("aud") {
                Some(Value::String(aud)) => accepted(aud),
                Some(Value::Array(auds)) => auds.iter().filter_map(Value::as_str).any(accepted),
                _ => false,
            };
            if !ok {
                return Err(Rejection::WrongAudience);
            }
        }
        if !checks.allow_pending_sessions && claims.str("sts") == Some("pending") {
            return Err(Rejection::PendingSession);
        }
        Ok(())
    }
}

/// A NumericDate claim: absent is `None`; present but not a finite number is a rejection.
fn time_claim(claims: &Claims, name: &str) -> Result<Option<f64>, Rejection> {
    match claims.get(name) {
        None => Ok(None),
        Some(value) => value
            .as_f64()
            .filter(|t| t.is_finite())
            .map(Some)
            .ok_or(Rejection::BadTimeClaim),
    }
}
