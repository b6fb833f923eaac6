//! The one module that opens connections (feature `network`): Clerk's Backend API and the
//! JWKS over HTTPS, and Secrets Manager's `GetSecretValue` for the secret keys, each with a
//! timeout and never following a redirect.
//!
//! HTTPS is ureq over rustls on the aws-lc-rs already linked for signatures, with the Mozilla
//! roots compiled in (no file system lookups at cold start). Secrets Manager needs one signed
//! POST, so it gets a SigV4 signature here rather than an AWS SDK: the SDK would double the
//! binary for one call. The signer is checked against `aws-sigv4` in the tests.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lc_rs::digest::{digest, Context, SHA256};
use aws_lc_rs::hmac;
use serde::Deserialize;
use ureq::tls::{RootCerts, TlsConfig, TlsProvider};
use ureq::Agent;

use crate::clerk_api::{
    Failure, Reply, SecretKey, Transport, API_VERSION, CONNECT_TIMEOUT, MAX_BODY_BYTES,
    REQUEST_TIMEOUT, USER_AGENT,
};
use crate::clerk_settings::{check_key, ClerkApiSettings, KeyRole, Secret, SecretSource};

/// The secret keys in use.
#[derive(Debug, Default)]
struct Keys {
    instance: Option<Secret>,
    machine: Option<Secret>,
    /// A digest of the API URL and the instance key: `Transport::instance`.
    digest: [u8; 32],
}

/// HTTPS to Clerk, with the secret keys read at cold start and again when needed.
///
/// A secret that cannot be read (empty, missing, access denied, Secrets Manager down) never
/// stops the function: it is logged as an ERROR naming the variable and the fix, calls that
/// need it fail with `Failure::NoSecret` without reaching Clerk, and it is read again at most
/// every `CLERK_SECRET_REREAD_SECONDS` (60 s by default), so filling it needs no redeploy.
pub struct Network {
    agent: Agent,
    settings: ClerkApiSettings,
    keys: Mutex<Keys>,
    /// When the keys were last read from Secrets Manager.
    last_read: Mutex<Instant>,
}

impl std::fmt::Debug for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Network")
            .field("url", &self.settings.url)
            .finish_non_exhaustive()
    }
}

impl Network {
    /// Reads the secret keys (from Secrets Manager when given as ARNs). Never fails: a secret
    /// that cannot be read is logged and read again later (see above).
    pub fn connect(settings: &ClerkApiSettings) -> Arc<Network> {
        let network = Network {
            agent: agent(),
            settings: settings.clone(),
            keys: Mutex::new(Keys::default()),
            last_read: Mutex::new(Instant::now()),
        };
        let (instance, machine) = network.read_keys();
        *network.keys.lock().unwrap_or_else(|e| e.into_inner()) =
            network.key_set(instance, machine);
        Arc::new(network)
    }

    /// Reads both keys (instance, machine); one that cannot be read is `None`, and logged.
    fn read_keys(&self) -> (Option<Secret>, Option<Secret>) {
        let read = |role: KeyRole, source: &Option<SecretSource>| match source {
            None => None,
            Some(SecretSource::Value(secret)) => Some(secret.clone()),
            Some(SecretSource::Arn(arn)) => get_secret_value(&self.agent, arn)
                .and_then(|value| {
                    check_key(role, role.arn_variable(), value, self.settings.live)
                        .map_err(|error| error.problem)
                })
                .inspect_err(|problem| self.log_unreadable(role, problem))
                .ok(),
        };
        (
            read(KeyRole::Instance, &self.settings.secret_key),
            read(KeyRole::Machine, &self.settings.machine_secret_key),
        )
    }

    fn log_unreadable(&self, role: KeyRole, problem: &str) {
        tracing::error!(
            variable = role.arn_variable(),
            reason = "clerk_secret_unavailable",
            "{} {problem}. API keys and opaque tokens are refused as during a Clerk outage \
             (clerk_secret_unavailable, never cached) until it can be read; sessions are \
             served. Fix: aws secretsmanager put-secret-value --secret-id <the ARN> \
             --secret-string <your {} key>, and let the function's role call \
             secretsmanager:GetSecretValue on it; it is read again at most every {} s, with no \
             redeploy",
            role.arn_variable(),
            match role {
                KeyRole::Instance => "sk_live_…",
                KeyRole::Machine => "ak_…",
            },
            self.settings.secret_reread_seconds
        );
    }

