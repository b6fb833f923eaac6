//! The HTTP side: one hyper listener per API on loopback, each request handed to the
//! `Gateway`, and one log line per request.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::access_log;
use crate::events::{percent_decode, Request, Response};
use crate::gateway::{Facts, Gateway};

/// API Gateway's payload limit.
const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// Binds every API's listener (API `i` on `port + i`); returns their addresses.
pub async fn bind(gateway: &Gateway, port: u16) -> Result<Vec<TcpListener>, String> {
    let mut listeners = Vec::new();
    for (i, api) in gateway.app.apis.iter().enumerate() {
        let port = if port == 0 { 0 } else { port + i as u16 };
        let listener = TcpListener::bind(("127.0.0.1", port)).await.map_err(|e| {
            format!(
                "{}: cannot listen on 127.0.0.1:{port}: {e}; pick another --port",
                api.name
            )
        })?;
        listeners.push(listener);
    }
    Ok(listeners)
}

/// Serves API `index` on `listener` until the task is dropped.
pub async fn serve(gateway: Arc<Gateway>, index: usize, listener: TcpListener) {
    let counter = Arc::new(AtomicU64::new(0));
    loop {
        let Ok((stream, peer)) = listener.accept().await else {
            continue;
        };
        let (gateway, counter) = (gateway.clone(), counter.clone());
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let (gateway, counter) = (gateway.clone(), counter.clone());
                async move {
                    Ok::<_, Infallible>(handle(&gateway, index, request, peer, &counter).await)
                }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn handle(
    gateway: &Gateway,
    index: usize,
    request: hyper::Request<Incoming>,
    peer: SocketAddr,
    counter: &AtomicU64,
) -> hyper::Response<Full<Bytes>> {
    let started = Instant::now();
    let api = &gateway.app.apis[index];
    let (parts, body) = request.into_parts();
    let method = parts.method.as_str().to_string();
    let raw_path = parts.uri.path().to_string();
    let raw_query = parts.uri.query().unwrap_or_default().to_string();
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let (response, route, auth, facts, request) =
        match Limited::new(body, MAX_BODY_BYTES).collect().await {
            Err(_) => (
                Response::gateway(
                    "REQUEST_TOO_LARGE",
                    413,
                    serde_json::json!({"message": "Request Too Long"}),
                ),
                None,
                String::from("-"),
                Facts::default(),
                None,
            ),
            Ok(collected) => {
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default();
                let request = Request {
                    method: method.clone(),
                    path: percent_decode(&raw_path),
                    raw_path: raw_path.clone(),
                    raw_query,
                    headers,
                    body: collected.to_bytes().to_vec(),
                    source_ip: peer.ip().to_string(),
                    request_id: format!(
                        "local-{:016x}-{:06}",
                        now.as_nanos() as u64,
                        counter.fetch_add(1, Ordering::Relaxed)
                    ),
                    time_epoch_ms: now.as_millis(),
                };
                let facts = Request {
                    body: Vec::new(),
                    ..request.clone()
                };
                let outcome = gateway.handle(index, request).await;
                (
                    outcome.response,
                    outcome.route,
                    outcome.auth.describe(),
                    outcome.facts,
                    Some(facts),
                )
            }
        };
    eprintln!(
        "{} {method} {raw_path} route={} authorizer={auth} status={} {:.1}ms{}{}",
        api.name,
        route.as_deref().unwrap_or("-"),
        crate::logs::status(response.status),
        started.elapsed().as_secs_f64() * 1000.0,
        facts
            .usage
            .as_deref()
            .map(|usage| format!(" {usage}"))
            .unwrap_or_default(),
        facts
            .integration_error
            .as_deref()
            .map(|e| format!(" integration_error={e:?}"))
            .unwrap_or_default()
    );
    if let (Some(format), Some(request)) = (&api.access_log, &request) {
        let line = access_log::render(format, |name| {
            let ms = |v: Option<u128>| v.map(|v| v.to_string());
            match name {
                "requestId" | "extendedRequestId" => Some(request.request_id.clone()),
                "identity.sourceIp" => Some(request.source_ip.clone()),
                "requestTime" => Some(request.time()),
                "requestTimeEpoch" => Some(request.time_epoch_ms.to_string()),
                "httpMethod" => Some(method.clone()),
                "path" => Some(raw_path.clone()),
                "protocol" => Some("HTTP/1.1".into()),
                "routeKey" => route.clone(),
                "resourcePath" => route
                    .as_deref()
                    .and_then(|r| r.split_once(' '))
                    .map(|(_, path)| path.to_string()),
                "stage" => Some(api.stage.clone()),
                "status" => Some(response.status.to_string()),
                "responseLength" => Some(response.body.len().to_string()),
                "authorizer.status" => facts.authorizer_status.map(|s| s.to_string()),
                "authorizer.latency" => ms(facts.authorizer_latency_ms),
                "authorizer.error" => {
                    matches!(facts.authorizer_status, Some(500)).then(|| auth.clone())
                }
                "authorizer.principalId" => facts.principal.clone(),
                "authorizer.sub" => facts.sub.clone(),
                "integration.latency" | "integrationLatency" => ms(facts.integration_latency_ms),
                "integration.error" | "integrationErrorMessage" => facts.integration_error.clone(),
                _ => None,
            }
        });
        eprintln!("{} access {line}", api.name);
    }
    let mut builder = hyper::Response::builder().status(response.status);
    for (name, value) in &response.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder
        .body(Full::new(Bytes::from(response.body)))
        .unwrap_or_else(|_| {
            let mut r = hyper::Response::new(Full::new(Bytes::from_static(
                b"{\"message\":\"Internal server error\"}",
            )));
            *r.status_mut() = hyper::StatusCode::BAD_GATEWAY;
            r
        })
}
