//! Clerk over the network, locally, the way production wires it: the env file's
//! `CLERK_SECRET_KEY` goes into moto's Secrets Manager and the template gets the secret's ARN
//! (`ClerkSecretKeyArn`), so the networked authorizer reads it with `GetSecretValue` at cold
//! start; `CLERK_API_URL` is `--clerk-api`, or the local Clerk API started here.

use std::path::Path;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::clerk_api::LocalClerkApi;
use crate::cli::Options;
use crate::dynamodb::{LocalServer, LOCAL_CREDENTIALS};

/// What was started for Clerk; kept until the gateway stops.
#[derive(Default)]
pub struct ClerkSetup {
    api: Option<LocalClerkApi>,
    moto: Option<LocalServer>,
}

impl ClerkSetup {
    /// The moto_server holding the secret, which can serve the tables too.
    pub fn moto_endpoint(&self) -> Option<&str> {
        self.moto.as_ref().map(|m| m.endpoint.as_str())
    }

    /// What every function gets besides the template's environment.
    pub fn environment(&self) -> Vec<(String, String)> {
        self.moto
            .iter()
            .map(|m| {
                (
                    "AWS_ENDPOINT_URL_SECRETS_MANAGER".to_string(),
                    m.endpoint.clone(),
                )
            })
            .collect()
    }
}

/// Starts what the options and the env file ask for, and points the template at it through
/// `options` (parameter overrides, env overrides).
pub async fn prepare(options: &mut Options, project: &Path) -> Result<ClerkSetup, String> {
    let secret = options
        .env_file_variables()?
        .get("CLERK_SECRET_KEY")
        .filter(|s| !s.trim().is_empty())
        .cloned();
    let mut setup = ClerkSetup::default();
    if secret.is_none() && !options.clerk_jwks && options.clerk_api.is_none() {
        return Ok(setup);
    }
    let api_url = match &options.clerk_api {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => {
            let file = options
                .clerk_credentials
                .clone()
                .unwrap_or_else(|| project.join("events/clerk-api.json"));
            let api = LocalClerkApi::start(&file.to_string_lossy(), 0).await?;
            println!(
                "local-gateway: the local Clerk API (credentials {}) at {}",
                file.display(),
                api.url
            );
            let url = api.url.clone();
            setup.api = Some(api);
            url
        }
    };
    options
        .env_overrides
        .insert("CLERK_API_URL".into(), api_url.clone());
    if options.clerk_jwks {
        let jwks = format!("{api_url}/.well-known/jwks.json");
        options
            .parameter_overrides
            .entry("ClerkJwksUrl".into())
            .or_insert(jwks.clone());
        options
            .parameter_overrides
            .insert("ClerkJwtKey".into(), String::new());
        options
            .env_overrides
            .insert("CLERK_JWT_KEY".into(), String::new());
        options.env_overrides.insert("CLERK_JWKS_URL".into(), jwks);
    }
    if let Some(secret) = secret {
        if !options
            .parameter_overrides
            .contains_key("ClerkSecretKeyArn")
        {
            let moto = LocalServer::start(project)?;
            let arn = create_secret(&moto.endpoint, &options.region, &secret).await?;
            println!(
                "local-gateway: CLERK_SECRET_KEY is in moto's Secrets Manager as {arn} (ClerkSecretKeyArn)"
            );
            options
                .parameter_overrides
                .insert("ClerkSecretKeyArn".into(), arn);
            setup.moto = Some(moto);
        }
    }
    Ok(setup)
}

/// `CreateSecret` on moto (which does not check signatures; the credential scope names the
/// region). Returns the secret's ARN.
pub async fn create_secret(endpoint: &str, region: &str, value: &str) -> Result<String, String> {
    let address = endpoint.trim_start_matches("http://");
    let body = serde_json::json!({"Name": "clerk-secret-key", "SecretString": value}).to_string();
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: secretsmanager.CreateSecret\r\nX-Amz-Date: 20260101T000000Z\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential={}/20260101/{region}/secretsmanager/aws4_request, \
         SignedHeaders=host, Signature=0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        LOCAL_CREDENTIALS.0,
        body.len()
    );
    let fail = |e: String| format!("cannot put CLERK_SECRET_KEY in moto's Secrets Manager: {e}");
    let mut stream = TcpStream::connect(address)
        .await
        .map_err(|e| fail(e.to_string()))?;
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| fail(e.to_string()))?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .await
        .map_err(|e| fail(e.to_string()))?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or_else(|| fail("no HTTP answer".into()))?;
    if !head.starts_with("HTTP/1.1 200") && !head.starts_with("HTTP/1.0 200") {
        return Err(fail(head.lines().next().unwrap_or_default().to_string()));
    }
    let answer: serde_json::Value =
        serde_json::from_str(body.trim()).map_err(|e| fail(e.to_string()))?;
    answer["ARN"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| fail(format!("no ARN in {answer}")))
}
