//! WizCommerce: `PATCH /v1/orders/{id}/status` with `confirmed` or `cancelled`,
//! authenticated by `X-API-Key`. No shipped or delivered status exists there.

use super::http::{path_segment, retry_after, ChannelHttp, HttpRequest, HttpResponse};
use super::{redact, Channel, Delivery};
use crate::domain::{ChannelKind, ChannelName, Outcome, RemoteError};
use crate::secret::Secret;
use async_trait::async_trait;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::SystemTime;

pub struct WizCommerce {
    name: ChannelName,
    base_url: String,
    api_key: Secret,
    http: ChannelHttp,
}

impl WizCommerce {
    pub fn new(name: ChannelName, base_url: String, api_key: Secret, http: ChannelHttp) -> Self {
        Self {
            name,
            base_url,
            api_key,
            http,
        }
    }
}

/// The call for a change, or why there is none.
pub fn plan(delivery: &Delivery<'_>, base_url: &str) -> Result<(String, Value), Outcome> {
    let status = ChannelKind::Wizcommerce
        .remote_step(delivery.change.target)
        .ok_or_else(|| Outcome::Unsupported {
            reason: format!("WizCommerce has no status for {}", delivery.change.target),
        })?;
    let url = format!(
        "{base_url}/v1/orders/{}/status",
        path_segment(delivery.link.order_id.as_str())
    );
    Ok((url, json!({ "status": status })))
}

/// Classifies WizCommerce's answer (CHANNELS.md, wizcommerce "Answer").
pub fn classify(response: &HttpResponse, now: SystemTime) -> Outcome {
    match response.status {
        200..=299 => Outcome::Done,
        401 | 403 => Outcome::Auth(http_error(response)),
        400 | 404 | 409 | 422 => Outcome::Rejected(http_error(response)),
        429 => Outcome::Retry {
            after: retry_after(&response.headers, now),
            rate_limited: true,
            error: http_error(response),
        },
        _ => Outcome::Retry {
            after: retry_after(&response.headers, now),
            rate_limited: false,
            error: http_error(response),
        },
    }
}

/// `errors.HttpError` → code, and message with the field details appended.
fn http_error(response: &HttpResponse) -> RemoteError {
    let Some(body) = response.json() else {
        return RemoteError::new(
            Some(&format!("http_{}", response.status)),
            response.snippet(),
        );
    };
    let code = body["code"].as_str().map(str::to_string);
    let mut message = body["message"].as_str().unwrap_or("").to_string();
    if let Some(details) = body["details"].as_array() {
        let parts: Vec<String> = details
            .iter()
            .map(|d| {
                format!(
                    "{}: {}",
                    d["field"].as_str().unwrap_or("?"),
                    d["reason"].as_str().unwrap_or("?")
                )
            })
            .collect();
        if !parts.is_empty() {
            message = format!("{message} ({})", parts.join("; "));
        }
    }
    if message.is_empty() {
        message = response.snippet();
    }
    RemoteError {
        code: code.or_else(|| Some(format!("http_{}", response.status))),
        message,
    }
}

#[async_trait]
impl Channel for WizCommerce {
    fn name(&self) -> &ChannelName {
        &self.name
    }

    fn kind(&self) -> ChannelKind {
        ChannelKind::Wizcommerce
    }

    #[tracing::instrument(skip_all, fields(channel = %self.name, order_id = %delivery.order.order_id, task = delivery.task_id))]
    async fn deliver(&self, delivery: &Delivery<'_>) -> Outcome {
        let (url, body) = match plan(delivery, &self.base_url) {
            Ok(call) => call,
            Err(outcome) => return outcome,
        };
        let request = HttpRequest::new(Method::PATCH, url)
            .header("X-API-Key", self.api_key.expose())
            .header("Accept", "application/json")
            .json(body);
        let outcome = match self.http.send(&request).await {
            Ok(response) => classify(&response, SystemTime::now()),
            Err(error) => error.into_outcome(),
        };
        // A "bad key" answer may quote the key back; it must not reach the store,
        // the admin API or a log line.
        redact::scrub(outcome, &[&self.api_key])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::responses::{response, response_with};

    #[test]
    fn classification_table() {
        let now = SystemTime::now();
        assert_eq!(
            classify(&response(200, r#"{"data":{}}"#), now),
            Outcome::Done
        );
        let bad = r#"{"code":"INVALID_STATUS","message":"cannot confirm","details":[{"field":"status","reason":"order is cancelled"}]}"#;
        assert_eq!(
            classify(&response(400, bad), now),
            Outcome::Rejected(RemoteError::new(
                Some("INVALID_STATUS"),
                "cannot confirm (status: order is cancelled)"
            ))
        );
        assert!(matches!(
            classify(&response(401, "{}"), now),
            Outcome::Auth(_)
        ));
        assert!(matches!(
            classify(&response(403, "{}"), now),
            Outcome::Auth(_)
        ));
        assert_eq!(
            classify(
                &response(404, r#"{"code":"NOT_FOUND","message":"order not found"}"#),
                now
            ),
            Outcome::Rejected(RemoteError::new(Some("NOT_FOUND"), "order not found"))
        );
        assert!(matches!(
            classify(&response(500, "oops"), now),
            Outcome::Retry {
                rate_limited: false,
                ..
            }
        ));
        assert!(matches!(
            classify(&response(502, "<html>bad gateway</html>"), now),
            Outcome::Retry { .. }
        ));
        assert_eq!(
            classify(&response_with(429, &[("retry-after", "7")], ""), now),
            Outcome::Retry {
                after: Some(std::time::Duration::from_secs(7)),
                rate_limited: true,
                error: RemoteError::new(Some("http_429"), "")
            }
        );
    }

    #[test]
    fn html_error_pages_keep_a_snippet() {
        let outcome = classify(
            &response(400, "<html><body>Bad</body></html>"),
            SystemTime::now(),
        );
        assert_eq!(
            outcome,
            Outcome::Rejected(RemoteError::new(
                Some("http_400"),
                "<html><body>Bad</body></html>"
            ))
        );
    }
}
