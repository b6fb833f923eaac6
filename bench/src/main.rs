//! Process-level benchmark and soak test for the release `bootstrap`, through a Lambda Runtime
//! API on loopback (the `runtime-api` crate, which the local gateway uses too).
//!
//!   process-bench bench --bootstrap target/release/authorizer [--node bench/node-reference/index.js]
//!   process-bench soak  --bootstrap target/release/authorizer [--invocations 100000]
//!   process-bench handlers [--bin-dir target/release]
//!   process-bench load [--clients 8] [--requests 20000] [--concurrency 8] [--bin-dir target/release]
//!   process-bench concurrency [--bin-dir target/release]
//!
//! `bench` measures cold start, warm p50/p99, invocations per second and peak RSS, interleaved
//! with the reference Node authorizer in the same run, and prints Rust/Node ratios.
//! `soak` runs mixed valid, invalid and malformed events of every flavour and checks every
//! answer, zero crashes, and that peak RSS does not grow after the first 1,000 calls.
//! `handlers` measures the cold start and warm latency of `health` (no AWS SDK) and `tasks`
//! (the DynamoDB SDK, answering `GET /tasks` from the template's table on moto_server), and the
//! CPU time and page faults each process spent to its first answer, which tells the function's
//! own cost from the time it waits on the table.

mod concurrency;
mod load;
mod runtimes;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use runtime_api::{Reply, RuntimeApi};

/// How long one invocation may take before the run fails.
const INVOKE_TIMEOUT: Duration = Duration::from_secs(30);

fn invoke(api: &RuntimeApi, event: &str) -> Reply {
    api.invoke(event.to_string(), INVOKE_TIMEOUT)
        .expect("the function answered within 30 s")
}
use serde_json::{json, Value};

const COLD_SPAWNS: usize = 9;
const WARM_INVOCATIONS: usize = 2000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let bootstrap = flag("--bootstrap").unwrap_or_else(|| "target/release/authorizer".into());
    match args.first().map(String::as_str) {
        Some("soak") => {
            let n = flag("--invocations")
                .and_then(|n| n.parse().ok())
                .unwrap_or(100_000);
            std::process::exit(soak(&bootstrap, n));
        }
        Some("load") => {
            let number = |name: &str, default: usize| {
                flag(name).and_then(|n| n.parse().ok()).unwrap_or(default)
            };
            let bin_dir = flag("--bin-dir").unwrap_or_else(|| "target/release".into());
            std::process::exit(load::run(&load::Load {
                bin_dir: std::path::Path::new(&bin_dir),
                clients: number("--clients", 8),
                requests: number("--requests", 20_000),
                concurrency: number("--concurrency", 8),
            }));
        }
        Some("handlers") => {
            let bin_dir = flag("--bin-dir").unwrap_or_else(|| "target/release".into());
            handlers(std::path::Path::new(&bin_dir));
        }
        Some("runtimes") => {
            let bin_dir = flag("--bin-dir").unwrap_or_else(|| "target/release".into());
            runtimes::run(std::path::Path::new(&bin_dir));
        }
        Some("concurrency") => {
            let bin_dir = flag("--bin-dir").unwrap_or_else(|| "target/release".into());
            concurrency::run(std::path::Path::new(&bin_dir));
        }
        Some("variants") => {
            let bin_dir = flag("--bin-dir").unwrap_or_else(|| "target/release".into());
            variants(std::path::Path::new(&bin_dir));
        }
        Some("bench") | None => {
            let node = flag("--node").unwrap_or_else(|| "bench/node-reference/index.js".into());
            bench(&bootstrap, &node);
        }
        Some(other) => {
            eprintln!("usage: process-bench bench|soak|handlers|load|variants|runtimes|concurrency [--bootstrap PATH] [--bin-dir DIR] [--node PATH] [--invocations N] (got {other:?})");
            std::process::exit(2);
        }
    }
}