    /// Reads the keys again if the last read is at least `CLERK_SECRET_REREAD_SECONDS` old;
    /// true when a key changed.
    fn reread_if_due(&self) -> bool {
        let has_arn = [&self.settings.secret_key, &self.settings.machine_secret_key]
            .into_iter()
            .any(|s| matches!(s, Some(SecretSource::Arn(_))));
        if !has_arn {
            return false;
        }
        {
            let mut last = self.last_read.lock().unwrap_or_else(|e| e.into_inner());
            let interval = Duration::from_secs(self.settings.secret_reread_seconds);
            if last.elapsed() < interval {
                return false;
            }
            *last = Instant::now();
        }
        let (instance, machine) = self.read_keys();
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        // A failed re-read keeps a key we had: only what was read replaces it.
        let instance = instance.or_else(|| keys.instance.clone());
        let machine = machine.or_else(|| keys.machine.clone());
        let changed = instance != keys.instance || machine != keys.machine;
        *keys = self.key_set(instance, machine);
        changed
    }

    /// The keys in use, with the instance's digest (`Transport::instance`: the API URL and the
    /// instance key, hashed) computed once here rather than on every verification.
    fn key_set(&self, instance: Option<Secret>, machine: Option<Secret>) -> Keys {
        let mut digest = Context::new(&SHA256);
        digest.update(self.settings.url.as_bytes());
        digest.update(b"\n");
        digest.update(instance.as_ref().map_or("", Secret::expose).as_bytes());
        Keys {
            digest: digest.finish().as_ref().try_into().expect("32 bytes"),
            instance,
            machine,
        }
    }

