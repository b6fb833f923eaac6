//! `local-gateway`: the SAM template's APIs on localhost, behind the real authorizer, with API
//! Gateway's semantics and no Docker. See ARCHITECTURE.md.
//!
//! `template` (the `sam-template` crate) reads the app; `dynamodb` creates its tables on a local
//! DynamoDB-compatible server; `functions` runs each function under its own Lambda Runtime API;
//! `gateway` is API Gateway's request path (with `routing` and `events`, policies evaluated by
//! `authorizer::policy`); `server` is the HTTP side.

pub mod access_log;
pub mod clerk_api;
pub mod clerk_setup;
pub mod cli;
pub mod cors;
pub mod dynamodb;
pub mod events;
pub mod functions;
pub mod gateway;
pub mod logs;
pub mod moto;
pub mod permissions;
pub mod report;
pub mod routing;
pub mod runtime_keys;
pub mod runtimes;
pub mod server;
pub mod usage_plans;
pub mod watch;

/// The template reader (its own crate, `sam-template`), under the names the modules use.
pub use sam_template as template;
pub use sam_template::yaml;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use cli::Options;
use functions::Functions;
use gateway::Gateway;
use template::{ApiKeySource, ApiKind, App, Settings};

/// Reads the template and the options into the app to serve.
pub fn load(options: &Options) -> Result<App, String> {
    let mut env_file = options.env_file_variables()?;
    env_file.extend(options.env_overrides.clone());
    let settings = Settings {
        parameter_overrides: options.parameter_overrides.clone(),
        env_file,
        region: options.region.clone(),
        account_id: options.account_id.clone(),
        api_ids: options.api_ids.clone(),
        layers: options.layers.clone(),
        max_concurrency: options.max_concurrency,
        ..Settings::default()
    };
    let mut app = App::from_file(&options.template, &settings)?;
    // REST APIs first, then HTTP APIs, each by logical id: the port order.
    app.apis
        .sort_by_key(|a| (a.kind == ApiKind::Http, a.name.clone()));
    Ok(app)
}

/// Builds the Rust functions' binaries with cargo, in the chosen profile (Node.js and Python
/// functions run as they are).
fn build(app: &App, options: &Options, template_dir: &Path) -> Result<(), String> {
    let binaries: Vec<&str> = app
        .functions
        .values()
        .filter_map(|f| match &f.code {
            template::Code::Binary(binary) => Some(binary.as_str()),
            template::Code::Dir(_) => None,
        })
        .collect();
    if binaries.is_empty() {
        return Ok(());
    }
    let mut command = options.cargo_build(template_dir);
    for binary in binaries {
        command.args(["--bin", binary]);
    }
    eprintln!(
        "local-gateway: building the functions (cargo build, {} profile)",
        options.profile_dir()
    );
    let status = command
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("cargo build of the functions failed; its errors are above".into());
    }
    Ok(())
}

/// Runs the gateway until Ctrl-C or SIGTERM; then stops every function process.
pub async fn run(mut options: Options) -> Result<(), String> {
    let template_dir = options
        .template
        .parent()
        .map(Path::to_path_buf)
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."));
    // Before the template is read: its conditions depend on the secret's ARN.
    let clerk = clerk_setup::prepare(&mut options, &template_dir).await?;
    let mut app = load(&options)?;
    if options.build {
        build(&app, &options, &template_dir)?;
    }
    let bin_dir = options.bin_dir.clone().unwrap_or_else(|| {
        std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| template_dir.join("target"))
            .join(options.profile_dir())
    });
    let dynamodb = tables(&app, &options, &template_dir, clerk.moto_endpoint()).await?;
    let mut environment = local_environment(&options, dynamodb.endpoint());
    environment.extend(clerk.environment());
    // Usage plans: keys may be created at run time, in moto's API Gateway.
    let keys = runtime_keys::start(
        &app,
        &options.region,
        clerk.moto_endpoint().or(dynamodb.moto_endpoint()),
        &template_dir,
    )
    .await?;
    if let Some(keys) = &keys {
        environment.push((
            "AWS_ENDPOINT_URL_API_GATEWAY".to_string(),
            keys.endpoint().to_string(),
        ));
    }
    for function in app.functions.values_mut() {
        function.environment.extend(environment.iter().cloned());
    }
    logs::set_mode(if options.verbose {
        logs::Mode::Verbose
    } else {
        logs::Mode::Readable
    });
    let host = runtimes::Host::new(bin_dir, options.runtime_sdk())?;
    let runtime_lines = host.check(&app.functions)?;
    let scale = functions::Scale {
        environments: options.concurrency,
        per_environment: options.max_concurrency.unwrap_or(1),
    };
    let functions = Functions::start(&app.functions, host, scale)?;
    let gateway = Arc::new(Gateway::new(app, functions));
    if let Some(keys) = &keys {
        runtime_keys::spawn(keys.mirror.clone(), gateway.clone());
    }
    let listeners = server::bind(&gateway, options.port).await?;
    for note in &gateway.app.notes {
        println!("local-gateway: note: {note}");
    }
    for line in runtime_lines {
        println!("local-gateway: {line}");
    }
    for (name, pid) in gateway.functions().pids() {
        println!("local-gateway: function {name} is process {pid}");
    }
    for (api, listener) in gateway.app.apis.iter().zip(&listeners) {
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        let (kind, base) = match api.kind {
            ApiKind::Rest => ("REST API", format!("http://{address}/{}", api.stage)),
            ApiKind::Http if api.stage == "$default" => ("HTTP API", format!("http://{address}")),
            ApiKind::Http => ("HTTP API", format!("http://{address}/{}", api.stage)),
        };
        println!(
            "local-gateway: {} ({kind}, stage {}) at {base}",
            api.name, api.stage
        );
        for route in &api.routes {
            let auth = match &route.authorizer {
                None => "no authorizer".to_string(),
                Some(name) => {
                    let a = &api.authorizers[name];
                    format!(
                        "{name}, {:?}, cache {}",
                        a.payload,
                        if a.ttl == 0 {
                            "off".to_string()
                        } else {
                            format!("{} s", a.ttl)
                        }
                    )
                }
            };
            println!(
                "  {:<7}{:<16} → {} ({auth}{})",
                route.method,
                route.path,
                if route.preflight {
                    "CORS preflight, a mock"
                } else {
                    &route.function
                },
                match (route.api_key_required, api.api_key_source) {
                    (false, _) => "",
                    (true, ApiKeySource::Header) => "; API key from x-api-key",
                    (true, ApiKeySource::Authorizer) => "; API key from the authorizer",
                }
            );
        }
    }
    for line in gateway.app.usage_plans.describe() {
        println!("local-gateway: {line}");
    }
    let mut tasks = Vec::new();
    for (index, listener) in listeners.into_iter().enumerate() {
        tasks.push(tokio::spawn(server::serve(
            gateway.clone(),
            index,
            listener,
        )));
    }
    if options.watch {
        watch::spawn(
            gateway.clone(),
            options.clone(),
            template_dir.clone(),
            environment.clone(),
        );
    }
    let shutdown = shutdown_signal()?;
    println!("local-gateway: ready (Ctrl-C stops it)");
    shutdown.await;
    for task in tasks {
        task.abort();
    }
    gateway.functions().stop();
    drop(keys);
    println!("local-gateway: stopped");
    Ok(())
}

