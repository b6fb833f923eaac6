//! Lambda's runtimes, locally: which `Runtime` names run, and how a function's process is
//! started under its Runtime API, with the environment Lambda gives it.
//!
//! One file per language: `rust` (the `provided.*` runtimes: a cargo binary), `node` and
//! `python` (the machine's interpreters, each with a small bootstrap of ours that speaks the
//! Runtime API as AWS's runtime interface clients do). `layers` puts a function's layers where
//! its language looks for them. Adding a runtime is a file here and a row in `Runtime::parse`
//! (sam-template's `runtime`);
//! `functions` only calls `Launch::command`.

mod layers;
mod node;
mod python;
mod rust;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::template::Function;
pub use sam_template::runtime::{Language, Runtime};

/// How to start one function's processes: worked out once per function (per swap with
/// `--watch`), then a `Command` per execution environment.
#[derive(Debug, Clone)]
pub struct Launch {
    pub program: PathBuf,
    pub args: Vec<String>,
    /// Lambda's variables, the language's module paths, then the function's own.
    pub environment: BTreeMap<String, String>,
    /// The task root (Lambda's `/var/task`): the working directory.
    pub dir: Option<PathBuf>,
}

/// What every function's launch may need from the gateway: where the Rust binaries are, a
/// scratch directory of this run (bootstraps, layer links), the AWS SDKs Lambda bundles, and the
/// interpreters (checked once).
#[derive(Debug)]
pub struct Host {
    pub bin_dir: PathBuf,
    pub scratch: PathBuf,
    /// `--runtime-sdk`: `nodejs/node_modules` and `python`, as in Lambda's `/var/runtime`.
    pub sdk: PathBuf,
    pub node: Option<Interpreter>,
    pub python: Option<Interpreter>,
    launches: std::sync::atomic::AtomicU64,
}

/// An interpreter found on `PATH`, and its version.
#[derive(Debug, Clone)]
pub struct Interpreter {
    pub program: PathBuf,
    /// `(major, minor)`.
    pub version: (u32, u32),
}

/// The scratch directory of the gateway running as process `pid`: its bootstraps, layer links
/// and bytecode, removed when it stops.
pub fn scratch_dir(pid: u32) -> PathBuf {
    std::env::temp_dir().join(format!("local-gateway-{pid}"))
}