    fn bearer(&self, key: SecretKey) -> Option<String> {
        let pick = |keys: &Keys| {
            match key {
                SecretKey::Machine => keys.machine.as_ref().or(keys.instance.as_ref()),
                SecretKey::Instance => keys.instance.as_ref(),
            }
            .map(|secret| format!("Bearer {}", secret.expose()))
        };
        if let Some(bearer) = pick(&self.keys.lock().unwrap_or_else(|e| e.into_inner())) {
            return Some(bearer);
        }
        // The secret was unreadable: perhaps it has been filled since.
        self.reread_if_due();
        pick(&self.keys.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Transport for Network {
    fn post(
        &self,
        path: &str,
        body: &str,
        key: SecretKey,
        timeout: Duration,
    ) -> Result<Reply, Failure> {
        let bearer = self.bearer(key).ok_or(Failure::NoSecret)?;
        let request = self
            .agent
            .post(format!("{}{path}", self.settings.url))
            .config()
            .timeout_global(Some(timeout))
            .build()
            .header("Authorization", bearer)
            .header("Content-Type", "application/json")
            .header("Clerk-API-Version", API_VERSION);
        reply(request.send(body))
    }

    fn get(&self, url: &str, timeout: Duration) -> Result<Reply, Failure> {
        let mut request = self
            .agent
            .get(url)
            .config()
            .timeout_global(Some(timeout))
            .build();
        // BAPI's `/v1/jwks` needs the secret key; a Frontend API URL gets none.
        if url.starts_with(&format!("{}/", self.settings.url)) {
            if let Some(bearer) = self.bearer(SecretKey::Instance) {
                request = request.header("Authorization", bearer);
            }
        }
        reply(request.call())
    }

    fn reload_secrets(&self) -> bool {
        self.reread_if_due()
    }

    fn instance(&self) -> [u8; 32] {
        self.keys.lock().unwrap_or_else(|e| e.into_inner()).digest
    }
}

/// The HTTPS client: rustls on aws-lc-rs, webpki roots, 500 ms to connect, no redirects, no
/// proxy from the environment (the secret goes to the configured host only).
fn agent() -> Agent {
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
        .proxy(None)
        .user_agent(USER_AGENT)
        .build()
        .into()
}

/// A response, or why there was none; the body is cut after `MAX_BODY_BYTES + 1` bytes.
fn reply(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Result<Reply, Failure> {
    let mut response = result.map_err(failure)?;
    let status = response.status().as_u16();
    let limit = MAX_BODY_BYTES as u64 + 1;
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    let body = match response.body_mut().with_config().limit(limit).read_to_vec() {
        Ok(body) => body,
        Err(ureq::Error::BodyExceedsLimit(_)) => vec![b' '; MAX_BODY_BYTES + 1],
        Err(error) => return Err(failure(error)),
    };
    Ok(Reply {
        status,
        body,
        retry_after,
    })
}

fn failure(error: ureq::Error) -> Failure {
    use std::io::ErrorKind;
    match error {
        ureq::Error::Timeout(_) => Failure::Timeout,
        ureq::Error::TooManyRedirects | ureq::Error::RedirectFailed => Failure::Redirect,
        ureq::Error::Io(e)
            if matches!(
                e.kind(),
                ErrorKind::ConnectionReset
                    | ErrorKind::ConnectionAborted
                    | ErrorKind::BrokenPipe
                    | ErrorKind::UnexpectedEof
            ) =>
        {
            Failure::Reset
        }
        ureq::Error::Io(e) if e.kind() == ErrorKind::TimedOut => Failure::Timeout,
        _ => Failure::Connect,
    }
}

/// AWS credentials from Lambda's environment.
struct Credentials {
    access_key: String,
    secret_key: String,
    session_token: Option<String>,
}

/// `GetSecretValue` on `arn`, signed with the function's role. The error never quotes a value.
fn get_secret_value(agent: &Agent, arn: &str) -> Result<String, String> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let region = arn
        .split(':')
        .nth(3)
        .filter(|r| !r.is_empty())
        .ok_or("does not name a region (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME)")?;
    let endpoint = env("AWS_ENDPOINT_URL_SECRETS_MANAGER")
        .or_else(|| env("AWS_ENDPOINT_URL"))
        .unwrap_or_else(|| format!("https://secretsmanager.{region}.amazonaws.com"));
    let endpoint = endpoint.trim_end_matches('/');
    let host = endpoint
        .split_once("://")
        .map(|(_, rest)| rest.split('/').next().unwrap_or(rest))
        .ok_or("has an endpoint URL without a scheme (AWS_ENDPOINT_URL_SECRETS_MANAGER)")?;
    let credentials = Credentials {
        access_key: env("AWS_ACCESS_KEY_ID").ok_or("cannot be read: no AWS_ACCESS_KEY_ID")?,
        secret_key: env("AWS_SECRET_ACCESS_KEY")
            .ok_or("cannot be read: no AWS_SECRET_ACCESS_KEY")?,
        session_token: env("AWS_SESSION_TOKEN"),
    };
    let body = serde_json::json!({ "SecretId": arn }).to_string();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let signed = sign_v4(&credentials, region, "secretsmanager", host, &body, now);
    let mut request = agent
        .post(format!("{endpoint}/"))
        .header("Content-Type", "application/x-amz-json-1.1")
        .header("X-Amz-Target", "secretsmanager.GetSecretValue")
        .header("X-Amz-Date", &signed.amz_date)
        .header("Authorization", &signed.authorization);
    if let Some(token) = &credentials.session_token {
        request = request.header("X-Amz-Security-Token", token);
    }
    let reply = reply(request.send(body.as_str()))
        .map_err(|f| format!("cannot be read: Secrets Manager did not answer ({f:?})"))?;
    #[derive(Deserialize)]
    struct Answer {
        #[serde(rename = "SecretString")]
        secret_string: Option<String>,
        #[serde(rename = "__type")]
        error_type: Option<String>,
    }
    let answer: Option<Answer> = serde_json::from_slice(&reply.body).ok();
    match (reply.status, answer) {
        (
            200,
            Some(Answer {
                secret_string: Some(value),
                ..
            }),
        ) if !value.trim().is_empty() => Ok(value),
        (200, _) => Err(
            "names a secret with no value yet; fill it with aws secretsmanager \
                         put-secret-value --secret-id <arn> --secret-string <the key>"
                .into(),
        ),
        (status, answer) => Err(format!(
            "cannot be read: Secrets Manager answered {status} {}; the function's role needs \
             secretsmanager:GetSecretValue on this secret",
            answer.and_then(|a| a.error_type).unwrap_or_default()
        )),
    }
}

/// The headers a SigV4 signature adds.
struct Signed {
    amz_date: String,
    authorization: String,
}

/// Signs `POST /` of `body` to `host` for `service` in `region` at `now` (AWS Signature
/// Version 4, with the headers Secrets Manager's JSON protocol sends).
fn sign_v4(
    credentials: &Credentials,
    region: &str,
    service: &str,
    host: &str,
    body: &str,
    now: u64,
) -> Signed {
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let sha256 = |data: &[u8]| hex(digest(&SHA256, data).as_ref());
    let mac = |key: &[u8], data: &str| {
        hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data.as_bytes())
            .as_ref()
            .to_vec()
    };
    let amz_date = amz_date(now);
    let date = &amz_date[..8];
    let target = format!("{service}.GetSecretValue");
    let mut headers = vec![
        ("content-type", "application/x-amz-json-1.1"),
        ("host", host),
        ("x-amz-date", amz_date.as_str()),
    ];
    if let Some(token) = &credentials.session_token {
        headers.push(("x-amz-security-token", token));
    }
    headers.push(("x-amz-target", target.as_str()));
    let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let signed_headers = headers
        .iter()
        .map(|(k, _)| *k)
        .collect::<Vec<_>>()
        .join(";");
    let canonical_request = format!(
        "POST\n/\n\n{canonical_headers}\n{signed_headers}\n{}",
        sha256(body.as_bytes())
    );
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        sha256(canonical_request.as_bytes())
    );
    let key = [date, region, service, "aws4_request"].iter().fold(
        format!("AWS4{}", credentials.secret_key).into_bytes(),
        |key, part| mac(&key, part),
    );
    let signature = hex(&mac(&key, &string_to_sign));
    Signed {
        authorization: format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, \
             Signature={signature}",
            credentials.access_key
        ),
        amz_date,
    }
}

