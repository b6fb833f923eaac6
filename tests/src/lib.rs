//! Shared by the end-to-end tests and the `mint` command: the DEV-ONLY keys, Clerk-shaped
//! claims, and builders for every API Gateway authorizer event.
//!
//! The sample events in `events/authorizer/` are generated from `samples()`, so the files,
//! the tests and the demo all describe the same cases.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

/// DEV-ONLY key pair of the sample "Clerk instance". Public in this repository: never deploy.
pub const DEV_PRIVATE_KEY: &str = include_str!("../../events/keys/dev-only-private.pem");
pub const DEV_PUBLIC_KEY: &str = include_str!("../../events/keys/dev-only-public.pem");
/// An attacker's key, for foreign-signature cases.
pub const FOREIGN_PRIVATE_KEY: &str =
    include_str!("../../events/keys/foreign-dev-only-private.pem");

/// The settings the samples, the demo and the tests run with.
pub const DEV_ISSUER: &str = "https://clerk.dev-only.example";
pub const DEV_PARTY: &str = "http://localhost:3000";
/// The list form of `ACCESS_RULES` for session tokens: roles at `metadata.role`, then
/// organisation permissions as Clerk's `has()` checks them. An impersonated session (one with
/// `act`) may read but not delete. `template.yaml`'s default `AccessRules` is the same (a
/// test checks it).
pub const DEV_ACCESS_RULES: &str = r#"[{"routes":["*"],"when":{"role":"admin","impersonation":false}},{"routes":["GET /tasks","GET /tasks/*","GET /me"],"when":{"role":"admin","impersonation":true}},{"routes":["GET /tasks","GET /tasks/*","POST /tasks","PATCH /tasks/*","GET /me","$connect"],"when":{"role":"member"}},{"routes":["GET /tasks","GET /tasks/*"],"when":{"permission":"org:tasks:view"}},{"routes":["POST /tasks","PATCH /tasks/*"],"when":{"permission":"org:tasks:edit"}},{"routes":["DELETE /tasks/*"],"when":{"permission":"org:tasks:manage","reverification":"strict","impersonation":false}},{"routes":["GET /reports/*"],"when":{"plan":"pro"}},{"routes":["GET /tasks","POST /tasks"],"when":{"org":false}},{"routes":["GET /me"]}]"#;

/// The entries the demo adds for machine callers: the sample worker's M2M tokens may list,
/// read and create tasks; OAuth apps may read with `tasks:read` and write with `tasks:write`.
pub const DEV_MACHINE_RULES: &str = r#"[{"routes":["GET /tasks","GET /tasks/*","POST /tasks"],"when":{"token":"m2m_token","machine":"mch_2worker0000000000000000001"}},{"routes":["GET /tasks","GET /tasks/*","GET /me"],"when":{"token":"oauth_token","scope":"tasks:read"}},{"routes":["POST /tasks","PATCH /tasks/*"],"when":{"token":"oauth_token","scope":"tasks:write"}}]"#;

/// This API's own Clerk machine id: the M2M tokens it accepts must target it.
pub const DEV_MACHINE_ID: &str = "mch_2tasksapi00000000000000001";
/// The sample worker, a machine that calls the API with M2M tokens.
pub const SAMPLE_WORKER: &str = "mch_2worker0000000000000000001";
/// The sample OAuth application, and the audience its access tokens name.
pub const SAMPLE_OAUTH_CLIENT: &str = "client_2sampleapp000000000001";
pub const DEV_OAUTH_AUDIENCE: &str = "https://api.dev-only.example";
/// The sample Clerk instance's publishable key: base64 of `clerk.dev-only.example$`, the
/// issuer's host. Its session cookie is `__session_` + `publishable_key::cookie_suffix`.
pub const DEV_PUBLISHABLE_KEY: &str = "pk_test_Y2xlcmsuZGV2LW9ubHkuZXhhbXBsZSQ";

/// Builds every binary the end-to-end tests start, once per test process, with the command
/// scripts/test runs (`cargo test --workspace --no-run`), and returns the folder they are in.
///
/// The same command on purpose: cargo resolves features per invocation, so `cargo build -p X`
/// from a test built X's dependencies again with other features (over a minute of a 2-core CI
/// run) and replaced the binaries the tests had just been built beside. Inside
/// `cargo test --workspace` this is fresh in a fraction of a second, and it puts those binaries
/// back in `target/debug`. Run alone (`cargo test -p tests --test clerk_api`), it first builds
/// the workspace's tests once.
pub fn built_binaries() -> &'static std::path::Path {
    static BUILT: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    BUILT.get_or_init(|| {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let status = std::process::Command::new(env!("CARGO"))
            .current_dir(&root)
            .args(["test", "--workspace", "--no-run", "-q"])
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the workspace's binaries failed");
        // CARGO_TARGET_DIR as cargo reads it (a relative one from the workspace's root).
        std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| root.join("target"), |dir| root.join(dir))
            .join("debug")
    })
}

/// The demo's `ACCESS_RULES`: the session entries, then the machine ones.
pub fn dev_access_rules() -> String {
    let mut rules: Vec<Value> = serde_json::from_str(DEV_ACCESS_RULES).expect("rules");
    let machine: Vec<Value> = serde_json::from_str(DEV_MACHINE_RULES).expect("rules");
    rules.extend(machine);
    Value::Array(rules).to_string()
}

/// The request's API: `arn:aws:execute-api:us-east-1:123456789012:abc123/prod/…`.
pub const API_PREFIX: &str = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/";
pub const HTTP_API_PREFIX: &str = "arn:aws:execute-api:us-east-1:123456789012:def456/$default/";
pub const WS_PREFIX: &str = "arn:aws:execute-api:us-east-1:123456789012:ws7890/prod/";

/// Sample organisation and its users: a viewer (`org:tasks:view`), a manager (view, edit,
/// manage), and a user with a personal account only.
pub const SAMPLE_ORG: &str = "org_2sample0000000000000000001";
pub const SAMPLE_VIEWER: &str = "user_2viewer000000000000000001";
pub const SAMPLE_MANAGER: &str = "user_2manager00000000000000001";
pub const SAMPLE_EDITOR: &str = "user_2editor000000000000000001";
pub const SAMPLE_PERSONAL: &str = "user_2personal0000000000000001";
/// A support engineer who impersonates users from Clerk's dashboard (`act.sub`).
pub const SAMPLE_SUPPORT: &str = "user_2support00000000000000001";

