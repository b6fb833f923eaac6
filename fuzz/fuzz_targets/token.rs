//! (2) Arbitrary token strings against the configured key. A panic fails; so does accepting a
//! token that jsonwebtoken's own verification rejects, or any token under an unsignable key.
#![no_main]

#[path = "common.rs"]
mod common;

use std::sync::OnceLock;

use authorizer::token::Place;
use authorizer::Authorizer;
use libfuzzer_sys::fuzz_target;

static DEV: OnceLock<Authorizer> = OnceLock::new();
static UNREACHABLE: OnceLock<Authorizer> = OnceLock::new();

fuzz_target!(|token: &str| {
    let unreachable = UNREACHABLE.get_or_init(|| common::authorizer(common::UNREACHABLE_PUBLIC));
    assert!(
        unreachable
            .config()
            .verifier
            .verify(token, Place::Authorization, common::NOW)
            .is_err(),
        "forged token accepted: {token}"
    );

    let dev = DEV.get_or_init(|| common::authorizer(common::DEV_PUBLIC));
    if dev
        .config()
        .verifier
        .verify(token, Place::Authorization, common::NOW)
        .is_ok()
    {
        assert!(
            common::genuinely_signed(token),
            "accepted a token jsonwebtoken rejects: {token}"
        );
    }
});
