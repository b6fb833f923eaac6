//! Token → verified claims. Signature first, then every claim check, each one explicit.
//!
//! The header is read as jsonwebtoken would (`alg` one of its typed algorithms, `typ` and `kid`
//! strings); the signature is checked with keys parsed once at init (see `keys`), and only then
//! is the payload decoded. Header fields that could name a key (`jwk`, `jku`, `x5u`, `x5c`) are
//! never consulted: only the configured keys verify. With `CLERK_JWKS_URL`, `kid` picks among the instance's keys (and
//! an unknown one may trigger a bounded refetch, see `jwks`); with `CLERK_JWT_KEY` it is
//! ignored.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::Algorithm;
use serde_json::{Map, Value};

use crate::json::{Json, Object};

use crate::keys::RsaKey;
use crate::kind::{self, Kinds, TokenKind};
use crate::rejection::Rejection;
use crate::token::{Place, MAX_TOKEN_BYTES};

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
    /// The kinds of token accepted (`ACCEPTED_TOKENS`).
    pub accepted: Kinds,
    /// This API's own machine id: an M2M token's targets must name it. Set whenever M2M
    /// tokens are accepted (`config` makes sure).
    pub machine_id: Option<String>,
    /// An OAuth token's `aud` must name one of these, when set (`OAUTH_AUDIENCE`).
    pub oauth_audiences: Option<Vec<String>>,
}

/// Where the signing keys come from.
#[derive(Debug)]
pub enum Keys {
    /// `CLERK_JWT_KEY`: parsed once at init, never changing.
    Pem(Vec<RsaKey>),
    /// `CLERK_JWKS_URL`, loaded (`Authorizer::connect`). Behind a trait object so that a
    /// binary that never connects links none of the JWKS code.
    Jwks(Box<dyn KeySource>),
    /// `CLERK_JWKS_URL`, not loaded yet: every token is refused as an outage.
    Unloaded,
}

/// Keys that can change while the function runs (`jwks::KeyRing`).
pub trait KeySource: Send + Sync + std::fmt::Debug {
    /// The keys that may verify a token with this `kid`, at `now`.
    fn keys(&self, kid: Option<&str>, now: u64) -> std::sync::Arc<Vec<(Option<String>, RsaKey)>>;
}

/// The keys and checks that decide whether a token is genuine and current.
#[derive(Debug)]
pub struct Verifier {
    keys: Keys,
    checks: ClaimChecks,
}

/// The payload of a token that passed every check, and its kind. `sub` is known to be a
/// non-empty string, and so is `sid` for a session. A JWT's claims borrow their strings from
/// its decoded payload (`json`); an opaque credential's own theirs (`'static`).
#[derive(Debug, Clone, PartialEq)]
pub struct Claims<'p> {
    kind: TokenKind,
    payload: Object<'p>,
}

impl Claims<'static> {
    /// Wraps a session token's payload without any check; for benchmarks and tests that render
    /// from known claims.
    pub fn from_payload(payload: Map<String, Value>) -> Claims<'static> {
        Claims::of_kind(TokenKind::Session, payload)
    }

    /// Wraps a payload of any kind without any check.
    pub fn of_kind(kind: TokenKind, payload: Map<String, Value>) -> Claims<'static> {
        Claims {
            kind,
            payload: payload.into(),
        }
    }
}

impl<'p> Claims<'p> {
    /// What kind of token carried these claims.
    pub fn kind(&self) -> TokenKind {
        self.kind
    }

    /// The subject: a user id, or for M2M tokens the calling machine's id.
    pub fn subject(&self) -> &str {
        self.str("sub").unwrap_or_default()
    }

    /// A top-level string claim.
    pub fn str(&self, name: &str) -> Option<&str> {
        self.payload.get(name).and_then(Json::as_str)
    }

    /// A top-level claim of any type.
    pub fn get(&self, name: &str) -> Option<&Json<'p>> {
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
    /// A verifier over keys parsed at init and the checks to apply.
    pub fn new(keys: Vec<RsaKey>, checks: ClaimChecks) -> Self {
        Verifier::with_keys(Keys::Pem(keys), checks)
    }

