//! What YouCan's answers mean (pure).

use super::plan::CallKind;
use crate::channels::http::{retry_after, HttpResponse};
use crate::channels::oauth;
use crate::domain::{Outcome, RemoteError};
use serde_json::Value;
use std::time::SystemTime;

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
    let error = oauth::oauth_error(response);
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
