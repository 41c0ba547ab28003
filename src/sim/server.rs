//! The HTTP side shared by every simulated marketplace: one catch-all handler that turns
//! the request into a `SimRequest`, asks the marketplace's (synchronous, in-memory) model
//! for the answer and records both.

use super::recorder::{RecordedCall, Recorder, SENT_AT_HEADER};
use crate::domain::ChannelKind;
use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::Value;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, Clone)]
pub struct SimRequest {
    pub method: String,
    pub path: String,
    pub query: String,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: bytes::Bytes,
}

impl SimRequest {
    pub fn new(method: &str, path: &str) -> Self {
        Self {
            method: method.to_string(),
            path: path.to_string(),
            query: String::new(),
            headers: Vec::new(),
            body: bytes::Bytes::new(),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `Authorization: Bearer <token>`.
    pub fn bearer(&self) -> Option<&str> {
        let value = self.header("authorization")?;
        let (scheme, token) = value.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then_some(token.trim())
    }

    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// A form-encoded body's field, or a query parameter with `query_param`.
    pub fn form_field(&self, name: &str) -> Option<String> {
        field(&self.body, name)
    }

    pub fn query_param(&self, name: &str) -> Option<String> {
        field(self.query.as_bytes(), name)
    }

    /// The path split on `/`, without the empty leading segment; segments decoded.
    pub fn segments(&self) -> Vec<String> {
        self.path
            .trim_start_matches('/')
            .split('/')
            .map(percent_decode)
            .collect()
    }

    // Builders for unit tests of the marketplace models.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers
            .push((name.to_ascii_lowercase(), value.to_string()));
        self
    }

    pub fn with_json(mut self, body: Value) -> Self {
        self.body = serde_json::to_vec(&body).expect("JSON encodes").into();
        self
    }

    pub fn with_form(mut self, fields: &[(&str, &str)]) -> Self {
        self.body = serde_urlencoded::to_string(fields)
            .expect("form encodes")
            .into_bytes()
            .into();
        self
    }

    pub fn with_query(mut self, fields: &[(&str, &str)]) -> Self {
        self.query = serde_urlencoded::to_string(fields).expect("query encodes");
        self
    }
}

fn field(encoded: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(encoded)
        .ok()?
        .into_iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
}

fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Debug, Clone, PartialEq)]
pub struct SimResponse {
    pub status: u16,
    pub body: Value,
}

impl SimResponse {
    pub fn json(status: u16, body: Value) -> Self {
        Self { status, body }
    }
}

/// One marketplace's behaviour: answers a request from its in-memory state.
pub trait Marketplace: Send + Sync + 'static {
    fn answer(&self, request: &SimRequest) -> SimResponse;
}

/// A running sim: where it listens and how to stop it.
pub struct Running {
    pub kind: ChannelKind,
    pub base_url: String,
    handle: ServerHandle,
}

impl Running {
    pub async fn stop(self) {
        self.handle.stop(false).await;
    }
}

struct Shared {
    kind: ChannelKind,
    model: Arc<dyn Marketplace>,
    recorder: Recorder,
}

/// Serves `model` on 127.0.0.1 on a free port; must be called inside a tokio runtime.
pub fn serve(
    kind: ChannelKind,
    model: Arc<dyn Marketplace>,
    recorder: Recorder,
) -> std::io::Result<Running> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let shared = web::Data::new(Shared {
        kind,
        model,
        recorder,
    });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(shared.clone())
            .app_data(web::PayloadConfig::new(1 << 20))
            .default_service(web::to(handle))
    })
    // One worker per sim: five sims share the machine with the daemon under test.
    .workers(1)
    .listen(listener)?
    .disable_signals()
    .shutdown_timeout(1)
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    Ok(Running {
        kind,
        base_url: format!("http://127.0.0.1:{port}"),
        handle,
    })
}

async fn handle(
    request: HttpRequest,
    body: bytes::Bytes,
    shared: web::Data<Shared>,
) -> HttpResponse {
    let arrived = Instant::now();
    let sim_request = SimRequest {
        method: request.method().as_str().to_string(),
        path: request.path().to_string(),
        query: request.query_string().to_string(),
        headers: request
            .headers()
            .iter()
            .filter_map(|(name, value)| {
                Some((name.as_str().to_string(), value.to_str().ok()?.to_string()))
            })
            .collect(),
        body,
    };
    let answer = shared.model.answer(&sim_request);
    let answer_text = answer.body.to_string();
    shared.recorder.push(RecordedCall {
        seq: 0,
        kind: shared.kind,
        method: sim_request.method.clone(),
        path: sim_request.path.clone(),
        query: sim_request.query.clone(),
        body: String::from_utf8_lossy(&sim_request.body).into_owned(),
        arrived,
        sent_at: sim_request.header(SENT_AT_HEADER).map(str::to_string),
        status: answer.status,
        answer: answer_text.clone(),
    });
    let status = actix_web::http::StatusCode::from_u16(answer.status)
        .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status)
        .content_type("application/json")
        .body(answer_text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_helpers() {
        let request = SimRequest::new("GET", "/v1/orders/a%2Fb%20c/status")
            .with_header("Authorization", "Bearer tok-1")
            .with_query(&[("key", "k 1"), ("secret", "s&2")])
            .with_form(&[("order_item_id", "12"), ("add_comment", "a b")]);
        assert_eq!(request.bearer(), Some("tok-1"));
        assert_eq!(request.query_param("secret").as_deref(), Some("s&2"));
        assert_eq!(request.form_field("add_comment").as_deref(), Some("a b"));
        assert_eq!(request.form_field("status"), None);
        assert_eq!(request.segments(), ["v1", "orders", "a/b c", "status"]);
        let basic = SimRequest::new("GET", "/").with_header("authorization", "Basic xyz");
        assert_eq!(basic.bearer(), None);
    }
}
