//! The functions, run as Lambda runs them: each invocation goes to an idle execution
//! environment of its function, a process of its own polling its own Runtime API (the
//! `runtime-api` crate, shared with `bench/`), kept warm. When every environment is busy a new
//! one starts (a cold start), up to `--concurrency` and the function's reserved concurrency;
//! beyond that the invocation is throttled. An environment takes one invocation at a time, or
//! up to its function's per-environment maximum (Lambda Managed Instances:
//! `PerExecutionEnvironmentMaxConcurrency`, `--max-concurrency`), which its process is told as
//! `AWS_LAMBDA_MAX_CONCURRENCY`. An environment whose process crashes is started again; one
//! whose invocation overruns its `Timeout` is killed and started again, unless it serves
//! invocations at once: then only that invocation fails, as on Managed Instances. A failed
//! invocation is a 502 to the caller (or a 500 from an authorizer). How a process starts is the runtime's business
//! (`runtimes`); after each invocation a `REPORT` record is written (`report`).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::thread;
use std::time::{Duration, Instant};

use runtime_api::{Reply, ReplyKind, RuntimeApi};

use crate::report::{peak_memory_mb, Report};
use crate::runtimes::{Host, Launch};
use crate::template::Function;

/// How many execution environments a function may have at once unless `--concurrency` says.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// How far a function scales: `--concurrency` and `--max-concurrency`.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    /// Execution environments per function, at most.
    pub environments: usize,
    /// Invocations at once per environment, for functions whose template does not say.
    pub per_environment: usize,
}

/// How a function answered one invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The handler's response body.
    Response(String),
    /// The handler returned an error: its `errorMessage`.
    Error(String),
    /// The process crashed, could not start, or overran its timeout.
    Failed(String),
    /// Every environment the function may have was busy (Lambda's `TooManyRequestsException`).
    Throttled,
}

/// One execution environment: a process and the Runtime API it polls.
struct Environment {
    function: Function,
    launch: Arc<Launch>,
    api: RuntimeApi,
    child: Mutex<Option<Child>>,
    /// When the current process started, and whether it has had an invocation yet.
    spawned: Mutex<Instant>,
    cold: AtomicBool,
    /// The process's peak memory (MB), read just before the supervisor kills it.
    last_peak: std::sync::atomic::AtomicU64,
    /// Invocations it is serving; `RETIRING` once `retire` has claimed it.
    in_flight: AtomicUsize,
    /// Invocations it may serve at once.
    max_in_flight: usize,
    /// Replaced by a newer build (`--watch`): stopped once idle, never started again.
    retired: AtomicBool,
}

/// A function's environments.
struct Pool {
    function: Function,
    launch: Arc<Launch>,
    /// At most this many environments: `--concurrency`, or less when the function reserves less.
    cap: usize,
    /// Invocations at once per environment.
    per_environment: usize,
    environments: Mutex<Vec<Arc<Environment>>>,
    /// Replaced (`--watch`): no new environment starts in it.
    retired: AtomicBool,
}

/// Every function of the app, running.
pub struct Functions {
    pools: RwLock<BTreeMap<String, Arc<Pool>>>,
    stopping: Arc<AtomicBool>,
    host: Host,
    scale: Scale,
}

impl Functions {
    /// Starts one warm environment per function, each as its runtime runs on `host`; each
    /// function may grow to `scale.environments` environments (fewer if it reserves fewer).
    pub fn start(
        functions: &BTreeMap<String, Function>,
        host: Host,
        scale: Scale,
    ) -> Result<Functions, String> {
        let functions_ = Functions {
            pools: RwLock::new(BTreeMap::new()),
            stopping: Arc::new(AtomicBool::new(false)),
            host,
            scale,
        };
        for function in functions.values() {
            let pool = functions_.pool(function)?;
            functions_
                .pools
                .write()
                .unwrap()
                .insert(function.name.clone(), pool);
        }
        Ok(functions_)
    }

    /// A warm pool for `function`: its first environment started.
    fn pool(&self, function: &Function) -> Result<Arc<Pool>, String> {
        let mut launch = self.host.launch(function)?;
        let per_environment = self.per_environment(function);
        if per_environment > 1 {
            launch.environment.insert(
                "AWS_LAMBDA_MAX_CONCURRENCY".into(),
                per_environment.to_string(),
            );
        }
        let environments = self.scale.environments;
        let pool = Arc::new(Pool {
            function: function.clone(),
            launch: Arc::new(launch),
            cap: function
                .reserved_concurrency
                .map_or(environments, |reserved| reserved.min(environments)),
            per_environment,
            environments: Mutex::new(Vec::new()),
            retired: AtomicBool::new(false),
        });
        if pool.cap > 0 {
            let first = pool.start_environment(&self.stopping)?;
            pool.environments.lock().unwrap().push(first);
        }
        Ok(pool)
    }