/// A fixed "now" for deterministic samples (2025-11-24), and a far-future expiry (2100-01-01)
/// so the committed sample tokens keep working.
pub const SAMPLE_IAT: u64 = 1_764_000_000;
pub const FAR_FUTURE: u64 = 4_102_444_800;

/// The environment of the demo and of `cargo lambda watch`, as (name, value) pairs.
pub fn dev_env() -> Vec<(&'static str, String)> {
    vec![
        ("CLERK_JWT_KEY", DEV_PUBLIC_KEY.trim().replace('\n', "\\n")),
        ("CLERK_PUBLISHABLE_KEY", DEV_PUBLISHABLE_KEY.into()),
        ("JWT_ISSUER", DEV_ISSUER.into()),
        ("AUTHORIZED_PARTIES", DEV_PARTY.into()),
        ("ACCESS_RULES", dev_access_rules()),
        (
            "ACCEPTED_TOKENS",
            "session_token,m2m_token,oauth_token".into(),
        ),
        ("MACHINE_ID", DEV_MACHINE_ID.into()),
        ("OAUTH_AUDIENCE", DEV_OAUTH_AUDIENCE.into()),
        // The template's `!Ref TasksTable`, as local-gateway names it.
        ("TASKS_TABLE", "TasksTable".into()),
        // The provisioner (Metering=true) locally: the DEV-ONLY signing secret itself, and the
        // template's Secrets Manager ARN blanked.
        ("CLERK_WEBHOOK_SECRET", DEV_WEBHOOK_SECRET.into()),
        ("CLERK_WEBHOOK_SECRET_ARN", String::new()),
    ]
}

/// API keys by scope: the sample organisation's CI key may read and write tasks, a user's
/// key with `tasks:read` may read.
pub const DEV_API_KEY_RULES: &str = r#"[{"routes":["GET /tasks","GET /tasks/*","GET /me"],"when":{"token":"api_key","scope":"tasks:read"}},{"routes":["POST /tasks","PATCH /tasks/*"],"when":{"token":"api_key","scope":"tasks:write"}}]"#;

/// The dev settings with Clerk's Backend API: the local Clerk API's secret key, `api_key`
/// accepted (and the opaque M2M and OAuth forms), and `DEV_API_KEY_RULES` on top of the dev
/// rules. `OAUTH_AUDIENCE` is left out: Clerk's record of an opaque OAuth token has none.
pub fn dev_api_key_env() -> Vec<(&'static str, String)> {
    let mut rules: Vec<Value> = serde_json::from_str(&dev_access_rules()).expect("rules");
    let api_keys: Vec<Value> = serde_json::from_str(DEV_API_KEY_RULES).expect("rules");
    rules.extend(api_keys);
    let mut env: Vec<(&'static str, String)> = dev_env()
        .into_iter()
        .filter(|(k, _)| !matches!(*k, "ACCEPTED_TOKENS" | "ACCESS_RULES" | "OAUTH_AUDIENCE"))
        .collect();
    env.extend([
        (
            "ACCEPTED_TOKENS",
            "session_token,m2m_token,oauth_token,api_key".to_string(),
        ),
        ("ACCESS_RULES", Value::Array(rules).to_string()),
        ("CLERK_SECRET_KEY", DEV_SECRET_KEY.to_string()),
        (
            "CLERK_MACHINE_SECRET_KEY",
            DEV_MACHINE_SECRET_KEY.to_string(),
        ),
    ]);
    env
}

/// Looks a setting up in `dev_env()` with `overrides` on top; for `Config::from_lookup`.
pub fn dev_lookup<'a>(overrides: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| {
        if let Some((_, v)) = overrides.iter().find(|(n, _)| *n == name) {
            return Some(v.to_string());
        }
        dev_env()
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    }
}

/// Signs `claims` with a PEM private key.
pub fn sign(claims: &Value, private_pem: &str, alg: Algorithm) -> String {
    let key = EncodingKey::from_rsa_pem(private_pem.as_bytes()).expect("a valid RSA private key");
    jsonwebtoken::encode(&Header::new(alg), claims, &key).expect("signing cannot fail")
}

/// Signs with the DEV-ONLY key, RS256.
pub fn mint(claims: &Value) -> String {
    sign(claims, DEV_PRIVATE_KEY, Algorithm::RS256)
}

/// Signs `claims` with the DEV-ONLY key under a header with `typ` and `cat` (either may be
/// left out), RS256.
pub fn mint_with_header(claims: &Value, typ: Option<&str>, cat: Option<&str>) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.typ = typ.map(str::to_string);
    if let Some(cat) = cat {
        header.extras.insert("cat", cat);
    }
    let key = EncodingKey::from_rsa_pem(DEV_PRIVATE_KEY.as_bytes()).expect("RSA key");
    jsonwebtoken::encode(&header, claims, &key).expect("signing cannot fail")
}

/// Clerk-shaped M2M claims: the calling machine `sub`, a `jti` `mt_…`, and the machines it
/// may call in `scopes` (space-separated), as Clerk mints them.
pub fn machine_claims(sub: &str, targets: &[&str], iat: u64, exp: u64) -> Value {
    json!({
        "exp": exp,
        "iat": iat,
        "iss": DEV_ISSUER,
        "jti": format!("mt_{}", sub.trim_start_matches("mch_")),
        "nbf": iat - 5,
        "scopes": targets.join(" "),
        "sub": sub,
    })
}

/// An M2M token: header `cat` `cl_B7d4PD333AAA`.
pub fn mint_machine(claims: &Value) -> String {
    mint_with_header(
        claims,
        Some("JWT"),
        Some(authorizer::kind::MACHINE_CATEGORY),
    )
}

/// Clerk-shaped OAuth access token claims: the user `sub`, the app's `client_id`, its `scope`
/// (space-separated) and the audience `aud`.
pub fn oauth_claims(sub: &str, client: &str, scope: &str, iat: u64, exp: u64) -> Value {
    json!({
        "aud": DEV_OAUTH_AUDIENCE,
        "client_id": client,
        "exp": exp,
        "iat": iat,
        "iss": DEV_ISSUER,
        "jti": format!("oat_{}", sub.trim_start_matches("user_")),
        "nbf": iat - 5,
        "scope": scope,
        "sub": sub,
    })
}

