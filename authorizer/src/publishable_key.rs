//! `CLERK_PUBLISHABLE_KEY`: Clerk's conventional setting, and what Clerk derives from it.
//!
//! A publishable key is `pk_test_` or `pk_live_` followed by base64 of the Frontend API host
//! and a `$` (`pk_test_Y2xlcmsuZXhhbXBsZS5jb20k` → `clerk.example.com`). From it Clerk's SDK
//! derives the issuer, `https://<host>`, and the name of the session cookie it reads before the
//! plain `__session`: `__session_` and the first 8 characters of base64url(SHA-1(key)).

use aws_lc_rs::digest::{digest, SHA1_FOR_LEGACY_USE_ONLY};
use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE};
use base64::engine::DecodePaddingMode;
use base64::Engine;

use crate::token::SESSION_COOKIE;

/// What a publishable key names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishableKey {
    /// `https://<frontend api host>`: the `iss` of every token the instance signs.
    pub issuer: String,
    /// `__session_<suffix>`: the app's own session cookie.
    pub session_cookie: String,
    /// `pk_live_` (a production instance) rather than `pk_test_`.
    pub live: bool,
}

/// Reads a publishable key. The error says what a key looks like; a publishable key is public,
/// but the message still does not quote it, in case a secret key was pasted by mistake.
pub fn parse(key: &str) -> Result<PublishableKey, String> {
    const HELP: &str = "must be your Clerk publishable key, pk_test_… or pk_live_… (Clerk \
        dashboard → API keys → Publishable key)";
    let key = key.trim();
    let encoded = key
        .strip_prefix("pk_test_")
        .or_else(|| key.strip_prefix("pk_live_"))
        .ok_or_else(|| {
            if key.starts_with("sk_") {
                format!("holds a secret key; it {HELP}")
            } else {
                HELP.to_string()
            }
        })?;
    // Clerk's keys drop base64's padding; accept it either way.
    let lenient = GeneralPurpose::new(
        &alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let decoded = lenient
        .decode(encoded)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| format!("is not valid base64 after its prefix; it {HELP}"))?;
    let host = decoded
        .strip_suffix('$')
        .filter(|host| is_host(host))
        .ok_or_else(|| format!("does not name a Frontend API host; it {HELP}"))?;
    Ok(PublishableKey {
        issuer: format!("https://{host}"),
        session_cookie: format!("{SESSION_COOKIE}_{}", cookie_suffix(key)),
        live: key.starts_with("pk_live_"),
    })
}

/// The first 8 characters of base64url(SHA-1(key)), as Clerk's `getCookieSuffix` computes them
/// (standard base64 with `+` → `-` and `/` → `_`).
pub fn cookie_suffix(key: &str) -> String {
    let hash = digest(&SHA1_FOR_LEGACY_USE_ONLY, key.as_bytes());
    let mut suffix = URL_SAFE.encode(hash.as_ref());
    suffix.truncate(8);
    suffix
}

/// A DNS name, optionally with a port: what a Frontend API host can be.
fn is_host(host: &str) -> bool {
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host, None),
    };
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && port
            .is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Clerk's test key (`packages/backend/src/fixtures`), and the suffixes Clerk's own
    /// `authenticateContext` tests use for it.
    const CLERK_TEST_KEY: &str = "pk_test_Y2xlcmsuaW5zcGlyZWQucHVtYS03NC5sY2wuZGV2JA";

    #[test]
    fn clerks_test_key_names_its_issuer_and_cookie() {
        let key = parse(CLERK_TEST_KEY).unwrap();
        assert_eq!(key.issuer, "https://clerk.inspired.puma-74.lcl.dev");
        assert_eq!(key.session_cookie, "__session_vWCgMp3A");
        let live = parse(&CLERK_TEST_KEY.replace("pk_test_", "pk_live_")).unwrap();
        assert_eq!(live.issuer, key.issuer);
        assert_eq!(live.session_cookie, "__session_MqCvchyS");
    }

    #[test]
    fn malformed_keys_are_refused() {
        for key in [
            "",
            "Y2xlcmsuaW5zcGlyZWQucHVtYS03NC5sY2wuZGV2JA",
            "pk_prod_Y2xlcmsuaW5zcGlyZWQucHVtYS03NC5sY2wuZGV2JA",
            "sk_test_abc",
            "pk_test_",
            "pk_test_!!!",
            // base64 of "clerk.example.com" without the `$`
            "pk_test_Y2xlcmsuZXhhbXBsZS5jb20",
            // base64 of "https://x.y$" and of "a b$"
            "pk_test_aHR0cHM6Ly94Lnkk",
            "pk_test_YSBiJA",
        ] {
            assert!(parse(key).is_err(), "{key:?}");
        }
        assert!(parse("sk_test_abc").unwrap_err().contains("secret key"));
    }
}