    /// A verifier over keys from any source.
    pub fn with_keys(keys: Keys, checks: ClaimChecks) -> Self {
        Verifier { keys, checks }
    }

    /// Installs the keys loaded from `CLERK_JWKS_URL`.
    pub fn set_key_source(&mut self, source: Box<dyn KeySource>) {
        self.keys = Keys::Jwks(source);
    }

    /// The checks it applies.
    pub fn checks(&self) -> &ClaimChecks {
        &self.checks
    }

    /// Verifies `token`, found at `place`, at time `now` (seconds since the epoch). Its payload
    /// is decoded into `buffer`, which the claims borrow from: one buffer, no copy per claim.
    pub fn verify<'p>(
        &self,
        token: &str,
        place: Place,
        now: u64,
        buffer: &'p mut Vec<u8>,
    ) -> Result<Claims<'p>, Rejection> {
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

        let mut header_bytes = Vec::new();
        let jose = Jose::read(header, &mut header_bytes)?;
        let alg = jose.alg;
        if !matches!(alg, Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512) {
            return Err(Rejection::UnsupportedAlgorithm);
        }
        // `crit` names extensions the recipient must understand (RFC 7515 §4.1.11), such as
        // an unencoded payload (`b64: false`); we implement none of them.
        if !matches!(jose.fields.get("crit"), None | Some(Json::Null)) {
            return Err(Rejection::CriticalHeader);
        }
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| Rejection::Malformed)?;
        let signed = &token.as_bytes()[..header.len() + 1 + payload.len()];
        let verified = match &self.keys {
            Keys::Pem(keys) => keys.iter().any(|key| key.verifies(alg, signed, &signature)),
            Keys::Jwks(ring) => {
                let kid = jose.text("kid");
                let keys = ring.keys(kid, now);
                // Never loaded (the JWKS is down): nothing can be verified, and that is no
                // verdict on this token.
                if keys.is_empty() {
                    return Err(Rejection::JwksUnavailable);
                }
                keys.iter()
                    .filter(|(id, _)| kid.is_none() || id.as_deref() == kid)
                    .any(|(_, key)| key.verifies(alg, signed, &signature))
            }
            Keys::Unloaded => return Err(Rejection::JwksUnavailable),
        };
        if !verified {
            return Err(Rejection::BadSignature);
        }

        let payload = decode_object(payload, buffer)?;

        // Signed by the instance, but what kind of token is it? (See `kind`.)
        let cat = jose.fields.get("cat").map(Json::as_str);
        let sub = payload.get("sub").and_then(Json::as_str);
        let kind = kind::classify(jose.text("typ"), cat, sub)?;
        if !self.checks.accepted.contains(kind) {
            return Err(Rejection::TokenNotAccepted);
        }
        // As Clerk's SDK: machine credentials come in `Authorization`, never in a cookie
        // (which a browser would attach to any request) or a WebSocket subprotocol.
        if kind != TokenKind::Session && place != Place::Authorization {
            return Err(Rejection::MachineTokenOutsideHeader);
        }
        let claims = Claims { kind, payload };
        self.check(&claims, now)?;
        Ok(claims)
    }

    fn check(&self, claims: &Claims<'_>, now: u64) -> Result<(), Rejection> {
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
        if claims.str("sub").is_none_or(str::is_empty) {
            return Err(Rejection::MissingSubject);
        }
        if let Some(issuer) = &checks.issuer {
            if claims.str("iss") != Some(issuer.as_str()) {
                return Err(Rejection::WrongIssuer);
            }
        }
        match claims.kind {
            TokenKind::Session => self.check_session(claims),
            TokenKind::Machine => {
                // The targets are `scopes` (space-separated), else `aud`, as Clerk reads them.
                // Clerk's SDK does not check them; without this, a token minted for another
                // of the instance's services would open this one.
                let own = checks.machine_id.as_slice();
                let targets_us = match claims.get("scopes") {
                    Some(Json::String(scopes)) => scopes
                        .split_ascii_whitespace()
                        .any(|t| own.iter().any(|m| m == t)),
                    Some(_) => false,
                    None => names_one(claims.get("aud"), own),
                };
                if !targets_us {
                    return Err(Rejection::WrongAudience);
                }
                Ok(())
            }
            // Opaque only: never a JWT (`kind::classify` has no row for it).
            TokenKind::ApiKey => Err(Rejection::WrongTokenCategory),
            TokenKind::OAuth => {
                if claims.str("client_id").is_none_or(str::is_empty) {
                    return Err(Rejection::MissingClientId);
                }
                if let Some(audiences) = &checks.oauth_audiences {
                    if !names_one(claims.get("aud"), audiences) {
                        return Err(Rejection::WrongAudience);
                    }
                }
                Ok(())
            }
        }
    }

    /// What only a session token must satisfy.
    fn check_session(&self, claims: &Claims<'_>) -> Result<(), Rejection> {
        let checks = &self.checks;
        if claims.str("sid").is_none_or(str::is_empty) {
            return Err(Rejection::MissingSessionId);
        }
        if let Some(parties) = &checks.authorized_parties {
            let azp = claims.str("azp").ok_or(Rejection::WrongParty)?;
            if !parties.iter().any(|party| party == azp) {
                return Err(Rejection::WrongParty);
            }
        }
        if let Some(audiences) = &checks.audiences {
            if !names_one(claims.get("aud"), audiences) {
                return Err(Rejection::WrongAudience);
            }
        }
        if !checks.allow_pending_sessions && claims.str("sts") == Some("pending") {
            return Err(Rejection::PendingSession);
        }
        Ok(())
    }
}

