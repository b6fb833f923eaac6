//! Command-line options and `--env-file`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const USAGE: &str = "\
local-gateway: runs template.yaml's APIs on localhost with API Gateway's semantics

usage: local-gateway [--template template.yaml] [--port N] [--env-file F]
                     [--parameter-overrides K=V ...] [--region R] [--account-id N]
                     [--api-id LogicalId=id ...] [--release] [--bin-dir DIR] [--no-build]
                     [--dynamodb-endpoint URL] [--concurrency N] [--max-concurrency N] [--verbose]
                     [--watch [--build-command CMD]]
                     [--clerk-api URL | --clerk-credentials F] [--clerk-jwks]
                     [--layer ARN=DIR ...] [--runtime-sdk DIR]

  --template F              the SAM template (default template.yaml)
  --port N                  the first API listens on 127.0.0.1:N, the next on N+1, ... (REST APIs
                            first, then HTTP APIs, each by logical id; default 3001)
  --env-file F              KEY=VALUE lines; each replaces the value of that variable in every
                            function that declares it (mint env writes one)
  --parameter-overrides K=V template parameters, as sam deploy takes them
  --region, --account-id    for ARNs (default us-east-1, 123456789012)
  --api-id LogicalId=id     the API id in ARNs (default: from the logical id)
  --release                 build and run the functions in the release profile, as sam build ships
                            them (default: the dev profile, which the demo and a plain cargo
                            build share, so the first start after them builds nothing)
  --bin-dir DIR             where the function binaries are (default target/debug, or
                            target/release with --release)
  --no-build                do not run cargo build for the functions first
  --concurrency N           at most N execution environments (processes) per function, each
                            with its own cold start, as Lambda scales out (default 8; a function's
                            ReservedConcurrentExecutions caps it; beyond, the invocation is
                            throttled and API Gateway answers 500)
  --max-concurrency N       at most N invocations at once in one execution environment, as on
                            Lambda Managed Instances (AWS_LAMBDA_MAX_CONCURRENCY=N in the
                            process); a function's CapacityProviderConfig
                            PerExecutionEnvironmentMaxConcurrency takes precedence (default 1)
  --watch                   hot reload: when a source (*.rs, Cargo.toml) changes, rebuild and swap
                            in each function whose binary changed once its new process is through
                            its init (requests in flight finish on the old one; a failed build or
                            init keeps it); a change under a Node.js or Python function's CodeUri
                            or layers swaps that function with no build; a changed template or
                            env file restarts the functions whose definition changed
  --layer ARN=DIR           a layer the template names by ARN, as a local folder holding what the
                            layer's zip holds (nodejs/, python/, bin/); without it such a layer
                            stops the start
  --runtime-sdk DIR         the AWS SDKs Lambda bundles, as DIR/nodejs/node_modules (@aws-sdk v3
                            clients) and DIR/python (boto3); default: local-gateway/runtime-sdk of
                            this repository, which scripts/setup installs
  --build-command CMD       what --watch runs to rebuild, through sh -c in the template's directory
                            (default: cargo build, with --release if given)
  --verbose                 show every line the functions write, EMF records included, with
                            Authorization and Cookie values redacted (default: one line per
                            request, decisions as `decision reason sub route`)
  --dynamodb-endpoint URL   a DynamoDB-compatible server to create the template's tables on
                            (default: local-gateway starts moto_server from .venv on a free
                            port; its data lives until the gateway stops)
  --clerk-api URL           Clerk's Backend API for the authorizer (CLERK_API_URL), e.g. a
                            running local-clerk-api; default: when the env file sets
                            CLERK_SECRET_KEY (or with --clerk-jwks), local-gateway starts the
                            local Clerk API itself from --clerk-credentials
  --clerk-credentials F     the local Clerk API's credentials (default events/clerk-api.json
                            beside the template)
  --clerk-jwks              JWKS mode: the template's ClerkJwksUrl is the local Clerk API's
                            /.well-known/jwks.json, and CLERK_JWT_KEY is left empty

  A CLERK_SECRET_KEY in the env file reaches the authorizer as production does: local-gateway
  puts it in moto's Secrets Manager and passes the secret's ARN (parameter ClerkSecretKeyArn).
";

