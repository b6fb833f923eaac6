//! Signed calls to AWS's HTTP APIs (API Gateway's management API, Secrets Manager): the
//! request signed with `aws-sigv4`, the SDKs' own signer and already in the tree through
//! `aws-config`, and sent with `ureq`, the authorizer's HTTPS client. `aws-sdk-apigateway` would
//! have done the same for a handful of calls, at a build time the test and demo budgets do not
//! have. Timeouts bound every call; `AWS_ENDPOINT_URL_<SERVICE>` (or `AWS_ENDPOINT_URL`) points
//! it at a local server, as the SDKs read them.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use serde_json::Value;
use ureq::tls::{RootCerts, TlsConfig, TlsProvider};
use ureq::Agent;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// An AWS service this client calls.
#[derive(Debug, Clone, Copy)]
pub struct Service {
    /// The signing name, e.g. `apigateway`.
    pub name: &'static str,
    /// The host's first label, e.g. `apigateway` in `apigateway.eu-west-1.amazonaws.com`.
    pub host: &'static str,
    /// The endpoint variable the SDKs read, e.g. `AWS_ENDPOINT_URL_API_GATEWAY`.
    pub endpoint_variable: &'static str,
}

pub const API_GATEWAY: Service = Service {
    name: "apigateway",
    host: "apigateway",
    endpoint_variable: "AWS_ENDPOINT_URL_API_GATEWAY",
};

pub const SECRETS_MANAGER: Service = Service {
    name: "secretsmanager",
    host: "secretsmanager",
    endpoint_variable: "AWS_ENDPOINT_URL_SECRETS_MANAGER",
};

/// An answer: its status and its JSON body (`Null` when there is none).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    /// The error type AWS names (`TooManyRequestsException`, …), from the body or the header.
    pub fn error_type(&self) -> &str {
        ["__type", "type", "code"]
            .iter()
            .find_map(|k| self.body.get(*k).and_then(Value::as_str))
            .map(|t| t.rsplit(['#', ':']).next().unwrap_or(t))
            .unwrap_or_default()
    }
}

/// An HTTPS agent (rustls on aws-lc-rs, WebPKI roots) whose every call is bounded by the
/// timeouts, follows no redirect (a secret is never resent elsewhere) and returns every status.
pub fn https_agent() -> Agent {
    let tls = TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .root_certs(RootCerts::WebPki)
        .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .build();
    Agent::config_builder()
        .tls_config(tls)
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .timeout_global(Some(REQUEST_TIMEOUT))
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into()
}

/// The function's credentials and region, and one HTTPS agent.
#[derive(Clone)]
pub struct AwsClient {
    agent: Agent,
    region: String,
    credentials: Credentials,
    /// One endpoint for every service (a local server), over the environment's.
    endpoint: Option<String>,
}

impl AwsClient {
    /// From Lambda's environment: `AWS_REGION` and the role's `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`.
    pub fn from_env() -> Result<AwsClient, String> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let missing =
            |name: &str| format!("{name} is not set: the function needs its role's credentials");
        let region = env("AWS_REGION").ok_or_else(|| missing("AWS_REGION"))?;
        let credentials = Credentials::new(
            env("AWS_ACCESS_KEY_ID").ok_or_else(|| missing("AWS_ACCESS_KEY_ID"))?,
            env("AWS_SECRET_ACCESS_KEY").ok_or_else(|| missing("AWS_SECRET_ACCESS_KEY"))?,
            env("AWS_SESSION_TOKEN"),
            None,
            "environment",
        );
        Ok(AwsClient::new(&region, credentials))
    }

    /// A client for `region` with `credentials`.
    pub fn new(region: &str, credentials: Credentials) -> AwsClient {
        AwsClient {
            agent: https_agent(),
            region: region.to_string(),
            credentials,
            endpoint: None,
        }
    }

    /// The same client sending every call to `url` (a local server such as moto's).
    pub fn at_endpoint(mut self, url: &str) -> AwsClient {
        self.endpoint = Some(url.trim_end_matches('/').to_string());
        self
    }

    /// The service's endpoint: its variable, `AWS_ENDPOINT_URL`, else AWS's own.
    fn endpoint(&self, service: Service) -> String {
        if let Some(url) = &self.endpoint {
            return url.clone();
        }
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        env(service.endpoint_variable)
            .or_else(|| env("AWS_ENDPOINT_URL"))
            .unwrap_or_else(|| format!("https://{}.{}.amazonaws.com", service.host, self.region))
            .trim_end_matches('/')
            .to_string()
    }

    /// `method path_and_query` with a JSON body (`None`: no body), signed. `Err` only when
    /// no answer came (a timeout, a refused connection); every status is a `Reply`.
    pub fn call(
        &self,
        service: Service,
        method: &str,
        path_and_query: &str,
        extra_headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Reply, String> {
        let url = format!("{}{path_and_query}", self.endpoint(service));
        let body = body.map(Value::to_string).unwrap_or_default();
        let mut headers: Vec<(&str, &str)> = extra_headers.to_vec();
        if !headers.iter().any(|(name, _)| *name == "content-type") {
            headers.push(("content-type", "application/json"));
        }
        let identity = self.credentials.clone().into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(service.name)
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| format!("cannot sign the request: {e}"))?
            .into();
        let signable = SignableRequest::new(
            method,
            &url,
            headers.iter().copied(),
            SignableBody::Bytes(body.as_bytes()),
        )
        .map_err(|e| format!("cannot sign the request: {e}"))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| format!("cannot sign the request: {e}"))?
            .into_parts();
        let mut request = ureq::http::Request::builder().method(method).uri(&url);
        for (name, value) in &headers {
            request = request.header(*name, *value);
        }
        for (name, value) in instructions.headers() {
            request = request.header(name, value);
        }
        let request = request
            .body(body)
            .map_err(|e| format!("cannot build the request: {e}"))?;
        let mut response = self
            .agent
            .run(request)
            .map_err(|e| format!("{} did not answer: {e}", service.name))?;
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        Ok(Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        })
    }

    /// `GetSecretValue` of the secret `arn`: its string, or why not (never quoting a value).
    pub fn secret_string(&self, arn: &str) -> Result<String, String> {
        let body = serde_json::json!({ "SecretId": arn });
        let reply = self.call(
            SECRETS_MANAGER,
            "POST",
            "/",
            &[
                ("x-amz-target", "secretsmanager.GetSecretValue"),
                ("content-type", "application/x-amz-json-1.1"),
            ],
            Some(&body),
        )?;
        match (
            reply.status,
            reply.body.get("SecretString").and_then(Value::as_str),
        ) {
            (200, Some(value)) if !value.trim().is_empty() => Ok(value.to_string()),
            (200, _) => {
                Err("has no value yet: fill it with aws secretsmanager put-secret-value".into())
            }
            (status, _) => Err(format!(
                "cannot be read: Secrets Manager answered {status} {}; the role needs \
                 secretsmanager:GetSecretValue on it",
                reply.error_type()
            )),
        }
    }
}
