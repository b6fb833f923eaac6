//! `process-bench load`: the whole local path under load. The release local-gateway serves
//! `template.yaml` (both APIs, the real authorizer, the handlers, the tasks table on
//! moto_server) to N client threads, each a user of its own tenant (organisation managers and
//! personal accounts), running a fixed mix: reads, creates, edits with versions, deletes,
//! refusals (401, 403), a read of another tenant's task, and CORS preflights.
//!
//! Every answer is checked against the expected status; at the end every task a client still
//! holds is read back with its version. The run fails (exit 1) on a wrong status, a lost or
//! stale task, a cross-tenant read, or a function that had to be restarted; a restarted
//! function or a failing table (moto_server gone) stops the clients at once.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// What one run is asked to do.
pub struct Load<'a> {
    pub bin_dir: &'a Path,
    pub clients: usize,
    pub requests: usize,
    pub concurrency: usize,
}

/// The request kinds of the mix, in the order of the report.
const KINDS: [&str; 10] = [
    "me",
    "create",
    "read",
    "edit",
    "list",
    "delete",
    "401",
    "403",
    "cross-tenant",
    "preflight",
];

/// One client: its tenant, its token, the tasks it holds (id → version), and what it saw.
struct Client {
    token: String,
    /// A token the authorizer answers 403 for on `DELETE /tasks/*`: a member's own; a
    /// manager's session impersonated by support staff (`impersonation: false` on delete).
    refused_token: String,
    manager: bool,
    tasks: Vec<(String, u64)>,
    latencies: Vec<Vec<f64>>,
    wrong: Vec<String>,
    /// 500s: a throttled Lambda (every environment busy), if the gateway says so.
    throttled: usize,
    /// Another tenant's task answered 200.
    leaks: usize,
}

/// The tasks every client created and still holds, by tenant, for cross-tenant reads.
type Shared = Arc<Mutex<Vec<(usize, String)>>>;

