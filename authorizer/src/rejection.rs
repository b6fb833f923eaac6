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
    /// `aud` does not contain any of `JWT_AUDIENCE` (sessions) or `OAUTH_AUDIENCE` (OAuth), or
    /// an M2M token's targets do not name `MACHINE_ID`.
    WrongAudience,
    /// The header `cat` or `typ` is not one the token's kind allows (see `kind`), e.g. a
    /// JWT-template token or a category we do not know.
    WrongTokenCategory,
    /// A genuine token of a kind `ACCEPTED_TOKENS` does not list.
    TokenNotAccepted,
    /// An M2M or OAuth token in a cookie or a WebSocket subprotocol, not in `Authorization`.
    MachineTokenOutsideHeader,
    /// An OAuth access token without `client_id`.
    MissingClientId,
    /// `sid` is missing: not a session token.
    MissingSessionId,
    /// `sts` is `pending`: the session has not finished its required steps.
    PendingSession,
    /// Clerk's Backend API does not know this opaque credential (404): invented, deleted, or
    /// another instance's.
    UnknownCredential,
    /// Clerk says the opaque credential was revoked.
    Revoked,
    /// Clerk's Backend API could not be asked: a timeout, a 5xx or a connection error.
    ClerkApiUnavailable,
    /// Clerk's secret key could not be read (empty or missing secret, access denied, Secrets
    /// Manager down): opaque credentials cannot be asked about until it can.
    ClerkSecretUnavailable,
    /// Clerk's Backend API refused our secret key (401), even after re-reading it.
    ClerkSecretKeyInvalid,
    /// Clerk answered 429 (and its `Retry-After` has not passed), or this execution
    /// environment reached `CLERK_API_CALLS_PER_SECOND`: refused without a call.
    ClerkApiRateLimited,
    /// Clerk's Backend API answered 200 with something other than the record asked for.
    ClerkApiBadAnswer,
    /// A token needed keys from `CLERK_JWKS_URL`, and none could be loaded.
    JwksUnavailable,
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
            Rejection::WrongTokenCategory => "wrong_token_category",
            Rejection::TokenNotAccepted => "token_not_accepted",
            Rejection::MachineTokenOutsideHeader => "machine_token_outside_header",
            Rejection::MissingClientId => "missing_client_id",
            Rejection::MissingSessionId => "missing_sid",
            Rejection::PendingSession => "pending_session",
            Rejection::UnknownCredential => "unknown_credential",
            Rejection::Revoked => "revoked",
            Rejection::ClerkApiUnavailable => "clerk_api_unavailable",
            Rejection::ClerkSecretUnavailable => "clerk_secret_unavailable",
            Rejection::ClerkSecretKeyInvalid => "clerk_secret_key_invalid",
            Rejection::ClerkApiRateLimited => "clerk_api_rate_limited",
            Rejection::ClerkApiBadAnswer => "clerk_api_bad_answer",
            Rejection::JwksUnavailable => "jwks_unavailable",
        }
    }

    /// True when the refusal says nothing about the credential, only that it could not be
    /// checked: it must not be cached by API Gateway, so it is answered with an error (REST's
    /// 401, an HTTP API's 500), never with a Deny or `isAuthorized: false`.
    pub fn is_outage(self) -> bool {
        matches!(
            self,
            Rejection::ClerkApiUnavailable
                | Rejection::ClerkSecretUnavailable
                | Rejection::ClerkSecretKeyInvalid
                | Rejection::ClerkApiRateLimited
                | Rejection::ClerkApiBadAnswer
                | Rejection::JwksUnavailable
        )
    }
}