/// An OAuth access token: header `typ` `at+jwt` (RFC 9068).
pub fn mint_oauth(claims: &Value) -> String {
    mint_with_header(claims, Some("at+jwt"), None)
}

/// The name of the dev publishable key's session cookie, `__session_<suffix>`.
pub fn dev_session_cookie() -> String {
    authorizer::publishable_key::parse(DEV_PUBLISHABLE_KEY)
        .expect("the dev publishable key is valid")
        .session_cookie
}

/// Clerk-shaped session claims: `sub`, `sid`, `iss`, `azp`, `iat`, `nbf`, `exp` and the
/// customised `metadata` claim (`{"metadata": "{{user.public_metadata}}"}` in the dashboard).
pub fn clerk_claims(sub: &str, metadata: Value, iat: u64, exp: u64) -> Value {
    json!({
        "azp": DEV_PARTY,
        "exp": exp,
        "fva": [0, -1],
        "iat": iat,
        "iss": DEV_ISSUER,
        "metadata": metadata,
        "nbf": iat - 5,
        "sid": session_id(sub),
        "sub": sub,
        "v": 2,
    })
}

/// Makes `claims` a session token of `version` 1 or 2 (v1 has no `v` and no `fva`).
pub fn set_version(claims: &mut Value, version: u8) {
    let object = claims.as_object_mut().expect("claims are an object");
    if version == 1 {
        object.remove("v");
        object.remove("fva");
    } else {
        object.insert("v".into(), json!(2));
    }
}

/// Puts an active organisation into `claims`, in the token's version: v1's `org_*` claims, or
/// v2's `o` with the permissions packed into `per`/`fpm` against `fea` as Clerk packs them.
/// `permissions` are full keys such as `org:tasks:manage`.
pub fn set_org(claims: &mut Value, id: &str, slug: &str, role: &str, permissions: &[&str]) {
    if claims.get("v") != Some(&json!(2)) {
        claims["org_id"] = json!(id);
        claims["org_slug"] = json!(slug);
        claims["org_role"] = json!(role);
        claims["org_permissions"] = json!(permissions);
        return;
    }
    let mut features: Vec<&str> = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for permission in permissions {
        let mut parts = permission.splitn(3, ':');
        let (Some("org"), Some(feature), Some(name)) = (parts.next(), parts.next(), parts.next())
        else {
            panic!("{permission:?} is not org:<feature>:<permission>");
        };
        if !features.contains(&feature) {
            features.push(feature);
        }
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let masks: Vec<String> = features
        .iter()
        .map(|feature| {
            let mask: u128 = names
                .iter()
                .enumerate()
                .filter(|(_, name)| permissions.contains(&format!("org:{feature}:{name}").as_str()))
                .map(|(bit, _)| 1u128 << bit)
                .sum();
            mask.to_string()
        })
        .collect();
    let mut fea: Vec<String> = features.iter().map(|f| format!("o:{f}")).collect();
    if let Some(existing) = claims.get("fea").and_then(Value::as_str) {
        fea.extend(
            existing
                .split(',')
                .filter(|e| !e.is_empty())
                .map(str::to_string),
        );
    }
    claims["fea"] = json!(fea.join(","));
    claims["o"] = json!({ "id": id, "slg": slug, "rol": role.trim_start_matches("org:"), "per": names.join(","), "fpm": masks.join(",") });
}

/// Long-lived sample claims for a role (`None`: a user without a role).
pub fn sample_claims(role: Option<&str>) -> Value {
    let metadata = match role {
        Some(role) => json!({ "role": role }),
        None => json!({}),
    };
    clerk_claims(sample_sub(role), metadata, SAMPLE_IAT, FAR_FUTURE)
}

/// The sample user id for a role (`None`: a user without a role).
fn sample_sub(role: Option<&str>) -> &'static str {
    match role {
        Some("admin") => "user_2admin0000000000000000001",
        Some(_) => "user_2member000000000000000001",
        None => "user_2norole000000000000000001",
    }
}

/// The sample session id that goes with a user id: `user_X` → `sess_X`.
fn session_id(sub: &str) -> String {
    format!("sess_{}", sub.trim_start_matches("user_"))
}

/// `multiValueHeaders` as API Gateway derives it from single-value `headers`.
fn multi_value(headers: &Value) -> Value {
    let map: serde_json::Map<String, Value> = headers
        .as_object()
        .map(|h| h.iter().map(|(k, v)| (k.clone(), json!([v]))).collect())
        .unwrap_or_default();
    Value::Object(map)
}

/// `"GET /tasks/1"` → `("GET", "/tasks/1")`.
fn split_route(route: &str) -> (&str, &str) {
    route.split_once(' ').unwrap_or(("GET", route))
}

/// A REST TOKEN event.
pub fn token_event(authorization: &str, route: &str) -> Value {
    let (method, path) = split_route(route);
    json!({
        "type": "TOKEN",
        "authorizationToken": authorization,
        "methodArn": format!("{API_PREFIX}{method}{path}"),
    })
}

/// A REST REQUEST event with these headers (name → value).
pub fn rest_request_event(headers: Value, route: &str) -> Value {
    let (method, path) = split_route(route);
    json!({
        "type": "REQUEST",
        "methodArn": format!("{API_PREFIX}{method}{path}"),
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": multi_value(&headers),
        "queryStringParameters": {},
        "multiValueQueryStringParameters": {},
        "pathParameters": {},
        "stageVariables": {},
        "requestContext": {
            "path": format!("/prod{path}"),
            "accountId": "123456789012",
            "resourceId": "r3s0urc3",
            "stage": "prod",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "identity": { "sourceIp": "203.0.113.10", "userAgent": "curl/8.5.0" },
            "resourcePath": path,
            "httpMethod": method,
            "apiId": "abc123"
        }
    })
}

/// An HTTP API payload 2.0 event.
pub fn http_v2_event(headers: Value, cookies: &[&str], route: &str) -> Value {
    let (method, path) = split_route(route);
    let mut event = json!({
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": format!("{HTTP_API_PREFIX}{method}{path}"),
        // As the template's HTTP API keys its cache: the token, then `$context.routeKey`.
        "identitySource": [headers.get("authorization").cloned().unwrap_or(Value::String(cookies.join("; "))), format!("{method} {path}")],
        "routeKey": format!("{method} {path}"),
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "def456",
            "domainName": "def456.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "def456",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.10",
                "userAgent": "curl/8.5.0"
            },
            "requestId": "id",
            "routeKey": format!("{method} {path}"),
            "stage": "$default",
            "time": "24/Nov/2025:16:00:00 +0000",
            "timeEpoch": 1764000000000u64
        }
    });
    if !cookies.is_empty() {
        event["cookies"] = json!(cookies);
    }
    event
}

