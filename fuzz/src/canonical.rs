//! Target `canonical_event`: `parse_canonical` on arbitrary bytes.
//!
//! Oracle: the only errors are `malformed_json` (exactly when the bytes are not JSON) and
//! `invalid_event`; an accepted event is storable, and written back as canonical JSON it
//! parses to the same event (the normalisation — trimmed tracking numbers, carrier names
//! mapped to ids — is idempotent).

use crate::checks::{malformed_iff_not_json, storable};
use ordersync::domain::{EventId, OrderEvent};
use ordersync::ingest::parse_canonical;
use serde_json::{json, Map, Value};

pub const EVENT_ID: &str = "evt_fuzz";

pub fn run(data: &[u8]) {
    let event_id = EventId::parse(EVENT_ID).expect("a valid id");
    match parse_canonical(event_id.clone(), data) {
        Ok(event) => {
            assert_eq!(event.event_id, event_id);
            accepted(&event);
        }
        Err(error) => {
            assert!(
                matches!(error.code(), "malformed_json" | "invalid_event"),
                "parse_canonical answered {error:?}"
            );
            malformed_iff_not_json(&error, data);
        }
    }
}

/// What every accepted canonical event must satisfy.
pub fn accepted(event: &OrderEvent) {
    storable(event);
    round_trip(event);
}

/// The event as a sender would write it in the canonical payload.
pub fn to_canonical_json(event: &OrderEvent) -> Value {
    let mut data = Map::new();
    data.insert("order_id".into(), json!(event.order_id.as_str()));
    data.insert("status".into(), json!(event.status.as_str()));
    data.insert("updated_at".into(), json!(event.updated_at.to_rfc3339()));
    if let Some(method) = event.payment_method {
        data.insert("payment_method".into(), json!(method.as_str()));
    }
    if let Some(items) = &event.items {
        let items: Vec<Value> = items
            .iter()
            .map(|item| {
                let mut object = Map::new();
                object.insert("id".into(), json!(item.id.as_str()));
                if let Some(quantity) = item.quantity {
                    object.insert("quantity".into(), json!(quantity));
                }
                object.insert("status".into(), json!(item.status.as_str()));
                Value::Object(object)
            })
            .collect();
        data.insert("items".into(), Value::Array(items));
    }
    if let Some(update) = &event.shipment {
        let mut shipment = Map::new();
        shipment.insert("carrier".into(), json!(update.shipment.carrier));
        shipment.insert(
            "tracking_number".into(),
            json!(update.shipment.tracking_number),
        );
        if let Some(ids) = &update.item_ids {
            let ids: Vec<&str> = ids.iter().map(|id| id.as_str()).collect();
            shipment.insert("item_ids".into(), json!(ids));
        }
        data.insert("shipment".into(), Value::Object(shipment));
    }
    if let Some(cancel) = &event.cancel {
        let mut object = Map::new();
        if let Some(reason) = &cancel.reason {
            object.insert("reason".into(), json!(reason));
        }
        if let Some(note) = &cancel.note {
            object.insert("note".into(), json!(note));
        }
        data.insert("cancel".into(), Value::Object(object));
    }
    if !event.links.is_empty() {
        let links: Vec<Value> = event
            .links
            .iter()
            .map(|link| {
                let items: Map<String, Value> = link
                    .items
                    .iter()
                    .map(|(line, remote)| (line.as_str().to_string(), json!(remote.as_str())))
                    .collect();
                json!({
                    "channel": link.channel.as_str(),
                    "order_id": link.order_id.as_str(),
                    "items": items,
                })
            })
            .collect();
        data.insert("links".into(), Value::Array(links));
    }
    json!({"type": event.kind, "data": data})
}

/// Written back as canonical JSON, the event parses to itself.
pub fn round_trip(event: &OrderEvent) {
    let body = serde_json::to_vec(&to_canonical_json(event)).expect("a Value serializes");
    match parse_canonical(event.event_id.clone(), &body) {
        Ok(again) => assert_eq!(&again, event, "the canonical round trip changed the event"),
        Err(error) => panic!(
            "an accepted event, written back as canonical JSON, is refused: {error}: {}",
            String::from_utf8_lossy(&body)
        ),
    }
}
