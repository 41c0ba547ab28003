mod apply;
mod plan;
mod properties;

use super::*;
use std::collections::BTreeMap;

pub fn at(seconds: i64) -> Timestamp {
    Timestamp::from_unix_seconds(1_800_000_000 + seconds).unwrap()
}

pub fn line(id: &str) -> LineId {
    LineId::parse(id).unwrap()
}

pub fn channel(name: &str) -> ChannelName {
    ChannelName::parse(name).unwrap()
}

pub fn link(name: &str, remote: &str, items: &[(&str, &str)]) -> Link {
    Link {
        channel: channel(name),
        order_id: RemoteId::parse(remote).unwrap(),
        items: items
            .iter()
            .map(|(l, r)| (line(l), RemoteId::parse(*r).unwrap()))
            .collect::<BTreeMap<_, _>>(),
    }
}

pub fn event(id: &str, status: Status, seconds: i64) -> OrderEvent {
    OrderEvent {
        event_id: EventId::parse(id).unwrap(),
        kind: "order.updated".into(),
        order_id: OrderId::parse("1001").unwrap(),
        status,
        updated_at: at(seconds),
        payment_method: None,
        items: None,
        shipment: None,
        cancel: None,
        links: Vec::new(),
    }
}

pub fn items(list: &[(&str, Status)]) -> Option<Vec<ItemUpdate>> {
    Some(
        list.iter()
            .map(|(id, status)| ItemUpdate {
                id: line(id),
                quantity: Some(1),
                status: *status,
            })
            .collect(),
    )
}

pub fn shipment(tracking: &str, item_ids: Option<&[&str]>) -> Option<ShipmentUpdate> {
    Some(ShipmentUpdate {
        shipment: Shipment {
            carrier: "sagawa".into(),
            tracking_number: tracking.into(),
        },
        item_ids: item_ids.map(|ids| ids.iter().map(|id| line(id)).collect()),
    })
}

/// Applies events in turn the way the store does (stale and rejected leave it as is).
pub fn run(events: &[OrderEvent]) -> Option<Order> {
    let mut order: Option<Order> = None;
    for e in events {
        if let Ok(Applied::Accepted(next)) = apply(order.as_ref(), e) {
            order = Some(*next);
        }
    }
    order
}

pub fn accepted(stored: Option<&Order>, e: &OrderEvent) -> Order {
    match apply(stored, e) {
        Ok(Applied::Accepted(order)) => *order,
        other => panic!("expected accepted, got {other:?}"),
    }
}
