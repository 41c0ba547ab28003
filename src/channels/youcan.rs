//! YouCan store admin API: three status contexts (general, shipping, payment), each a
//! `PUT` with `{"status": <slug>}`, plus `PUT /orders/{id}/fulfill` for tracking.
//! Bearer tokens, refreshed through `/oauth/token` when refresh credentials are set.
//!
//! YouCan turns an unknown slug into a new status label instead of refusing it, so the
//! slugs are a closed enum here: nothing else can be sent.

use super::http::path_segment;
use super::http::{retry_after, HttpRequest, HttpResponse};
use super::oauth::{OAuthSession, RefreshClient, SessionParts};
use super::{Channel, ConnectorDeps, Delivery};
use crate::domain::{carrier, ChannelKind, ChannelName, Outcome, RemoteError, Status};
use crate::secret::Secret;
use async_trait::async_trait;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::SystemTime;

/// A YouCan channel's settings (`[channels.NAME]` with `kind = "youcan"`).
#[derive(Clone)]
pub struct YoucanConfig {
    pub access_token: Secret,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub refresh_token: Option<Secret>,
    pub tracking_via_fulfill: bool,
}

/// The status contexts and the only slugs ordersync ever sends (seed page lists).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slug {
    GeneralClosed,
    GeneralCanceledBySeller,
    ShippingProcessing,
    ShippingShipped,
    ShippingFulfilled,
    ShippingCanceled,
    PaymentPaid,
    PaymentRefunded,
}

impl Slug {
    /// Path below `/orders/{id}` and the slug.
    pub fn route(self) -> (&'static str, &'static str) {
        match self {
            Slug::GeneralClosed => ("status", "closed"),
            Slug::GeneralCanceledBySeller => ("status", "canceled-by-seller"),
            Slug::ShippingProcessing => ("status/shipping", "processing"),
            Slug::ShippingShipped => ("status/shipping", "shipped"),
            Slug::ShippingFulfilled => ("status/shipping", "fulfilled"),
            Slug::ShippingCanceled => ("status/shipping", "canceled"),
            Slug::PaymentPaid => ("status/payment", "paid"),
            Slug::PaymentRefunded => ("status/payment", "refunded"),
        }
    }
}

/// CHANNELS.md mapping; `canceled` is general then shipping.
pub fn slugs(status: Status) -> &'static [Slug] {
    match status {
        Status::Paid => &[Slug::PaymentPaid],
        Status::Preparing => &[Slug::ShippingProcessing],
        Status::Dispatched => &[Slug::ShippingShipped],
        Status::Delivered => &[Slug::ShippingFulfilled],
        Status::Completed => &[Slug::GeneralClosed],
        Status::Canceled => &[Slug::GeneralCanceledBySeller, Slug::ShippingCanceled],
        Status::Returned => &[Slug::PaymentRefunded],
        Status::Placed | Status::Exchanged => &[],
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallKind {
    Status(Slug),
    Fulfill,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub kind: CallKind,
    pub url: String,
    pub body: Value,
}

/// The calls a change needs, in order, or why there are none. No I/O.
pub fn plan(
    delivery: &Delivery<'_>,
    base_url: &str,
    tracking_via_fulfill: bool,
) -> Result<Vec<Call>, Outcome> {
    let target = delivery.change.target;
    let steps = slugs(target);
    if steps.is_empty() {
        return Err(Outcome::Unsupported {
            reason: format!("YouCan has no status for {target}"),
        });
    }
    let order_url = format!(
        "{base_url}/orders/{}",
        path_segment(delivery.link.order_id.as_str())
    );
    let mut calls: Vec<Call> = steps
        .iter()
        .map(|&slug| {
            let (path, status) = slug.route();
            Call {
                kind: CallKind::Status(slug),
                url: format!("{order_url}/{path}"),
                body: json!({ "status": status }),
            }
        })
        .collect();
    if tracking_via_fulfill && target == Status::Dispatched {
        let shipment = delivery.order.shipment.as_ref();
        let tracking = delivery
            .change
            .tracking
            .clone()
            .or_else(|| shipment.map(|s| s.tracking_number.clone()))
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty());
        if let Some(tracking) = tracking {
            let mut body = json!({ "tracking_number": tracking });
            if let Some(shipment) = shipment.filter(|s| !s.carrier.trim().is_empty()) {
                body["seller_note"] = json!(carrier::display_name(&shipment.carrier));
            }
            calls.push(Call {
                kind: CallKind::Fulfill,
                url: format!("{order_url}/fulfill"),
                body,
            });
        }
    }
    Ok(calls)
}

