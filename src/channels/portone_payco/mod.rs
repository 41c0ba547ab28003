//! PortOne (iamport) PAYCO: `POST /payco/orders/status/{imp_uid}` with `DELIVERY_START`,
//! `PURCHASE_DECISION` or `CANCELED`, under a bearer token from `POST /users/getToken`.
//! An order-level channel: item scope is ignored and PAYCO has no tracking field.

use super::auth::{CachedToken, TokenCache};
use super::http::{retry_after, HttpRequest, HttpResponse};
use super::{redact, Channel, ConnectorDeps, Delivery};
use crate::domain::{ChannelKind, ChannelName, Outcome, RemoteError, Timestamp};
use crate::secret::Secret;
use async_trait::async_trait;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::{Duration, SystemTime};

/// Refresh while the token still has this much life left, so a call never races expiry.
const REFRESH_MARGIN_SECS: i64 = 60;
/// The documented lifetime, for an answer that omits `now` / `expired_at`.
const DOCUMENTED_LIFETIME_SECS: i64 = 30 * 60;

pub struct PortonePayco {
    name: ChannelName,
    base_url: String,
    imp_key: Secret,
    imp_secret: Secret,
    deps: ConnectorDeps,
    token: TokenCache,
}

impl PortonePayco {
    pub fn new(
        name: ChannelName,
        base_url: String,
        imp_key: Secret,
        imp_secret: Secret,
        deps: ConnectorDeps,
    ) -> Self {
        Self {
            name,
            base_url,
            imp_key,
            imp_secret,
            deps,
            token: TokenCache::default(),
        }
    }
}

/// The status call for a change (URL and JSON body), or why there is none.
pub fn plan(delivery: &Delivery<'_>, base_url: &str) -> Result<(String, Value), Outcome> {
    let status = ChannelKind::PortonePayco
        .remote_step(delivery.change.target)
        .ok_or_else(|| Outcome::Unsupported {
            reason: format!("PAYCO has no order status for {}", delivery.change.target),
        })?;
    let url = format!(
        "{base_url}/payco/orders/status/{}",
        super::http::path_segment(delivery.link.order_id.as_str())
    );
    Ok((url, json!({ "status": status })))
}

/// iamport's envelope error: its numeric `code` and `message`, else the HTTP status and
/// a snippet of whatever came back.
fn remote_error(response: &HttpResponse) -> RemoteError {
    let body = response.json();
    let code = body
        .as_ref()
        .and_then(|b| b["code"].as_i64())
        .map(|c| c.to_string())
        .unwrap_or_else(|| format!("http_{}", response.status));
    let message = body
        .as_ref()
        .and_then(|b| b["message"].as_str())
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| response.snippet());
    RemoteError {
        code: Some(code),
        message,
    }
}

fn retry(response: &HttpResponse, now: SystemTime, rate_limited: bool) -> Outcome {
    Outcome::Retry {
        after: retry_after(&response.headers, now),
        rate_limited,
        error: remote_error(response),
    }
}

/// Classifies the answer to the status call (CHANNELS.md, portone_payco "Answer").
/// `Auth` here means "this token was refused": `deliver` refreshes once before giving up.
pub fn classify(response: &HttpResponse, now: SystemTime) -> Outcome {
    match response.status {
        200..=299 => match response.json().and_then(|b| b["code"].as_i64()) {
            Some(0) => Outcome::Done,
            Some(_) => Outcome::Rejected(remote_error(response)),
            // A 200 without iamport's envelope is a proxy or outage page, not an answer.
            None => retry(response, now, false),
        },
        401 | 403 => Outcome::Auth(remote_error(response)),
        408 => retry(response, now, false),
        429 => retry(response, now, true),
        400..=499 => Outcome::Rejected(remote_error(response)),
        _ => retry(response, now, false),
    }
}

