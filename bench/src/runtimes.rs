//! `process-bench runtimes`: a Rust, a Node.js and a Python handler of the same proxy answer,
//! side by side. Cold start: the process started as local-gateway starts it (`runtimes::Host`)
//! under a Runtime API, until its first answer. Warm: p50 and p99 of `GET` through the release
//! local-gateway (one environment each), and of the same function invoked directly through a
//! Runtime API; the difference is what the gateway adds to a request.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use local_gateway::runtimes::Host;
use local_gateway::template::{App, Settings};
use runtime_api::RuntimeApi;

const TEMPLATE: &str = r#"Transform: AWS::Serverless-2016-10-31
Resources:
  Rust:
    Type: AWS::Serverless::Function
    Metadata: { BuildProperties: { Binary: health } }
    Properties:
      Runtime: provided.al2023
      Environment: { Variables: { ALLOWED_ORIGINS: "http://localhost:3000" } }
      Events: { E: { Type: HttpApi, Properties: { Path: /rust, Method: GET } } }
  Node:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      CodeUri: node/
      Handler: app.handler
      Events: { E: { Type: HttpApi, Properties: { Path: /node, Method: GET } } }
  Python:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      CodeUri: py/
      Handler: app.handler
      Events: { E: { Type: HttpApi, Properties: { Path: /python, Method: GET } } }
"#;
const NODE: &str = "export const handler = async () => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'ok' }) });\n";
const PYTHON: &str = "import json\n\n\ndef handler(event, context):\n    return {'statusCode': 200, 'headers': {'content-type': 'application/json'}, 'body': json.dumps({'status': 'ok'})}\n";

const COLD: usize = 15;
const WARM: usize = 1000;

pub fn run(bin_dir: &Path) {
    let dir = std::env::temp_dir().join(format!("runtimes-bench-{}", std::process::id()));
    for (path, text) in [
        ("template.yaml", TEMPLATE),
        ("node/app.mjs", NODE),
        ("py/app.py", PYTHON),
    ] {
        std::fs::create_dir_all(dir.join(path).parent().unwrap()).unwrap();
        std::fs::write(dir.join(path), text).unwrap();
    }
    let template = dir.join("template.yaml");
    let app = App::from_file(&template, &Settings::default()).expect("the bench template");
    let host = Host::new(bin_dir.to_path_buf(), "local-gateway/runtime-sdk".into())
        .expect("a scratch folder");
    let event = tests::http_api_event("GET /x", "GET /x", None, None).to_string();
    let (http, mut gateway) = start_gateway(bin_dir, &template);
    eprintln!(
        "{COLD} cold starts and {WARM} warm requests each; node {:?}, python {:?}",
        host.node.as_ref().map(|i| i.version),
        host.python.as_ref().map(|i| i.version)
    );
    println!("| handler | cold start p50 | warm p50 / p99 through local-gateway | direct p50 / p99 | gateway overhead p50 |");
    println!("|---|---:|---:|---:|---:|");
    for name in ["Rust", "Node", "Python"] {
        let launch = host.launch(&app.functions[name]).expect("a launch");
        let spawn = |api: &RuntimeApi| {
            launch
                .command(&api.address)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("the function starts")
        };
        let mut cold: Vec<f64> = (0..COLD)
            .map(|_| {
                let api = RuntimeApi::start().expect("loopback");
                let pending = api.submit(event.clone(), Duration::from_secs(30));
                let started = Instant::now();
                let mut child = spawn(&api);
                let reply = pending.wait(Duration::from_secs(30)).expect("an answer");
                assert!(reply.ok(), "{name}: {}", reply.body);
                let _ = child.kill();
                let _ = child.wait();
                reply.received.duration_since(started).as_secs_f64() * 1000.0
            })
            .collect();
        // Through the gateway and direct, interleaved, so both see the same machine.
        let api = RuntimeApi::start().expect("loopback");
        let mut child = spawn(&api);
        let url = format!("{http}/{}", name.to_lowercase());
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        let (mut through, mut direct) = (Vec::new(), Vec::new());
        for i in 0..WARM + 50 {
            let started = Instant::now();
            let mut response = agent.get(&url).call().expect("200");
            let _ = response.body_mut().read_to_string();
            let via_gateway = started.elapsed().as_secs_f64() * 1000.0;
            let started = Instant::now();
            let reply = api
                .invoke(event.clone(), Duration::from_secs(30))
                .expect("an answer");
            assert!(reply.ok());
            if i >= 50 {
                through.push(via_gateway);
                direct.push(started.elapsed().as_secs_f64() * 1000.0);
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        let (through50, through99) = (
            percentile(&mut through, 0.5),
            percentile(&mut through, 0.99),
        );
        let (direct50, direct99) = (percentile(&mut direct, 0.5), percentile(&mut direct, 0.99));
        println!(
            "| {name} ({}) | {:.1} ms | {through50:.3} / {through99:.3} ms | {direct50:.3} / {direct99:.3} ms | {:.3} ms |",
            app.functions[name].runtime.name,
            percentile(&mut cold, 0.5),
            through50 - direct50
        );
    }
    crate::stop_gateway(&mut gateway);
    let _ = std::fs::remove_dir_all(&dir);
}

fn percentile(values: &mut [f64], p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    values[((values.len() as f64 - 1.0) * p).round() as usize]
}

/// The release local-gateway on `template`, one environment per function: its HTTP API's URL.
fn start_gateway(bin_dir: &Path, template: &Path) -> (String, std::process::Child) {
    let mut child = Command::new(bin_dir.join("local-gateway"))
        .arg("--template")
        .arg(template)
        .args([
            "--port",
            "0",
            "--no-build",
            "--concurrency",
            "1",
            "--bin-dir",
        ])
        .arg(bin_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("local-gateway runs (cargo build --release -p local-gateway)");
    let mut http = String::new();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for line in lines.by_ref().map_while(Result::ok) {
        if line.starts_with("local-gateway: ServerlessHttpApi ") {
            http = line
                .split(" at ")
                .nth(1)
                .unwrap_or_default()
                .trim()
                .to_string();
        }
        if line.contains("local-gateway: ready") {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    assert!(!http.is_empty(), "local-gateway did not start");
    (http, child)
}