/// Classifies one answer (CHANNELS.md youcan "Answer"; error shapes from YouCan's
/// errors page: `{"status", "detail", "meta"}`, a `code` on some, `error` on 402).
pub fn classify(kind: &CallKind, response: &HttpResponse, now: SystemTime) -> Outcome {
    let error = || remote_error(response);
    match response.status {
        200..=299 => Outcome::Done,
        422 if *kind == CallKind::Fulfill
            && error().code.as_deref() == Some("ORDER-ALREADY-FULFILLED") =>
        {
            Outcome::AlreadyApplied
        }
        // 401 reaches here only once a refresh was impossible or did not help. 402 is a
        // suspended store and 403 a missing `edit-orders` scope: like a refused token they
        // hold for every order until the seller acts, so the channel goes unhealthy and
        // tasks wait instead of dead-lettering.
        401..=403 => Outcome::Auth(error()),
        429 => Outcome::Retry {
            after: retry_after(&response.headers, now),
            rate_limited: true,
            error: error(),
        },
        408 | 500..=599 => Outcome::Retry {
            after: retry_after(&response.headers, now),
            rate_limited: false,
            error: error(),
        },
        400..=499 => Outcome::Rejected(error()),
        _ => Outcome::Retry {
            after: None,
            rate_limited: false,
            error: error(),
        },
    }
}

/// Token-endpoint failures: a refused grant is `Auth`, anything else a later try.
pub fn classify_refresh(response: &HttpResponse, now: SystemTime) -> Outcome {
    let error = super::oauth::oauth_error(response);
    match response.status {
        400..=403 => Outcome::Auth(error),
        429 => Outcome::Retry {
            after: retry_after(&response.headers, now),
            rate_limited: true,
            error,
        },
        _ => Outcome::Retry {
            after: retry_after(&response.headers, now),
            rate_limited: false,
            error,
        },
    }
}

fn remote_error(response: &HttpResponse) -> RemoteError {
    let fallback_code = format!("http_{}", response.status);
    let Some(body) = response.json().filter(Value::is_object) else {
        return RemoteError::new(Some(&fallback_code), response.snippet());
    };
    let text = |key: &str| body[key].as_str().filter(|s| !s.is_empty());
    let code = text("code").unwrap_or(&fallback_code).to_string();
    let mut message = text("detail")
        .or_else(|| text("message"))
        .or_else(|| text("error"))
        .map(str::to_string)
        .unwrap_or_else(|| response.snippet());
    // Validation errors list per-field reasons under meta.fields.
    if let Some(fields) = body["meta"]["fields"].as_object() {
        let parts: Vec<String> = fields
            .iter()
            .map(|(field, reasons)| {
                let reasons: Vec<&str> = reasons
                    .as_array()
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                format!("{field}: {}", reasons.join(", "))
            })
            .collect();
        if !parts.is_empty() {
            message = format!("{message} ({})", parts.join("; "));
        }
    }
    RemoteError {
        code: Some(code),
        message,
    }
}

pub struct Youcan {
    name: ChannelName,
    base_url: String,
    tracking_via_fulfill: bool,
    session: OAuthSession,
}

