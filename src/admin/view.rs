//! The JSON shapes of the admin API.

use crate::domain::Order;
use crate::store::{HistoryEntry, Task};
use serde_json::{json, Map, Value};

pub fn order_view(order: &Order, history: &[HistoryEntry]) -> Value {
    let items: Vec<Value> = order
        .items
        .iter()
        .map(|item| {
            let mut value = json!({ "id": item.id, "status": item.status });
            if let Some(quantity) = item.quantity {
                value["quantity"] = json!(quantity);
            }
            if let Some(shipment) = &item.shipment {
                value["shipment"] = json!(shipment);
            }
            value
        })
        .collect();
    let links: Vec<Value> = order.links.values().map(|link| json!(link)).collect();
    let channels: Map<String, Value> = order
        .channels
        .iter()
        .filter(|(name, _)| order.links.contains_key(*name))
        .map(|(name, sync)| {
            let view = json!({
                "state": sync.state,
                "status": sync.status,
                "attempts": sync.attempts,
                "last_outcome": sync.last_outcome,
                "last_error": sync.last_error,
                "updated_at": sync.updated_at,
            });
            (name.to_string(), view)
        })
        .collect();
    json!({
        "order_id": order.order_id,
        "status": order.status,
        "updated_at": order.updated_at,
        "payment_method": order.payment_method,
        "items": items,
        "shipment": order.shipment,
        "return_shipment": order.return_shipment,
        "cancel": order.cancel,
        "links": links,
        "channels": channels,
        "history": history,
    })
}

pub fn task_view(task: &Task) -> Value {
    json!({
        "id": task.id,
        "order_id": task.order_id,
        "channel": task.change.channel,
        "status": task.change.target,
        "items": task.change.items,
        "state": task.state.as_str(),
        "attempts": task.attempts,
        "next_attempt_at": task.next_attempt_at,
        "created_at": task.created_at,
        "last_outcome": task.last_outcome,
        "last_error": task.last_error,
    })
}