pub fn run(load: &Load<'_>) -> i32 {
    let (mut gateway, rest, http, restarts, throttles) = start_gateway(load);
    let restarts_seen = restarts.clone();
    let (through_gateway, direct) = gateway_overhead(load.bin_dir, &rest);
    let now = authorizer::now();
    let shared: Shared = Arc::default();
    let started = Instant::now();
    let per_client = load.requests.div_ceil(load.clients);
    let clients: Vec<Client> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..load.clients)
            .map(|i| {
                let (rest, http, shared, restarts) = (
                    rest.clone(),
                    http.clone(),
                    shared.clone(),
                    restarts_seen.clone(),
                );
                scope.spawn(move || {
                    let mut client = client(i, now);
                    drive(&mut client, i, per_client, &rest, &http, &shared, &restarts);
                    client
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let wall = started.elapsed().as_secs_f64();

    // Nothing lost: every task a client holds reads back at the version it last wrote.
    let mut lost = Vec::new();
    for client in &clients {
        for (id, version) in &client.tasks {
            let (status, body) = send(
                "GET",
                &format!("{http}/tasks/{id}"),
                Some(&client.token),
                None,
            );
            let got = body.get("version").and_then(Value::as_u64);
            if status != 200 || got != Some(*version) {
                lost.push(format!(
                    "{id}: {status}, version {got:?}, expected {version}"
                ));
            }
        }
    }
    crate::stop_gateway(&mut gateway);
    let restarts = restarts.lock().unwrap().clone();
    let logged_throttles = *throttles.lock().unwrap();
    let throttled: usize = clients.iter().map(|c| c.throttled).sum();

    println!(
        "load: {} clients, --concurrency {}, {} requests in {wall:.1} s ({:.0} requests/s)",
        load.clients,
        load.concurrency,
        clients
            .iter()
            .map(|c| c.latencies.iter().map(Vec::len).sum::<usize>())
            .sum::<usize>(),
        clients
            .iter()
            .map(|c| c.latencies.iter().map(Vec::len).sum::<usize>())
            .sum::<usize>() as f64
            / wall,
    );
    println!(
        "{:<13} {:>7} {:>9} {:>8} {:>8} {:>9}",
        "kind", "count", "req/s", "p50 ms", "p99 ms", "p99.9 ms"
    );
    for (k, kind) in KINDS.iter().enumerate() {
        let mut all: Vec<f64> = clients
            .iter()
            .flat_map(|c| c.latencies[k].iter().copied())
            .collect();
        all.sort_by(f64::total_cmp);
        if all.is_empty() {
            continue;
        }
        let q = |p: f64| all[((all.len() as f64 * p).ceil() as usize).clamp(1, all.len()) - 1];
        println!(
            "{kind:<13} {:>7} {:>9.0} {:>8.2} {:>8.2} {:>9.2}",
            all.len(),
            all.len() as f64 / wall,
            q(0.5),
            q(0.99),
            q(0.999)
        );
    }
    println!(
        "load: GET /health p50 {through_gateway:.3} ms through the gateway, {direct:.3} ms the function alone \
         (Runtime API): gateway overhead {:.3} ms",
        through_gateway - direct
    );
    let wrong: Vec<&String> = clients.iter().flat_map(|c| &c.wrong).collect();
    let cross: usize = clients.iter().map(|c| c.leaks).sum();
    // Every 500 must be a throttle the gateway logged; any other 500 is a wrong status.
    let unexplained = throttled.saturating_sub(logged_throttles);
    println!(
        "load: wrong statuses {}, lost or stale tasks {}, cross-tenant reads {cross}, restarted \
         functions {}, throttled (500, every environment busy) {throttled}",
        wrong.len() + unexplained,
        lost.len(),
        restarts.len()
    );
    for line in wrong
        .iter()
        .take(5)
        .map(|w| w.as_str())
        .chain(lost.iter().take(5).map(String::as_str))
        .chain(restarts.iter().take(5).map(String::as_str))
    {
        println!("  {line}");
    }
    i32::from(
        !(wrong.is_empty()
            && unexplained == 0
            && cross == 0
            && lost.is_empty()
            && restarts.is_empty()),
    )
}

/// Client `i`: even ones manage an organisation of their own (fresh second factor, so they may
/// delete), odd ones are personal accounts (members: their deletes are refused).
fn client(i: usize, now: u64) -> Client {
    let manager = i.is_multiple_of(2);
    let sub = format!("user_2load{i:019}");
    let mut claims = tests::clerk_claims(&sub, json!({"role": "member"}), now, now + 7200);
    if manager {
        tests::set_org(
            &mut claims,
            &format!("org_2load{i:019}"),
            "load",
            "org:member",
            &["org:tasks:view", "org:tasks:edit", "org:tasks:manage"],
        );
        claims["fva"] = json!([0, 0]);
    }
    let token = tests::mint(&claims);
    let refused_token = if manager {
        claims["act"] = json!({"sub": tests::SAMPLE_SUPPORT});
        tests::mint(&claims)
    } else {
        token.clone()
    };
    Client {
        token,
        refused_token,
        manager,
        tasks: Vec::new(),
        latencies: vec![Vec::new(); KINDS.len()],
        wrong: Vec::new(),
        throttled: 0,
        leaks: 0,
    }
}

/// Runs `n` requests of the mix for client `i`, alternating the two APIs.
fn drive(
    c: &mut Client,
    i: usize,
    n: usize,
    rest: &str,
    http: &str,
    shared: &Shared,
    died: &Mutex<Vec<String>>,
) {
    for step in 0..n {
        // A function or moto_server died: the run has failed; stop at once.
        if step % 64 == 0 && !died.lock().unwrap().is_empty() {
            return;
        }
        let base = if step % 2 == 0 { rest } else { http };
        let token = c.token.clone();
        let kind = step % KINDS.len();
        let last = c.tasks.last().cloned();
        let (method, url, auth, body, expected) = match (KINDS[kind], &last) {
            ("me", _) => ("GET", format!("{base}/me"), Some(token), None, 200),
            ("create", _) | ("read" | "edit", None) | ("delete", _)
                if !(KINDS[kind] == "delete" && (!c.manager || c.tasks.len() > 1)) =>
            {
                (
                    "POST",
                    format!("{base}/tasks"),
                    Some(token),
                    Some(json!({"title": format!("load {i} {step}")})),
                    201,
                )
            }
            ("read", Some((id, _))) => {
                ("GET", format!("{base}/tasks/{id}"), Some(token), None, 200)
            }
            ("edit", Some((id, version))) => (
                "PATCH",
                format!("{base}/tasks/{id}"),
                Some(token),
                Some(json!({"done": step % 4 == 0, "version": version})),
                200,
            ),
            ("list", _) => (
                "GET",
                format!("{base}/tasks?limit=5"),
                Some(token),
                None,
                200,
            ),
            ("delete", _) if c.manager && c.tasks.len() > 1 => {
                let (id, _) = c.tasks[0].clone();
                (
                    "DELETE",
                    format!("{base}/tasks/{id}"),
                    Some(token),
                    None,
                    200,
                )
            }
            // The authorizer's 403: a member may not delete, nor an impersonated manager.
            ("delete" | "403", _) => (
                "DELETE",
                format!("{base}/tasks/0192f0c1-7e5a-7cc3-9b1e-000000000000"),
                Some(c.refused_token.clone()),
                None,
                403,
            ),
            ("401", _) => ("GET", format!("{base}/tasks"), None, None, 401),
            ("cross-tenant", _) => {
                let other = shared
                    .lock()
                    .unwrap()
                    .iter()
                    .rev()
                    .find(|(owner, _)| *owner != i)
                    .map(|(_, id)| id.clone());
                match other {
                    // Another tenant's task is a 404, the same answer as a missing one.
                    Some(id) => ("GET", format!("{base}/tasks/{id}"), Some(token), None, 404),
                    None => (
                        "GET",
                        format!("{base}/tasks?limit=1"),
                        Some(token),
                        None,
                        200,
                    ),
                }
            }
            _ => (
                "OPTIONS",
                format!("{base}/tasks"),
                None,
                None,
                if base == rest { 200 } else { 204 },
            ),
        };
        let started = Instant::now();
        let (status, answer) = send(method, &url, auth.as_deref(), body.as_ref());
        c.latencies[kind].push(started.elapsed().as_secs_f64() * 1000.0);
        if KINDS[kind] == "cross-tenant" && expected == 404 && status == 200 {
            c.leaks += 1;
        }
        // API Gateway's answer for a throttled Lambda; checked against the gateway's log below.
        if status == 500 && expected != 500 {
            c.throttled += 1;
            continue;
        }
        if status != expected {
            c.wrong.push(format!(
                "{} {method} {url}: {status}, expected {expected}: {answer}",
                KINDS[kind]
            ));
            continue;
        }
        match (method, KINDS[kind]) {
            ("POST", _) => {
                let id = answer["id"].as_str().unwrap_or_default().to_string();
                shared.lock().unwrap().push((i, id.clone()));
                c.tasks.push((id, 1));
            }
            ("PATCH", _) => {
                if let Some(task) = c.tasks.last_mut() {
                    task.1 += 1;
                }
            }
            ("DELETE", "delete") if expected == 200 => {
                let (id, _) = c.tasks.remove(0);
                shared.lock().unwrap().retain(|(_, t)| *t != id);
            }
            ("GET", "read") if answer["version"].as_u64() != last.as_ref().map(|t| t.1) => {
                c.wrong.push(format!(
                    "read {url}: version {}, expected {:?}",
                    answer["version"], last
                ));
            }
            _ => {}
        }
    }
}

/// The p50 of `GET /health` through the gateway, and of the health function invoked directly
/// through a Runtime API: their difference is what the gateway adds to a request.
fn gateway_overhead(bin_dir: &Path, rest: &str) -> (f64, f64) {
    const N: usize = 500;
    let p50 = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let through: Vec<f64> = (0..N)
        .map(|_| {
            let started = Instant::now();
            let (status, _) = send("GET", &format!("{rest}/health"), None, None);
            assert_eq!(status, 200, "GET /health");
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    let api = runtime_api::RuntimeApi::start().expect("a Runtime API on loopback");
    let mut health = Command::new(bin_dir.join("health"))
        .env("AWS_LAMBDA_RUNTIME_API", &api.address)
        .env("AWS_LAMBDA_FUNCTION_NAME", "health")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("ALLOWED_ORIGINS", "http://localhost:3000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the health binary runs");
    let event = tests::rest_proxy_event("GET /health", "/health", None, None).to_string();
    let direct: Vec<f64> = (0..N)
        .map(|_| {
            let started = Instant::now();
            api.invoke(event.clone(), Duration::from_secs(10))
                .expect("health answers");
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    let _ = health.kill();
    let _ = health.wait();
    (p50(through), p50(direct))
}

/// One request; the status and the JSON body (`null` when there is none).
fn send(method: &str, url: &str, token: Option<&str>, body: Option<&Value>) -> (u16, Value) {
    thread_local! {
        static AGENT: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
    }
    let mut request = ureq::http::Request::builder().method(method).uri(url);
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    if method == "OPTIONS" {
        request = request
            .header("Origin", "http://localhost:3000")
            .header("Access-Control-Request-Method", "GET");
    }
    let body = body.map(Value::to_string).unwrap_or_default();
    if !body.is_empty() {
        request = request.header("Content-Type", "application/json");
    }
    let answer = AGENT.with(|agent| agent.run(request.body(body).unwrap()));
    match answer {
        Ok(mut response) => {
            let status = response.status().as_u16();
            let text = response.body_mut().read_to_string().unwrap_or_default();
            (status, serde_json::from_str(&text).unwrap_or(Value::Null))
        }
        Err(e) => (0, json!(e.to_string())),
    }
}

type Watched = (
    Child,
    String,
    String,
    Arc<Mutex<Vec<String>>>,
    Arc<Mutex<usize>>,
);

/// Starts the release local-gateway on `template.yaml`: the process, its REST and HTTP API base
/// URLs, the lines that say a function had to be restarted, and how many invocations it
/// throttled.
fn start_gateway(load: &Load<'_>) -> Watched {
    let env = std::env::temp_dir().join(format!("load-{}.env", std::process::id()));
    let text: String = tests::dev_env()
        .into_iter()
        .map(|(k, v)| format!("{k}='{v}'\n"))
        .collect();
    std::fs::write(&env, text).expect("the env file");
    let mut child = Command::new(load.bin_dir.join("local-gateway"))
        .args([
            "--template",
            "template.yaml",
            "--port",
            "0",
            "--no-build",
            "--bin-dir",
        ])
        .arg(load.bin_dir)
        .arg("--env-file")
        .arg(&env)
        .args(["--concurrency", &load.concurrency.to_string()])
        // The stages' default throttling (100 requests/s) would be the bottleneck measured.
        .args([
            "--parameter-overrides",
            "ThrottlingRateLimit=1000000",
            "ThrottlingBurstLimit=1000000",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("local-gateway runs (cargo build --release -p local-gateway)");
    let restarts: Arc<Mutex<Vec<String>>> = Arc::default();
    let throttles: Arc<Mutex<usize>> = Arc::default();
    let (watch, count) = (restarts.clone(), throttles.clone());
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("starting it again")
                || line.contains("moto_server") && line.contains("exit")
                // The tasks handler could not reach its table: moto_server died or failed.
                || line.contains("the tasks table failed")
            {
                watch.lock().unwrap().push(line);
            } else if line.contains(" route=") && line.contains("is throttled") {
                *count.lock().unwrap() += 1;
            }
        }
    });
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut rest, mut http) = (String::new(), String::new());
    for line in lines.by_ref().map_while(Result::ok) {
        if let Some(url) = line.split(" at ").nth(1) {
            if line.starts_with("local-gateway: RestApi ") {
                rest = url.trim().to_string();
            } else if line.starts_with("local-gateway: HttpApi ") {
                http = url.trim().to_string();
            }
        }
        if line.contains("local-gateway: ready") {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    assert!(
        !rest.is_empty() && !http.is_empty(),
        "local-gateway did not start"
    );
    (child, rest, http, restarts, throttles)
}
