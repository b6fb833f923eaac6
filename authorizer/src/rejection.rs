//! Why a request was refused, as data.
//!
//! Every rejection leaves the process the same way (the Lambda error `Unauthorized`, or a
//! deny for HTTP APIs); the variant only travels into the log line, so tests can assert the
//! precise reason and a test for "expired" cannot pass because of a bad signature.

/// A reason to refuse a request before any role is looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// The event is not one of the API Gateway authorizer shapes we know.
    UnrecognisedEvent,
    /// No credential in any of the places this flavour reads.
    NoToken,
    /// `Authorization` uses a scheme other than `Bearer` (TOKEN flavour only).
    UnsupportedScheme,
    /// The token, or a header it would be read from, is over the size limit.
    TooLarge,
    /// Not three base64url segments with a JSON header and a JSON object payload.
    Malformed,
    /// The header names an algorithm other than RS256, RS384 or RS512.
    UnsupportedAlgorithm,
    /// The header lists `crit` extensions; we implement none, so RFC 7515 says refuse.
    CriticalHeader,
    /// No configured key verifies the signature.
    BadSignature,
    /// `exp` is missing.
    MissingExpiry,
    /// A time claim (`exp`, `nbf`, `iat`) is not a number.
    BadTimeClaim,
    /// `exp` is in the past, beyond the clock skew.
    Expired,
    /// `nbf` is in the future, beyond the clock skew.
    NotYetValid,
    /// `iat` is in the future, beyond the clock skew.
    IssuedInFuture,
    /// `sub` is missing, empty or not a string.
    MissingSubject,
    /// `iss` differs from `JWT_ISSUER`.
    WrongIssuer,
    /// `azp` is missing or not in `AUTHORIZED_PARTIES`.
    WrongParty,
    /// `aud` does not contain any of `JWT_AUDIENCE`.
    WrongAudience,
    /// The header `typ` is present and not `JWT`.
    WrongTokenType,
    /// A Clerk machine (M2M) token: header `cat` `cl_B7d4PD333AAA`, or `sub` starting `mch_`.
    MachineToken,
    /// A token made from a Clerk JWT template (header `cat` `cl_B7d4PD222AAA`), not a session.
    TemplateToken,
    /// `sid` is missing: not a session token.
    MissingSessionId,
    /// `sts` is `pending`: the session has not finished its required steps.
    PendingSession,
}

impl Rejection {
    /// The machine-readable reason carried by the log line.
    pub fn reason(self) -> &'static str {
        match self {
            Rejection::UnrecognisedEvent => "unrecognised_event",
            Rejection::NoToken => "no_token",
            Rejection::UnsupportedScheme => "unsupported_scheme",
            Rejection::TooLarge => "too_large",
            Rejection::Malformed => "malformed",
            Rejection::UnsupportedAlgorithm => "unsupported_alg",
            Rejection::CriticalHeader => "critical_header",
            Rejection::BadSignature => "bad_signature",
            Rejection::MissingExpiry => "missing_exp",
            Rejection::BadTimeClaim => "bad_time_claim",
            Rejection::Expired => "expired",
            Rejection::NotYetValid => "not_yet_valid",
            Rejection::IssuedInFuture => "issued_in_future",
            Rejection::MissingSubject => "missing_sub",
            Rejection::WrongIssuer => "wrong_issuer",
            Rejection::WrongParty => "wrong_party",
            Rejection::WrongAudience => "wrong_audience",
            Rejection::WrongTokenType => "wrong_token_type",
            Rejection::MachineToken => "machine_token",
            Rejection::TemplateToken => "template_token",
            Rejection::MissingSessionId => "missing_sid",
            Rejection::PendingSession => "pending_session",
        }
    }
}