impl Youcan {
    pub fn new(
        name: ChannelName,
        base_url: String,
        config: YoucanConfig,
        deps: ConnectorDeps,
    ) -> Self {
        let client = match (config.client_id, config.client_secret) {
            (Some(client_id), Some(client_secret)) => Some(RefreshClient {
                token_url: format!("{base_url}/oauth/token"),
                client_id,
                client_secret,
                extra_form: Vec::new(),
            }),
            _ => None,
        };
        let session = OAuthSession::new(SessionParts {
            channel: name.clone(),
            http: deps.http,
            store: deps.tokens,
            stats: deps.stats,
            config_access_token: Some(config.access_token),
            config_refresh_token: config.refresh_token,
            client,
            classify_refusal: classify_refresh,
        });
        Self {
            name,
            base_url,
            tracking_via_fulfill: config.tracking_via_fulfill,
            session,
        }
    }

    async fn send(&self, call: &Call) -> Outcome {
        let build = |token: &Secret| {
            HttpRequest::new(Method::PUT, call.url.clone())
                .header("Authorization", format!("Bearer {}", token.expose()))
                .header("Accept", "application/json")
                .json(call.body.clone())
        };
        match self.session.send(build, |r| r.status == 401).await {
            Ok(response) => classify(&call.kind, &response, SystemTime::now()),
            Err(outcome) => outcome,
        }
    }
}

#[async_trait]
impl Channel for Youcan {
    fn name(&self) -> &ChannelName {
        &self.name
    }

    fn kind(&self) -> ChannelKind {
        ChannelKind::Youcan
    }

    #[tracing::instrument(skip_all, fields(channel = %self.name, order_id = %delivery.order.order_id, task = delivery.task_id))]
    async fn deliver(&self, delivery: &Delivery<'_>) -> Outcome {
        let calls = match plan(delivery, &self.base_url, self.tracking_via_fulfill) {
            Ok(calls) => calls,
            Err(outcome) => return outcome,
        };
        let mut any_done = false;
        for call in &calls {
            match self.send(call).await {
                Outcome::Done => any_done = true,
                Outcome::AlreadyApplied => {}
                other => {
                    tracing::info!(call = ?call.kind, outcome = other.kind().as_str(), "YouCan call not accepted");
                    return other;
                }
            }
        }
        if any_done {
            Outcome::Done
        } else {
            Outcome::AlreadyApplied
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};
    use std::time::Duration;

    fn response(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: HeaderMap::new(),
            body: bytes::Bytes::from(body.to_string()),
        }
    }

    const STATUS: CallKind = CallKind::Status(Slug::ShippingShipped);

    #[test]
    fn mapping_agrees_with_the_summary_table() {
        for status in Status::ALL {
            let ours: Vec<String> = slugs(status)
                .iter()
                .map(|s| {
                    let (path, slug) = s.route();
                    let context = path.strip_prefix("status/").unwrap_or("status");
                    format!("{context}:{slug}")
                })
                .collect();
            let table = ChannelKind::Youcan.remote_step(status);
            assert_eq!(
                (!ours.is_empty()).then(|| ours.join("+")).as_deref(),
                table,
                "{status}"
            );
        }
    }

    #[test]
    fn only_listed_slugs() {
        let general = ["open", "closed", "processed", "canceled-by-seller"];
        let shipping = [
            "unfulfilled",
            "processing",
            "shipped",
            "fulfilled",
            "canceled",
        ];
        let payment = ["pending", "paid", "captured", "unpaid", "refunded"];
        for status in Status::ALL {
            for slug in slugs(status) {
                let (path, value) = slug.route();
                let allowed: &[&str] = match path {
                    "status" => &general,
                    "status/shipping" => &shipping,
                    "status/payment" => &payment,
                    other => panic!("unknown context {other}"),
                };
                assert!(allowed.contains(&value), "{value} on {path}");
            }
        }
    }

