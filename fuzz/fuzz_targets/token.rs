//! (2) Arbitrary token strings against the configured key. A panic fails; so does accepting a
//! token that jsonwebtoken's own verification rejects, or any token under an unsignable key;
//! and, with every kind accepted: a machine token from a cookie or a subprotocol, a `cat`
//! outside its kind's allow-list, a JWT-template token.
#![no_main]

#[path = "common.rs"]
mod common;

use std::sync::OnceLock;

use authorizer::kind::TokenKind;
use authorizer::token::Place;
use authorizer::Authorizer;
use libfuzzer_sys::fuzz_target;

static DEV: OnceLock<Authorizer> = OnceLock::new();
static UNREACHABLE: OnceLock<Authorizer> = OnceLock::new();
static EVERY_KIND: OnceLock<Authorizer> = OnceLock::new();

fuzz_target!(|token: &str| {
    let mut payload = Vec::new();
    let unreachable = UNREACHABLE.get_or_init(|| common::authorizer(common::UNREACHABLE_PUBLIC));
    assert!(
        unreachable
            .config()
            .verifier
            .verify(token, Place::Authorization, common::NOW, &mut payload)
            .is_err(),
        "forged token accepted: {token}"
    );

    let dev = DEV.get_or_init(|| common::authorizer(common::DEV_PUBLIC));
    if dev
        .config()
        .verifier
        .verify(token, Place::Authorization, common::NOW, &mut payload)
        .is_ok()
    {
        assert!(
            common::genuinely_signed(token),
            "accepted a token jsonwebtoken rejects: {token}"
        );
    }

    let every = EVERY_KIND.get_or_init(|| common::every_kind(common::DEV_PUBLIC));
    for place in [Place::Authorization, Place::Cookie, Place::Subprotocol] {
        let Ok(claims) = every
            .config()
            .verifier
            .verify(token, place, common::NOW, &mut payload)
        else {
            continue;
        };
        assert!(
            common::genuinely_signed(token),
            "accepted a forged token: {token}"
        );
        let kind = claims.kind();
        assert!(
            place == Place::Authorization || kind == TokenKind::Session,
            "a {kind:?} token accepted from {place:?}: {token}"
        );
        let header = common::header(token).expect("an accepted token has a JSON header");
        let allowed: &[&str] = match kind {
            TokenKind::Session => &["cl_B7d4PD111AAA", "cl_I7d4PD111III"],
            TokenKind::Machine => &["cl_B7d4PD333AAA", "cl_I7d4PD111III"],
            TokenKind::OAuth => &["cl_I7d4PD111III"],
            // Only Clerk's Backend API verifies an API key: never a signed JWT.
            TokenKind::ApiKey => panic!("a JWT accepted as an API key: {token}"),
        };
        match header.get("cat") {
            None => {}
            Some(cat) => assert!(
                cat.as_str().is_some_and(|c| allowed.contains(&c)),
                "a {kind:?} token with cat {cat} accepted: {token}"
            ),
        }
    }
});
