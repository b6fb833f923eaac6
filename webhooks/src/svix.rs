//! Svix's webhook signatures: `svix-signature` holds space-separated `v1,<base64>` entries,
//! each an HMAC-SHA256 of `<svix-id>.<svix-timestamp>.<body>` keyed with the base64 after
//! `whsec_` (the Standard Webhooks scheme). A delivery more than five minutes from now is
//! refused, so a captured one cannot be replayed later.

use aws_lc_rs::hmac;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// How far a delivery's timestamp may be from now, either way, as Svix's libraries allow.
pub const TOLERANCE_SECONDS: i64 = 300;

/// Why a delivery was refused. None of them quotes the secret or a signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A header is missing or empty: `svix-id`, `svix-timestamp` or `svix-signature`.
    MissingHeader(&'static str),
    /// `svix-timestamp` is not whole seconds since the epoch.
    BadTimestamp,
    /// The timestamp is more than `TOLERANCE_SECONDS` from now.
    Stale,
    /// No `v1` signature matches.
    BadSignature,
}

impl Refusal {
    /// The HTTP status to answer with: 401 for a signature that does not match, 400 otherwise.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::BadSignature => 401,
            _ => 400,
        }
    }

    /// A short, safe explanation for the answer and the log.
    pub fn message(&self) -> String {
        match self {
            Refusal::MissingHeader(name) => format!("the {name} header is missing"),
            Refusal::BadTimestamp => "svix-timestamp is not a Unix time in seconds".into(),
            Refusal::Stale => format!(
                "svix-timestamp is more than {TOLERANCE_SECONDS} s from now: a stale or replayed delivery"
            ),
            Refusal::BadSignature => {
                "no signature matches: check the signing secret (whsec_…) of this endpoint".into()
            }
        }
    }
}

/// An endpoint's signing secret, decoded once.
pub struct SigningSecret(hmac::Key);

impl SigningSecret {
    /// Reads `whsec_<base64>` (the prefix may be left out), as the Clerk dashboard shows it.
    pub fn parse(text: &str) -> Result<SigningSecret, String> {
        let text = text.trim();
        let encoded = text.strip_prefix("whsec_").unwrap_or(text);
        match STANDARD.decode(encoded) {
            Ok(bytes) if bytes.len() >= 16 => {
                Ok(SigningSecret(hmac::Key::new(hmac::HMAC_SHA256, &bytes)))
            }
            _ => Err(
                "is not a webhook signing secret: whsec_ followed by base64 of at least 16 \
                      bytes (Clerk dashboard → Webhooks → the endpoint → Signing Secret)"
                    .into(),
            ),
        }
    }

    /// The `svix-signature` value for a delivery: `v1,<base64 HMAC>`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let tag = hmac::sign(&self.0, &signed_content(id, timestamp, body));
        format!("v1,{}", STANDARD.encode(tag.as_ref()))
    }

    /// Checks a delivery's headers against its raw body at `now` (seconds since the epoch).
    pub fn verify(
        &self,
        id: Option<&str>,
        timestamp: Option<&str>,
        signatures: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Result<(), Refusal> {
        fn present<'v>(value: Option<&'v str>, name: &'static str) -> Result<&'v str, Refusal> {
            value
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .ok_or(Refusal::MissingHeader(name))
        }
        let id = present(id, "svix-id")?;
        let timestamp = present(timestamp, "svix-timestamp")?;
        let signatures = present(signatures, "svix-signature")?;
        let timestamp: i64 = timestamp.parse().map_err(|_| Refusal::BadTimestamp)?;
        if (now - timestamp).abs() > TOLERANCE_SECONDS {
            return Err(Refusal::Stale);
        }
        let content = signed_content(id, timestamp, body);
        // Several entries during a secret's rotation; other versions are not ours to judge.
        let matches = signatures
            .split_whitespace()
            .filter_map(|entry| entry.strip_prefix("v1,"))
            .filter_map(|encoded| STANDARD.decode(encoded).ok())
            .any(|tag| hmac::verify(&self.0, &content, &tag).is_ok());
        if matches {
            Ok(())
        } else {
            Err(Refusal::BadSignature)
        }
    }
}