/// Which function a run drives.
#[derive(Clone, Copy, PartialEq)]
enum Runtime<'a> {
    Rust(&'a str),
    Node(&'a str),
}

impl Runtime<'_> {
    fn name(&self) -> &'static str {
        match self {
            Runtime::Rust(_) => "rust",
            Runtime::Node(_) => "node",
        }
    }

    /// Spawns the function as Lambda would: the Runtime API address and the usual variables.
    fn spawn(&self, emulator: &RuntimeApi) -> Child {
        let mut command = match self {
            Runtime::Rust(path) => Command::new(path),
            Runtime::Node(script) => {
                let mut c = Command::new("node");
                c.arg(script);
                c
            }
        };
        as_lambda(&mut command, emulator, "authorizer")
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
            .envs(tests::dev_env())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the {} function: {e}", self.name()))
    }
}

/// `command` set up as Lambda starts a function: no environment but the Runtime API address,
/// the function's name and the variables Lambda always sets; no input, output discarded.
fn as_lambda<'c>(command: &'c mut Command, emulator: &RuntimeApi, name: &str) -> &'c mut Command {
    command
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", &emulator.address)
        .env("AWS_LAMBDA_FUNCTION_NAME", name)
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("AWS_REGION", "us-east-1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
}

/// Peak resident set size (VmHWM) of a live process, in KiB.
fn peak_rss_kib(child: &Child) -> u64 {
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Stops a local-gateway as Ctrl-C would (SIGTERM), so that it stops its functions and removes
/// its scratch folder; killed after 10 s if it has not exited.
fn stop_gateway(gateway: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &gateway.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = gateway.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = gateway.kill();
    let _ = gateway.wait();
}

fn admin_event(i: usize) -> String {
    let claims = tests::clerk_claims(
        &format!("user_2bench{i:020}"),
        json!({ "role": "admin", "plan": "pro" }),
        tests::SAMPLE_IAT,
        tests::FAR_FUTURE,
    );
    let token = tests::mint(&claims);
    tests::token_event(&format!("Bearer {token}"), &format!("GET /tasks/{i}")).to_string()
}

fn assert_allowed(runtime: Runtime, reply: &Reply) {
    assert!(reply.ok(), "{}: {}", runtime.name(), reply.body);
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(
        body["policyDocument"]["Statement"][0]["Effect"],
        "Allow",
        "{}: {}",
        runtime.name(),
        reply.body
    );
}

struct Figures {
    cold_ms: Vec<f64>,
    warm_us: Vec<f64>,
    per_second: Vec<f64>,
    peak_kib: Vec<u64>,
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

fn percentile(values: &mut [f64], p: f64) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[((values.len() as f64 - 1.0) * p).round() as usize]
}

fn cold_start(runtime: Runtime, event: &str) -> f64 {
    let emulator = RuntimeApi::start().expect("bind loopback");
    let pending = emulator.submit(event.to_string(), INVOKE_TIMEOUT);
    let started = Instant::now();
    let child = runtime.spawn(&emulator);
    let reply = pending
        .wait(INVOKE_TIMEOUT)
        .expect("first answer within 30 s");
    let elapsed = reply.received.duration_since(started).as_secs_f64() * 1000.0;
    assert_allowed(runtime, &reply);
    stop(child);
    elapsed
}

fn warm(runtime: Runtime, events: &[String], figures: &mut Figures) {
    let emulator = RuntimeApi::start().expect("bind loopback");
    let child = runtime.spawn(&emulator);
    assert_allowed(runtime, &invoke(&emulator, &events[0])); // cold call, not measured
    let started = Instant::now();
    for event in &events[1..] {
        let reply = invoke(&emulator, event);
        assert_allowed(runtime, &reply);
        let sent = reply.sent.expect("sent time recorded");
        figures
            .warm_us
            .push(reply.received.duration_since(sent).as_secs_f64() * 1e6);
    }
    figures
        .per_second
        .push((events.len() - 1) as f64 / started.elapsed().as_secs_f64());
    figures.peak_kib.push(peak_rss_kib(&child));
    stop(child);
}

fn bench(bootstrap: &str, node: &str) {
    let runtimes = [Runtime::Rust(bootstrap), Runtime::Node(node)];
    eprintln!(
        "process-bench: signing {} distinct tokens ...",
        WARM_INVOCATIONS + 1
    );
    let events: Vec<String> = (0..=WARM_INVOCATIONS).map(admin_event).collect();
    let mut figures: Vec<Figures> = runtimes
        .iter()
        .map(|_| Figures {
            cold_ms: vec![],
            warm_us: vec![],
            per_second: vec![],
            peak_kib: vec![],
        })
        .collect();

    eprintln!("process-bench: {COLD_SPAWNS} cold starts each, interleaved ...");
    for event in events.iter().take(COLD_SPAWNS) {
        for (r, runtime) in runtimes.iter().enumerate() {
            figures[r].cold_ms.push(cold_start(*runtime, event));
        }
    }
    eprintln!("process-bench: {WARM_INVOCATIONS} warm invocations each, twice, interleaved ...");
    for _ in 0..2 {
        for (r, runtime) in runtimes.iter().enumerate() {
            warm(*runtime, &events, &mut figures[r]);
        }
    }

    let summary: Vec<[f64; 6]> = figures
        .iter_mut()
        .map(|f| {
            [
                median(&mut f.cold_ms),
                percentile(&mut f.warm_us, 0.50),
                percentile(&mut f.warm_us, 0.99),
                median(&mut f.per_second),
                *f.peak_kib.iter().max().unwrap() as f64 / 1024.0,
                0.0,
            ]
        })
        .collect();
    let rows = [
        ("cold start, spawn → first result (median)", "ms", 0),
        ("warm latency p50", "µs", 1),
        ("warm latency p99", "µs", 2),
        ("invocations per second (sequential)", "/s", 3),
        ("peak RSS (VmHWM) after 2,000 calls", "MiB", 4),
    ];
    println!("\nprocess benchmark: {COLD_SPAWNS} cold starts and 2 × {WARM_INVOCATIONS} warm calls each, interleaved, through the Runtime API emulator");
    println!(
        "{:<44} {:>12} {:>12} {:>11}",
        "figure", "rust", "node", "rust/node"
    );
    for (name, unit, i) in rows {
        let (rust, node) = (summary[0][i], summary[1][i]);
        println!(
            "{name:<44} {:>9.2} {unit:<3}{:>9.2} {unit:<3}{:>10.3}",
            rust,
            node,
            rust / node
        );
    }
    let (rust, node) = (&summary[0], &summary[1]);
    println!("\ntargets:");
    let check = |ok: bool| if ok { "met" } else { "MISSED" };
    println!(
        "  cold start ≤ 10 ms and ≤ 1/10 of node: {:.2} ms, ratio {:.3}: {}",
        rust[0],
        rust[0] / node[0],
        check(rust[0] <= 10.0 && rust[0] / node[0] <= 0.1)
    );
    println!(
        "  warm p50 ≤ 1/3 of node: ratio {:.3}: {}",
        rust[1] / node[1],
        check(rust[1] / node[1] <= 1.0 / 3.0)
    );
    println!(
        "  peak RSS ≤ 16 MiB: {:.2} MiB: {}",
        rust[4],
        check(rust[4] <= 16.0)
    );
}

/// A handler process with what Lambda (and, locally, local-gateway) gives it.
fn spawn_handler(binary: &std::path::Path, emulator: &RuntimeApi, dynamodb: &str) -> Child {
    let (key, secret) = local_gateway::dynamodb::LOCAL_CREDENTIALS;
    as_lambda(&mut Command::new(binary), emulator, "handler")
        .env("AWS_ACCESS_KEY_ID", key)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env("AWS_ENDPOINT_URL_DYNAMODB", dynamodb)
        .env("TASKS_TABLE", "TasksTable")
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()))
}