#[derive(Debug, Clone)]
pub struct Options {
    pub template: PathBuf,
    pub port: u16,
    pub env_file: Option<PathBuf>,
    pub parameter_overrides: BTreeMap<String, String>,
    pub region: String,
    pub account_id: String,
    pub api_ids: BTreeMap<String, String>,
    pub bin_dir: Option<PathBuf>,
    /// Build and run the release profile rather than the dev profile.
    pub release: bool,
    pub build: bool,
    pub dynamodb_endpoint: Option<String>,
    /// At most this many execution environments (processes) per function.
    pub concurrency: usize,
    /// `--max-concurrency`: invocations at once per environment.
    pub max_concurrency: Option<usize>,
    /// Every function line as written (secrets redacted), EMF records included.
    pub verbose: bool,
    /// Hot reload: rebuild and swap in functions whose sources change.
    pub watch: bool,
    /// What `--watch` runs to rebuild (through `sh -c`, in the template's directory).
    pub build_command: Option<String>,
    /// `--clerk-api`: an external Clerk Backend API.
    pub clerk_api: Option<String>,
    /// `--clerk-credentials`: the local Clerk API's file.
    pub clerk_credentials: Option<PathBuf>,
    /// `--clerk-jwks`: keys from the local Clerk API's JWKS.
    pub clerk_jwks: bool,
    /// `--layer ARN=DIR`.
    pub layers: BTreeMap<String, PathBuf>,
    /// `--runtime-sdk DIR`.
    pub runtime_sdk: Option<PathBuf>,
    /// Values that replace the env file's (set by local-gateway itself, e.g. the local Clerk
    /// API's URL); not a command-line option.
    pub env_overrides: BTreeMap<String, String>,
}

impl Options {
    /// The `--env-file`'s variables (none without one); an unreadable or malformed file is an
    /// error that names it.
    pub fn env_file_variables(&self) -> Result<BTreeMap<String, String>, String> {
        let Some(path) = &self.env_file else {
            return Ok(BTreeMap::new());
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read --env-file {}: {e}", path.display()))?;
        read_env_file(&text).map_err(|e| format!("--env-file {}: {e}", path.display()))
    }

    /// `cargo build` in the chosen profile, run in `dir`: the one build command local-gateway
    /// runs, at start and for `--watch`.
    pub fn cargo_build(&self, dir: &Path) -> Command {
        let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        command.current_dir(dir).arg("build");
        if self.release {
            command.arg("--release");
        }
        command
    }

    /// `--runtime-sdk`, or the folder `scripts/setup` installs beside this crate.
    pub fn runtime_sdk(&self) -> PathBuf {
        self.runtime_sdk
            .clone()
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("runtime-sdk"))
    }