    /// Invocations at once in one of `function`'s environments: its template's
    /// `PerExecutionEnvironmentMaxConcurrency`, else `--max-concurrency`. Our Node.js and Python
    /// bootstraps take one event at a time, so theirs stays 1 (see `Host::check`'s notice).
    fn per_environment(&self, function: &Function) -> usize {
        match function.runtime.language {
            crate::runtimes::Language::Rust => function
                .max_concurrency
                .unwrap_or(self.scale.per_environment),
            _ => 1,
        }
    }

    /// Starts `function` afresh (a new build, a new definition) and, once its first process has
    /// come through its init, serves it instead of the old one; the old processes finish the
    /// invocations they have and stop. A process that fails its init keeps the old one.
    pub fn replace(&self, function: &Function) -> Result<(), String> {
        let pool = self.pool(function)?;
        // A runtime exits at once when the handler's init fails (a bad configuration, an
        // import that fails).
        let deadline = Instant::now() + Duration::from_millis(1500);
        while Instant::now() < deadline {
            thread::sleep(Duration::from_millis(50));
            let failed = pool.environments.lock().unwrap().iter().any(|e| {
                e.child
                    .lock()
                    .unwrap()
                    .as_mut()
                    .is_none_or(|c| c.try_wait().map_or(true, |status| status.is_some()))
            });
            if failed {
                retire(pool);
                return Err(format!(
                    "{}: the new build failed its init; the old one keeps serving",
                    function.name
                ));
            }
        }
        let old = self
            .pools
            .write()
            .unwrap()
            .insert(function.name.clone(), pool);
        if let Some(old) = old {
            retire(old);
        }
        Ok(())
    }

    /// The definition each function runs with.
    pub fn definitions(&self) -> BTreeMap<String, Function> {
        self.pools
            .read()
            .unwrap()
            .iter()
            .map(|(name, pool)| (name.clone(), pool.function.clone()))
            .collect()
    }

    /// The binaries the functions run, for the watcher.
    pub fn bin_dir(&self) -> &Path {
        &self.host.bin_dir
    }

    /// Invokes `function` with `event` and waits for its answer (blocking: call it from a
    /// blocking task).
    pub fn invoke(&self, function: &str, event: String) -> Answer {
        let Some(mut pool) = self.pools.read().unwrap().get(function).cloned() else {
            return Answer::Failed(format!("no function {function}"));
        };
        // Replaced between the lookup and now: the new pool serves.
        if pool.retired.load(Ordering::SeqCst) {
            if let Some(current) = self.pools.read().unwrap().get(function).cloned() {
                pool = current;
            }
        }
        let environment = {
            let mut environments = pool.environments.lock().unwrap();
            let free = environments.iter().find(|e| e.claim()).cloned();
            match free {
                Some(environment) => environment,
                None if environments.len() < pool.cap && !pool.retired.load(Ordering::SeqCst) => {
                    match pool.start_environment(&self.stopping) {
                        Ok(environment) => {
                            environment.claim();
                            environments.push(environment.clone());
                            environment
                        }
                        Err(e) => return Answer::Failed(e),
                    }
                }
                None => return Answer::Throttled,
            }
        };
        let answer = environment.invoke(event);
        environment.in_flight.fetch_sub(1, Ordering::SeqCst);
        answer
    }

    /// The process id of each function's first environment, for the start-up log.
    pub fn pids(&self) -> Vec<(String, u32)> {
        self.pools
            .read()
            .unwrap()
            .iter()
            .filter_map(|(name, pool)| {
                let environments = pool.environments.lock().unwrap();
                let pid = environments.first()?.child.lock().unwrap().as_ref()?.id();
                Some((name.clone(), pid))
            })
            .collect()
    }

    /// Stops every process and waits for it, then removes the scratch directory: nothing is
    /// left behind.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        for pool in self.pools.read().unwrap().values() {
            for environment in pool.environments.lock().unwrap().iter() {
                environment.api.process_exited("the gateway is stopping");
                if let Some(mut child) = environment.child.lock().unwrap().take() {
                    let _ = child.kill();
                    let _ = child.wait();
                }
            }
        }
        self.host.clean_up();
    }
}