/// Cold start (spawn → first answer) and warm latency of `health` and `tasks`, interleaved.
fn handlers(bin_dir: &std::path::Path) {
    let server = local_gateway::dynamodb::LocalServer::start(std::path::Path::new("."))
        .unwrap_or_else(|e| panic!("{e}"));
    let template = std::fs::read_to_string("template.yaml").expect("run from the workspace");
    let settings = local_gateway::template::Settings {
        env_file: tests::dev_env()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        ..Default::default()
    };
    let app = local_gateway::template::App::from_template(&template, &settings)
        .expect("the template reads");
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(local_gateway::dynamodb::create_tables(
            &local_gateway::dynamodb::client(&server.endpoint, "us-east-1"),
            &app.tables,
        ))
        .expect("the tables are created");
    let member = Some(tests::sample_context(Some("member")));
    let functions = [
        (
            "health",
            tests::rest_proxy_event("GET /health", "/health", None, None),
        ),
        (
            "tasks",
            tests::rest_proxy_event("GET /tasks", "/tasks", None, member),
        ),
    ];
    let mut cold: Vec<Vec<f64>> = vec![vec![]; functions.len()];
    let mut cpu: Vec<Vec<f64>> = vec![vec![]; functions.len()];
    let mut faults: Vec<Vec<f64>> = vec![vec![]; functions.len()];
    let mut warm: Vec<Vec<f64>> = vec![vec![]; functions.len()];
    let answer = |name: &str, reply: &Reply| {
        let body: Value = serde_json::from_str(&reply.body).unwrap_or_default();
        assert_eq!(body["statusCode"], 200, "{name}: {}", reply.body);
    };
    for _ in 0..COLD_SPAWNS {
        for (f, (name, event)) in functions.iter().enumerate() {
            let emulator = RuntimeApi::start().expect("bind loopback");
            let pending = emulator.submit(event.to_string(), INVOKE_TIMEOUT);
            let started = Instant::now();
            let child = spawn_handler(&bin_dir.join(name), &emulator, &server.endpoint);
            let reply = pending.wait(INVOKE_TIMEOUT).expect("a first answer");
            answer(name, &reply);
            cold[f].push(reply.received.duration_since(started).as_secs_f64() * 1000.0);
            // Read while it waits for its next event, so these are the first answer's.
            let (cpu_ms, minor_faults) = first_answer_cost(child.id());
            cpu[f].push(cpu_ms);
            faults[f].push(minor_faults);
            for _ in 0..50 {
                let reply = invoke(&emulator, &event.to_string());
                answer(name, &reply);
                let sent = reply.sent.expect("sent time recorded");
                warm[f].push(reply.received.duration_since(sent).as_secs_f64() * 1000.0);
            }
            stop(child);
        }
    }
    println!("
handlers: {COLD_SPAWNS} cold starts and {} warm calls each, interleaved; tasks answers GET /tasks from moto_server", COLD_SPAWNS * 50);
    println!(
        "{:<10} {:>28} {:>22} {:>18} {:>16}",
        "function",
        "cold start, spawn → answer",
        "its CPU to the answer",
        "its page faults",
        "warm p50"
    );
    for (f, (name, _)) in functions.iter().enumerate() {
        println!(
            "{name:<10} {:>25.2} ms {:>19.2} ms {:>18} {:>13.2} ms",
            median(&mut cold[f]),
            median(&mut cpu[f]),
            median(&mut faults[f]),
            percentile(&mut warm[f], 0.5)
        );
    }
}

/// The CPU time (every thread's, in ms: `/proc/PID/task/*/schedstat`, nanoseconds) and minor
/// page faults (`/proc/PID/stat`) of process `pid` so far: what a cold start costs the process
/// itself, as against the time it waits (on moto_server, on the Runtime API).
fn first_answer_cost(pid: u32) -> (f64, f64) {
    let cpu_ns: u64 = std::fs::read_dir(format!("/proc/{pid}/task"))
        .expect("the handler is running")
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok())
        .filter_map(|line| line.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    let stat =
        std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("the handler is running");
    // Fields after the command's closing parenthesis: state is field 3, minflt field 10.
    let minflt = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(7)?.parse::<f64>().ok())
        .expect("/proc/PID/stat has minflt");
    (cpu_ns as f64 / 1e6, minflt)
}