/// An HTTP API payload 1.0 event.
pub fn http_v1_event(headers: Value, route: &str) -> Value {
    let (method, path) = split_route(route);
    let identity = headers
        .get("authorization")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let mut event = rest_request_event(headers, route);
    event["version"] = json!("1.0");
    event["methodArn"] = json!(format!("{HTTP_API_PREFIX}{method}{path}"));
    event["identitySource"] = json!(identity);
    event["authorizationToken"] = json!(identity);
    event["requestContext"]["stage"] = json!("$default");
    event["requestContext"]["apiId"] = json!("def456");
    event
}

/// A WebSocket `$connect` event.
pub fn websocket_event(headers: Value) -> Value {
    json!({
        "type": "REQUEST",
        "methodArn": format!("{WS_PREFIX}$connect"),
        "headers": headers,
        "multiValueHeaders": multi_value(&headers),
        "queryStringParameters": {},
        "stageVariables": {},
        "requestContext": {
            "routeKey": "$connect",
            "eventType": "CONNECT",
            "extendedRequestId": "ABCD1234=",
            "requestTime": "24/Nov/2025:16:00:00 +0000",
            "messageDirection": "IN",
            "stage": "prod",
            "connectedAt": 1764000000000u64,
            "requestTimeEpoch": 1764000000000u64,
            "identity": { "sourceIp": "203.0.113.10" },
            "requestId": "ABCD1234=",
            "domainName": "ws7890.execute-api.us-east-1.amazonaws.com",
            "connectionId": "Abc123=",
            "apiId": "ws7890"
        }
    })
}

/// What API Gateway answers for a sample: the demo and the README print these names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Allow,
    Deny,
    Unauthorized,
}

/// A sample event: its file name in `events/authorizer/`, the event, and the expected answer
/// and log reason.
pub struct Sample {
    pub file: &'static str,
    pub event: Value,
    pub answer: Answer,
    pub reason: &'static str,
}