/// Where the template's tables are served: the server local-gateway started (kept until it
/// stops), the one `--dynamodb-endpoint` names, or none when the template has no tables.
enum Tables {
    None,
    Started(dynamodb::LocalServer),
    External(String),
}

impl Tables {
    /// The moto_server local-gateway started for the tables, if it did.
    fn moto_endpoint(&self) -> Option<&str> {
        match self {
            Tables::Started(server) => Some(&server.endpoint),
            _ => None,
        }
    }

    fn endpoint(&self) -> Option<&str> {
        match self {
            Tables::None => None,
            Tables::Started(server) => Some(&server.endpoint),
            Tables::External(endpoint) => Some(endpoint),
        }
    }
}

/// Starts the local DynamoDB-compatible server if needed, and creates the template's tables.
async fn tables(
    app: &App,
    options: &Options,
    project: &Path,
    moto: Option<&str>,
) -> Result<Tables, String> {
    if app.tables.is_empty() {
        return Ok(Tables::None);
    }
    let tables = match (&options.dynamodb_endpoint, moto) {
        (Some(endpoint), _) => Tables::External(endpoint.clone()),
        // The moto_server already started for the Clerk secret serves DynamoDB too.
        (None, Some(endpoint)) => Tables::External(endpoint.to_string()),
        (None, None) => Tables::Started(dynamodb::LocalServer::start(project)?),
    };
    let endpoint = tables.endpoint().unwrap_or_default();
    dynamodb::create_tables(&dynamodb::client(endpoint, &options.region), &app.tables).await?;
    let names: Vec<&str> = app.tables.iter().map(|t| t.name.as_str()).collect();
    match &tables {
        Tables::Started(server) => println!(
            "local-gateway: DynamoDB tables {} on moto_server at {endpoint} (process {}; in memory, gone when the gateway stops)",
            names.join(", "),
            server.pid()
        ),
        _ => println!(
            "local-gateway: DynamoDB tables {} at {endpoint}",
            names.join(", ")
        ),
    }
    Ok(tables)
}

/// What Lambda gives every function (region, credentials), with local stand-ins, and the
/// local tables' endpoint as the AWS SDKs read it.
fn local_environment(options: &Options, dynamodb: Option<&str>) -> Vec<(String, String)> {
    let (key, secret) = dynamodb::LOCAL_CREDENTIALS;
    let mut environment = vec![
        ("AWS_REGION".to_string(), options.region.clone()),
        ("AWS_DEFAULT_REGION".to_string(), options.region.clone()),
        ("AWS_ACCESS_KEY_ID".to_string(), key.to_string()),
        ("AWS_SECRET_ACCESS_KEY".to_string(), secret.to_string()),
    ];
    if let Some(endpoint) = dynamodb {
        environment.push((
            "AWS_ENDPOINT_URL_DYNAMODB".to_string(),
            endpoint.to_string(),
        ));
    }
    environment
}

/// Waits for Ctrl-C (SIGINT) or SIGTERM. The handlers are installed when this is called, not
/// when it is awaited: call it before saying "ready", so a signal sent the moment the gateway is
/// ready stops it cleanly instead of killing it with the functions still running.
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>, String> {
    use tokio::signal::unix::{signal, SignalKind};
    let listen = |kind| signal(kind).map_err(|e| format!("cannot listen for signals: {e}"));
    let (mut interrupt, mut terminate) = (
        listen(SignalKind::interrupt())?,
        listen(SignalKind::terminate())?,
    );
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}
