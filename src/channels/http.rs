//! The one HTTP client every connector shares: pooled connections, a per-request
//! timeout, `User-Agent: ordersync/<version>`, the channel's rate limit, and responses
//! read whole so classification can be a pure function of (status, headers, body).

use crate::delivery::rate_limit::RateLimiter;
use crate::domain::{Outcome, RemoteError};
use reqwest::header::HeaderMap;
use reqwest::Method;
use std::sync::Arc;
use std::time::Duration;

pub const USER_AGENT: &str = concat!("ordersync/", env!("CARGO_PKG_VERSION"));

/// Longest a call waits in-line for a rate-limit token before giving the task back to
/// the scheduler as `retry` (rate-limited, so not an attempt).
const MAX_INLINE_RATE_WAIT: Duration = Duration::from_secs(2);

#[derive(Debug, Clone)]
pub enum RequestBody {
    Empty,
    Json(serde_json::Value),
    Form(Vec<(String, String)>),
}

#[derive(Clone)]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    /// Header values here may be secrets: never log a request's headers.
    pub headers: Vec<(&'static str, String)>,
    pub body: RequestBody,
}

/// Shows what a request is without what it carries: header values, form values, JSON
/// bodies and the query string (imweb authenticates in the query) can all be secrets.
impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = self.url.split('?').next().unwrap_or_default();
        let headers: Vec<&str> = self.headers.iter().map(|(name, _)| *name).collect();
        let body = match &self.body {
            RequestBody::Empty => "empty".to_string(),
            RequestBody::Json(_) => "json".to_string(),
            RequestBody::Form(fields) => {
                let names: Vec<&str> = fields.iter().map(|(name, _)| name.as_str()).collect();
                format!("form({})", names.join(", "))
            }
        };
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &path)
            .field("headers", &headers)
            .field("body", &body)
            .finish()
    }
}

/// Percent-encodes one path segment (marketplace ids are opaque strings).
pub fn path_segment(segment: &str) -> String {
    serde_urlencoded::to_string([("", segment)])
        .map(|s| s[1..].replace('+', "%20"))
        .unwrap_or_default()
}

impl HttpRequest {
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        Self {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: RequestBody::Empty,
        }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.body = RequestBody::Json(body);
        self
    }

    pub fn form(mut self, fields: Vec<(String, String)>) -> Self {
        self.body = RequestBody::Form(fields);
        self
    }
}

#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: bytes::Bytes,
}

impl HttpResponse {
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The body as text, cut to a length fit for an operator's error column.
    pub fn snippet(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let text = text.trim();
        match text.char_indices().nth(300) {
            Some((cut, _)) => format!("{}…", &text[..cut]),
            None => text.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("request timed out")]
    Timeout,
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("request failed: {0}")]
    Other(String),
    #[error("rate limit: next call allowed in {0:?}")]
    RateLimited(Duration),
}

impl TransportError {
    /// Every transport failure is worth another try later.
    pub fn into_outcome(self) -> Outcome {
        match self {
            TransportError::RateLimited(wait) => Outcome::Retry {
                after: Some(wait),
                rate_limited: true,
                error: RemoteError::new(Some("rate_limit"), self.to_string()),
            },
            TransportError::Timeout => Outcome::Retry {
                after: None,
                rate_limited: false,
                error: RemoteError::new(Some("timeout"), self.to_string()),
            },
            TransportError::Connect(_) | TransportError::Other(_) => Outcome::Retry {
                after: None,
                rate_limited: false,
                error: RemoteError::new(Some("network"), self.to_string()),
            },
        }
    }
}

/// A channel's door to the network: the shared client plus that channel's limiter.
#[derive(Clone)]
pub struct ChannelHttp {
    client: reqwest::Client,
    limiter: Arc<RateLimiter>,
}

impl ChannelHttp {
    pub fn new(client: reqwest::Client, limiter: Arc<RateLimiter>) -> Self {
        Self { client, limiter }
    }

    /// Builds the shared client: one pool for all channels.
    pub fn client(timeout: Duration) -> reqwest::Client {
        reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .pool_idle_timeout(Duration::from_secs(90))
            .build()
            .expect("the TLS backend is compiled in")
    }

    async fn take_rate_token(&self) -> Result<(), TransportError> {
        loop {
            match self.limiter.try_acquire() {
                Ok(()) => return Ok(()),
                Err(wait) if wait > MAX_INLINE_RATE_WAIT => {
                    return Err(TransportError::RateLimited(wait))
                }
                Err(wait) => tokio::time::sleep(wait).await,
            }
        }
    }

    pub async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        self.take_rate_token().await?;
        let mut builder = self.client.request(request.method.clone(), &request.url);
        for (name, value) in &request.headers {
            builder = builder.header(*name, value);
        }
        builder = match &request.body {
            RequestBody::Empty => builder,
            RequestBody::Json(body) => builder.json(body),
            RequestBody::Form(fields) => builder.form(fields),
        };
        let response = builder.send().await.map_err(classify_reqwest)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(classify_reqwest)?;
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

fn classify_reqwest(error: reqwest::Error) -> TransportError {
    // reqwest's Display can include the URL; our URLs carry no secrets (imweb's auth
    // query is the exception, so strip URLs entirely).
    let error = error.without_url();
    if error.is_timeout() {
        TransportError::Timeout
    } else if error.is_connect() {
        TransportError::Connect(error.to_string())
    } else {
        TransportError::Other(error.to_string())
    }
}

/// Parses `Retry-After` as seconds or an HTTP date.
pub fn retry_after(headers: &HeaderMap, now: std::time::SystemTime) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderValue, RETRY_AFTER};
    use std::time::{SystemTime, UNIX_EPOCH};

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(path_segment("5b0f2a1e-0c1d"), "5b0f2a1e-0c1d");
        assert_eq!(path_segment("a/b c"), "a%2Fb%20c");
    }

    #[test]
    fn debug_shows_no_secret() {
        let request =
            HttpRequest::new(Method::GET, "https://api.imweb.me/v2/auth?key=K1&secret=S1")
                .header("access-token", "T1")
                .form(vec![("client_secret".into(), "S2".into())]);
        let shown = format!("{request:?}");
        for secret in ["K1", "S1", "T1", "S2"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(
            shown.contains("/v2/auth")
                && shown.contains("access-token")
                && shown.contains("client_secret")
        );
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers, SystemTime::now()), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("2"));
        assert_eq!(
            retry_after(&headers, SystemTime::now()),
            Some(Duration::from_secs(2))
        );
        let now = UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:30 GMT"),
        );
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(30)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers, now), None);
    }
}
