//! Mints DEV-ONLY Clerk-shaped tokens and authorizer events, so users can make their own cases.
//!
//!   mint token   [--role R] [--metadata JSON] [--lifetime SECS] [--sub ID]
//!   mint event   [--flavour F] [--route "GET /tasks"] [token options]
//!                F: token | request-header | request-cookie | http-v2 | http-v2-cookie | http-v1 | websocket
//!   mint samples [DIR]     write every sample event (default: events/authorizer)
//!   mint env               print the demo environment as KEY='VALUE' lines (a dotenv file)
//!   mint expected          print each sample event's expected answer and reason
//!
//! Tokens are signed with events/keys/dev-only-private.pem: never trust that key anywhere real.

use std::process::ExitCode;

use serde_json::{json, Value};
use tests::*;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(output) => {
            print!("{output}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("mint: {message}\n\nusage: mint token|event|samples|env [options] (see the source header)");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<String, String> {
    let (command, rest) = args.split_first().ok_or("missing command")?;
    match command.as_str() {
        "token" => Ok(format!("{}\n", token(&Options::parse(rest)?)?)),
        "event" => {
            let options = Options::parse(rest)?;
            let token = token(&options)?;
            let event = event(&options.flavour, &token, &options.route)?;
            Ok(format!(
                "{}\n",
                serde_json::to_string_pretty(&event).unwrap_or_default()
            ))
        }
        "samples" => {
            let dir = rest
                .first()
                .map(String::as_str)
                .unwrap_or("events/authorizer");
            std::fs::create_dir_all(dir).map_err(|e| format!("{dir}: {e}"))?;
            let mut written = String::new();
            for sample in samples() {
                let path = format!("{dir}/{}", sample.file);
                let text = serde_json::to_string_pretty(&sample.event).unwrap_or_default() + "\n";
                std::fs::write(&path, text).map_err(|e| format!("{path}: {e}"))?;
                written += &format!("{path}\n");
            }
            Ok(written)
        }
        "env" => Ok(dev_env()
            .into_iter()
            .map(|(k, v)| format!("{k}='{v}'\n"))
            .collect()),
        "expected" => Ok(samples()
            .into_iter()
            .map(|s| format!("{}\t{:?}\t{}\n", s.file, s.answer, s.reason))
            .collect()),
        other => Err(format!("unknown command {other:?}")),
    }
}

struct Options {
    role: Option<String>,
    metadata: Value,
    lifetime: u64,
    sub: String,
    flavour: String,
    route: String,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options, String> {
        let mut options = Options {
            role: None,
            metadata: json!({}),
            lifetime: 3600,
            sub: "user_2custom000000000000000001".into(),
            flavour: "token".into(),
            route: "GET /tasks".into(),
        };
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            let mut value = || args.next().cloned().ok_or(format!("{flag} needs a value"));
            match flag.as_str() {
                "--role" => options.role = Some(value()?),
                "--metadata" => {
                    options.metadata = serde_json::from_str(&value()?)
                        .map_err(|e| format!("--metadata is not JSON: {e}"))?
                }
                "--lifetime" => {
                    options.lifetime = value()?.parse().map_err(|_| "--lifetime takes seconds")?
                }
                "--sub" => options.sub = value()?,
                "--flavour" => options.flavour = value()?,
                "--route" => options.route = value()?,
                other => return Err(format!("unknown option {other:?}")),
            }
        }
        Ok(options)
    }
}

fn token(options: &Options) -> Result<String, String> {
    let mut metadata = options.metadata.clone();
    if let Some(role) = &options.role {
        metadata
            .as_object_mut()
            .ok_or("--metadata must be a JSON object")?
            .insert("role".into(), json!(role));
    }
    let now = authorizer::now();
    Ok(mint(&clerk_claims(
        &options.sub,
        metadata,
        now,
        now + options.lifetime,
    )))
}

fn event(flavour: &str, token: &str, route: &str) -> Result<Value, String> {
    let bearer = format!("Bearer {token}");
    let session = format!("__session={token}");
    Ok(match flavour {
        "token" => token_event(&bearer, route),
        "request-header" => rest_request_event(json!({ "Authorization": bearer }), route),
        "request-cookie" => rest_request_event(json!({ "Cookie": session }), route),
        "http-v2" => http_v2_event(json!({ "authorization": bearer }), &[], route),
        "http-v2-cookie" => http_v2_event(json!({}), &[&session], route),
        "http-v1" => http_v1_event(json!({ "authorization": bearer }), route),
        "websocket" => {
            websocket_event(json!({ "Sec-WebSocket-Protocol": format!("clerk, {token}") }))
        }
        other => return Err(format!("unknown flavour {other:?}")),
    })
}