impl Drop for Functions {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Pool {
    /// A new environment: its Runtime API, its process, and the thread that watches it.
    fn start_environment(&self, stopping: &Arc<AtomicBool>) -> Result<Arc<Environment>, String> {
        let api = RuntimeApi::start().map_err(|e| format!("cannot listen on loopback: {e}"))?;
        api.set_function_arn(&self.function.arn);
        let environment = Arc::new(Environment {
            function: self.function.clone(),
            launch: self.launch.clone(),
            api,
            child: Mutex::new(None),
            spawned: Mutex::new(Instant::now()),
            cold: AtomicBool::new(true),
            last_peak: std::sync::atomic::AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            max_in_flight: self.per_environment,
            retired: AtomicBool::new(false),
        });
        environment.spawn(stopping)?;
        let (supervised, stop) = (environment.clone(), stopping.clone());
        thread::spawn(move || supervise(supervised, stop));
        Ok(environment)
    }
}

/// Lambda's limit on a function's init phase, which its `Timeout` does not include.
const INIT_LIMIT: Duration = Duration::from_secs(10);

/// `Environment::in_flight` of an environment that `retire` has claimed: no invocation fits.
const RETIRING: usize = usize::MAX / 2;

impl Environment {
    /// Takes one of its invocation slots, if it has one free.
    fn claim(&self) -> bool {
        self.in_flight
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < self.max_in_flight).then_some(n + 1)
            })
            .is_ok()
    }

    fn invoke(&self, event: String) -> Answer {
        // The process's own deadline is the function's timeout, from when it takes the event;
        // the supervisor kills it a little after that. A cold environment takes the event only
        // after its init, which Lambda bounds apart (10 s) and does not count in the timeout. The
        // wait here outlasts all of them.
        let timeout = self.function.timeout;
        let pending = self.api.submit(event, timeout);
        let reply = pending.wait(INIT_LIMIT + timeout + Duration::from_secs(5));
        self.report(pending.request_id, reply.as_ref());
        match reply {
            Some(Reply {
                kind: ReplyKind::Response,
                body,
                ..
            }) => Answer::Response(body),
            Some(Reply {
                kind: ReplyKind::Error,
                body,
                ..
            }) => Answer::Error(error_message(&body)),
            Some(Reply {
                kind: ReplyKind::Failed,
                body,
                ..
            }) => Answer::Failed(body),
            None => Answer::Failed(format!("{} did not answer", self.function.name)),
        }
    }

    /// Writes the invocation's `REPORT` record under the function's prefix.
    fn report(&self, id: u64, reply: Option<&Reply>) {
        let Some(reply) = reply else { return };
        let Some(sent) = reply.sent else { return };
        let init = match self.cold.swap(false, Ordering::SeqCst) {
            true => self
                .api
                .ready_at()
                .map(|ready| ready.saturating_duration_since(*self.spawned.lock().unwrap())),
            false => None,
        };
        let pid = self.child.lock().unwrap().as_ref().map(Child::id);
        let status = match reply.kind {
            ReplyKind::Response => None,
            ReplyKind::Error => Some("error"),
            ReplyKind::Failed if reply.body.starts_with("Task timed out") => Some("timeout"),
            ReplyKind::Failed => Some("failure"),
        };
        let report = Report {
            request_id: self.api.request_id(id),
            duration: reply.received.saturating_duration_since(sent),
            init,
            memory_mb: self.function.memory_mb,
            max_memory_mb: None,
            status,
        };
        let last_peak = self.last_peak.load(Ordering::SeqCst);
        let (name, format) = (self.function.name.clone(), self.function.log_format);
        // Off the request's path: reading /proc and writing the line cost more than the rest.
        reporter()
            .send(Box::new(move || {
                let report = Report {
                    max_memory_mb: pid.and_then(peak_memory_mb).or(Some(last_peak)),
                    ..report
                };
                if let Some(shown) = crate::logs::function_line(&name, &report.record(format)) {
                    eprintln!("{shown}");
                }
            }))
            .ok();
    }

    /// Starts the process, unless the gateway is stopping. The check and the start happen
    /// under the child's lock, so `stop` never misses a process started behind its back.
    fn spawn(&self, stopping: &AtomicBool) -> Result<(), String> {
        let mut slot = self.child.lock().unwrap();
        if stopping.load(Ordering::SeqCst) || self.retired.load(Ordering::SeqCst) {
            return Ok(());
        }
        let f = &self.function;
        let mut command = self.launch.command(&self.api.address);
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().map_err(|e| {
            format!(
                "function {}: cannot start {}: {e}",
                f.name,
                self.launch.program.display()
            )
        })?;
        *self.spawned.lock().unwrap() = Instant::now();
        self.cold.store(true, Ordering::SeqCst);
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let name = f.name.clone();
            thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if let Some(shown) = crate::logs::function_line(&name, &line) {
                        eprintln!("{shown}");
                    }
                }
            });
        }
        *slot = Some(child);
        Ok(())
    }
}