impl Host {
    /// Looks for `node` and `python3` on `PATH`, makes the scratch directory and writes the
    /// bootstraps into it.
    ///
    /// The bootstraps are written here, once, before any process starts: rewritten at each
    /// launch, a process still starting could read a file another launch had just truncated
    /// (an empty module runs, exits 0, and fails the function's first invocation).
    pub fn new(bin_dir: PathBuf, sdk: PathBuf) -> Result<Host, String> {
        let scratch = scratch_dir(std::process::id());
        // A folder named for this process id is an earlier gateway's (ids are reused; one
        // killed outright could not remove it): start empty.
        let _ = std::fs::remove_dir_all(&scratch);
        std::fs::create_dir_all(&scratch)
            .map_err(|e| format!("cannot create {}: {e}", scratch.display()))?;
        for (name, text) in node::BOOTSTRAP_FILES.iter().chain(python::BOOTSTRAP_FILES) {
            std::fs::write(scratch.join(name), text)
                .map_err(|e| format!("cannot write {}: {e}", scratch.join(name).display()))?;
        }
        Ok(Host {
            bin_dir,
            scratch,
            sdk,
            node: node::find(),
            python: python::find(),
            launches: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// Removes the scratch directory; call it once no process of this host runs.
    pub fn clean_up(&self) {
        let _ = std::fs::remove_dir_all(&self.scratch);
    }

    /// The start-up lines for `functions`: the interpreter and version each runs on, a notice
    /// for a deprecated runtime or another version than the template's; an error for a
    /// function whose interpreter is missing.
    pub fn check(&self, functions: &BTreeMap<String, Function>) -> Result<Vec<String>, String> {
        let mut lines = Vec::new();
        for f in functions.values() {
            lines.extend(f.runtime.notice(&f.name));
            if f.runtime.language != Language::Rust && f.max_concurrency.is_some_and(|n| n > 1) {
                lines.push(format!(
                    "function {}: CapacityProviderConfig serves several invocations at once per \
                     environment on Lambda; here each {} process takes one at a time (more \
                     environments start instead)",
                    f.name, f.runtime.name
                ));
            }
            let (wanted, install) = match f.runtime.language {
                Language::Rust => continue,
                Language::Node => ((f.runtime.version, None), "Node.js (node)"),
                Language::Python => ((3, Some(f.runtime.version)), "Python 3 (python3)"),
            };
            let found = self.interpreter(f.runtime.language).ok_or_else(|| {
                format!(
                    "function {} runs on {}, and {install} is not on PATH: install it",
                    f.name, f.runtime.name
                )
            })?;
            let (major, minor) = found.version;
            lines.push(format!(
                "function {} ({}) runs on {} {major}.{minor}",
                f.name,
                f.runtime.name,
                found.program.display()
            ));
            if major != wanted.0 || wanted.1.is_some_and(|m| m != minor) {
                lines.push(format!(
                    "function {}: the template says {}, the machine has {major}.{minor}; it runs \
                     on the machine's version",
                    f.name, f.runtime.name
                ));
            }
        }
        Ok(lines)
    }

    /// How to start `function`'s processes.
    pub fn launch(&self, function: &Function) -> Result<Launch, String> {
        let mut launch = match function.runtime.language {
            Language::Rust => rust::launch(function, &self.bin_dir)?,
            Language::Node => node::launch(function, self)?,
            Language::Python => python::launch(function, self)?,
        };
        let mut environment = lambda_environment(function, launch.dir.as_deref());
        environment.append(&mut launch.environment);
        environment.extend(function.environment.clone());
        launch.environment = environment;
        wrap(function, &mut launch)?;
        Ok(launch)
    }

    /// A number for each launch, for the scratch folders that must not be shared across swaps.
    fn next_launch(&self) -> u64 {
        self.launches
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    }

    /// The interpreter a language runs on (checked by `check` at start).
    fn interpreter(&self, language: Language) -> Option<&Interpreter> {
        match language {
            Language::Node => self.node.as_ref(),
            Language::Python => self.python.as_ref(),
            Language::Rust => None,
        }
    }
}

/// `AWS_LAMBDA_EXEC_WRAPPER`: on Lambda's managed runtimes (not the OS-only `provided.*`), the
/// script runs with the runtime's command as its arguments and usually ends with `exec "$@"`.
/// A `/opt/…` path is a file of the function's layers (the last layer that has it, as Lambda's
/// `/opt` would hold it).
fn wrap(function: &Function, launch: &mut Launch) -> Result<(), String> {
    if function.runtime.language == Language::Rust {
        return Ok(());
    }
    let Some(wrapper) = launch
        .environment
        .get("AWS_LAMBDA_EXEC_WRAPPER")
        .filter(|w| !w.trim().is_empty())
        .cloned()
    else {
        return Ok(());
    };
    let script = match wrapper.strip_prefix("/opt/") {
        Some(inner) => layers::opt_file(&function.layers, inner),
        None => Some(PathBuf::from(&wrapper)).filter(|p| p.is_file()),
    }
    .ok_or_else(|| {
        format!(
            "function {}: AWS_LAMBDA_EXEC_WRAPPER {wrapper} is not a file of its layers (a \
             /opt/… path is looked up in them) nor of this machine",
            function.name
        )
    })?;
    launch.args.insert(0, launch.program.display().to_string());
    launch.program = script;
    Ok(())
}

impl Drop for Host {
    fn drop(&mut self) {
        self.clean_up();
    }
}

impl Launch {
    /// The command for one execution environment polling `runtime_api`.
    pub fn command(&self, runtime_api: &str) -> Command {
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(&self.environment)
            .env("AWS_LAMBDA_RUNTIME_API", runtime_api);
        if let Some(dir) = &self.dir {
            command.current_dir(dir);
        }
        command
    }
}

/// The variables Lambda sets for every runtime (`AWS_LAMBDA_RUNTIME_API` is per process).
fn lambda_environment(f: &Function, task_root: Option<&Path>) -> BTreeMap<String, String> {
    let mut environment: BTreeMap<String, String> = [
        ("AWS_LAMBDA_FUNCTION_NAME", f.name.clone()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", f.memory_mb.to_string()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", f.log_group()),
        ("AWS_LAMBDA_LOG_STREAM_NAME", log_stream()),
        ("AWS_LAMBDA_LOG_FORMAT", f.log_format.name().into()),
        (
            "AWS_EXECUTION_ENV",
            format!("AWS_Lambda_{}", f.runtime.name),
        ),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".into()),
        ("_HANDLER", f.handler.clone()),
        ("TZ", ":UTC".into()),
        ("LANG", "en_US.UTF-8".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    if let Some(root) = task_root {
        environment.insert("LAMBDA_TASK_ROOT".into(), root.display().to_string());
    }
    environment
}

/// A log stream name in Lambda's shape: `YYYY/MM/DD/[$LATEST]<32 hex>`.
fn log_stream() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let days = now.as_secs() / 86_400;
    let (y, m, d) = authorizer::date::civil_from_days(days as i64);
    format!("{y:04}/{m:02}/{d:02}/[$LATEST]{:032x}", now.as_nanos())
}

/// Runs `program args` and reads the first `N.N` of what it prints.
fn version_of(program: &str, args: &[&str]) -> Option<Interpreter> {
    let output = Command::new(program).args(args).output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    let digits = text.trim_start_matches(|c: char| !c.is_ascii_digit());
    let mut parts = digits.split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let program = which(program).unwrap_or_else(|| PathBuf::from(program));
    Some(Interpreter {
        program,
        version: (major, minor),
    })
}

/// `program`'s path on `PATH`.
fn which(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The only test that makes a `Host`: its scratch directory is named for this process.
    #[test]
    fn the_bootstraps_are_written_once_and_the_scratch_directory_starts_and_ends_empty() {
        let scratch = scratch_dir(std::process::id());
        std::fs::create_dir_all(scratch.join("pycache-0")).unwrap();
        std::fs::write(scratch.join("pycache-0/stale.pyc"), "an earlier gateway's").unwrap();
        let code = std::env::temp_dir().join(format!("host-code-{}", std::process::id()));
        std::fs::create_dir_all(&code).unwrap();

        let host = Host::new(code.clone(), code.clone()).unwrap();
        assert!(
            !scratch.join("pycache-0").exists(),
            "a stale folder is removed"
        );
        // A mark at the end of each bootstrap: a launch that wrote them again would drop it.
        let files = [
            "node_bootstrap.mjs",
            "node_hooks.mjs",
            "python_bootstrap.py",
        ];
        for name in files {
            let text = std::fs::read_to_string(scratch.join(name)).unwrap();
            assert!(!text.is_empty());
            std::fs::write(scratch.join(name), text + "\n// mark\n").unwrap();
        }
        // Launches while other processes start: nothing they read may change under them.
        for runtime in ["nodejs22.x", "python3.12", "nodejs24.x", "python3.13"] {
            let function = Function {
                name: "F".into(),
                arn: "arn:aws:lambda:us-east-1:123456789012:function:F".into(),
                runtime: Runtime::parse("F", Some(runtime)).unwrap(),
                code: crate::template::Code::Dir(code.clone()),
                handler: "app.handler".into(),
                layers: Vec::new(),
                memory_mb: 128,
                log_format: crate::template::LogFormat::Text,
                environment: BTreeMap::new(),
                timeout: std::time::Duration::from_secs(3),
                reserved_concurrency: None,
                max_concurrency: None,
            };
            if host.interpreter(function.runtime.language).is_some() {
                host.launch(&function).unwrap();
            }
        }
        for name in files {
            let text = std::fs::read_to_string(scratch.join(name)).unwrap();
            assert!(text.ends_with("// mark\n"), "{name} was written again");
        }

        host.clean_up();
        assert!(!scratch.exists());
        std::fs::remove_dir_all(code).unwrap();
    }

    #[test]
    fn runtimes_lambda_supports_run_and_others_say_what_to_do() {
        for (name, language, version) in [
            ("nodejs22.x", Language::Node, 22),
            ("nodejs24.x", Language::Node, 24),
            ("python3.10", Language::Python, 10),
            ("python3.14", Language::Python, 14),
            ("provided.al2023", Language::Rust, 0),
            ("provided.al2", Language::Rust, 0),
        ] {
            let r = Runtime::parse("F", Some(name)).unwrap();
            assert_eq!(
                (r.language, r.version, r.deprecated),
                (language, version, false)
            );
            assert_eq!(r.notice("F"), None);
        }
        for name in [
            "nodejs20.x",
            "nodejs18.x",
            "nodejs12.x",
            "python3.9",
            "provided",
        ] {
            let r = Runtime::parse("F", Some(name)).unwrap();
            assert!(r.notice("F").unwrap().contains("deprecated"), "{name}");
        }
        for name in [
            "java21",
            "dotnet8",
            "ruby3.3",
            "nodejs26.x",
            "python3.15",
            "go1.x",
        ] {
            let e = Runtime::parse("F", Some(name)).unwrap_err();
            assert!(
                e.contains("function F runs on") && e.contains("sam local"),
                "{e}"
            );
        }
        assert_eq!(Runtime::parse("F", None).unwrap().language, Language::Rust);
    }

    #[test]
    fn log_streams_are_dated() {
        assert!(log_stream().contains("/[$LATEST]"));
    }
}