    #[test]
    fn classification_table() {
        let now = SystemTime::now();
        let ok = r#"{"status":200,"detail":"Status is successfully updated","meta":[]}"#;
        assert_eq!(classify(&STATUS, &response(200, ok), now), Outcome::Done);
        assert_eq!(
            classify(&CallKind::Fulfill, &response(200, "{}"), now),
            Outcome::Done
        );
        let not_found = r#"{"status":0,"detail":"order not found","meta":[]}"#;
        assert_eq!(
            classify(&STATUS, &response(404, not_found), now),
            Outcome::Rejected(RemoteError::new(Some("http_404"), "order not found"))
        );
        let invalid = r#"{"status":422,"detail":"The given data was invalid.","meta":{"fields":{"status":["The selected status is invalid."]}}}"#;
        assert_eq!(
            classify(&STATUS, &response(422, invalid), now),
            Outcome::Rejected(RemoteError::new(
                Some("http_422"),
                "The given data was invalid. (status: The selected status is invalid.)"
            ))
        );
        let fulfilled = r#"{"code":"ORDER-ALREADY-FULFILLED","status":422,"detail":"Order already fulfilled","meta":[]}"#;
        assert_eq!(
            classify(&CallKind::Fulfill, &response(422, fulfilled), now),
            Outcome::AlreadyApplied
        );
        assert_eq!(
            classify(&STATUS, &response(422, fulfilled), now),
            Outcome::Rejected(RemoteError::new(
                Some("ORDER-ALREADY-FULFILLED"),
                "Order already fulfilled"
            )),
            "only the fulfill call treats it as applied"
        );
        assert!(matches!(
            classify(&STATUS, &response(401, r#"{"status":401,"detail":"Unauthenticated."}"#), now),
            Outcome::Auth(RemoteError { ref message, .. }) if message == "Unauthenticated."
        ));
        assert_eq!(
            classify(
                &STATUS,
                &response(402, r#"{"status":402,"error":"store is suspended"}"#),
                now
            ),
            Outcome::Auth(RemoteError::new(Some("http_402"), "store is suspended"))
        );
        assert!(matches!(
            classify(&STATUS, &response(403, "{}"), now),
            Outcome::Auth(_)
        ));
        assert!(matches!(
            classify(
                &STATUS,
                &response(
                    405,
                    r#"{"status":405,"detail":"The PUT method is not supported"}"#
                ),
                now
            ),
            Outcome::Rejected(_)
        ));
        let mut limited = response(429, "");
        limited
            .headers
            .insert("retry-after", HeaderValue::from_static("12"));
        assert_eq!(
            classify(&STATUS, &limited, now),
            Outcome::Retry {
                after: Some(Duration::from_secs(12)),
                rate_limited: true,
                error: RemoteError::new(Some("http_429"), "")
            }
        );
        for status in [500, 502, 503, 504] {
            assert!(
                matches!(
                    classify(&STATUS, &response(status, "<html>down</html>"), now),
                    Outcome::Retry {
                        rate_limited: false,
                        ..
                    }
                ),
                "{status}"
            );
        }
    }

    #[test]
    fn refresh_classification() {
        let now = SystemTime::now();
        let refused =
            r#"{"error":"invalid_grant","error_description":"The refresh token is invalid."}"#;
        assert_eq!(
            classify_refresh(&response(400, refused), now),
            Outcome::Auth(RemoteError::new(
                Some("invalid_grant"),
                "token refresh refused: The refresh token is invalid."
            ))
        );
        assert!(matches!(
            classify_refresh(&response(401, "{}"), now),
            Outcome::Auth(_)
        ));
        assert!(matches!(
            classify_refresh(&response(429, "{}"), now),
            Outcome::Retry {
                rate_limited: true,
                ..
            }
        ));
        assert!(matches!(
            classify_refresh(&response(503, ""), now),
            Outcome::Retry {
                rate_limited: false,
                ..
            }
        ));
    }
}