/// The soak test. Returns the process exit code.
fn soak(bootstrap: &str, invocations: usize) -> i32 {
    let samples = tests::samples();
    let mut events: Vec<String> = samples.iter().map(|s| s.event.to_string()).collect();
    // Malformed but JSON (API Gateway always sends JSON): unknown shapes and broken tokens.
    events
        .push(r#"{"type":"TOKEN","methodArn":"arn:aws:execute-api:us-east-1:1:a/b/GET/"}"#.into());
    events.push(r#"{"hello":"world"}"#.into());
    events.push(r#"[1,2,3]"#.into());
    events.push(tests::token_event("Bearer a.b.c", "GET /tasks").to_string());
    events.push(
        tests::token_event(&format!("Bearer {}", "x".repeat(20_000)), "GET /tasks").to_string(),
    );
    events.push(
        tests::rest_request_event(json!({ "Cookie": "x".repeat(40_000) }), "GET /tasks")
            .to_string(),
    );

    // The expected answer of each event, from the library itself (the tests pin the library).
    let config = authorizer::Config::from_lookup(tests::dev_lookup(&[])).unwrap();
    let reference = authorizer::Authorizer::new(config);
    let expected: Vec<Option<String>> = events
        .iter()
        .map(|e| reference.handle(e, authorizer::now()).response)
        .collect();

    let emulator = RuntimeApi::start().expect("bind loopback");
    let mut child = Runtime::Rust(bootstrap).spawn(&emulator);
    let mut rss_after_warmup = 0;
    let mut mismatches = 0;
    let started = Instant::now();
    for i in 0..invocations {
        let k = i % events.len();
        let reply = invoke(&emulator, &events[k]);
        let ok = match &expected[k] {
            Some(json) => reply.ok() && &reply.body == json,
            None => !reply.ok() && reply.body.contains(r#""errorMessage":"Unauthorized""#),
        };
        if !ok {
            mismatches += 1;
            if mismatches <= 5 {
                eprintln!(
                    "soak: call {i}: event {k} answered {:?} {}",
                    reply.kind, reply.body
                );
            }
        }
        if i + 1 == 1000 {
            rss_after_warmup = peak_rss_kib(&child);
        }
    }
    let elapsed = started.elapsed();
    let rss_end = peak_rss_kib(&child);
    let crashed = child.try_wait().ok().flatten().is_some();
    stop(child);
    let growth = rss_end as f64 / rss_after_warmup.max(1) as f64 - 1.0;
    println!("soak: {invocations} invocations of {} distinct events (every flavour; valid, invalid, malformed) in {:.1} s", events.len(), elapsed.as_secs_f64());
    println!("soak: crashes: {}", if crashed { 1 } else { 0 });
    println!("soak: answers differing from the expected: {mismatches}");
    println!("soak: peak RSS after 1,000 calls {:.2} MiB, after all {:.2} MiB (growth {:+.1}%, limit +10%)", rss_after_warmup as f64 / 1024.0, rss_end as f64 / 1024.0, growth * 100.0);
    let pass = !crashed && mismatches == 0 && growth <= 0.10;
    println!("soak: {}", if pass { "PASS" } else { "FAIL" });
    if pass {
        0
    } else {
        1
    }
}

/// The local Clerk API with `events/clerk-api.json`'s credentials, served by a runtime of
/// `workers` threads, which the caller keeps for as long as it needs the API.
fn local_clerk_api(
    workers: usize,
) -> (
    tokio::runtime::Runtime,
    local_gateway::clerk_api::LocalClerkApi,
) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap();
    let clerk = runtime
        .block_on(local_gateway::clerk_api::LocalClerkApi::start(
            "events/clerk-api.json",
            0,
        ))
        .expect("the local Clerk API");
    (runtime, clerk)
}

/// The one authorizer binary's configurations, cold: PEM without network settings (its network
/// code idle), with the secret key as a value (no call at init), with the key's ARN in moto's
/// Secrets Manager (one signed `GetSecretValue` at init), and in JWKS mode (one GET of the local
/// Clerk API's JWKS at init); and the rejected alternative to one binary, a shell `bootstrap`
/// that picks one of two binaries (measured as the same binary behind `/bin/sh`'s `exec`).
/// Spawn → the first answer to a session token, and with a secret the first answer to an API
/// key (cold, plus one call to the local Clerk API), interleaved, medians of `COLD_SPAWNS`.
fn variants(bin_dir: &std::path::Path) {
    let (runtime, clerk) = local_clerk_api(1);
    let moto = local_gateway::dynamodb::LocalServer::start(std::path::Path::new("."))
        .expect("moto_server (run scripts/setup)");
    let arn = runtime
        .block_on(local_gateway::clerk_setup::create_secret(
            &moto.endpoint,
            "us-east-1",
            tests::DEV_SECRET_KEY,
        ))
        .expect("the secret in moto");
    let now = authorizer::now();
    let session = tests::mint(&tests::clerk_claims(
        tests::SAMPLE_EDITOR,
        serde_json::json!({"role": "admin"}),
        now - 5,
        now + 3600,
    ));
    let session_event = tests::token_event(&format!("Bearer {session}"), "GET /tasks").to_string();
    let key_event = tests::token_event(
        &format!("Bearer {}", tests::SAMPLE_ORG_API_KEY),
        "GET /tasks",
    )
    .to_string();
    let api_keys: Vec<(String, String)> = tests::dev_api_key_env()
        .into_iter()
        .filter(|(k, _)| !k.contains("SECRET"))
        .map(|(k, v)| (k.to_string(), v))
        .chain([("CLERK_API_URL".to_string(), clerk.url.clone())])
        .collect();
    let with = |extra: &[(&str, &str)], base: &[(String, String)]| {
        let mut env = base.to_vec();
        for (k, v) in extra {
            env.retain(|(key, _)| key != k);
            env.push((k.to_string(), v.to_string()));
        }
        env
    };
    let jwks_url = format!("{}/.well-known/jwks.json", clerk.url);
    let dev: Vec<(String, String)> = tests::dev_env()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    type Env = Vec<(String, String)>;
    // The two-binaries alternative's launcher: a shell script that execs the binary.
    let launcher = std::env::temp_dir().join(format!("bootstrap-sh-{}", std::process::id()));
    std::fs::write(
        &launcher,
        format!(
            "#!/bin/sh\nexec {} \"$@\"\n",
            bin_dir.join("authorizer").canonicalize().unwrap().display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &launcher,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let launcher = launcher.to_string_lossy().into_owned();
    let cases: Vec<(&str, &str, Env)> = vec![
        ("PEM, no network settings", "authorizer", dev.clone()),
        (
            "PEM, no network settings, behind a sh bootstrap (two-binary zip)",
            launcher.as_str(),
            dev.clone(),
        ),
        (
            "secret key as a value (API keys)",
            "authorizer",
            with(&[("CLERK_SECRET_KEY", tests::DEV_SECRET_KEY)], &api_keys),
        ),
        (
            "secret key from Secrets Manager (moto)",
            "authorizer",
            with(
                &[
                    ("CLERK_SECRET_KEY_ARN", arn.as_str()),
                    ("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto.endpoint.as_str()),
                    ("AWS_ACCESS_KEY_ID", "local"),
                    ("AWS_SECRET_ACCESS_KEY", "local"),
                ],
                &api_keys,
            ),
        ),
        (
            "keys from the JWKS (local Clerk API)",
            "authorizer",
            with(
                &[("CLERK_JWT_KEY", ""), ("CLERK_JWKS_URL", jwks_url.as_str())],
                &dev,
            ),
        ),
    ];
    let cold = |binary: &str, env: &[(String, String)], event: &str| {
        let emulator = RuntimeApi::start().expect("bind loopback");
        let pending = emulator.submit(event.to_string(), INVOKE_TIMEOUT);
        let started = Instant::now();
        let child = as_lambda(
            &mut Command::new(bin_dir.join(binary)),
            &emulator,
            "authorizer",
        )
        .envs(env.iter().map(|(k, v)| (k, v)))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {binary}: {e}"));
        let reply = pending.wait(INVOKE_TIMEOUT).expect("an answer within 30 s");
        assert!(reply.ok(), "{binary}: {}", reply.body);
        stop(child);
        reply.received.duration_since(started).as_secs_f64() * 1000.0
    };
    let mut session_ms = vec![vec![]; cases.len()];
    let mut key_ms = vec![vec![]; cases.len()];
    for _ in 0..COLD_SPAWNS {
        for (i, (_, binary, env)) in cases.iter().enumerate() {
            session_ms[i].push(cold(binary, env, &session_event));
            if env.iter().any(|(k, _)| k == "CLERK_API_URL")
                && env.iter().any(|(k, _)| k.starts_with("CLERK_SECRET_KEY"))
            {
                key_ms[i].push(cold(binary, env, &key_event));
            }
        }
    }
    println!("\nvariants: {COLD_SPAWNS} cold starts each, interleaved (medians; x86_64 here, the same binaries' host build)");
    println!(
        "{:<62} {:>22} {:>22}",
        "variant", "cold → session answer", "cold → API key answer"
    );
    for (i, (name, _, _)) in cases.iter().enumerate() {
        let key = if key_ms[i].is_empty() {
            "-".to_string()
        } else {
            format!("{:.2} ms", median(&mut key_ms[i]))
        };
        println!(
            "{name:<62} {:>19.2} ms {key:>22}",
            median(&mut session_ms[i])
        );
    }
    let _ = std::fs::remove_file(&launcher);
    drop(moto);
}