    /// Where cargo puts the chosen profile's binaries, under the target directory.
    pub fn profile_dir(&self) -> &'static str {
        if self.release {
            "release"
        } else {
            "debug"
        }
    }

    pub fn parse(args: &[String]) -> Result<Options, String> {
        let mut o = Options {
            template: "template.yaml".into(),
            port: 3001,
            env_file: None,
            parameter_overrides: BTreeMap::new(),
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            api_ids: BTreeMap::new(),
            bin_dir: None,
            release: false,
            build: true,
            dynamodb_endpoint: None,
            concurrency: crate::functions::DEFAULT_CONCURRENCY,
            max_concurrency: None,
            verbose: false,
            watch: false,
            build_command: None,
            clerk_api: None,
            clerk_credentials: None,
            clerk_jwks: false,
            layers: BTreeMap::new(),
            runtime_sdk: None,
            env_overrides: BTreeMap::new(),
        };
        let mut i = 0;
        while i < args.len() {
            let flag = args[i].as_str();
            let value = |i: usize| {
                args.get(i + 1)
                    .cloned()
                    .ok_or(format!("{flag} needs a value"))
            };
            let pair = |text: &str| {
                text.split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .ok_or(format!("{flag} takes KEY=VALUE, not {text:?}"))
            };
            // Switches take no value.
            let switch = match flag {
                "--release" => Some(&mut o.release),
                "--verbose" => Some(&mut o.verbose),
                "--watch" => Some(&mut o.watch),
                "--clerk-jwks" => Some(&mut o.clerk_jwks),
                _ => None,
            };
            if let Some(on) = switch {
                *on = true;
                i += 1;
                continue;
            }
            if flag == "--no-build" {
                o.build = false;
                i += 1;
                continue;
            }
            match flag {
                "--template" => o.template = value(i)?.into(),
                "--port" => {
                    o.port = value(i)?
                        .parse()
                        .map_err(|_| "--port takes a port number")?
                }
                "--env-file" => o.env_file = Some(value(i)?.into()),
                "--region" => o.region = value(i)?,
                "--account-id" => o.account_id = value(i)?,
                "--bin-dir" => o.bin_dir = Some(value(i)?.into()),
                "--dynamodb-endpoint" => o.dynamodb_endpoint = Some(value(i)?),
                "--clerk-api" => o.clerk_api = Some(value(i)?),
                "--clerk-credentials" => o.clerk_credentials = Some(value(i)?.into()),
                "--concurrency" => {
                    o.concurrency = value(i)?
                        .parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or("--concurrency takes a whole number of environments above 0")?
                }
                "--max-concurrency" => {
                    o.max_concurrency = Some(
                        value(i)?
                            .parse()
                            .ok()
                            .filter(|n| (1..=1600).contains(n))
                            .ok_or(
                            "--max-concurrency takes a whole number of invocations from 1 to 1600",
                        )?,
                    )
                }
                "--build-command" => o.build_command = Some(value(i)?),
                "--runtime-sdk" => o.runtime_sdk = Some(value(i)?.into()),
                "--layer" => {
                    let (arn, dir) = pair(&value(i)?)?;
                    o.layers.insert(arn, PathBuf::from(dir));
                }
                "--parameter-overrides" | "--api-id" => {
                    let mut any = false;
                    while let Some(next) = args.get(i + 1).filter(|a| !a.starts_with("--")) {
                        let (k, v) = pair(next)?;
                        match flag {
                            "--api-id" => o.api_ids.insert(k, v),
                            _ => o.parameter_overrides.insert(k, v),
                        };
                        any = true;
                        i += 1;
                    }
                    if !any {
                        return Err(format!("{flag} needs KEY=VALUE"));
                    }
                    i += 1;
                    continue;
                }
                other => return Err(format!("unknown option {other:?}")),
            }
            i += 2;
        }
        Ok(o)
    }
}

/// Reads a dotenv file: `KEY=VALUE`, optional `export `, quotes, `#` comments.
pub fn read_env_file(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut vars = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| format!("line {} is not KEY=VALUE", n + 1))?;
        let value = value.trim();
        let value = ['\'', '"']
            .iter()
            .find_map(|q| value.strip_prefix(*q).and_then(|v| v.strip_suffix(*q)))
            .unwrap_or(value);
        vars.insert(key.trim().to_string(), value.to_string());
    }
    Ok(vars)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parameter_overrides_take_several_pairs() {
        let o = Options::parse(&args(&[
            "--parameter-overrides",
            "A=1",
            "B=x=y",
            "--port",
            "9000",
            "--no-build",
        ]))
        .unwrap();
        assert_eq!(o.parameter_overrides["A"], "1");
        assert_eq!(o.parameter_overrides["B"], "x=y");
        assert_eq!(o.port, 9000);
        assert!(!o.build);
        assert!(Options::parse(&args(&["--bogus"])).is_err());
        assert!(Options::parse(&args(&["--parameter-overrides", "--port", "1"])).is_err());
    }

    #[test]
    fn the_dev_profile_by_default_and_release_on_request() {
        let build_args = |o: &Options| -> Vec<String> {
            let command = o.cargo_build(Path::new("."));
            command
                .get_args()
                .map(|a| a.to_string_lossy().into_owned())
                .collect()
        };
        let dev = Options::parse(&args(&[])).unwrap();
        assert_eq!(
            (dev.profile_dir(), build_args(&dev)),
            ("debug", vec!["build".to_string()])
        );
        let release = Options::parse(&args(&["--release"])).unwrap();
        assert_eq!(release.profile_dir(), "release");
        assert_eq!(build_args(&release), ["build", "--release"]);
        let switches = Options::parse(&args(&["--verbose", "--watch", "--no-build"])).unwrap();
        assert!(switches.verbose && switches.watch && !switches.build && !switches.release);
    }

    #[test]
    fn env_files_read_like_dotenv() {
        let vars = read_env_file("# dev\nexport A='x y'\nB=\"q\"\nC=plain\n\n").unwrap();
        assert_eq!(
            (vars["A"].as_str(), vars["B"].as_str(), vars["C"].as_str()),
            ("x y", "q", "plain")
        );
        assert!(read_env_file("nonsense").is_err());
    }
}
