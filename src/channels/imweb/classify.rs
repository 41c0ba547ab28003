//! imweb's answers (CHANNELS.md, imweb "Answer"), as pure functions.
//!
//! imweb reports most outcomes in the body's `code` rather than the HTTP status, and a
//! `code` 200 can still list our order or item under `data.failed`.

use crate::channels::auth::CachedToken;
use crate::channels::http::{retry_after, HttpResponse};
use crate::domain::{Outcome, RemoteError};
use crate::secret::Secret;
use serde_json::Value;
use std::time::SystemTime;

/// What one call concerned, to find it in `data.failed`.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub order_no: &'a str,
    /// `None`: the whole order.
    pub prod_order_no: Option<&'a str>,
}

/// imweb sends ids and codes as numbers or strings.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn body_code(body: &Value) -> Option<i64> {
    match &body["code"] {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn error(response: &HttpResponse, body: Option<&Value>) -> RemoteError {
    let code = body
        .and_then(body_code)
        .map(|c| c.to_string())
        .unwrap_or_else(|| format!("http_{}", response.status));
    let message = body
        .and_then(|b| text(&b["msg"]))
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| response.snippet());
    RemoteError {
        code: Some(code),
        message,
    }
}

fn retry(response: &HttpResponse, body: Option<&Value>, now: SystemTime, limited: bool) -> Outcome {
    Outcome::Retry {
        after: retry_after(&response.headers, now),
        rate_limited: limited,
        error: error(response, body),
    }
}

/// The `failed` entries that concern `scope`, as "what failed: msg (detail)" lines.
fn failures(body: &Value, scope: Scope<'_>) -> Vec<String> {
    let mut found = Vec::new();
    let entries = body["data"]["failed"].as_array().into_iter().flatten();
    for entry in entries {
        // An entry without `order_no` can only be about the one order we sent.
        if text(&entry["order_no"]).is_some_and(|no| no != scope.order_no) {
            continue;
        }
        let items = entry["prod_order_list"]
            .as_array()
            .filter(|l| !l.is_empty());
        let Some(items) = items else {
            found.push(format!("order {}: failed", scope.order_no));
            continue;
        };
        for item in items {
            let prod = text(&item["prod_order_no"]).unwrap_or_default();
            if scope.prod_order_no.is_some_and(|ours| ours != prod) {
                continue;
            }
            let msg = text(&item["msg"]).unwrap_or_default();
            let detail = text(&item["detail_msg"]).unwrap_or_default();
            let mut line = format!("prod_order_no {prod}: {msg}");
            if !detail.is_empty() && detail != msg {
                line.push_str(&format!(" ({detail})"));
            }
            found.push(line);
        }
    }
    found
}

/// Classifies the answer to a status call. `Auth` means "this token was refused":
/// the connector refreshes once before giving up.
pub fn classify(response: &HttpResponse, scope: Scope<'_>, now: SystemTime) -> Outcome {
    let body = response.json();
    let body = body.as_ref();
    match response.status {
        401 | 403 => return Outcome::Auth(error(response, body)),
        429 => return retry(response, body, now, true),
        408 | 500..=599 => return retry(response, body, now, false),
        _ => {}
    }
    match body.and_then(body_code) {
        Some(200) => {
            let failed = failures(body.unwrap_or(&Value::Null), scope);
            if failed.is_empty() {
                Outcome::Done
            } else {
                Outcome::Rejected(RemoteError::new(Some("failed"), failed.join("; ")))
            }
        }
        Some(-2) => Outcome::Auth(error(response, body)),
        Some(-7) => retry(response, body, now, true),
        Some(-19 | -999) => retry(response, body, now, false),
        // -10, -11 and codes the vendor does not document: a refusal we cannot fix by
        // sending the same thing again.
        Some(_) => Outcome::Rejected(error(response, body)),
        None if (200..300).contains(&response.status) => retry(response, body, now, false),
        None => Outcome::Rejected(error(response, body)),
    }
}

/// Classifies the answer to `GET /v2/auth`. imweb does not say how long a token lives,
/// so it is kept until refused.
pub fn classify_token(response: &HttpResponse, now: SystemTime) -> Result<CachedToken, Outcome> {
    let body = response.json();
    let body = body.as_ref();
    let token_error = || {
        let e = error(response, body);
        RemoteError {
            code: e.code,
            message: format!("v2/auth: {}", e.message),
        }
    };
    let retry = |limited: bool| Outcome::Retry {
        after: retry_after(&response.headers, now),
        rate_limited: limited,
        error: token_error(),
    };
    match response.status {
        429 => return Err(retry(true)),
        408 | 500..=599 => return Err(retry(false)),
        200..=299 => {}
        _ => return Err(Outcome::Auth(token_error())),
    }
    match body.and_then(body_code) {
        Some(200) => {}
        Some(-7) => return Err(retry(true)),
        Some(-19 | -999) | None => return Err(retry(false)),
        Some(_) => return Err(Outcome::Auth(token_error())),
    }
    let token = body
        .and_then(|b| b["access_token"].as_str())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Outcome::Retry {
            after: None,
            rate_limited: false,
            error: RemoteError::new(Some("200"), "v2/auth: answer has no access_token"),
        })?;
    Ok(CachedToken {
        access_token: Secret::new(token),
        refresh_after: None,
    })
}
