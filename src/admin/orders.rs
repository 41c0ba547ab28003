//! `/admin/orders`: one order with its links, channel states and history; paging; links.

use super::{authorize, order_view, store_failure, AdminError};
use crate::domain::{ChannelName, LineId, Link, OrderId, RemoteId, Status};
use crate::ingest::handler::now;
use crate::state::AppState;
use crate::store::{LinkError, Op, OpResult, StoreError};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 1000;

fn order_id(id: &str) -> Result<OrderId, AdminError> {
    OrderId::parse(id).map_err(|_| AdminError::UnknownOrder(id.to_string()))
}

pub async fn show(
    request: HttpRequest,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AdminError> {
    authorize(&request, &state)?;
    let order_id = order_id(&id)?;
    let (order, history) = state
        .store
        .run(move |store| Ok::<_, StoreError>((store.order(&order_id)?, store.history(&order_id)?)))
        .await
        .map_err(store_failure)?;
    let order = order.ok_or_else(|| AdminError::UnknownOrder(id.to_string()))?;
    Ok(HttpResponse::Ok().json(order_view(&order, &history)))
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
) -> Result<HttpResponse, AdminError> {
    authorize(&request, &state)?;
    let query = query.into_inner();
    let status = query
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(str::parse::<Status>)
        .transpose()
        .map_err(|e| AdminError::BadRequest(format!("status: {e}")))?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(AdminError::BadRequest(format!(
            "limit: must be between 1 and {MAX_LIMIT}"
        )));
    }
    let after = query.after.filter(|a| !a.is_empty());
    let page = state
        .store
        .run(move |store| store.orders(status, after.as_deref(), limit))
        .await
        .map_err(store_failure)?;
    let orders: Vec<_> = page
        .orders
        .iter()
        .map(|o| json!({ "order_id": o.order_id, "status": o.status, "updated_at": o.updated_at, "links": o.links.len() }))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "orders": orders, "next": page.next })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkBody {
    channel: String,
    order_id: String,
    #[serde(default)]
    items: BTreeMap<String, String>,
}

fn parse_link(body: LinkBody) -> Result<Link, AdminError> {
    let invalid = |message: String| AdminError::InvalidLink(message);
    let channel =
        ChannelName::parse(&body.channel).map_err(|e| invalid(format!("channel: {e}")))?;
    let order_id = RemoteId::parse(body.order_id).map_err(|e| invalid(format!("order_id: {e}")))?;
    let mut items = BTreeMap::new();
    for (line, remote) in body.items {
        let line_id = LineId::parse(line.clone())
            .map_err(|e| invalid(format!("items: line id {line:?} {e}")))?;
        let remote = RemoteId::parse(remote).map_err(|e| invalid(format!("items.{line}: {e}")))?;
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
) -> Result<HttpResponse, AdminError> {
    authorize(&request, &state)?;
    let order_id = order_id(&id)?;
    let body: LinkBody =
        serde_json::from_slice(&body).map_err(|e| AdminError::InvalidLink(format!("body: {e}")))?;
    let link = parse_link(body)?;
    if !state.channel_kinds.contains_key(&link.channel) {
        return Err(AdminError::UnknownChannel(link.channel.to_string()));
    }
    let order = match state
        .writer
        .submit(Op::AddLink {
            order_id,
            link,
            at: now(),
        })
        .await
    {
        Ok(OpResult::AddLink(Ok((order, _tasks)))) => order,
        Ok(OpResult::AddLink(Err(LinkError::UnknownOrder(_)))) => {
            return Err(AdminError::UnknownOrder(id.to_string()))
        }
        Ok(other) => return Err(store_failure(format!("unexpected store answer {other:?}"))),
        Err(error) => return Err(store_failure(error)),
    };
    let order_id = order.order_id.clone();
    let history = state
        .store
        .run(move |store| store.history(&order_id))
        .await
        .map_err(store_failure)?;
    Ok(HttpResponse::Ok().json(order_view(&order, &history)))
}
