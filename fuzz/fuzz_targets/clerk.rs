//! (4) What comes from the network or from a caller before Clerk is asked: an opaque
//! credential's shape, a Backend API answer, a JWKS document. A panic fails, and so does any
//! answer judged genuine that Clerk did not vouch for (a non-200, another object, a revoked or
//! expired record), or any credential shape let through that Clerk's syntax forbids.
#![no_main]

use authorizer::clerk_api::{endpoint, judge, Answer, Reply, MAX_RETRY_AFTER_SECONDS};
use authorizer::kind::TokenKind;
use authorizer::opaque::{recognise, MAX_OPAQUE_CHARS};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    // The credential: whatever `Authorization` held.
    if let Ok(token) = std::str::from_utf8(data) {
        if let Some(Ok(kind)) = recognise(token) {
            let prefix = match kind {
                TokenKind::ApiKey => "ak_",
                TokenKind::Machine => "mt_",
                TokenKind::OAuth => "oat_",
                TokenKind::Session => panic!("a session is never opaque"),
            };
            let body = token.strip_prefix(prefix).expect("the prefix of its kind");
            assert!(
                !body.is_empty() && body.len() <= MAX_OPAQUE_CHARS,
                "{token:?}"
            );
            assert!(body
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        }
    }

    // A Backend API answer: the first two bytes pick the status, the rest is the body.
    if data.len() >= 2 {
        let status = 100 + u16::from_le_bytes([data[0], data[1]]) % 500;
        // The body doubles as the Retry-After header, so hostile headers are read too.
        let retry_after = std::str::from_utf8(&data[2..]).ok().map(str::to_string);
        let reply = Ok(Reply {
            status,
            body: data[2..].to_vec(),
            retry_after,
        });
        for kind in [TokenKind::ApiKey, TokenKind::Machine, TokenKind::OAuth] {
            let endpoint = endpoint(kind).expect("an opaque kind");
            let now_ms = 1_800_000_000_000;
            let answer = judge(&endpoint, &reply, now_ms);
            if let Answer::RateLimited(seconds) = answer {
                assert_eq!(status, 429);
                assert!(
                    (1..=MAX_RETRY_AFTER_SECONDS).contains(&seconds),
                    "{seconds}"
                );
            }
            if let Answer::Verified(record) = answer {
                assert_eq!(status, 200);
                assert!(!record.subject.is_empty());
                // Fields we do not read are skipped, not validated (an invalid escape in one
                // does not fail the record), so the cross-check needs a strictly valid body.
                if let Ok(json) = serde_json::from_slice::<Value>(&data[2..]) {
                    assert_eq!(json["object"], endpoint.object);
                    assert_eq!(json["revoked"], false);
                    assert_eq!(json["expired"], false);
                }
                assert!(record.expiration_ms.is_none_or(|at| at > now_ms));
            }
        }
    }

    // A JWKS document: never a panic, and an error rather than an empty key set.
    if let Ok(keys) = authorizer::jwks::parse(data) {
        assert!(!keys.is_empty());
    }
});