/// Every authorizer sample event. `mint samples` writes them to `events/authorizer/`.
pub fn samples() -> Vec<Sample> {
    let admin = mint(&sample_claims(Some("admin")));
    let member = mint(&sample_claims(Some("member")));
    let no_role = mint(&sample_claims(None));
    let expired = mint(&clerk_claims(
        "user_2member000000000000000001",
        json!({"role": "member"}),
        1_700_000_000,
        1_700_000_060,
    ));
    let foreign = sign(
        &sample_claims(Some("admin")),
        FOREIGN_PRIVATE_KEY,
        Algorithm::RS256,
    );
    let nested = mint(&clerk_claims(
        "user_2nested000000000000000001",
        json!({"role": "member", "team": {"id": "team_42", "name": "Platform"}, "tags": ["beta", "eu"], "plan": "pro", "seats": 5, "verified": true, "nickname": null}),
        SAMPLE_IAT,
        FAR_FUTURE,
    ));
    // Organisation members (v2 unless noted), a personal account and a subscriber.
    let org_user = |sub: &str, version: u8, permissions: &[&str], fva: Value| {
        let mut claims = clerk_claims(sub, json!({}), SAMPLE_IAT, FAR_FUTURE);
        set_version(&mut claims, version);
        set_org(&mut claims, SAMPLE_ORG, "acme", "org:member", permissions);
        if version == 2 {
            claims["fva"] = fva;
        }
        mint(&claims)
    };
    let viewer = org_user(SAMPLE_VIEWER, 2, &["org:tasks:view"], json!([0, -1]));
    let viewer_v1 = org_user(SAMPLE_VIEWER, 1, &["org:tasks:view"], Value::Null);
    let manage = ["org:tasks:view", "org:tasks:edit", "org:tasks:manage"];
    let manager_fresh = org_user(SAMPLE_MANAGER, 2, &manage, json!([2, 2]));
    let manager_stale = org_user(SAMPLE_MANAGER, 2, &manage, json!([45, 45]));
    let personal = mint(&clerk_claims(
        SAMPLE_PERSONAL,
        json!({}),
        SAMPLE_IAT,
        FAR_FUTURE,
    ));
    let mut pro = clerk_claims(SAMPLE_PERSONAL, json!({}), SAMPLE_IAT, FAR_FUTURE);
    pro["pla"] = json!("u:pro");
    let pro = mint(&pro);
    let worker = mint_machine(&machine_claims(
        SAMPLE_WORKER,
        &[DEV_MACHINE_ID],
        SAMPLE_IAT,
        FAR_FUTURE,
    ));
    let worker_for_another = mint_machine(&machine_claims(
        SAMPLE_WORKER,
        &["mch_2billing0000000000000000001"],
        SAMPLE_IAT,
        FAR_FUTURE,
    ));
    let mut worker_with_role =
        machine_claims(SAMPLE_WORKER, &[DEV_MACHINE_ID], SAMPLE_IAT, FAR_FUTURE);
    worker_with_role["metadata"] = json!({"role": "admin"});
    let worker_with_role = mint_machine(&worker_with_role);
    let oauth = |scope: &str| {
        mint_oauth(&oauth_claims(
            SAMPLE_VIEWER,
            SAMPLE_OAUTH_CLIENT,
            scope,
            SAMPLE_IAT,
            FAR_FUTURE,
        ))
    };
    let oauth_read = oauth("tasks:read");
    let mut other_audience = oauth_claims(
        SAMPLE_VIEWER,
        SAMPLE_OAUTH_CLIENT,
        "tasks:read",
        SAMPLE_IAT,
        FAR_FUTURE,
    );
    other_audience["aud"] = json!("https://api.another.example");
    let oauth_other_audience = mint_oauth(&other_audience);
    let unknown_category = mint_with_header(
        &sample_claims(Some("admin")),
        Some("JWT"),
        Some("cl_B7d4PD444AAA"),
    );
    let template = mint_with_header(
        &sample_claims(Some("admin")),
        Some("JWT"),
        Some(authorizer::kind::TEMPLATE_CATEGORY),
    );
    let mut impersonated = sample_claims(Some("admin"));
    impersonated["act"] = json!({"sub": SAMPLE_SUPPORT, "iss": DEV_ISSUER});
    let impersonated = mint(&impersonated);
    let suffixed = dev_session_cookie();
    let bearer = |t: &str| format!("Bearer {t}");
    let auth = |t: &str| json!({ "Authorization": bearer(t), "Host": "abc123.execute-api.us-east-1.amazonaws.com" });
    let cookie = |t: &str| json!({ "Cookie": format!("__client_uat=1764000000; __session={t}; theme=dark"), "Host": "app.example.com" });
    let session = |t: &str| format!("__session={t}");
    use Answer::*;
    let s = |file, event, answer, reason| Sample {
        file,
        event,
        answer,
        reason,
    };
    vec![
        s(
            "token-admin.json",
            token_event(&bearer(&admin), "DELETE /tasks/1"),
            Allow,
            "allowed",
        ),
        s(
            "token-member.json",
            token_event(&bearer(&member), "GET /tasks/1"),
            Allow,
            "allowed",
        ),
        s(
            "token-member-delete.json",
            token_event(&bearer(&member), "DELETE /tasks/1"),
            Deny,
            "route_not_allowed",
        ),
        s(
            "token-no-role.json",
            token_event(&bearer(&no_role), "GET /admin/users"),
            Deny,
            "no_role",
        ),
        s(
            "token-nested-metadata.json",
            token_event(&bearer(&nested), "GET /me"),
            Allow,
            "allowed",
        ),
        s(
            "token-expired.json",
            token_event(&bearer(&expired), "GET /tasks"),
            Unauthorized,
            "expired",
        ),
        s(
            "token-foreign-signature.json",
            token_event(&bearer(&foreign), "GET /tasks"),
            Unauthorized,
            "bad_signature",
        ),
        s(
            "token-malformed.json",
            token_event("Bearer not.a.jwt", "GET /tasks"),
            Unauthorized,
            "malformed",
        ),
        s(
            "token-org-permission.json",
            token_event(&bearer(&viewer), "GET /tasks/1"),
            Allow,
            "allowed",
        ),
        s(
            "token-org-permission-v1.json",
            token_event(&bearer(&viewer_v1), "GET /tasks/1"),
            Allow,
            "allowed",
        ),
        s(
            "token-org-permission-missing.json",
            token_event(&bearer(&viewer), "PATCH /tasks/1"),
            Deny,
            "missing_permission",
        ),
        s(
            "token-org-delete-fresh.json",
            token_event(&bearer(&manager_fresh), "DELETE /tasks/1"),
            Allow,
            "allowed",
        ),
        s(
            "token-org-delete-stale.json",
            token_event(&bearer(&manager_stale), "DELETE /tasks/1"),
            Deny,
            "reverification_required",
        ),
        s(
            "token-personal-account.json",
            token_event(&bearer(&personal), "POST /tasks"),
            Allow,
            "allowed",
        ),
        s(
            "token-personal-account-reports.json",
            token_event(&bearer(&personal), "GET /reports/monthly"),
            Deny,
            "missing_plan",
        ),
        s(
            "token-plan-pro.json",
            token_event(&bearer(&pro), "GET /reports/monthly"),
            Allow,
            "allowed",
        ),
        s(
            "token-wrong-category.json",
            token_event(&bearer(&unknown_category), "GET /tasks"),
            Unauthorized,
            "wrong_token_category",
        ),
        s(
            "token-jwt-template.json",
            token_event(&bearer(&template), "GET /tasks"),
            Unauthorized,
            "wrong_token_category",
        ),
        s(
            "token-impersonated-read.json",
            token_event(&bearer(&impersonated), "GET /tasks/1"),
            Allow,
            "allowed",
        ),
        s(
            "token-impersonated-delete.json",
            token_event(&bearer(&impersonated), "DELETE /tasks/1"),
            Deny,
            "impersonation_not_allowed",
        ),
        s(
            "token-m2m-worker.json",
            token_event(&bearer(&worker), "POST /tasks"),
            Allow,
            "allowed",
        ),
        s(
            "token-m2m-worker-delete.json",
            token_event(&bearer(&worker), "DELETE /tasks/1"),
            Deny,
            "token_kind_not_allowed",
        ),
        s(
            "token-m2m-metadata-role.json",
            token_event(&bearer(&worker_with_role), "DELETE /tasks/1"),
            Deny,
            "token_kind_not_allowed",
        ),
        s(
            "token-m2m-another-machine.json",
            token_event(&bearer(&worker_for_another), "GET /tasks"),
            Unauthorized,
            "wrong_audience",
        ),
        s(
            "token-oauth-another-audience.json",
            token_event(&bearer(&oauth_other_audience), "GET /tasks"),
            Unauthorized,
            "wrong_audience",
        ),
        s(
            "request-header-admin.json",
            rest_request_event(auth(&admin), "DELETE /tasks/1"),
            Allow,
            "allowed",
        ),
        s(
            "request-cookie-member.json",
            rest_request_event(cookie(&member), "GET /tasks"),
            Allow,
            "allowed",
        ),
        s(
            "request-cookie-member-delete.json",
            rest_request_event(cookie(&member), "DELETE /tasks/1"),
            Deny,
            "route_not_allowed",
        ),
        s(
            "request-basic-falls-back-to-cookie.json",
            rest_request_event(
                json!({ "authorization": "Basic dXNlcjpwYXNz", "cookie": format!("__session={member}") }),
                "GET /tasks",
            ),
            Allow,
            "allowed",
        ),
        s(
            "request-cookie-m2m.json",
            rest_request_event(cookie(&worker), "GET /tasks"),
            Unauthorized,
            "machine_token_outside_header",
        ),
        s(
            "request-suffixed-cookie-member.json",
            rest_request_event(
                json!({ "Cookie": format!("__session=not.a.token; {suffixed}={member}") }),
                "GET /tasks",
            ),
            Allow,
            "allowed",
        ),
        s(
            "request-other-apps-cookie.json",
            rest_request_event(
                json!({ "Cookie": format!("__session_0therApp={member}") }),
                "GET /tasks",
            ),
            Unauthorized,
            "no_token",
        ),
        s(
            "request-no-token.json",
            rest_request_event(json!({ "Host": "app.example.com" }), "GET /tasks"),
            Unauthorized,
            "no_token",
        ),
        s(
            "request-cookie-expired.json",
            rest_request_event(cookie(&expired), "GET /tasks"),
            Unauthorized,
            "expired",
        ),
        s(
            "http-v2-admin.json",
            http_v2_event(
                json!({ "authorization": bearer(&admin) }),
                &[],
                "DELETE /tasks/1",
            ),
            Allow,
            "allowed",
        ),
        s(
            "http-v2-cookie-member.json",
            http_v2_event(
                json!({}),
                &["theme=dark", &session(&member)],
                "GET /tasks/7",
            ),
            Allow,
            "allowed",
        ),
        s(
            "http-v2-member-delete.json",
            http_v2_event(
                json!({ "authorization": bearer(&member) }),
                &[],
                "DELETE /tasks/1",
            ),
            Deny,
            "route_not_allowed",
        ),
        s(
            "http-v2-oauth-read.json",
            http_v2_event(
                json!({ "authorization": bearer(&oauth_read) }),
                &[],
                "GET /tasks",
            ),
            Allow,
            "allowed",
        ),
        s(
            "http-v2-oauth-write.json",
            http_v2_event(
                json!({ "authorization": bearer(&oauth_read) }),
                &[],
                "POST /tasks",
            ),
            Deny,
            "missing_scope",
        ),
        s(
            "http-v2-cookie-oauth.json",
            http_v2_event(json!({}), &[&session(&oauth_read)], "GET /tasks"),
            Unauthorized,
            "machine_token_outside_header",
        ),
        s(
            "http-v2-m2m-worker.json",
            http_v2_event(
                json!({ "authorization": bearer(&worker) }),
                &[],
                "GET /tasks/7",
            ),
            Allow,
            "allowed",
        ),
        s(
            "http-v2-expired.json",
            http_v2_event(
                json!({ "authorization": bearer(&expired) }),
                &[],
                "GET /tasks",
            ),
            Unauthorized,
            "expired",
        ),
        s(
            "http-v1-admin.json",
            http_v1_event(
                json!({ "authorization": bearer(&admin) }),
                "DELETE /tasks/1",
            ),
            Allow,
            "allowed",
        ),
        s(
            "http-v1-no-role.json",
            http_v1_event(
                json!({ "authorization": bearer(&no_role) }),
                "GET /admin/users",
            ),
            Deny,
            "no_role",
        ),
        s(
            "http-v1-foreign-signature.json",
            http_v1_event(json!({ "authorization": bearer(&foreign) }), "GET /tasks"),
            Unauthorized,
            "bad_signature",
        ),
        s(
            "websocket-connect-member.json",
            websocket_event(
                json!({ "Sec-WebSocket-Protocol": format!("clerk, {member}"), "Sec-WebSocket-Version": "13" }),
            ),
            Allow,
            "allowed",
        ),
        s(
            "websocket-connect-no-role.json",
            websocket_event(json!({ "Sec-WebSocket-Protocol": format!("clerk, {no_role}") })),
            Deny,
            "no_role",
        ),
        s(
            "websocket-connect-no-token.json",
            websocket_event(json!({ "Sec-WebSocket-Version": "13" })),
            Unauthorized,
            "no_token",
        ),
    ]
}

