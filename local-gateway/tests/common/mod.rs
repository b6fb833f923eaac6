//! Starts the real `local-gateway` binary over real function binaries and talks HTTP to it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::channel;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Where cargo put this test's binaries: the function binaries are built there too.
pub fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_local-gateway"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Builds the function binaries (debug, into `bin_dir`) once per test run, with the command
/// scripts/test runs, so that nothing is built again with other features (`tests::built_binaries`).
pub fn build_functions() {
    assert_eq!(
        tests::built_binaries().canonicalize().ok(),
        bin_dir().canonicalize().ok()
    );
}

/// A running gateway; stopped (SIGTERM) and reaped on drop.
pub struct Gateway {
    child: Child,
    /// API logical id → base URL (with the stage for REST).
    pub urls: BTreeMap<String, String>,
    /// Function logical id → process id.
    pub pids: BTreeMap<String, u32>,
    /// The endpoint of the DynamoDB-compatible server the template's tables are on.
    pub dynamodb: Option<String>,
    log: Arc<Mutex<Vec<String>>>,
}

/// A gateway that did not start: its exit status and what it said.
pub struct Refused {
    pub success: bool,
    pub output: String,
}

impl Gateway {
    /// Starts the gateway on `template` (relative to the workspace) with extra arguments.
    pub fn start(template: &str, args: &[&str]) -> Gateway {
        match Gateway::try_start(template, args) {
            Ok(gateway) => gateway,
            Err(refused) => panic!("the gateway did not start:\n{}", refused.output),
        }
    }

    pub fn try_start(template: &str, args: &[&str]) -> Result<Gateway, Refused> {
        build_functions();
        let mut child = Command::new(env!("CARGO_BIN_EXE_local-gateway"))
            .current_dir(workspace())
            .args([
                "--template",
                template,
                "--port",
                "0",
                "--no-build",
                "--bin-dir",
            ])
            .arg(bin_dir())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the gateway binary runs");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let (log, tx) = (log.clone(), tx.clone());
            thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    log.lock().unwrap().push(line.clone());
                    let _ = tx.send(line);
                }
            });
        }
        drop(tx);
        let (mut urls, mut pids, mut dynamodb) = (BTreeMap::new(), BTreeMap::new(), None);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let line = match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) => line,
                Err(_) => {
                    let _ = child.kill();
                    let status = child.wait().unwrap();
                    thread::sleep(Duration::from_millis(100));
                    return Err(Refused {
                        success: status.success(),
                        output: log.lock().unwrap().join("\n"),
                    });
                }
            };
            if line.contains("local-gateway: ready") {
                break;
            }
            if let Some(rest) = line.strip_prefix("local-gateway: DynamoDB tables ") {
                dynamodb = rest
                    .split(" at ")
                    .nth(1)
                    .and_then(|r| r.split_whitespace().next())
                    .map(str::to_string);
                continue;
            }
            if let Some(rest) = line.strip_prefix("local-gateway: function ") {
                if let Some((name, pid)) = rest.split_once(" is process ") {
                    pids.insert(name.to_string(), pid.parse().unwrap());
                }
            }
            if let (Some(name), Some(url)) = (
                line.strip_prefix("local-gateway: ")
                    .and_then(|l| l.split(' ').next()),
                line.split(" at ").nth(1),
            ) {
                urls.insert(name.to_string(), url.trim().to_string());
            }
        }
        // Keep draining the output into the log.
        thread::spawn(move || for _ in rx {});
        Ok(Gateway {
            child,
            urls,
            pids,
            dynamodb,
            log,
        })
    }

    /// The folder the gateway writes its bootstraps and layer links to while it runs.
    pub fn scratch_dir(&self) -> PathBuf {
        local_gateway::runtimes::scratch_dir(self.child.id())
    }

    pub fn url(&self, api: &str, path: &str) -> String {
        format!("{}{path}", self.urls[api])
    }

    /// The gateway's own request lines so far.
    pub fn request_lines(&self) -> Vec<String> {
        self.lines_with(" route=")
    }

    /// The output lines that contain `needle`, so far.
    pub fn lines_with(&self, needle: &str) -> Vec<String> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains(needle))
            .cloned()
            .collect()
    }

    /// Waits until `count` output lines contain `needle` (a process's log line reaches the
    /// gateway's output a little after its answer) and returns them.
    pub fn wait_for_lines(&self, needle: &str, count: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let lines = self.lines_with(needle);
            if lines.len() >= count {
                return lines;
            }
            assert!(
                Instant::now() < deadline,
                "{count} lines with {needle:?} expected, got {lines:?}:\n{}",
                self.output()
            );
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits for the request log line of the `n`th request (1-based) and returns it.
    pub fn request_line(&self, n: usize) -> String {
        self.wait_for_lines(" route=", n)[n - 1].clone()
    }

    /// Asserts that the `n`th request's log line says `needle`.
    pub fn assert_request_line(&self, n: usize, needle: &str) {
        let line = self.request_line(n);
        assert!(
            line.contains(needle),
            "request {n}: {line:?} does not say {needle:?}"
        );
    }

    pub fn output(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// Sends `signal` (e.g. "INT") and waits for the exit; true when it exited cleanly.
    pub fn stop_with(mut self, signal: &str) -> bool {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.success();
            }
            assert!(Instant::now() < deadline, "the gateway did not stop");
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        // A failing test shows what the gateway and its functions said: CI's log is all there is.
        if thread::panicking() {
            eprintln!("--- the gateway's output ---\n{}", self.output());
        }
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .status();
            let _ = self.child.wait();
        }
    }
}

