//! `--watch`: hot reload. The sources are polled (no platform watcher needed); after a change
//! and a quiet moment, the functions are rebuilt and each function whose binary changed is
//! started afresh and swapped in once its new process is through its init. Requests in flight
//! finish on the old process. A failed build, or a new process that fails its init, keeps the
//! old one and says why. A change to the template or the env file restarts the functions whose
//! definition (environment, timeout, binary) changed. Node.js and Python functions need no
//! build: a change under a function's `CodeUri` or one of its layers swaps that function.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::cli::Options;
use crate::gateway::Gateway;
use crate::template::Code;

/// How often the sources are looked at, and how long they must stay unchanged before a build.
const POLL: Duration = Duration::from_millis(300);

/// Directories never watched: build output, environments, dependencies.
const SKIPPED: [&str; 9] = [
    "target",
    ".git",
    ".venv",
    ".venv-checkov",
    "node_modules",
    ".aws-sam",
    "cdk.out",
    "dist",
    "fuzz",
];

/// What changed since the last look.
#[derive(Default)]
struct Changes {
    sources: bool,
    definitions: bool,
}

/// Starts the watcher thread.
pub fn spawn(
    gateway: Arc<Gateway>,
    options: Options,
    template_dir: PathBuf,
    local_environment: Vec<(String, String)>,
) {
    println!(
        "local-gateway: watching {} for changes (--watch)",
        template_dir.display()
    );
    // The first look before "ready": a change made the moment the gateway is ready is seen.
    let (mut seen, mut seen_scripts) = (snapshot(&template_dir, &options), scripts(&gateway));
    let mut binaries = binary_times(&gateway);
    std::thread::spawn(move || {
        let look = || (snapshot(&template_dir, &options), scripts(&gateway));
        loop {
            std::thread::sleep(POLL);
            let now = look();
            if now == (seen.clone(), seen_scripts.clone()) {
                continue;
            }
            // Wait for a quiet moment: an editor's save or a branch switch writes many files.
            let mut settled = now;
            loop {
                std::thread::sleep(POLL);
                let again = look();
                if again == settled {
                    break;
                }
                settled = again;
            }
            let (settled, settled_scripts) = settled;
            let changes = compare(&seen, &settled);
            seen = settled;
            for (name, function) in gateway.functions().definitions() {
                if settled_scripts.get(&name) != seen_scripts.get(&name) {
                    swap(&gateway, &function, "its code or a layer changed");
                }
            }
            seen_scripts = settled_scripts;
            if changes.sources {
                if let Err(e) = build(&options, &template_dir) {
                    eprintln!("local-gateway: {e}; the running functions keep serving");
                    continue;
                }
                let current = binary_times(&gateway);
                for (name, function) in gateway.functions().definitions() {
                    if current.get(&name) != binaries.get(&name) {
                        swap(&gateway, &function, "rebuilt");
                    }
                }
                binaries = current;
            }
            if changes.definitions {
                match crate::load(&options) {
                    Err(e) => eprintln!("local-gateway: {e}; the running functions keep serving"),
                    Ok(app) => {
                        let running = gateway.functions().definitions();
                        for (name, mut function) in app.functions {
                            function
                                .environment
                                .extend(local_environment.iter().cloned());
                            if running.get(&name).is_some_and(|old| *old != function) {
                                swap(&gateway, &function, "its definition changed");
                            }
                        }
                        let routes = |apis: &[crate::template::Api]| {
                            apis.iter()
                                .map(|a| format!("{}{:?}", a.name, a.routes))
                                .collect::<Vec<_>>()
                        };
                        let mut new_apis = app.apis.clone();
                        new_apis.sort_by_key(|a| a.name.clone());
                        let mut old_apis = gateway.app.apis.clone();
                        old_apis.sort_by_key(|a| a.name.clone());
                        if routes(&new_apis) != routes(&old_apis) {
                            eprintln!(
                                "local-gateway: the template's APIs or routes changed: restart \
                                 local-gateway to serve them (the functions were reloaded)"
                            );
                        }
                    }
                }
            }
        }
    });
}

