//! `/admin/orders`: one order with its links, channel states and history; paging; links.

use super::{authorize, order_view, store_failure};
use crate::domain::{ChannelName, LineId, Link, OrderId, RemoteId, Status};
use crate::http_error::error_response;
use crate::ingest::handler::now;
use crate::state::AppState;
use crate::store::{LinkError, Op, OpResult};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 1000;

fn bad_request(message: impl std::fmt::Display) -> HttpResponse {
    error_response(StatusCode::BAD_REQUEST, "bad_request", message)
}

fn unknown_order(id: &str) -> HttpResponse {
    error_response(
        StatusCode::NOT_FOUND,
        "unknown_order",
        format!("no order {id:?} is stored"),
    )
}

pub async fn show(
    request: HttpRequest,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    if let Err(response) = authorize(&request, &state) {
        return response;
    }
    let Ok(order_id) = OrderId::parse(id.as_str()) else {
        return unknown_order(&id);
    };
    let found = state
        .store
        .run(move |store| {
            Ok::<_, crate::store::StoreError>((store.order(&order_id)?, store.history(&order_id)?))
        })
        .await;
    match found {
        Ok((Some(order), history)) => HttpResponse::Ok().json(order_view(&order, &history)),
        Ok((None, _)) => unknown_order(&id),
        Err(error) => store_failure(error),
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    limit: Option<usize>,
    after: Option<String>,
}

pub async fn list(
    request: HttpRequest,
    query: web::Query<ListQuery>,
    state: web::Data<AppState>,
) -> HttpResponse {
    if let Err(response) = authorize(&request, &state) {
        return response;
    }
    let query = query.into_inner();
    let status = match query
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(str::parse::<Status>)
    {
        None => None,
        Some(Ok(status)) => Some(status),
        Some(Err(error)) => return bad_request(format!("status: {error}")),
    };
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return bad_request(format!("limit: must be between 1 and {MAX_LIMIT}"));
    }
    let after = query.after.filter(|a| !a.is_empty());
    let page = state
        .store
        .run(move |store| store.orders(status, after.as_deref(), limit))
        .await;
    match page {
        Ok(page) => {
            let orders: Vec<_> = page
                .orders
                .iter()
                .map(|o| json!({ "order_id": o.order_id, "status": o.status, "updated_at": o.updated_at, "links": o.links.len() }))
                .collect();
            HttpResponse::Ok().json(json!({ "orders": orders, "next": page.next }))
        }
        Err(error) => store_failure(error),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkBody {
    channel: String,
    order_id: String,
    #[serde(default)]
    items: BTreeMap<String, String>,
}

fn parse_link(body: LinkBody) -> Result<Link, String> {
    let channel = ChannelName::parse(&body.channel).map_err(|e| format!("channel: {e}"))?;
    let order_id = RemoteId::parse(body.order_id).map_err(|e| format!("order_id: {e}"))?;
    let mut items = BTreeMap::new();
    for (line, remote) in body.items {
        let line_id =
            LineId::parse(line.clone()).map_err(|e| format!("items: line id {line:?} {e}"))?;
        let remote = RemoteId::parse(remote).map_err(|e| format!("items.{line}: {e}"))?;
        items.insert(line_id, remote);
    }
    Ok(Link {
        channel,
        order_id,
        items,
    })
}

pub async fn add_link(
    request: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> HttpResponse {
    if let Err(response) = authorize(&request, &state) {
        return response;
    }
    let Ok(order_id) = OrderId::parse(id.as_str()) else {
        return unknown_order(&id);
    };
    let body: LinkBody = match serde_json::from_slice(&body) {
        Ok(body) => body,
        Err(error) => {
            return error_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_link",
                format!("body: {error}"),
            )
        }
    };
    let link = match parse_link(body) {
        Ok(link) => link,
        Err(message) => {
            return error_response(StatusCode::UNPROCESSABLE_ENTITY, "invalid_link", message)
        }
    };
    if !state.channel_kinds.contains_key(&link.channel) {
        return error_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_channel",
            format!(
                "channel: no channel named {:?} is configured",
                link.channel.as_str()
            ),
        );
    }
    match state
        .writer
        .submit(Op::AddLink {
            order_id,
            link,
            at: now(),
        })
        .await
    {
        Ok(OpResult::AddLink(Ok((order, _tasks)))) => {
            let order_id = order.order_id.clone();
            let history = state
                .store
                .run(move |store| store.history(&order_id))
                .await
                .unwrap_or_default();
            HttpResponse::Ok().json(order_view(&order, &history))
        }
        Ok(OpResult::AddLink(Err(LinkError::UnknownOrder(_)))) => unknown_order(&id),
        Ok(other) => store_failure(format!("unexpected store answer {other:?}")),
        Err(error) => store_failure(error),
    }
}
