//! `process-bench concurrency`: one execution environment of the release authorizer serving 1,
//! 4 and 16 invocations at once (`AWS_LAMBDA_MAX_CONCURRENCY`, as Lambda Managed Instances set
//! it), with as many clients each waiting for its answer before sending the next. Sessions are
//! CPU-bound; API keys are distinct, so each one is a call to a local Clerk API that answers in
//! 50 ms, with `CLERK_API_CALLS_PER_SECOND` raised so that the cap is not the bottleneck.
//! Reported: invocations per second, p50/p99 latency (queued → answered) and peak RSS.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use runtime_api::RuntimeApi;
use serde_json::json;

use crate::{as_lambda, local_clerk_api, median, peak_rss_kib, percentile, stop, INVOKE_TIMEOUT};

/// Clerk's answer time in the API-key runs.
const CLERK_DELAY_MS: u64 = 50;
const LEVELS: [usize; 3] = [1, 4, 16];
/// Invocations per client: sessions, API keys (each key a 50 ms call).
const SESSIONS_PER_CLIENT: usize = 1500;
const KEYS_PER_CLIENT: usize = 40;

pub fn run(bin_dir: &std::path::Path) {
    // The runtime serves the local Clerk API until the end of the run.
    let (_runtime, clerk) = local_clerk_api(2);
    // Distinct keys that Clerk knows: every run asks about new ones.
    let keys_needed: usize = LEVELS.iter().map(|c| (KEYS_PER_CLIENT + 1) * c).sum();
    let keys: Vec<String> = (0..keys_needed)
        .map(|i| format!("ak_benchconcurrency{i:08}"))
        .collect();
    let agent = ureq::Agent::new_with_defaults();
    for (i, key) in keys.iter().enumerate() {
        let answer = tests::opaque_answer(
            "api_key",
            &format!("ak_id_bench{i}"),
            tests::SAMPLE_ORG,
            &["tasks:read"],
        );
        let body = json!({"secret": key, "answer": answer}).to_string();
        agent
            .post(&format!("{}/_credentials", clerk.url))
            .send(body.as_str())
            .expect("a key registered with the local Clerk API");
    }
    let control = json!({"fault": "slow", "delay_ms": CLERK_DELAY_MS}).to_string();
    agent
        .post(&format!("{}/_control", clerk.url))
        .send(control.as_str())
        .expect("the local Clerk API slowed down");

    let env: Vec<(String, String)> = tests::dev_api_key_env()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .chain([
            ("CLERK_API_URL".to_string(), clerk.url.clone()),
            ("CLERK_SECRET_KEY".into(), tests::DEV_SECRET_KEY.into()),
            ("CLERK_API_CALLS_PER_SECOND".into(), "1000".into()),
        ])
        .collect();
    let now = authorizer::now();
    let sessions: Vec<String> = (0..64)
        .map(|i| {
            let claims = tests::clerk_claims(
                &format!("user_2bench{i:020}"),
                json!({"role": "admin"}),
                now - 5,
                now + 3600,
            );
            let token = tests::mint(&claims);
            tests::token_event(&format!("Bearer {token}"), "GET /tasks").to_string()
        })
        .collect();
    let mut next_key = 0;
    println!(
        "\nconcurrency: one environment, N invocations at once (AWS_LAMBDA_MAX_CONCURRENCY=N), N clients"
    );
    println!(
        "{:<34} {:>3} {:>10} {:>10} {:>10} {:>10}",
        "credential", "N", "inv/s", "p50 ms", "p99 ms", "peak RSS"
    );
    for &n in &LEVELS {
        let session_events: Vec<String> = (0..n * SESSIONS_PER_CLIENT)
            .map(|i| sessions[i % sessions.len()].clone())
            .collect();
        let key_events: Vec<String> = keys[next_key..next_key + n * (KEYS_PER_CLIENT + 1)]
            .iter()
            .map(|key| tests::token_event(&format!("Bearer {key}"), "GET /tasks").to_string())
            .collect();
        next_key += n * (KEYS_PER_CLIENT + 1);
        for (name, events) in [
            ("session (CPU-bound)", session_events),
            ("API key (Clerk answers in 50 ms)", key_events),
        ] {
            let (rate, mut latencies, rss) = drive(bin_dir, &env, n, events);
            println!(
                "{name:<34} {n:>3} {rate:>10.0} {:>10.2} {:>10.2} {:>7} KiB",
                median(&mut latencies),
                percentile(&mut latencies, 0.99),
                rss
            );
        }
    }
}

/// Runs `events` through one environment with `n` clients at once, after `n` warm-up
/// invocations (the first event of each client): (invocations per second, latencies in ms,
/// peak RSS in KiB).
fn drive(
    bin_dir: &std::path::Path,
    env: &[(String, String)],
    n: usize,
    events: Vec<String>,
) -> (f64, Vec<f64>, u64) {
    let emulator = Arc::new(RuntimeApi::start().expect("bind loopback"));
    let child = as_lambda(
        &mut Command::new(bin_dir.join("authorizer")),
        &emulator,
        "authorizer",
    )
    .envs(env.iter().map(|(k, v)| (k, v)))
    .env("AWS_LAMBDA_MAX_CONCURRENCY", n.to_string())
    .spawn()
    .expect("the release authorizer starts");
    let (warm_up, measured) = events.split_at(n);
    std::thread::scope(|scope| {
        for event in warm_up {
            let emulator = emulator.clone();
            scope.spawn(move || invoke_ok(&emulator, event));
        }
    });
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    let latencies: Vec<f64> = std::thread::scope(|scope| {
        let clients: Vec<_> = (0..n)
            .map(|_| {
                let (emulator, next) = (emulator.clone(), &next);
                scope.spawn(move || {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(event) = measured.get(i) else {
                            return mine;
                        };
                        let sent = Instant::now();
                        invoke_ok(&emulator, event);
                        mine.push(sent.elapsed().as_secs_f64() * 1000.0);
                    }
                })
            })
            .collect();
        clients
            .into_iter()
            .flat_map(|c| c.join().unwrap())
            .collect()
    });
    let rate = measured.len() as f64 / started.elapsed().as_secs_f64();
    let rss = peak_rss_kib(&child);
    stop(child);
    (rate, latencies, rss)
}

fn invoke_ok(emulator: &RuntimeApi, event: &str) {
    let reply = emulator
        .submit(event.to_string(), INVOKE_TIMEOUT)
        .wait(INVOKE_TIMEOUT + Duration::from_secs(1))
        .expect("an answer within 30 s");
    assert!(reply.ok(), "{}", reply.body);
}