/// A token's JOSE header: `alg`, and the fields as they were written.
struct Jose<'h> {
    alg: Algorithm,
    fields: Object<'h>,
}

impl<'h> Jose<'h> {
    /// Fails as `jsonwebtoken::decode_header` would on what verification reads: an `alg` that is
    /// not one of its algorithms' names, a `typ` or `kid` that is neither a string nor null.
    fn read(encoded: &str, buffer: &'h mut Vec<u8>) -> Result<Jose<'h>, Rejection> {
        let fields = decode_object(encoded, buffer)?;
        let alg = match fields.get("alg") {
            Some(Json::String(name)) => name.parse().map_err(|_| Rejection::Malformed)?,
            _ => return Err(Rejection::Malformed),
        };
        for name in ["typ", "kid"] {
            if !matches!(fields.get(name), None | Some(Json::Null | Json::String(_))) {
                return Err(Rejection::Malformed);
            }
        }
        Ok(Jose { alg, fields })
    }

    fn text(&self, name: &str) -> Option<&str> {
        self.fields.get(name).and_then(Json::as_str)
    }
}

/// A base64url segment (header or payload) holding a JSON object, decoded into `buffer`, which
/// the object borrows from. Checked as UTF-8 once, whole: from a `&str`, serde_json reads each
/// string as it is.
fn decode_object<'b>(encoded: &str, buffer: &'b mut Vec<u8>) -> Result<Object<'b>, Rejection> {
    buffer.clear();
    URL_SAFE_NO_PAD
        .decode_vec(encoded, buffer)
        .map_err(|_| Rejection::Malformed)?;
    let text = std::str::from_utf8(buffer).map_err(|_| Rejection::Malformed)?;
    serde_json::from_str(text).map_err(|_| Rejection::Malformed)
}

/// True when `aud` (a string, or an array of strings) names one of `wanted`; an absent or
/// mistyped `aud` names nothing.
fn names_one(aud: Option<&Json<'_>>, wanted: &[String]) -> bool {
    let wanted = |aud: &str| wanted.iter().any(|w| w == aud);
    match aud {
        Some(Json::String(aud)) => wanted(aud),
        Some(Json::Array(auds)) => auds.iter().filter_map(Json::as_str).any(wanted),
        _ => false,
    }
}

/// A NumericDate claim: absent is `None`; present but not a finite number is a rejection.
fn time_claim(claims: &Claims<'_>, name: &str) -> Result<Option<f64>, Rejection> {
    match claims.get(name) {
        None => Ok(None),
        Some(value) => value
            .as_f64()
            .filter(|t| t.is_finite())
            .map(Some)
            .ok_or(Rejection::BadTimeClaim),
    }
}
