//! (5) Clerk's webhook deliveries, before and after the signature check: any body read as an
//! event, any headers checked against a signing secret. A panic fails; so does an event that
//! names no Clerk tenant id, and any delivery accepted whose signature is not the secret's.
#![no_main]

use clerk_webhooks::events::{self, Action};
use clerk_webhooks::svix::SigningSecret;
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "whsec_ZGV2LW9ubHktd2ViaG9vay1zaWduaW5nLXNlY3JldA==";
const NOW: i64 = 1_800_000_000;

fuzz_target!(|data: &[u8]| {
    // The body, as an event.
    if let Ok(Some(change)) = events::read(data) {
        let rest = change
            .tenant
            .strip_prefix("org_")
            .or_else(|| change.tenant.strip_prefix("user_"))
            .expect("a Clerk organisation or user id");
        assert!(!rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert!(change.at > 0);
        if let Action::Move { plan } = &change.action {
            assert!(!plan.is_empty());
        }
    }

    // The headers and the body: `id \n timestamp \n signatures \n body`.
    let mut parts = data.splitn(4, |b| *b == b'\n');
    let (Some(id), Some(timestamp), Some(signatures)) = (parts.next(), parts.next(), parts.next())
    else {
        return;
    };
    let body = parts.next().unwrap_or_default();
    let text = |bytes| std::str::from_utf8(bytes).ok();
    let secret = SigningSecret::parse(SECRET).expect("the dev secret");
    let verified = secret.verify(text(id), text(timestamp), text(signatures), body, NOW);
    if verified.is_ok() {
        let (id, timestamp, signatures) = (
            text(id).unwrap(),
            text(timestamp).unwrap(),
            text(signatures).unwrap(),
        );
        let stamp: i64 = timestamp
            .trim()
            .parse()
            .expect("a verified timestamp is a number");
        assert!((NOW - stamp).abs() <= 300, "a stale delivery was accepted");
        let genuine = secret.sign(id.trim(), stamp, body);
        assert!(
            signatures.split_whitespace().any(|s| s == genuine),
            "a delivery was accepted without the secret's signature"
        );
    }
});