/// Stops a replaced pool's processes as each becomes idle (its invocation in flight finishes
/// first). An idle environment is claimed under the pool's lock, as `invoke` claims one, so no
/// invocation can start on a process being stopped.
fn retire(pool: Arc<Pool>) {
    pool.retired.store(true, Ordering::SeqCst);
    thread::spawn(move || loop {
        let mut environments = pool.environments.lock().unwrap();
        environments.retain(|environment| {
            let idle = environment.in_flight.compare_exchange(
                0,
                RETIRING,
                Ordering::SeqCst,
                Ordering::SeqCst,
            );
            if idle.is_err() {
                return true;
            }
            let mut slot = environment.child.lock().unwrap();
            environment.retired.store(true, Ordering::SeqCst);
            if let Some(mut child) = slot.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
            false
        });
        if environments.is_empty() {
            return;
        }
        drop(environments);
        thread::sleep(Duration::from_millis(20));
    });
}

/// Watches one environment's process: restarts it when it exits, kills it when an invocation overruns the
/// function's timeout, and fails the invocations it took with it.
fn supervise(r: Arc<Environment>, stopping: Arc<AtomicBool>) {
    let mut backoff = Duration::from_millis(100);
    let mut started = Instant::now();
    while !stopping.load(Ordering::SeqCst) && !r.retired.load(Ordering::SeqCst) {
        thread::sleep(Duration::from_millis(20));
        let mut guard = r.child.lock().unwrap();
        let Some(child) = guard.as_mut() else {
            continue;
        };
        let why = match child.try_wait() {
            Ok(Some(status)) => format!("the process exited ({status})"),
            Ok(None) => match r.api.overdue() {
                // Serving several at once (Managed Instances): the overdue invocation fails on
                // its own, and the process goes on with the others.
                Some(_) if r.max_in_flight > 1 => {
                    r.api.time_out_overdue(&format!(
                        "Task timed out after {} seconds",
                        r.function.timeout.as_secs()
                    ));
                    continue;
                }
                Some(_) => {
                    let peak = peak_memory_mb(child.id()).unwrap_or(0);
                    r.last_peak.store(peak, Ordering::SeqCst);
                    let _ = child.kill();
                    let _ = child.wait();
                    format!(
                        "Task timed out after {} seconds",
                        r.function.timeout.as_secs()
                    )
                }
                None => continue,
            },
            Err(e) => format!("the process is lost ({e})"),
        };
        *guard = None;
        drop(guard);
        if stopping.load(Ordering::SeqCst) || r.retired.load(Ordering::SeqCst) {
            return;
        }
        eprintln!(
            "local-gateway: {}: {why}; starting it again",
            r.function.name
        );
        r.api.process_exited(&why);
        // A process that dies at once (a bad configuration) is not restarted in a hot loop.
        backoff = if started.elapsed() < Duration::from_secs(2) {
            (backoff * 2).min(Duration::from_secs(5))
        } else {
            Duration::from_millis(100)
        };
        thread::sleep(backoff);
        started = Instant::now();
        if let Err(e) = r.spawn(&stopping) {
            eprintln!("local-gateway: {e}");
        }
    }
}

/// The one thread that writes REPORT records, in the order the invocations ended.
fn reporter() -> &'static std::sync::mpsc::Sender<Box<dyn FnOnce() + Send>> {
    static REPORTER: std::sync::OnceLock<std::sync::mpsc::Sender<Box<dyn FnOnce() + Send>>> =
        std::sync::OnceLock::new();
    REPORTER.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<Box<dyn FnOnce() + Send>>();
        thread::spawn(move || {
            for write in rx {
                write();
            }
        });
        tx
    })
}

/// The `errorMessage` of a Runtime API error body (`{"errorType", "errorMessage"}`).
fn error_message(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("errorMessage")
                .and_then(|m| m.as_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| body.to_string())
}
