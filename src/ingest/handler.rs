//! `POST /webhooks/{source}`: bounded raw body → source adapter (signature on the raw
//! bytes, then parsing) → the writer (one transaction, group commit) → 2xx only once
//! the event is durable.

use super::{IngestError, RawRequest, Translated};
use crate::domain::{OrderEvent, SourceName, Timestamp};
use crate::http_error::error_response;
use crate::metrics::UNKNOWN_SOURCE;
use crate::state::AppState;
use crate::store::{IngestOutcome, Op, OpResult};
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde_json::json;

pub async fn receive(
    request: HttpRequest,
    source: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let started = std::time::Instant::now();
    let (result, response) = match handle(&request, &source, payload, &state).await {
        Ok(answered) => answered,
        Err(error) => {
            tracing::warn!(source = %source.as_str(), code = error.code(), error = %error, "webhook refused");
            let response = error_response(error.status(), error.code(), &error);
            (error.code(), response)
        }
    };
    let configured =
        SourceName::parse(source.as_str()).is_ok_and(|s| state.sources.contains_key(&s));
    let label = if configured {
        source.as_str()
    } else {
        UNKNOWN_SOURCE
    };
    state.metrics.webhook(label, result, started.elapsed());
    response
}

/// The result label for metrics (`accepted`, `duplicate`, ...) and the response.
type Answered = (&'static str, HttpResponse);

#[tracing::instrument(skip_all, fields(source = %source_name))]
async fn handle(
    request: &HttpRequest,
    source_name: &str,
    payload: web::Payload,
    state: &AppState,
) -> Result<Answered, IngestError> {
    let unknown = || IngestError::UnknownSource(source_name.to_string());
    let source = SourceName::parse(source_name).map_err(|_| unknown())?;
    let adapter = state.sources.get(&source).ok_or_else(unknown)?;
    let body = read_body(request, payload, state.config.server.max_body_bytes).await?;
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .filter_map(|(name, value)| {
            Some((
                name.as_str().to_ascii_lowercase(),
                value.to_str().ok()?.to_string(),
            ))
        })
        .collect();
    let raw = RawRequest {
        headers: &headers,
        body: &body,
        now: now(),
    };
    match adapter.accept(&raw)? {
        Translated::Event(event) => store_event(state, source, *event).await,
        Translated::Ignored { topic } => Ok((
            "ignored",
            HttpResponse::Ok().json(json!({ "status": "ignored", "topic": topic })),
        )),
        Translated::Ping => Ok(("ping", HttpResponse::Ok().json(json!({ "status": "ok" })))),
    }
}

pub fn now() -> Timestamp {
    Timestamp::from_datetime(time::OffsetDateTime::now_utc())
}

/// Reads at most `limit` bytes, refusing early on a larger Content-Length.
async fn read_body(
    request: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<Vec<u8>, IngestError> {
    let too_large = IngestError::PayloadTooLarge { limit };
    let declared = request
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large);
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(0));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|e| IngestError::MalformedJson(format!("could not read the body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(too_large);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

async fn store_event(
    state: &AppState,
    source: SourceName,
    event: OrderEvent,
) -> Result<Answered, IngestError> {
    for (n, link) in event.links.iter().enumerate() {
        if !state.channel_kinds.contains_key(&link.channel) {
            return Err(IngestError::InvalidEvent(format!(
                "data.links[{n}].channel: no channel named {:?} is configured",
                link.channel.as_str()
            )));
        }
    }
    let event_id = event.event_id.clone();
    let op = Op::Ingest {
        source,
        event: Box::new(event),
        at: now(),
    };
    let outcome = match state.writer.submit(op).await {
        Ok(OpResult::Ingest(outcome)) => outcome,
        Ok(other) => {
            return Err(IngestError::Unavailable(format!(
                "unexpected store answer {other:?}"
            )))
        }
        Err(error) => {
            return Err(IngestError::Unavailable(format!(
                "the event was not stored ({error}); send it again"
            )))
        }
    };
    Ok(match outcome {
        IngestOutcome::Accepted { order_id, tasks } => {
            tracing::info!(event_id = %event_id, order_id = %order_id, tasks = tasks.len(), "event accepted");
            let body = json!({ "status": "accepted", "event_id": event_id, "order_id": order_id });
            ("accepted", HttpResponse::Accepted().json(body))
        }
        IngestOutcome::Duplicate => {
            tracing::info!(event_id = %event_id, "duplicate event");
            let body = json!({ "status": "duplicate", "event_id": event_id });
            ("duplicate", HttpResponse::Ok().json(body))
        }
        IngestOutcome::Stale { order_id, status } => {
            tracing::info!(event_id = %event_id, order_id = %order_id, "stale event");
            let body = json!({
                "status": "stale", "event_id": event_id, "order_id": order_id, "current_status": status,
            });
            ("stale", HttpResponse::Ok().json(body))
        }
        IngestOutcome::Rejected(rejection) => {
            return Err(match rejection {
                crate::domain::Rejection::UnknownShipmentItem(_) => {
                    IngestError::InvalidEvent(rejection.to_string())
                }
                _ => IngestError::InvalidTransition(rejection.to_string()),
            })
        }
    })
}
