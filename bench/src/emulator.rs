//! A minimal Lambda Runtime API on loopback: enough of
//! `/2018-06-01/runtime/invocation/{next,<id>/response,<id>/error}` and `/runtime/init/error`
//! for a real runtime client (Rust's lambda_runtime, or a Node loop) to poll it.
//!
//! One thread per connection, HTTP/1.1 keep-alive, std only. Latency is measured here, between
//! writing an event to `/next` and reading its `/response`, so both runtimes pay the same.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// What the function answered for one invocation.
#[derive(Debug)]
pub struct Reply {
    pub request_id: u64,
    /// `true` for `/response`, `false` for `/error` or `/init/error`.
    pub ok: bool,
    pub body: String,
    /// When `/next` handed out this invocation's event (None for init errors).
    pub sent: Option<Instant>,
    pub received: Instant,
}

#[derive(Default)]
struct Queue {
    pending: VecDeque<(u64, String)>,
    sent: Vec<(u64, Instant)>,
}

pub struct Emulator {
    pub address: String,
    queue: Arc<(Mutex<Queue>, Condvar)>,
    replies: Receiver<Reply>,
    next_id: u64,
}

impl Emulator {
    pub fn start() -> Emulator {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let address = listener.local_addr().unwrap().to_string();
        let queue = Arc::new((Mutex::new(Queue::default()), Condvar::new()));
        let (tx, replies) = channel();
        let q = queue.clone();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (q, tx) = (q.clone(), tx.clone());
                thread::spawn(move || serve(stream, q, tx));
            }
        });
        Emulator {
            address,
            queue,
            replies,
            next_id: 1,
        }
    }

    /// Queues one event; returns its request id.
    pub fn push(&mut self, event: String) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let (lock, cvar) = &*self.queue;
        lock.lock().unwrap().pending.push_back((id, event));
        cvar.notify_all();
        id
    }

    /// Waits for the next reply, up to `timeout`.
    pub fn reply(&self, timeout: Duration) -> Option<Reply> {
        let mut reply = self.replies.recv_timeout(timeout).ok()?;
        let (lock, _) = &*self.queue;
        let mut queue = lock.lock().unwrap();
        if let Some(pos) = queue
            .sent
            .iter()
            .position(|(id, _)| *id == reply.request_id)
        {
            reply.sent = Some(queue.sent.swap_remove(pos).1);
        }
        Some(reply)
    }

    /// Invokes `event` and waits for its reply.
    pub fn invoke(&mut self, event: String) -> Reply {
        let id = self.push(event);
        let reply = self
            .reply(Duration::from_secs(30))
            .expect("the function answered within 30 s");
        assert_eq!(reply.request_id, id, "replies arrive in order");
        reply
    }
}

fn serve(stream: TcpStream, queue: Arc<(Mutex<Queue>, Condvar)>, replies: Sender<Reply>) {
    let _ = stream.set_nodelay(true);
    let mut writer = stream.try_clone().expect("clone stream");
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
        let received = Instant::now();
        let result = if method == "GET" && path == "/invocation/next" {
            let (lock, cvar) = &*queue;
            let mut q = lock.lock().unwrap();
            while q.pending.is_empty() {
                q = cvar.wait(q).unwrap();
            }
            let (id, event) = q.pending.pop_front().unwrap();
            let header = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                 Lambda-Runtime-Aws-Request-Id: {id}\r\nLambda-Runtime-Deadline-Ms: {}\r\n\
                 Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:authorizer\r\n\
                 Lambda-Runtime-Trace-Id: Root=1-00000000-000000000000000000000000;Sampled=0\r\n\r\n",
                event.len(),
                deadline_ms()
            );
            q.sent.push((id, Instant::now()));
            drop(q);
            writer
                .write_all(header.as_bytes())
                .and_then(|_| writer.write_all(event.as_bytes()))
        } else {
            let body = String::from_utf8_lossy(&body).into_owned();
            let reply = if let Some(rest) = path.strip_prefix("/invocation/") {
                let (id, kind) = rest.split_once('/').unwrap_or((rest, ""));
                Some(Reply {
                    request_id: id.parse().unwrap_or(0),
                    ok: kind == "response",
                    body,
                    sent: None,
                    received,
                })
            } else if path == "/init/error" {
                Some(Reply {
                    request_id: 0,
                    ok: false,
                    body,
                    sent: None,
                    received,
                })
            } else {
                None
            };
            let status = if reply.is_some() {
                "202 Accepted"
            } else {
                "404 Not Found"
            };
            if let Some(reply) = reply {
                let _ = replies.send(reply);
            }
            let ack = r#"{"status":"OK"}"#;
            writer.write_all(
                format!("HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{ack}", ack.len())
                    .as_bytes(),
            )
        };
        if result.is_err() {
            return;
        }
    }
}

fn deadline_ms() -> u128 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    (now + Duration::from_secs(30)).as_millis()
}
