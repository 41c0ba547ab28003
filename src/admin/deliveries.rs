//! `/admin/deliveries`: the outbox as operators see it, and replay.

use super::{authorize, store_failure, task_view};
use crate::domain::ChannelName;
use crate::http_error::error_response;
use crate::ingest::handler::now;
use crate::state::AppState;
use crate::store::{Op, OpResult, TaskFilter, TaskState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

const DEFAULT_LIMIT: usize = 100;

#[derive(Deserialize)]
pub struct FilterQuery {
    state: Option<String>,
    channel: Option<String>,
    limit: Option<usize>,
}

fn parse_filter(query: FilterQuery, default_limit: usize) -> Result<TaskFilter, HttpResponse> {
    let bad = |message: String| error_response(StatusCode::BAD_REQUEST, "bad_request", message);
    let state = match query.state.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(text) => Some(TaskState::parse(text).ok_or_else(|| {
            bad(format!(
                "state: unknown state {text:?} (expected pending, retrying, auth or dead)"
            ))
        })?),
    };
    let channel = match query.channel.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(text) => Some(ChannelName::parse(text).map_err(|e| bad(format!("channel: {e}")))?),
    };
    let limit = query.limit.unwrap_or(default_limit);
    if limit == 0 {
        return Err(bad("limit: must be at least 1".into()));
    }
    Ok(TaskFilter {
        state,
        channel,
        limit,
    })
}

pub async fn list(
    request: HttpRequest,
    query: web::Query<FilterQuery>,
    state: web::Data<AppState>,
) -> HttpResponse {
    if let Err(response) = authorize(&request, &state) {
        return response;
    }
    let filter = match parse_filter(query.into_inner(), DEFAULT_LIMIT) {
        Ok(filter) => filter,
        Err(response) => return response,
    };
    match state.store.run(move |store| store.tasks(&filter)).await {
        Ok(tasks) => HttpResponse::Ok()
            .json(json!({ "deliveries": tasks.iter().map(task_view).collect::<Vec<_>>() })),
        Err(error) => store_failure(error),
    }
}

async fn requeue(state: &AppState, task_ids: Vec<u64>) -> HttpResponse {
    match state.writer.submit(Op::Requeue { task_ids, at: now() }).await {
        Ok(OpResult::Requeue(tasks)) => {
            HttpResponse::Ok().json(json!({ "requeued": tasks.len(), "deliveries": tasks.iter().map(task_view).collect::<Vec<_>>() }))
        }
        Ok(other) => store_failure(format!("unexpected store answer {other:?}")),
        Err(error) => store_failure(error),
    }
}

pub async fn retry_one(
    request: HttpRequest,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    if let Err(response) = authorize(&request, &state) {
        return response;
    }
    let unknown = || {
        error_response(
            StatusCode::NOT_FOUND,
            "unknown_delivery",
            format!("no queued delivery {:?}", id.as_str()),
        )
    };
    let Ok(task_id) = id.parse::<u64>() else {
        return unknown();
    };
    match state.store.run(move |store| store.task(task_id)).await {
        Ok(Some(_)) => requeue(&state, vec![task_id]).await,
        Ok(None) => unknown(),
        Err(error) => store_failure(error),
    }
}

pub async fn retry_many(
    request: HttpRequest,
    query: web::Query<FilterQuery>,
    state: web::Data<AppState>,
) -> HttpResponse {
    if let Err(response) = authorize(&request, &state) {
        return response;
    }
    let mut filter = match parse_filter(query.into_inner(), usize::MAX) {
        Ok(filter) => filter,
        Err(response) => return response,
    };
    // Replaying everything by accident is worse than a second call: dead letters by default.
    filter.state.get_or_insert(TaskState::Dead);
    match state.store.run(move |store| store.tasks(&filter)).await {
        Ok(tasks) => requeue(&state, tasks.iter().map(|t| t.id).collect()).await,
        Err(error) => store_failure(error),
    }
}
