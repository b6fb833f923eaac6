//! In-process benchmarks: the full decision against the physical floor, one RS256 verification.
//!
//!   cargo bench -p clerk-apigw-authorizer --bench decision
//!
//! After criterion's own report, prints each median and its ratio to the raw verification,
//! all from this one run (these machines are noisy; only same-run ratios are comparable).

use std::hint::black_box;
use std::time::Duration;

use clerk_apigw_authorizer::context::Context;
use clerk_apigw_authorizer::credential::Credential;
use clerk_apigw_authorizer::policy::{self, Effect, Resources};
use clerk_apigw_authorizer::rules::AccessRules;
use clerk_apigw_authorizer::verify::Claims;
use criterion::Criterion;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;

#[path = "fixtures/mod.rs"]
mod fixtures;
use fixtures::*;

/// The benchmarks, in the order of the summary table. `raw_verify` is the floor.
const IDS: [&str; 12] = [
    "raw_verify_rs256",
    "token_admin_full",
    "token_v2_50_entries_full",
    "request_cookie_full",
    "http_v2_simple_full",
    "reject_malformed",
    "reject_bad_signature",
    "reject_expired",
    "render_policy_20_rules",
    "reject_1mib_cookie",
    "reject_1mib_authorization",
    "jsonwebtoken_decode",
];

fn benches(c: &mut Criterion) {
    let valid = sign(&clerk_claims(NOW + 3600), PRIVATE);
    let expired = sign(&clerk_claims(NOW - 3600), PRIVATE);
    let foreign = sign(&clerk_claims(NOW + 3600), FOREIGN);
    let rules = twenty_rules();
    let authz = authorizer(&rules);
    let authz50 = authorizer(&fifty_entries());

    // The floor: one RS256 verification with a pre-parsed aws-lc-rs key.
    let raw = RawVerify::new(&valid);
    c.bench_function(IDS[0], |b| b.iter(|| raw.verify()));

    let fifty = token_event(&format!("Bearer {valid}"));
    let outcome = authz50.handle(&fifty, NOW);
    assert_eq!(
        outcome.reason, "allowed",
        "the 50-entry case must be a real allow"
    );
    c.bench_function(IDS[2], |b| {
        b.iter(|| authz50.handle(black_box(&fifty), NOW))
    });

    let events = [
        (IDS[1], token_event(&format!("Bearer {valid}"))),
        (IDS[3], request_cookie_event(&valid)),
        (IDS[4], http_v2_event(&valid)),
        (
            IDS[5],
            token_event("Bearer eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2lnbmF0dXJl!"),
        ),
        (IDS[6], token_event(&format!("Bearer {foreign}"))),
        (IDS[7], token_event(&format!("Bearer {expired}"))),
    ];
    for (id, event) in &events {
        let outcome = authz.handle(event, NOW);
        assert!(
            outcome.reason != "unrecognised_event",
            "{id}: {}",
            outcome.reason
        );
        c.bench_function(id, |b| b.iter(|| authz.handle(black_box(event), NOW)));
    }

    // Policy and context rendering alone, for an admin with 20 route rules.
    let claims: Claims =
        serde_json::from_value::<serde_json::Map<String, Value>>(clerk_claims(NOW))
            .map(clerk_apigw_authorizer::verify::Claims::from_payload)
            .unwrap();
    let role_rules = AccessRules::parse(&rules).unwrap();
    c.bench_function(IDS[8], |b| {
        b.iter(|| {
            let credential = Credential::from_claims(black_box(&claims), &["metadata", "role"]);
            let decision = role_rules.decide(&credential, "GET/resource3/42");
            let context = Context::from_credential(&claims, &credential);
            let resources = Resources {
                prefix: PREFIX,
                suffixes: &decision.granted,
            };
            policy::render_policy(
                claims.subject(),
                Effect::Allow,
                resources,
                Some(&context),
                None,
            )
        })
    });

    let huge = "x".repeat(1 << 20);
    let cookie_event = request_cookie_event(&huge);
    let auth_event = token_event(&format!("Bearer {huge}"));
    c.bench_function(IDS[9], |b| {
        b.iter(|| authz.handle(black_box(&cookie_event), NOW))
    });
    c.bench_function(IDS[10], |b| {
        b.iter(|| authz.handle(black_box(&auth_event), NOW))
    });

    // For comparison: jsonwebtoken::decode, which re-parses the key on every call.
    let decoding = DecodingKey::from_rsa_pem(PUBLIC.as_bytes()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_aud = false;
    c.bench_function(IDS[11], |b| {
        b.iter(|| {
            jsonwebtoken::decode::<serde_json::Map<String, Value>>(
                black_box(&valid),
                &decoding,
                &validation,
            )
            .unwrap()
        })
    });
}

/// Reads criterion's median estimate (nanoseconds) for `id` from this run.
fn median_ns(id: &str) -> Option<f64> {
    let dir = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../target").into());
    let path = format!("{dir}/criterion/{id}/new/estimates.json");
    let estimates: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    estimates["median"]["point_estimate"].as_f64()
}

fn summary() {
    let Some(floor) = median_ns(IDS[0]) else {
        return;
    };
    println!("\nsummary (medians of this run; ratio = median / raw RS256 verify)");
    println!("{:<28} {:>12} {:>8}", "benchmark", "median", "ratio");
    for id in IDS {
        if let Some(ns) = median_ns(id) {
            let time = if ns >= 1000.0 {
                format!("{:.2} µs", ns / 1000.0)
            } else {
                format!("{ns:.0} ns")
            };
            println!("{id:<28} {time:>12} {:>8.3}", ns / floor);
        }
    }
    let ratio = |id| median_ns(id).map(|ns| ns / floor).unwrap_or(f64::NAN);
    let met = |r: f64, limit: f64| if r <= limit { "met" } else { "MISSED" };
    println!("\ntargets: full TOKEN decision / raw verify = {:.3} (≤ 1.5: {}); with 50 list-form entries = {:.3} (≤ 1.5: {}); malformed / raw verify = {:.4} (≤ 0.1: {})",
        ratio(IDS[1]), met(ratio(IDS[1]), 1.5),
        ratio(IDS[2]), met(ratio(IDS[2]), 1.5),
        ratio(IDS[5]), met(ratio(IDS[5]), 0.1));
}

fn main() {
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    benches(&mut criterion);
    criterion.final_summary();
    summary();
}
