//! One call to moto's server on loopback, for the AWS APIs local-gateway itself drives there
//! (Secrets Manager, API Gateway's management API). moto does not check signatures: the
//! `Authorization` header only names the service and region in its credential scope, which is
//! how one moto_server tells the services apart.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::dynamodb::LOCAL_CREDENTIALS;

/// A request to moto: `service` as in a SigV4 scope (`secretsmanager`, `apigateway`).
pub struct Call<'a> {
    pub service: &'a str,
    pub region: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    /// `X-Amz-Target`, for the JSON-RPC services.
    pub target: Option<&'a str>,
    pub body: Option<&'a serde_json::Value>,
}

/// Sends `call` to the moto_server at `endpoint` (`http://127.0.0.1:N`) and returns the status
/// and the body, parsed (`Null` when empty). `Err` when no answer came.
pub async fn call(endpoint: &str, call: &Call<'_>) -> Result<(u16, serde_json::Value), String> {
    let address = endpoint.trim_start_matches("http://");
    let body = call.body.map(|b| b.to_string()).unwrap_or_default();
    let content_type = match call.target {
        Some(_) => "application/x-amz-json-1.1",
        None => "application/json",
    };
    let target = call
        .target
        .map(|t| format!("X-Amz-Target: {t}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "{} {} HTTP/1.1\r\nHost: {address}\r\nContent-Type: {content_type}\r\n{target}\
         X-Amz-Date: 20260101T000000Z\r\nAuthorization: AWS4-HMAC-SHA256 \
         Credential={}/20260101/{}/{}/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        call.method,
        call.path,
        LOCAL_CREDENTIALS.0,
        call.region,
        call.service,
        body.len()
    );
    let mut stream = TcpStream::connect(address)
        .await
        .map_err(|e| e.to_string())?;
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .await
        .map_err(|e| e.to_string())?;
    let (head, body) = response.split_once("\r\n\r\n").ok_or("no HTTP answer")?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| format!("no status in {:?}", head.lines().next()))?;
    let body = body.trim();
    let parsed = if body.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(body).unwrap_or_else(|_| serde_json::Value::String(body.into()))
    };
    Ok((status, parsed))
}
