//! A Lambda Runtime API on loopback: enough of
//! `/2018-06-01/runtime/invocation/{next,<id>/response,<id>/error}` and `/runtime/init/error`
//! for a real runtime client (Rust's `lambda_runtime`, or a Node loop) to poll it.
//!
//! One `RuntimeApi` serves one function process, as Lambda serves one execution environment:
//! invocations queue, the process takes them from `/next` (one at a time, or several at once on
//! Lambda Managed Instances), and each caller gets its own reply. The local gateway and the process benchmarks (`bench/`) both use it.
//!
//! std only: one thread per connection, HTTP/1.1 keep-alive. Latency is measured here, between
//! handing an event to `/next` and reading its `/response`, so every runtime pays the same.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How an invocation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyKind {
    /// `/invocation/<id>/response`.
    Response,
    /// `/invocation/<id>/error`: the handler returned an error (body: `errorMessage`, `errorType`).
    Error,
    /// `/init/error`, or the process exited or was stopped before answering.
    Failed,
}

/// What the function answered for one invocation.
#[derive(Debug, Clone)]
pub struct Reply {
    pub request_id: u64,
    pub kind: ReplyKind,
    pub body: String,
    /// When `/next` handed out this invocation's event (`None` if it never did).
    pub sent: Option<Instant>,
    pub received: Instant,
}

impl Reply {
    pub fn ok(&self) -> bool {
        self.kind == ReplyKind::Response
    }
}

/// An invocation that was queued; `wait` for its reply.
pub struct Pending {
    pub request_id: u64,
    reply: Receiver<Reply>,
}

impl Pending {
    /// The reply, or `None` after `timeout`.
    pub fn wait(&self, timeout: Duration) -> Option<Reply> {
        self.reply.recv_timeout(timeout).ok()
    }
}

struct Invocation {
    id: u64,
    event: String,
    timeout: Duration,
    reply: Sender<Reply>,
    sent: Option<Instant>,
}

#[derive(Default)]
struct State {
    pending: VecDeque<Invocation>,
    in_flight: HashMap<u64, Invocation>,
    next_id: u64,
    /// The process has asked for an event since it was (re)started: it got past init.
    polled: bool,
    /// When it first asked, since it was (re)started: the end of its init.
    ready: Option<Instant>,
    /// What the process sent to `/init/error`, until it exits.
    init_error: Option<String>,
    /// `Lambda-Runtime-Invoked-Function-Arn`.
    arn: String,
    /// The first 24 hex digits of every request id (a UUID; the last 12 count invocations).
    id_prefix: String,
}

type Shared = Arc<(Mutex<State>, Condvar)>;

/// The Runtime API of one function.
pub struct RuntimeApi {
    /// `127.0.0.1:port`: the value for `AWS_LAMBDA_RUNTIME_API`.
    pub address: String,
    shared: Shared,
}

impl RuntimeApi {
    /// Listens on an ephemeral loopback port.
    pub fn start() -> std::io::Result<RuntimeApi> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?.to_string();
        let shared: Shared = Arc::default();
        {
            let mut state = shared.0.lock().unwrap();
            state.arn = "arn:aws:lambda:us-east-1:123456789012:function:local".into();
            let seed = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos() as u64
                ^ u64::from(listener.local_addr()?.port()) << 48;
            state.id_prefix = format!(
                "{:08x}-{:04x}-4{:03x}-8{:03x}",
                seed >> 32,
                (seed >> 16) & 0xffff,
                (seed >> 4) & 0xfff,
                seed.rotate_left(7) & 0xfff
            );
        }
        let s = shared.clone();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let s = s.clone();
                thread::spawn(move || serve(stream, s));
            }
        });
        Ok(RuntimeApi { address, shared })
    }

    /// The ARN the process is told it was invoked as (`Lambda-Runtime-Invoked-Function-Arn`).
    pub fn set_function_arn(&self, arn: &str) {
        self.shared.0.lock().unwrap().arn = arn.to_string();
    }

    /// Lambda's request id (a UUID) of invocation `id`.
    pub fn request_id(&self, id: u64) -> String {
        request_id(&self.shared.0.lock().unwrap(), id)
    }

    /// When the process first polled `/next` since it was (re)started: its init is over.
    pub fn ready_at(&self) -> Option<Instant> {
        self.shared.0.lock().unwrap().ready
    }

    /// Queues `event`; the process gets it from `/next` with a deadline `timeout` from then.
    pub fn submit(&self, event: String, timeout: Duration) -> Pending {
        let (tx, rx) = channel();
        let (lock, cvar) = &*self.shared;
        let mut state = lock.lock().unwrap();
        state.next_id += 1;
        let id = state.next_id;
        state.pending.push_back(Invocation {
            id,
            event,
            timeout,
            reply: tx,
            sent: None,
        });
        cvar.notify_all();
        Pending {
            request_id: id,
            reply: rx,
        }
    }

    /// Submits `event` and waits for its reply, up to `timeout`.
    pub fn invoke(&self, event: String, timeout: Duration) -> Option<Reply> {
        self.submit(event, timeout).wait(timeout)
    }

    /// The process is gone (it crashed, timed out or was stopped): every invocation it had
    /// taken fails with `why`. So do the queued ones if it never got past init, since a
    /// restart would fail the same way; otherwise they wait for the next process.
    pub fn process_exited(&self, why: &str) {
        let (lock, _) = &*self.shared;
        let mut state = lock.lock().unwrap();
        let mut failed: Vec<Invocation> = state.in_flight.drain().map(|(_, i)| i).collect();
        if !state.polled {
            failed.extend(state.pending.drain(..));
        }
        state.polled = false;
        state.ready = None;
        let why = match state.init_error.take() {
            Some(body) => format!("{why}: init error {body}"),
            None => why.to_string(),
        };
        drop(state);
        for invocation in failed {
            let _ = invocation.reply.send(Reply {
                request_id: invocation.id,
                kind: ReplyKind::Failed,
                body: why.clone(),
                sent: invocation.sent,
                received: Instant::now(),
            });
        }
    }

    /// True while some invocation has been handed to the process and not answered.
    pub fn busy(&self) -> bool {
        !self.shared.0.lock().unwrap().in_flight.is_empty()
    }

    /// Fails every in-flight invocation past its deadline with `why`, leaving the process and
    /// its other invocations alone (an environment that serves several at once); a late answer
    /// is then refused. How many failed.
    pub fn time_out_overdue(&self, why: &str) -> usize {
        let mut state = self.shared.0.lock().unwrap();
        let overdue: Vec<u64> = state
            .in_flight
            .iter()
            .filter(|(_, i)| i.sent.is_some_and(|sent| sent.elapsed() >= i.timeout))
            .map(|(id, _)| *id)
            .collect();
        let failed: Vec<Invocation> = overdue
            .iter()
            .filter_map(|id| state.in_flight.remove(id))
            .collect();
        drop(state);
        for invocation in &failed {
            let _ = invocation.reply.send(Reply {
                request_id: invocation.id,
                kind: ReplyKind::Failed,
                body: why.to_string(),
                sent: invocation.sent,
                received: Instant::now(),
            });
        }
        failed.len()
    }

    /// When the oldest in-flight invocation passes its deadline, `Some` of how long ago.
    pub fn overdue(&self) -> Option<Duration> {
        let state = self.shared.0.lock().unwrap();
        state
            .in_flight
            .values()
            .filter_map(|i| i.sent?.elapsed().checked_sub(i.timeout))
            .max()
    }
}

