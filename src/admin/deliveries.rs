//! `/admin/deliveries`: the outbox as operators see it, and replay.

use super::{authorize, store_failure, task_view, AdminError};
use crate::domain::ChannelName;
use crate::ingest::handler::now;
use crate::state::AppState;
use crate::store::{Op, OpResult, TaskFilter, TaskState};
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

fn parse_filter(query: FilterQuery, default_limit: usize) -> Result<TaskFilter, AdminError> {
    let state = match query.state.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(text) => Some(TaskState::parse(text).ok_or_else(|| {
            AdminError::BadRequest(format!(
                "state: unknown state {text:?} (expected pending, retrying, auth or dead)"
            ))
        })?),
    };
    let channel = match query.channel.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(text) => Some(
            ChannelName::parse(text)
                .map_err(|e| AdminError::BadRequest(format!("channel: {e}")))?,
        ),
    };
    let limit = query.limit.unwrap_or(default_limit);
    if limit == 0 {
        return Err(AdminError::BadRequest("limit: must be at least 1".into()));
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
) -> Result<HttpResponse, AdminError> {
    authorize(&request, &state)?;
    let filter = parse_filter(query.into_inner(), DEFAULT_LIMIT)?;
    let tasks = state
        .store
        .run(move |store| store.tasks(&filter))
        .await
        .map_err(store_failure)?;
    Ok(HttpResponse::Ok()
        .json(json!({ "deliveries": tasks.iter().map(task_view).collect::<Vec<_>>() })))
}

async fn requeue(state: &AppState, task_ids: Vec<u64>) -> Result<HttpResponse, AdminError> {
    match state
        .writer
        .submit(Op::Requeue {
            task_ids,
            at: now(),
        })
        .await
    {
        Ok(OpResult::Requeue(tasks)) => Ok(HttpResponse::Ok().json(json!({
            "requeued": tasks.len(),
            "deliveries": tasks.iter().map(task_view).collect::<Vec<_>>(),
        }))),
        Ok(other) => Err(store_failure(format!("unexpected store answer {other:?}"))),
        Err(error) => Err(store_failure(error)),
    }
}

pub async fn retry_one(
    request: HttpRequest,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AdminError> {
    authorize(&request, &state)?;
    let unknown = || AdminError::UnknownDelivery(id.to_string());
    let task_id = id.parse::<u64>().map_err(|_| unknown())?;
    match state
        .store
        .run(move |store| store.task(task_id))
        .await
        .map_err(store_failure)?
    {
        Some(_) => requeue(&state, vec![task_id]).await,
        None => Err(unknown()),
    }
}

pub async fn retry_many(
    request: HttpRequest,
    query: web::Query<FilterQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AdminError> {
    authorize(&request, &state)?;
    let mut filter = parse_filter(query.into_inner(), usize::MAX)?;
    // Replaying everything by accident is worse than a second call: dead letters by default.
    filter.state.get_or_insert(TaskState::Dead);
    let tasks = state
        .store
        .run(move |store| store.tasks(&filter))
        .await
        .map_err(store_failure)?;
    requeue(&state, tasks.iter().map(|t| t.id).collect()).await
}