/// The context the authorizer attaches for a sample user, as API Gateway forwards it.
pub fn sample_context(role: Option<&str>) -> Value {
    let sub = sample_sub(role);
    let mut context = json!({ "sub": sub, "sid": session_id(sub), "plan": "pro" });
    if let Some(role) = role {
        context["role"] = json!(role);
    }
    context
}

/// The context the authorizer attaches for an organisation member of `SAMPLE_ORG`.
pub fn org_context(sub: &str, permissions: &[&str]) -> Value {
    json!({ "sub": sub, "sid": session_id(sub), "org_id": SAMPLE_ORG, "org_slug": "acme",
            "org_role": "org:member", "org_permissions": permissions.join(",") })
}

/// A REST proxy integration event (payload 1.0) with the authorizer context at
/// `requestContext.authorizer`, or none for a public route.
pub fn rest_proxy_event(
    route: &str,
    resource: &str,
    body: Option<&str>,
    context: Option<Value>,
) -> Value {
    let (method, path) = split_route(route);
    let id = path
        .strip_prefix("/tasks/")
        .map(|id| json!({ "id": id }))
        .unwrap_or(Value::Null);
    let mut authorizer = context.unwrap_or(Value::Null);
    if let Some(fields) = authorizer.as_object_mut() {
        fields.insert("principalId".into(), fields["sub"].clone());
        fields.insert("integrationLatency".into(), json!(1));
    }
    json!({
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": { "content-type": "application/json", "Host": "abc123.execute-api.us-east-1.amazonaws.com" },
        "multiValueHeaders": { "content-type": ["application/json"], "Host": ["abc123.execute-api.us-east-1.amazonaws.com"] },
        "queryStringParameters": null,
        "multiValueQueryStringParameters": null,
        "pathParameters": id,
        "stageVariables": null,
        "requestContext": {
            "accountId": "123456789012",
            "resourceId": "r3s0urc3",
            "stage": "prod",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "identity": { "sourceIp": "203.0.113.10", "userAgent": "curl/8.5.0" },
            "resourcePath": resource,
            "httpMethod": method,
            "path": format!("/prod{path}"),
            "apiId": "abc123",
            "authorizer": authorizer
        },
        "body": body,
        "isBase64Encoded": false
    })
}

/// An HTTP API 2.0 event with the authorizer context at `requestContext.authorizer.lambda`.
pub fn http_api_event(
    route: &str,
    route_key: &str,
    body: Option<&str>,
    context: Option<Value>,
) -> Value {
    let (method, path) = split_route(route);
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": "",
        "headers": { "content-type": "application/json", "host": "def456.execute-api.us-east-1.amazonaws.com" },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "def456",
            "domainName": "def456.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "def456",
            "http": { "method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.10", "userAgent": "curl/8.5.0" },
            "requestId": "id",
            "routeKey": route_key,
            "stage": "$default",
            "time": "24/Nov/2025:16:00:00 +0000",
            "timeEpoch": 1764000000000u64
        },
        "isBase64Encoded": false
    });
    if let Some(id) = path.strip_prefix("/tasks/") {
        event["pathParameters"] = json!({ "id": id });
    }
    if let Some(context) = context {
        event["requestContext"]["authorizer"] = json!({ "lambda": context });
    }
    if let Some(body) = body {
        event["body"] = json!(body);
    }
    event
}