/// True while a process with this id exists (and is not a zombie).
pub fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| !stat.split(") ").nth(1).unwrap_or("").starts_with('Z'))
        .unwrap_or(false)
}

/// A response: status and body (JSON when it parses).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub headers: Vec<(String, String)>,
}

impl Answer {
    /// The first header of this name, in any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// Sends `method url` with `headers` (and a body for writes).
pub fn call(method: &str, url: &str, headers: &[(&str, &str)]) -> Answer {
    let body = if matches!(method, "POST" | "PATCH" | "PUT") {
        r#"{"title":"From the test","done":true}"#
    } else {
        ""
    };
    call_with_body(method, url, headers, body)
}

/// Sends `method url` with `headers` and `body`.
pub fn call_with_body(method: &str, url: &str, headers: &[(&str, &str)], body: &str) -> Answer {
    let request = ureq::http::Request::builder().method(method).uri(url);
    let request = headers.iter().fold(request, |r, (k, v)| r.header(*k, *v));
    let mut response = agent()
        .run(request.body(body.to_string()).unwrap())
        .expect("the gateway answers");
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = response.body_mut().read_to_string().unwrap_or_default();
    Answer {
        status,
        body,
        headers,
    }
}

/// Sends `method url` with `Authorization: Bearer <token>` when there is a token.
pub fn call_with_token(method: &str, url: &str, token: Option<&str>) -> Answer {
    let auth = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = auth
        .as_deref()
        .map(|a| vec![("Authorization", a)])
        .unwrap_or_default();
    call(method, url, &headers)
}

pub fn get(url: &str, token: Option<&str>) -> Answer {
    call_with_token("GET", url, token)
}

/// A file in the system temp dir, removed on drop. Each has its own path, so tests running in
/// parallel never remove each other's file.
pub struct TempFile(pub PathBuf);

impl TempFile {
    pub fn new(name: &str, text: &str) -> TempFile {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("local-gateway-{}-{n}-{name}", std::process::id()));
        std::fs::write(&path, text).unwrap();
        TempFile(path)
    }

    pub fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The DEV-ONLY settings as an env file, as `mint env` writes them.
pub fn dev_env_file() -> TempFile {
    let text: String = tests::dev_env()
        .into_iter()
        .map(|(k, v)| format!("{k}='{v}'\n"))
        .collect();
    TempFile::new("dev.env", &text)
}

/// A current-thread runtime for the tests' own SDK calls (seeding and inspecting tables).
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}