fn serve(stream: TcpStream, shared: Shared) {
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut content_length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    content_length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; content_length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let mut parts = request_line.split_whitespace();
        let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let path = path.trim_start_matches("/2018-06-01/runtime");
        let result = if method == "GET" && path == "/invocation/next" {
            next(&mut writer, &shared)
        } else {
            let body = String::from_utf8_lossy(&body).into_owned();
            let status = answer(path, body, &shared);
            let ack = r#"{"status":"OK"}"#;
            writer.write_all(
                format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{ack}",
                    ack.len()
                )
                .as_bytes(),
            )
        };
        if result.is_err() {
            return;
        }
    }
}

/// `/next`: blocks until an event is queued, then hands it out with Lambda's headers.
fn next(writer: &mut TcpStream, shared: &Shared) -> std::io::Result<()> {
    let (lock, cvar) = &**shared;
    let mut state = lock.lock().unwrap();
    state.polled = true;
    state.ready.get_or_insert_with(Instant::now);
    while state.pending.is_empty() {
        state = cvar.wait(state).unwrap();
    }
    let mut invocation = state.pending.pop_front().unwrap();
    let deadline = SystemTime::now() + invocation.timeout;
    let header = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Lambda-Runtime-Aws-Request-Id: {}\r\nLambda-Runtime-Deadline-Ms: {}\r\n\
         Lambda-Runtime-Invoked-Function-Arn: {}\r\n\
         Lambda-Runtime-Trace-Id: Root=1-00000000-000000000000000000000000;Sampled=0\r\n\r\n",
        invocation.event.len(),
        request_id(&state, invocation.id),
        deadline
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis(),
        state.arn,
    );
    let event = std::mem::take(&mut invocation.event);
    invocation.sent = Some(Instant::now());
    state.in_flight.insert(invocation.id, invocation);
    drop(state);
    writer.write_all(header.as_bytes())?;
    writer.write_all(event.as_bytes())
}

fn request_id(state: &State, id: u64) -> String {
    format!("{}-{id:012x}", state.id_prefix)
}

/// `/invocation/<id>/response`, `/invocation/<id>/error`, `/init/error`.
fn answer(path: &str, body: String, shared: &Shared) -> &'static str {
    let received = Instant::now();
    let (lock, _) = &**shared;
    let mut state = lock.lock().unwrap();
    if path == "/init/error" {
        // The process reports it cannot start; it exits next, and `process_exited` fails
        // whatever it had.
        state.polled = false;
        state.init_error = Some(body);
        return "202 Accepted";
    }
    let Some(rest) = path.strip_prefix("/invocation/") else {
        return "404 Not Found";
    };
    let (id, kind) = rest.split_once('/').unwrap_or((rest, ""));
    let kind = match kind {
        "response" => ReplyKind::Response,
        "error" => ReplyKind::Error,
        _ => return "404 Not Found",
    };
    let counter = id
        .strip_prefix(state.id_prefix.as_str())
        .and_then(|rest| rest.strip_prefix('-'))
        .and_then(|hex| u64::from_str_radix(hex, 16).ok());
    let Some(invocation) = counter.and_then(|id| state.in_flight.remove(&id)) else {
        // Unknown or already failed (a timed-out invocation answered late).
        return "400 Bad Request";
    };
    drop(state);
    let _ = invocation.reply.send(Reply {
        request_id: invocation.id,
        kind,
        body,
        sent: invocation.sent,
        received,
    });
    "202 Accepted"
}
