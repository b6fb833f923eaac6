//! Mints DEV-ONLY Clerk-shaped tokens and authorizer events, so users can make their own cases.
//! `mint --help` prints the usage below.
//!
//! Tokens are signed with events/keys/dev-only-private.pem: never trust that key anywhere real.

use std::process::ExitCode;

use serde_json::{json, Value};
use tests::*;

const USAGE: &str = "\
mint: DEV-ONLY Clerk tokens and API Gateway authorizer events (never trust the key)

usage:
  mint token   [token options]               print a signed token (a session unless
                                              --m2m or --oauth)
  mint event   [--flavour F] [--route R] [token options]
                                              print an authorizer event carrying a new token
  mint samples [DIR]                          write every sample event (default events/authorizer,
                                              and DIR/../api)
  mint env [--api-keys]                       print the demo settings as KEY='VALUE' lines
                                              (--api-keys: with the local Clerk API's secret
                                              key, api_key accepted and its rules; for
                                              local-gateway, which puts the key in Secrets
                                              Manager)
  mint expected                               print each sample's expected answer and reason
  mint clerk-api                              print the local Clerk API's credentials file
                                              (events/clerk-api.json) with the dev JWKS
  mint api-key [--subject S] [--scopes \"A B\"] [--name N] [--revoked] [--expired]
                                              print a new API key's entry for the local Clerk
                                              API (POST it to <url>/_credentials, or add it to
                                              the file's \"credentials\")
  mint webhook TYPE (--org ID | --user ID) [--plan SLUG] [--at MS]
                                              print a Clerk webhook delivery signed with the
                                              DEV-ONLY secret (DEV_WEBHOOK_SECRET): the svix-*
                                              headers, a blank line, the body. TYPE is
                                              organization.created, user.created,
                                              subscriptionItem.active (--plan, default pro),
                                              subscriptionItem.ended, organization.deleted or
                                              user.deleted; --at is the event's time (ms,
                                              default now)
  mint help | --help | -h                     print this

token options:
  --sub ID              user id (default user_2custom000000000000000001)
  --role R              metadata.role
  --metadata JSON       the metadata claim (an object); --role is added to it
  --v 1|2               session token version (default 2)
  --org ID              an active organisation (with --org-role, --org-slug, --permissions)
  --org-role R          organisation role, e.g. org:admin (default org:member)
  --org-slug S          organisation slug (default acme)
  --permissions LIST    comma-separated org:<feature>:<permission> keys; v2 packs them into
                        o.per/o.fpm and fea as Clerk does, v1 lists them in org_permissions
  --plans LIST          pla, e.g. u:pro,o:business (v2)
  --features LIST       extra fea entries, e.g. u:exports (v2)
  --fva FIRST,SECOND    minutes since each factor was verified, -1 = never (default 0,-1)
  --lifetime SECS       seconds until exp; negative makes an expired token (default 3600)
  --starts-in SECS      nbf this many seconds from now: a not-yet-valid token (default -5)
  --act SUB             an impersonated session: act.sub is the impersonator (support staff)

machine tokens (the session options above do not apply, except --sub, --lifetime, --starts-in):
  --m2m                 an M2M token (header cat cl_B7d4PD333AAA) from a machine, --sub mch_…
                        (default mch_2worker0000000000000000001, the demo's worker)
  --targets LIST        the machines it may call, comma-separated, into scopes (default the
                        demo API's MACHINE_ID, mch_2tasksapi00000000000000001)
  --oauth               an OAuth access token (typ at+jwt) for the user --sub
  --scope \"A B\"       its scopes, space-separated (default tasks:read)
  --client ID           its client_id (default client_2sampleapp000000000001)

event options:
  --flavour F           token | request-header | request-cookie | http-v2 | http-v2-cookie |
                        http-v1 | websocket (default token)
  --route R             \"METHOD /path\" (default \"GET /tasks\")

examples:
  mint token --role member --lifetime 600
  mint token --org org_1 --permissions org:tasks:view,org:tasks:edit --fva 2,2
  mint event --flavour http-v2 --route \"DELETE /tasks/1\" --role admin > event.json
  mint token --m2m --targets mch_2tasksapi00000000000000001
  mint token --oauth --scope \"tasks:read tasks:write\"
  mint token --role admin --act user_2support00000000000000001
  cargo lambda invoke authorizer --data-file event.json
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if matches!(
        args.first().map(String::as_str),
        Some("help" | "--help" | "-h")
    ) {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    match run(&args) {
        Ok(output) => {
            print!("{output}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("mint: {message}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<String, String> {
    let (command, rest) = args.split_first().ok_or("missing command")?;
    match command.as_str() {
        "token" => Ok(format!("{}\n", token(&Options::parse(rest)?)?)),
        "clerk-api" => Ok(format!("{:#}\n", clerk_api_file())),
        "api-key" => api_key(rest),
        "webhook" => webhook_delivery(rest),
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
            let api_dir = format!("{dir}/../api");
            std::fs::create_dir_all(&api_dir).map_err(|e| format!("{api_dir}: {e}"))?;
            let mut expected =
                String::from("# file\tfunction\texpected status (generated by `mint samples`)\n");
            for sample in api_samples() {
                let path = format!("{api_dir}/{}", sample.file);
                let text = serde_json::to_string_pretty(&sample.event).unwrap_or_default() + "\n";
                std::fs::write(&path, text).map_err(|e| format!("{path}: {e}"))?;
                expected += &format!("{}\t{}\t{}\n", sample.file, sample.function, sample.status);
                written += &format!("{path}\n");
            }
            std::fs::write(format!("{api_dir}/expected.tsv"), expected)
                .map_err(|e| e.to_string())?;
            Ok(written)
        }
        "env" => {
            let env = match rest {
                [] => dev_env(),
                [flag] if flag == "--api-keys" => dev_api_key_env(),
                _ => return Err("env takes no option but --api-keys".into()),
            };
            Ok(env
                .into_iter()
                .map(|(k, v)| format!("{k}='{v}'\n"))
                .collect())
        }
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
    lifetime: i64,
    starts_in: i64,
    sub: String,
    version: u8,
    org: Option<String>,
    org_role: String,
    org_slug: String,
    permissions: Vec<String>,
    plans: Option<String>,
    features: Option<String>,
    fva: [i64; 2],
    flavour: String,
    route: String,
    act: Option<String>,
    kind: Kind,
    sub_given: bool,
    targets: Vec<String>,
    scope: String,
    client: String,
}

/// Which kind of token `mint token` makes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Session,
    Machine,
    OAuth,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options, String> {
        let mut options = Options {
            role: None,
            metadata: json!({}),
            lifetime: 3600,
            starts_in: -5,
            sub: "user_2custom000000000000000001".into(),
            version: 2,
            org: None,
            org_role: "org:member".into(),
            org_slug: "acme".into(),
            permissions: Vec::new(),
            plans: None,
            features: None,
            fva: [0, -1],
            flavour: "token".into(),
            route: "GET /tasks".into(),
            act: None,
            kind: Kind::Session,
            sub_given: false,
            targets: vec![DEV_MACHINE_ID.into()],
            scope: "tasks:read".into(),
            client: SAMPLE_OAUTH_CLIENT.into(),
        };
        let seconds = |flag: &str, v: String| {
            v.parse::<i64>()
                .map_err(|_| format!("{flag} takes whole seconds, e.g. 600 or -60"))
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
                "--lifetime" => options.lifetime = seconds(flag, value()?)?,
                "--starts-in" => options.starts_in = seconds(flag, value()?)?,
                "--sub" => {
                    options.sub = value()?;
                    options.sub_given = true;
                }
                "--act" => options.act = Some(value()?),
                "--m2m" => options.kind = Kind::Machine,
                "--oauth" => options.kind = Kind::OAuth,
                "--targets" => {
                    options.targets = value()?
                        .split([',', ' '])
                        .filter(|t| !t.is_empty())
                        .map(str::to_string)
                        .collect()
                }
                "--scope" => options.scope = value()?,
                "--client" => options.client = value()?,
                "--v" => {
                    options.version = match value()?.as_str() {
                        "1" => 1,
                        "2" => 2,
                        _ => return Err("--v takes 1 or 2".into()),
                    }
                }
                "--org" => options.org = Some(value()?),
                "--org-role" => options.org_role = value()?,
                "--org-slug" => options.org_slug = value()?,
                "--permissions" => {
                    options.permissions = value()?
                        .split(',')
                        .map(|p| p.trim().to_string())
                        .filter(|p| !p.is_empty())
                        .collect();
                    if let Some(bad) = options
                        .permissions
                        .iter()
                        .find(|p| p.split(':').count() != 3 || !p.starts_with("org:"))
                    {
                        return Err(format!(
                            "--permissions: {bad:?} is not org:<feature>:<permission>"
                        ));
                    }
                }
                "--plans" => options.plans = Some(value()?),
                "--features" => options.features = Some(value()?),
                "--fva" => {
                    let v = value()?;
                    let parts: Vec<i64> = v
                        .split(',')
                        .map(|p| p.trim().parse())
                        .collect::<Result<_, _>>()
                        .map_err(|_| "--fva takes FIRST,SECOND minutes, e.g. 2,-1".to_string())?;
                    options.fva = parts
                        .try_into()
                        .map_err(|_| "--fva takes exactly two numbers, e.g. 2,-1".to_string())?;
                }
                "--flavour" => options.flavour = value()?,
                "--route" => options.route = value()?,
                other => return Err(format!("unknown option {other:?}")),
            }
        }
        if (!options.permissions.is_empty() || options.org_role != "org:member")
            && options.org.is_none()
        {
            return Err("--permissions and --org-role need --org ID".into());
        }
        if options.kind == Kind::Machine {
            if !options.sub_given {
                options.sub = SAMPLE_WORKER.into();
            }
            if !options.sub.starts_with("mch_") {
                return Err("--m2m needs a machine id: --sub mch_…".into());
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
    let now = authorizer::now() as i64;
    let at = |offset: i64| {
        u64::try_from(now + offset).map_err(|_| "the time is before 1970".to_string())
    };
    let (iat, exp) = (now as u64, at(options.lifetime)?);
    let mut claims = match options.kind {
        Kind::Session => clerk_claims(&options.sub, metadata, iat, exp),
        Kind::Machine => machine_claims(
            &options.sub,
            &options
                .targets
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
            iat,
            exp,
        ),
        Kind::OAuth => oauth_claims(&options.sub, &options.client, &options.scope, iat, exp),
    };
    claims["nbf"] = json!(at(options.starts_in)?);
    if let Some(act) = &options.act {
        claims["act"] = json!({ "sub": act });
    }
    match options.kind {
        Kind::Machine => return Ok(mint_machine(&claims)),
        Kind::OAuth => return Ok(mint_oauth(&claims)),
        Kind::Session => {}
    }
    claims["fva"] = json!(options.fva);
    if let Some(plans) = &options.plans {
        claims["pla"] = json!(plans);
    }
    if let Some(features) = &options.features {
        claims["fea"] = json!(features);
    }
    set_version(&mut claims, options.version);
    if let Some(org) = &options.org {
        let permissions: Vec<&str> = options.permissions.iter().map(String::as_str).collect();
        set_org(
            &mut claims,
            org,
            &options.org_slug,
            &options.org_role,
            &permissions,
        );
    }
    Ok(mint(&claims))
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

/// `mint api-key`: a fresh `ak_…` and Clerk's answer for it, as a credentials-file entry.
fn api_key(args: &[String]) -> Result<String, String> {
    let mut subject = SAMPLE_ORG.to_string();
    let mut scopes = "tasks:read".to_string();
    let mut name = "minted".to_string();
    let (mut revoked, mut expired) = (false, false);
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let mut value = || args.next().cloned().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--subject" => subject = value()?,
            "--scopes" => scopes = value()?,
            "--name" => name = value()?,
            "--revoked" => revoked = true,
            "--expired" => expired = true,
            other => return Err(format!("unknown api-key option {other}")),
        }
    }
    if !subject.starts_with("user_") && !subject.starts_with("org_") {
        return Err("--subject must be a user_… or org_… id".into());
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let secret = format!("ak_devonly{nanos:032x}");
    let scopes: Vec<&str> = scopes.split_whitespace().collect();
    let mut answer = opaque_answer("api_key", &format!("ak_id_{nanos:x}"), &subject, &scopes);
    answer["name"] = json!(name);
    answer["revoked"] = json!(revoked);
    answer["expired"] = json!(expired);
    Ok(format!(
        "{}\n",
        json!({ "secret": secret, "answer": answer })
    ))
}

/// `mint webhook TYPE (--org ID | --user ID) [--plan SLUG] [--at MS]`.
fn webhook_delivery(args: &[String]) -> Result<String, String> {
    let (kind, rest) = args.split_first().ok_or("webhook needs an event type")?;
    const TYPES: [&str; 6] = [
        "organization.created",
        "user.created",
        "subscriptionItem.active",
        "subscriptionItem.ended",
        "organization.deleted",
        "user.deleted",
    ];
    if !TYPES.contains(&kind.as_str()) {
        return Err(format!(
            "webhook: {kind:?} is not one of {}",
            TYPES.join(", ")
        ));
    }
    let now = authorizer::now() as i64;
    let (mut tenant, mut plan, mut at) = (None, None, now * 1000);
    let mut i = 0;
    while i < rest.len() {
        let value = rest
            .get(i + 1)
            .ok_or_else(|| format!("{} needs a value", rest[i]))?;
        match rest[i].as_str() {
            "--org" | "--user" => tenant = Some(value.clone()),
            "--plan" => plan = Some(value.clone()),
            "--at" => {
                at = value
                    .parse()
                    .map_err(|_| format!("--at {value:?} is not milliseconds"))?
            }
            other => return Err(format!("webhook: unknown option {other}")),
        }
        i += 2;
    }
    let tenant = tenant.ok_or("webhook needs --org org_… or --user user_…")?;
    let (headers, body) = webhook(kind, &tenant, plan.as_deref(), at, now);
    let mut out: String = headers.iter().map(|(k, v)| format!("{k}: {v}\n")).collect();
    out += &format!("\n{body}\n");
    Ok(out)
}
