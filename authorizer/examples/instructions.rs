//! Runs one benchmark case `N` times, for instruction counts under callgrind (deterministic,
//! unlike times on these shared machines). `bench/run instructions` runs it at two `N` and
//! prints the difference per call (N = 1 and 2001), so the set-up cost cancels out.
//!
//!   cargo run --release -p clerk-apigw-authorizer --example instructions -- <case> <N>
//!
//! Cases: `raw_verify` (one RS256 verification, the floor), `token_admin` (a full REST TOKEN
//! decision, 20 rules), `token_50_entries` (the same with 50 list-form entries),
//! `http_v2_simple` (an HTTP API 2.0 simple response).

use std::hint::black_box;

#[path = "../benches/fixtures/mod.rs"]
mod fixtures;
use fixtures::*;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(case), Some(n)) = (
        args.first(),
        args.get(1).and_then(|n| n.parse::<u32>().ok()),
    ) else {
        eprintln!("usage: instructions raw_verify|token_admin|token_50_entries|http_v2_simple N");
        std::process::exit(2);
    };
    let token = sign(&clerk_claims(NOW + 3600), PRIVATE);
    let (authorizer, event) = match case.as_str() {
        "raw_verify" => {
            let raw = RawVerify::new(&token);
            (0..n).for_each(|_| raw.verify());
            return;
        }
        "token_admin" => (
            authorizer(&twenty_rules()),
            token_event(&format!("Bearer {token}")),
        ),
        "token_50_entries" => (
            authorizer(&fifty_entries()),
            token_event(&format!("Bearer {token}")),
        ),
        "http_v2_simple" => (authorizer(&twenty_rules()), http_v2_event(&token)),
        other => {
            eprintln!("unknown case {other:?}");
            std::process::exit(2);
        }
    };
    assert_eq!(authorizer.handle(&event, NOW).reason, "allowed");
    for _ in 0..n {
        black_box(authorizer.handle(black_box(&event), NOW));
    }
}