fn swap(gateway: &Gateway, function: &crate::template::Function, why: &str) {
    match gateway.functions().replace(function) {
        Ok(()) => println!("local-gateway: {} reloaded ({why})", function.name),
        Err(e) => eprintln!("local-gateway: {e}"),
    }
}

/// Runs `--build-command` (through `sh -c`), or `cargo build` in the chosen profile.
fn build(options: &Options, template_dir: &Path) -> Result<(), String> {
    let output = match &options.build_command {
        Some(command) => Command::new("sh")
            .args(["-c", command])
            .current_dir(template_dir)
            .output(),
        None => options.cargo_build(template_dir).output(),
    }
    .map_err(|e| format!("the build did not run: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let tail: Vec<&str> = stderr.lines().rev().take(20).collect();
    Err(format!(
        "the build failed ({}):\n{}",
        output.status,
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    ))
}

/// Each function's binary and when it was written.
fn binary_times(gateway: &Gateway) -> BTreeMap<String, Option<SystemTime>> {
    let bin_dir = gateway.functions().bin_dir().to_path_buf();
    gateway
        .functions()
        .definitions()
        .into_iter()
        .filter_map(|(name, f)| match &f.code {
            Code::Binary(binary) => {
                let time = std::fs::metadata(bin_dir.join(binary))
                    .and_then(|m| m.modified())
                    .ok();
                Some((name, time))
            }
            Code::Dir(_) => None,
        })
        .collect()
}

/// Files and their times under each Node.js or Python function's code and layers.
type Files = BTreeMap<PathBuf, SystemTime>;

fn scripts(gateway: &Gateway) -> BTreeMap<String, Files> {
    gateway
        .functions()
        .definitions()
        .into_iter()
        .filter_map(|(name, f)| {
            let Code::Dir(code) = &f.code else {
                return None;
            };
            let mut files = Files::new();
            for dir in std::iter::once(code).chain(&f.layers) {
                walk(dir, &mut files, &|_| true);
            }
            Some((name, files))
        })
        .collect()
}

/// Every file under `root` that `keep` accepts, skipping build output and dependencies (and
/// Python's own `__pycache__`, which running the code writes).
fn walk(root: &Path, files: &mut Files, keep: &dyn Fn(&str) -> bool) {
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().to_string();
            if path.is_dir() {
                if !SKIPPED.contains(&name.as_str()) && name != "__pycache__" {
                    pending.push(path);
                }
                continue;
            }
            if keep(&name) {
                if let Ok(time) = entry.metadata().and_then(|m| m.modified()) {
                    files.insert(path, time);
                }
            }
        }
    }
}

/// Every watched file and when it was written: sources (`*.rs`, `Cargo.toml`, `Cargo.lock`)
/// and definitions (templates, the env file).
fn snapshot(root: &Path, options: &Options) -> BTreeMap<PathBuf, SystemTime> {
    let mut files = Files::new();
    walk(root, &mut files, &|name| {
        name.ends_with(".rs")
            || name == "Cargo.toml"
            || name == "Cargo.lock"
            || name.ends_with(".yaml")
            || name.ends_with(".yml")
    });
    for path in [Some(&options.template), options.env_file.as_ref()]
        .into_iter()
        .flatten()
    {
        if let Ok(time) = std::fs::metadata(path).and_then(|m| m.modified()) {
            files.insert(path.clone(), time);
        }
    }
    files
}

fn compare(
    before: &BTreeMap<PathBuf, SystemTime>,
    after: &BTreeMap<PathBuf, SystemTime>,
) -> Changes {
    let mut changes = Changes::default();
    let changed = before
        .iter()
        .filter(|(p, t)| after.get(*p) != Some(t))
        .map(|(p, _)| p)
        .chain(after.keys().filter(|p| !before.contains_key(*p)));
    for path in changed {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if name.ends_with(".rs") || name == "Cargo.toml" || name == "Cargo.lock" {
            changes.sources = true;
        } else {
            changes.definitions = true;
        }
    }
    changes
}