fn signed_content(id: &str, timestamp: i64, body: &[u8]) -> Vec<u8> {
    let mut content = format!("{id}.{timestamp}.").into_bytes();
    content.extend_from_slice(body);
    content
}

#[cfg(test)]
mod tests {
    use super::*;

    // The Standard Webhooks specification's published test vector, which Svix's libraries
    // verify (github.com/standard-webhooks/standard-webhooks, and svix-webhooks' tests).
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: i64 = 1_614_265_330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn check(secret: &str, signature: &str, body: &[u8], now: i64) -> Result<(), Refusal> {
        let stamp = TIMESTAMP.to_string();
        SigningSecret::parse(secret).unwrap().verify(
            Some(ID),
            Some(&stamp),
            Some(signature),
            body,
            now,
        )
    }

    #[test]
    fn the_published_vector_signs_and_verifies() {
        let secret = SigningSecret::parse(SECRET).unwrap();
        assert_eq!(secret.sign(ID, TIMESTAMP, BODY), SIGNATURE);
        assert_eq!(check(SECRET, SIGNATURE, BODY, TIMESTAMP), Ok(()));
        // Without the prefix, and among other entries, as during a rotation.
        assert_eq!(check(&SECRET[6..], SIGNATURE, BODY, TIMESTAMP), Ok(()));
        let several = format!("v1,bm90IGl0 v2,whatever {SIGNATURE}");
        assert_eq!(check(SECRET, &several, BODY, TIMESTAMP + 299), Ok(()));
    }

    #[test]
    fn a_wrong_secret_body_or_signature_is_refused() {
        let other = "whsec_c2VjcmV0LW9mLWFub3RoZXItZW5kcG9pbnQ=";
        assert_eq!(
            check(other, SIGNATURE, BODY, TIMESTAMP),
            Err(Refusal::BadSignature)
        );
        let changed = br#"{"test": 2432232315}"#;
        assert_eq!(
            check(SECRET, SIGNATURE, changed, TIMESTAMP),
            Err(Refusal::BadSignature)
        );
        for bad in [
            "v1,",
            "v1,!!!",
            "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        ] {
            assert_eq!(
                check(SECRET, bad, BODY, TIMESTAMP),
                Err(Refusal::BadSignature),
                "{bad}"
            );
        }
        assert_eq!(Refusal::BadSignature.status(), 401);
    }

    #[test]
    fn stale_future_and_malformed_deliveries_are_refused() {
        assert_eq!(
            check(SECRET, SIGNATURE, BODY, TIMESTAMP + 301),
            Err(Refusal::Stale)
        );
        assert_eq!(
            check(SECRET, SIGNATURE, BODY, TIMESTAMP - 301),
            Err(Refusal::Stale)
        );
        let secret = SigningSecret::parse(SECRET).unwrap();
        let stamp = TIMESTAMP.to_string();
        let verify = |id, ts, sig| secret.verify(id, ts, sig, BODY, TIMESTAMP);
        assert_eq!(
            verify(None, Some(&stamp), Some(SIGNATURE)),
            Err(Refusal::MissingHeader("svix-id"))
        );
        assert_eq!(
            verify(Some(ID), Some(" "), Some(SIGNATURE)),
            Err(Refusal::MissingHeader("svix-timestamp"))
        );
        assert_eq!(
            verify(Some(ID), Some(&stamp), None),
            Err(Refusal::MissingHeader("svix-signature"))
        );
        assert_eq!(
            verify(Some(ID), Some("1614265330.5"), Some(SIGNATURE)),
            Err(Refusal::BadTimestamp)
        );
        assert_eq!(Refusal::Stale.status(), 400);
    }

    #[test]
    fn only_real_secrets_parse() {
        for bad in ["", "whsec_", "whsec_not base64!", "whsec_c2hvcnQ="] {
            assert!(SigningSecret::parse(bad).is_err(), "{bad:?}");
        }
    }
}