/// `YYYYMMDDTHHMMSSZ` for `secs` since the epoch.
fn amz_date(secs: u64) -> String {
    let (year, month, day) = crate::date::civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_iso_basic() {
        assert_eq!(amz_date(0), "19700101T000000Z");
        assert_eq!(amz_date(1_796_126_400), "20261201T120000Z");
        assert_eq!(amz_date(951_782_399), "20000228T235959Z");
        assert_eq!(amz_date(951_782_400), "20000229T000000Z");
    }

    /// The reference: the AWS SDK's own signer, over the same request.
    #[test]
    fn the_signature_is_the_aws_sdks() {
        use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
        use aws_sigv4::sign::v4;
        let now = 1_796_126_400;
        for token in [None, Some("FwoGZXIvYXdzEXAMPLE")] {
            let credentials = Credentials {
                access_key: "AKIDEXAMPLE".into(),
                secret_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
                session_token: token.map(str::to_string),
            };
            let host = "secretsmanager.eu-west-1.amazonaws.com";
            let body = r#"{"SecretId":"arn:aws:secretsmanager:eu-west-1:1:secret:clerk"}"#;
            let ours = sign_v4(&credentials, "eu-west-1", "secretsmanager", host, body, now);

            let identity = aws_credential_types::Credentials::new(
                "AKIDEXAMPLE",
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                token.map(str::to_string),
                None,
                "test",
            )
            .into();
            let params = v4::SigningParams::builder()
                .identity(&identity)
                .region("eu-west-1")
                .name("secretsmanager")
                .time(UNIX_EPOCH + Duration::from_secs(now))
                .settings(SigningSettings::default())
                .build()
                .unwrap()
                .into();
            let headers = [
                ("content-type", "application/x-amz-json-1.1"),
                ("host", host),
                ("x-amz-target", "secretsmanager.GetSecretValue"),
            ];
            let request = SignableRequest::new(
                "POST",
                format!("https://{host}/"),
                headers.into_iter(),
                SignableBody::Bytes(body.as_bytes()),
            )
            .unwrap();
            let (instructions, _) = sign(request, &params).unwrap().into_parts();
            let (theirs, _) = instructions.into_parts();
            let authorization = theirs
                .iter()
                .find(|h| h.name() == "authorization")
                .unwrap()
                .value();
            assert_eq!(ours.authorization, authorization, "session token {token:?}");
            assert_eq!(
                ours.amz_date,
                theirs
                    .iter()
                    .find(|h| h.name() == "x-amz-date")
                    .unwrap()
                    .value()
            );
        }
    }
}
