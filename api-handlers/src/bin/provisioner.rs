//! Lambda adapter for `POST /webhooks/clerk`: settings at init (a bad one stops it, named), the
//! signing secret read from Secrets Manager at the first delivery and again until it can be,
//! then `provisioner::Provisioner` per delivery.

use std::sync::Mutex;

use api_handlers::aws_rest::AwsClient;
use api_handlers::provisioner::{Provisioner, SecretSource, Settings};
use api_handlers::usage_keys::UsageKeys;
use api_handlers::ApiResponse;
use clerk_webhooks::svix::SigningSecret;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    api_handlers::init_logging();
    let settings = Settings::from_lookup(|name| std::env::var(name).ok())?;
    let client = AwsClient::from_env()?;
    let provisioner: Mutex<Option<Provisioner>> = Mutex::new(None);
    let (settings, client) = (&settings, &client);
    let provisioner = &provisioner;
    api_handlers::serve(move |request| async move {
        let mut ready = provisioner.lock().unwrap_or_else(|e| e.into_inner());
        if ready.is_none() {
            let secret = match &settings.secret {
                SecretSource::Value(text) => Ok(text.clone()),
                SecretSource::Arn(arn) => client
                    .secret_string(arn)
                    .map_err(|e| format!("CLERK_WEBHOOK_SECRET_ARN {e}")),
            }
            .and_then(|text| {
                SigningSecret::parse(&text).map_err(|e| format!("the signing secret {e}"))
            });
            match secret {
                Ok(secret) => {
                    *ready = Some(Provisioner {
                        secret,
                        plans: settings.plans.clone(),
                        keys: UsageKeys::new(client.clone(), &settings.prefix),
                    });
                }
                Err(problem) => {
                    tracing::error!(
                        "{problem}; deliveries get 500 (Svix retries them) until it can be read"
                    );
                    return ApiResponse::error(500, "the signing secret cannot be read yet");
                }
            }
        }
        let now = api_handlers::provisioner::now();
        match ready.as_ref() {
            Some(provisioner) => provisioner.handle(&request, now),
            None => ApiResponse::error(500, "the provisioner is not ready"),
        }
    })
    .await
}
