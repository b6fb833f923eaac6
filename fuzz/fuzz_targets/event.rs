//! (1) Arbitrary bytes as the Lambda event payload, through shape detection and the whole
//! decision. A panic fails; so does any answer but `Unauthorized` under a key nobody can sign
//! for, and any non-`Unauthorized` answer under the dev key for a token jsonwebtoken rejects.
#![no_main]

#[path = "common.rs"]
mod common;

use std::sync::OnceLock;

use authorizer::event::Request;
use authorizer::{Authorizer, Verdict};
use libfuzzer_sys::fuzz_target;

static DEV: OnceLock<Authorizer> = OnceLock::new();
static UNREACHABLE: OnceLock<Authorizer> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Ok(event) = std::str::from_utf8(data) else {
        return;
    };
    let unreachable = UNREACHABLE.get_or_init(|| common::authorizer(common::UNREACHABLE_PUBLIC));
    let outcome = unreachable.handle(event, common::NOW);
    assert_eq!(
        outcome.verdict,
        Verdict::Unauthorized,
        "forged token accepted: {event}"
    );

    let dev = DEV.get_or_init(|| common::authorizer(common::DEV_PUBLIC));
    let outcome = dev.handle(event, common::NOW);
    if outcome.verdict != Verdict::Unauthorized {
        let token = Request::parse(event)
            .and_then(|r| r.token(None).map(|(token, _)| token.to_string()))
            .expect("a decided event has a token");
        assert!(
            common::genuinely_signed(&token),
            "accepted a token jsonwebtoken rejects: {token}"
        );
    }
});