/// A sample event for the API handlers: file in `events/api/`, function, event, status.
pub struct ApiSample {
    pub file: String,
    pub function: &'static str,
    pub event: Value,
    pub status: u16,
}

/// (name, function, route, resource, body, authorizer context, expected status).
type ApiCase<'a> = (
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    Option<&'a str>,
    Option<Value>,
    u16,
);

/// Every API handler sample, as a REST proxy event and as an HTTP API 2.0 event.
pub fn api_samples() -> Vec<ApiSample> {
    let admin = Some(sample_context(Some("admin")));
    let member = Some(sample_context(Some("member")));
    let editor = Some(org_context(
        SAMPLE_EDITOR,
        &["org:tasks:view", "org:tasks:edit"],
    ));
    // The tasks samples are the answers the handler gives before it reaches the table (the
    // table's answers are tested against a local DynamoDB server in local-gateway/tests/).
    const EDIT: &str = "PATCH /tasks/0192f0c1-7e5a-7cc3-9b1e-3a8f5e1d2c4b";
    const DELETE: &str = "DELETE /tasks/0192f0c1-7e5a-7cc3-9b1e-3a8f5e1d2c4b";
    let cases: Vec<ApiCase> = vec![
        (
            "health",
            "health",
            "GET /health",
            "/health",
            None,
            None,
            200,
        ),
        ("me-admin", "me", "GET /me", "/me", None, admin.clone(), 200),
        (
            "me-member",
            "me",
            "GET /me",
            "/me",
            None,
            member.clone(),
            200,
        ),
        ("me-no-context", "me", "GET /me", "/me", None, None, 401),
        (
            "tasks-list-no-context",
            "tasks",
            "GET /tasks",
            "/tasks",
            None,
            None,
            401,
        ),
        (
            "tasks-get-bad-id",
            "tasks",
            "GET /tasks/abc",
            "/tasks/{id}",
            None,
            member.clone(),
            400,
        ),
        (
            "tasks-create-bad-body",
            "tasks",
            "POST /tasks",
            "/tasks",
            Some("{\"name\":1}"),
            member.clone(),
            400,
        ),
        (
            "tasks-edit-bad-body",
            "tasks",
            EDIT,
            "/tasks/{id}",
            Some("{\"done\":\"yes\"}"),
            editor.clone(),
            400,
        ),
        (
            "tasks-delete-member",
            "tasks",
            DELETE,
            "/tasks/{id}",
            None,
            member.clone(),
            403,
        ),
        (
            "tasks-delete-editor",
            "tasks",
            DELETE,
            "/tasks/{id}",
            None,
            editor.clone(),
            403,
        ),
    ];
    let mut samples = Vec::new();
    for (name, function, route, resource, body, context, status) in cases {
        let (method, _) = split_route(route);
        samples.push(ApiSample {
            file: format!("rest-{name}.json"),
            function,
            event: rest_proxy_event(route, resource, body, context.clone()),
            status,
        });
        samples.push(ApiSample {
            file: format!("http-{name}.json"),
            function,
            event: http_api_event(route, &format!("{method} {resource}"), body, context),
            status,
        });
    }
    samples
}

/// A tasks store whose table cannot be reached (port 9 on loopback, where nothing listens):
/// for the answers the handler gives before it touches the table. A request that reaches the
/// table gets a 500, which fails the test that expected a 4xx.
pub fn unreachable_task_store() -> api_handlers::task_store::TaskStore {
    use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url("http://127.0.0.1:9")
        .credentials_provider(Credentials::new("test", "test", None, None, "tests"))
        .build();
    api_handlers::task_store::TaskStore::new(
        aws_sdk_dynamodb::Client::from_conf(config),
        "TasksTable".into(),
    )
}

/// Runs the tasks handler on `event` against `store`.
pub fn tasks_event(store: &api_handlers::task_store::TaskStore, event: &Value) -> Value {
    api_handlers::handle_event(
        |request| async move { api_handlers::tasks::handle(store, &request).await },
        event,
    )
}

/// A stored task as a test seeds it: version 1, not done.
pub fn seeded_task(id: &str, title: &str, created_by: &str) -> api_handlers::task_store::Task {
    api_handlers::task_store::Task {
        id: id.into(),
        title: title.into(),
        done: false,
        created_by: created_by.into(),
        created_at: "2026-11-27T00:00:00Z".into(),
        updated_at: "2026-11-27T00:00:00Z".into(),
        version: 1,
    }
}

/// The dev instance's secret key, known only to the local Clerk API (`events/clerk-api.json`).
pub const DEV_SECRET_KEY: &str = "sk_test_devonly0local0clerk0api0000000000001";
/// The demo worker's machine secret key, for `/m2m_tokens/verify`.
pub const DEV_MACHINE_SECRET_KEY: &str = "ak_devonly0worker0machine0key00000001";
/// The `kid` of the DEV-ONLY key in the local JWKS.
pub const DEV_KID: &str = "ins_devonly_1";
/// The sample organisation's API key: `tasks:read tasks:write`, named "CI pipeline".
pub const SAMPLE_ORG_API_KEY: &str = "ak_devonly0org0ci0pipeline00000000001";
/// A user's API key (the editor's): `tasks:read`.
pub const SAMPLE_USER_API_KEY: &str = "ak_devonly0editor0script00000000000001";
/// A revoked API key.
pub const REVOKED_API_KEY: &str = "ak_devonly0revoked0000000000000000001";
/// An expired API key.
pub const EXPIRED_API_KEY: &str = "ak_devonly0expired0000000000000000001";
/// Another instance's API key: well-formed, unknown here (404).
pub const FOREIGN_API_KEY: &str = "ak_otherinstance0000000000000000000001";
/// The demo worker's opaque M2M token, targeting the demo API.
pub const SAMPLE_OPAQUE_M2M: &str = "mt_devonly0worker0opaque00000000000001";
/// The sample OAuth app's opaque access token for the editor: `tasks:read`.
pub const SAMPLE_OPAQUE_OAUTH: &str = "oat_devonly0sampleapp0opaque000000001";
/// A revoked opaque OAuth token.
pub const REVOKED_OPAQUE_OAUTH: &str = "oat_devonly0revoked00000000000000001";

