//! Clerk over the network, locally, the way production wires it: the env file's
//! `CLERK_SECRET_KEY` goes into moto's Secrets Manager and the template gets the secret's ARN
//! (`ClerkSecretKeyArn`), so the networked authorizer reads it with `GetSecretValue` at cold
//! start; `CLERK_API_URL` is `--clerk-api`, or the local Clerk API started here.

use std::path::Path;

use crate::clerk_api::LocalClerkApi;
use crate::cli::Options;
use crate::dynamodb::LocalServer;
use crate::moto;

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

/// `CreateSecret` on moto. Returns the secret's ARN.
pub async fn create_secret(endpoint: &str, region: &str, value: &str) -> Result<String, String> {
    let body = serde_json::json!({"Name": "clerk-secret-key", "SecretString": value});
    let fail = |e: String| format!("cannot put CLERK_SECRET_KEY in moto's Secrets Manager: {e}");
    let call = moto::Call {
        service: "secretsmanager",
        region,
        method: "POST",
        path: "/",
        target: Some("secretsmanager.CreateSecret"),
        body: Some(&body),
    };
    let (status, answer) = moto::call(endpoint, &call).await.map_err(fail)?;
    if status != 200 {
        return Err(fail(format!("status {status}: {answer}")));
    }
    answer["ARN"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| fail(format!("no ARN in {answer}")))
}