/// Classifies the `getToken` answer. `received_at` is our clock when it arrived: the
/// token's remaining life is measured on the server's clock (`expired_at - now`) and
/// applied to ours, so a skewed local clock cannot make us keep an expired token.
pub fn classify_token(
    response: &HttpResponse,
    received_at: Timestamp,
    now: SystemTime,
) -> Result<CachedToken, Outcome> {
    let token_error = |response: &HttpResponse| {
        let error = remote_error(response);
        RemoteError {
            code: error.code,
            message: format!("getToken: {}", error.message),
        }
    };
    match response.status {
        200..=299 => {}
        408 | 500..=599 => {
            return Err(Outcome::Retry {
                after: retry_after(&response.headers, now),
                rate_limited: false,
                error: token_error(response),
            })
        }
        429 => {
            return Err(Outcome::Retry {
                after: retry_after(&response.headers, now),
                rate_limited: true,
                error: token_error(response),
            })
        }
        // 401 and any other refusal: our credentials or configuration are wrong.
        _ => return Err(Outcome::Auth(token_error(response))),
    }
    let Some(body) = response.json() else {
        return Err(Outcome::Retry {
            after: None,
            rate_limited: false,
            error: RemoteError::new(Some("getToken"), "getToken: answer is not JSON"),
        });
    };
    if body["code"].as_i64() != Some(0) {
        return Err(Outcome::Auth(token_error(response)));
    }
    let answer = &body["response"];
    let Some(access_token) = answer["access_token"].as_str().filter(|t| !t.is_empty()) else {
        return Err(Outcome::Retry {
            after: None,
            rate_limited: false,
            error: RemoteError::new(Some("getToken"), "getToken: answer has no access_token"),
        });
    };
    let lifetime = match (answer["now"].as_i64(), answer["expired_at"].as_i64()) {
        (Some(server_now), Some(expired_at)) => expired_at.saturating_sub(server_now),
        _ => DOCUMENTED_LIFETIME_SECS,
    };
    let usable = u64::try_from(lifetime.saturating_sub(REFRESH_MARGIN_SECS)).unwrap_or(0);
    Ok(CachedToken {
        access_token: Secret::new(access_token),
        refresh_after: Some(received_at.plus(Duration::from_secs(usable))),
    })
}

/// Our clock, read only here at the I/O edge.
fn now() -> Timestamp {
    Timestamp::from_datetime(time::OffsetDateTime::now_utc())
}

impl PortonePayco {
    fn secrets<'a>(&'a self, token: Option<&'a Secret>) -> Vec<&'a Secret> {
        let mut all = vec![&self.imp_key, &self.imp_secret];
        all.extend(token);
        all
    }

    async fn fetch_token(&self) -> Result<CachedToken, Outcome> {
        let request = HttpRequest::new(Method::POST, format!("{}/users/getToken", self.base_url))
            .header("Accept", "application/json")
            .json(json!({
                "imp_key": self.imp_key.expose(),
                "imp_secret": self.imp_secret.expose(),
            }));
        let answer = match self.deps.http.send(&request).await {
            Ok(response) => classify_token(&response, now(), SystemTime::now()),
            Err(error) => Err(error.into_outcome()),
        };
        match answer {
            Ok(token) => {
                self.deps.stats.count_token_refresh();
                tracing::info!("fetched a new PAYCO access token");
                Ok(token)
            }
            Err(outcome) => Err(redact::scrub(outcome, &self.secrets(None))),
        }
    }

    /// Sends the status call; a refused token is dropped, replaced and the call repeated
    /// once.
    async fn send_status(&self, url: &str, body: &Value) -> Outcome {
        let mut refreshed = false;
        loop {
            let token = match self.token.get(now(), || self.fetch_token()).await {
                Ok(token) => token,
                Err(outcome) => return outcome,
            };
            let request = HttpRequest::new(Method::POST, url)
                .header("Authorization", format!("Bearer {}", token.expose()))
                .header("Accept", "application/json")
                .json(body.clone());
            let outcome = match self.deps.http.send(&request).await {
                Ok(response) => classify(&response, SystemTime::now()),
                Err(error) => error.into_outcome(),
            };
            let outcome = redact::scrub(outcome, &self.secrets(Some(&token)));
            match outcome {
                Outcome::Auth(_) if !refreshed => {
                    tracing::info!("PAYCO refused the access token; refreshing once");
                    self.token.invalidate(&token).await;
                    refreshed = true;
                }
                outcome => return outcome,
            }
        }
    }
}

#[async_trait]
impl Channel for PortonePayco {
    fn name(&self) -> &ChannelName {
        &self.name
    }

    fn kind(&self) -> ChannelKind {
        ChannelKind::PortonePayco
    }

    #[tracing::instrument(skip_all, fields(channel = %self.name, order_id = %delivery.order.order_id, task = delivery.task_id))]
    async fn deliver(&self, delivery: &Delivery<'_>) -> Outcome {
        match plan(delivery, &self.base_url) {
            Ok((url, body)) => self.send_status(&url, &body).await,
            Err(outcome) => outcome,
        }
    }
}

#[cfg(test)]
mod tests;