/// The JWKS of `(kid, private PEM)` keys, as Clerk publishes it.
pub fn jwks(keys: &[(&str, &str)]) -> Value {
    let keys: Vec<Value> = keys
        .iter()
        .map(|(kid, pem)| {
            let key = EncodingKey::from_rsa_pem(pem.as_bytes()).expect("RSA key");
            let mut jwk = serde_json::to_value(
                jsonwebtoken::jwk::Jwk::from_encoding_key(&key, Algorithm::RS256).expect("JWK"),
            )
            .expect("JSON");
            jwk["kid"] = json!(kid);
            jwk["use"] = json!("sig");
            jwk
        })
        .collect();
    json!({ "keys": keys })
}

/// Signs `claims` RS256 with `private_pem`, naming `kid` in the header.
pub fn sign_with_kid(claims: &Value, private_pem: &str, kid: &str) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_string());
    let key = EncodingKey::from_rsa_pem(private_pem.as_bytes()).expect("RSA key");
    jsonwebtoken::encode(&header, claims, &key).expect("signing cannot fail")
}

/// Clerk's Backend API answer for an opaque credential: `object` is `api_key`,
/// `machine_to_machine_token` or `clerk_idp_oauth_access_token`; times in milliseconds.
pub fn opaque_answer(object: &str, id: &str, subject: &str, scopes: &[&str]) -> Value {
    let mut answer = json!({
        "object": object,
        "id": id,
        "subject": subject,
        "scopes": scopes,
        "claims": null,
        "revoked": false,
        "revocation_reason": null,
        "expired": false,
        "expiration": null,
        "created_at": SAMPLE_IAT * 1000,
        "updated_at": SAMPLE_IAT * 1000,
    });
    if object == "api_key" {
        answer["type"] = json!("api_key");
        answer["name"] = json!("");
    }
    answer
}

/// `events/clerk-api.json`: what the local Clerk API knows (`mint clerk-api` writes it).
pub fn clerk_api_file() -> Value {
    let entry = |secret: &str, answer: Value| json!({ "secret": secret, "answer": answer });
    let api_key = |id: &str, subject: &str, scopes: &[&str], name: &str| {
        let mut answer = opaque_answer("api_key", id, subject, scopes);
        answer["name"] = json!(name);
        answer
    };
    let mut revoked = api_key(
        "ak_id_revoked",
        SAMPLE_EDITOR,
        &["tasks:read"],
        "old laptop",
    );
    revoked["revoked"] = json!(true);
    revoked["revocation_reason"] = json!("leaked");
    let mut expired = api_key("ak_id_expired", SAMPLE_EDITOR, &["tasks:read"], "trial");
    expired["expired"] = json!(true);
    expired["expiration"] = json!((SAMPLE_IAT + 86_400) * 1000);
    let mut oauth = opaque_answer(
        "clerk_idp_oauth_access_token",
        "oat_id_1",
        SAMPLE_EDITOR,
        &["tasks:read"],
    );
    oauth["client_id"] = json!(SAMPLE_OAUTH_CLIENT);
    let mut revoked_oauth = oauth.clone();
    revoked_oauth["id"] = json!("oat_id_revoked");
    revoked_oauth["revoked"] = json!(true);
    json!({
        "secret_keys": [DEV_SECRET_KEY],
        "machine_secret_keys": [DEV_MACHINE_SECRET_KEY],
        "credentials": [
            entry(SAMPLE_ORG_API_KEY, api_key("ak_id_org_ci", SAMPLE_ORG, &["tasks:read", "tasks:write"], "CI pipeline")),
            entry(SAMPLE_USER_API_KEY, api_key("ak_id_editor", SAMPLE_EDITOR, &["tasks:read"], "editor's script")),
            entry(REVOKED_API_KEY, revoked),
            entry(EXPIRED_API_KEY, expired),
            entry(SAMPLE_OPAQUE_M2M, opaque_answer("machine_to_machine_token", "mt_id_worker", SAMPLE_WORKER, &[DEV_MACHINE_ID])),
            entry(SAMPLE_OPAQUE_OAUTH, oauth),
            entry(REVOKED_OPAQUE_OAUTH, revoked_oauth),
        ],
        "jwks": jwks(&[(DEV_KID, DEV_PRIVATE_KEY)]),
    })
}

/// The DEV-ONLY webhook signing secret of the demo and the tests (base64 of
/// `dev-only-webhook-signing-secret`): never configure it anywhere real.
pub const DEV_WEBHOOK_SECRET: &str = "whsec_ZGV2LW9ubHktd2ViaG9vay1zaWduaW5nLXNlY3JldA==";

/// A Clerk webhook delivery as Svix sends it, signed with `DEV_WEBHOOK_SECRET`: the `svix-*`
/// headers and the body of event `kind` for `tenant` (`plan`: a Clerk Billing plan slug, for
/// `subscriptionItem.*`), dated `at` (milliseconds) and signed at `sent` (seconds).
pub fn webhook(
    kind: &str,
    tenant: &str,
    plan: Option<&str>,
    at: i64,
    sent: i64,
) -> (Vec<(String, String)>, String) {
    let data = if kind.starts_with("subscriptionItem.") {
        let payer = if tenant.starts_with("org_") {
            json!({ "object": "commerce_payer", "organization_id": tenant })
        } else {
            json!({ "object": "commerce_payer", "user_id": tenant })
        };
        let status = kind.trim_start_matches("subscriptionItem.");
        json!({ "object": "commerce_subscription_item", "id": format!("csi_{at}"), "status": status,
                "plan": { "slug": plan.unwrap_or("pro"), "name": plan.unwrap_or("pro") }, "payer": payer })
    } else if kind.ends_with(".deleted") {
        json!({ "object": kind.split('.').next(), "id": tenant, "deleted": true })
    } else {
        json!({ "object": kind.split('.').next(), "id": tenant })
    };
    let body = json!({
        "type": kind, "object": "event", "data": data, "timestamp": at,
        "instance_id": "ins_2devonly000000000000000001",
        "event_attributes": { "http_request": { "client_ip": "", "user_agent": "" } },
    })
    .to_string();
    let id = format!("msg_devonly{at}{}", kind.len());
    let secret = clerk_webhooks::svix::SigningSecret::parse(DEV_WEBHOOK_SECRET)
        .expect("the dev secret parses");
    let signature = secret.sign(&id, sent, body.as_bytes());
    let headers = vec![
        ("svix-id".to_string(), id),
        ("svix-timestamp".to_string(), sent.to_string()),
        ("svix-signature".to_string(), signature),
    ];
    (headers, body)
}
