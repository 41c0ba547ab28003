//! Hand-built deliveries for the connectors' unit tests.

use super::Delivery;
use crate::domain::{
    Change, ChannelName, Item, LineId, Link, Order, OrderId, RemoteId, Shipment, Status, Timestamp,
};
use std::collections::BTreeMap;

pub struct Fixture {
    pub order: Order,
    pub change: Change,
    pub link: Link,
}

pub fn line(id: &str) -> LineId {
    LineId::parse(id).unwrap()
}

pub fn shipment(carrier: &str, tracking: &str) -> Shipment {
    Shipment {
        carrier: carrier.to_string(),
        tracking_number: tracking.to_string(),
    }
}

impl Fixture {
    /// Order 1001 at `target`, linked as remote order `remote_id`, no items.
    pub fn new(target: Status, remote_id: &str) -> Self {
        let channel = ChannelName::parse("shop").unwrap();
        let link = Link {
            channel: channel.clone(),
            order_id: RemoteId::parse(remote_id).unwrap(),
            items: BTreeMap::new(),
        };
        let order = Order {
            order_id: OrderId::parse("1001").unwrap(),
            status: target,
            updated_at: Timestamp::parse_rfc3339("2026-11-22T10:00:00Z").unwrap(),
            payment_method: None,
            items: Vec::new(),
            shipment: None,
            return_shipment: None,
            cancel: None,
            links: BTreeMap::from([(channel.clone(), link.clone())]),
            channels: BTreeMap::new(),
        };
        let change = Change {
            channel,
            target,
            items: None,
            tracking: None,
        };
        Self {
            order,
            change,
            link,
        }
    }

    /// Adds a line at the order's status, mapped to `remote` on the channel when given.
    pub fn with_item(mut self, id: &str, remote: Option<&str>) -> Self {
        self.order.items.push(Item {
            id: line(id),
            quantity: Some(1),
            status: self.order.status,
            shipment: None,
        });
        if let Some(remote) = remote {
            self.link
                .items
                .insert(line(id), RemoteId::parse(remote).unwrap());
        }
        self
    }

    pub fn delivery(&self) -> Delivery<'_> {
        Delivery {
            task_id: 7,
            change: &self.change,
            order: &self.order,
            link: &self.link,
            acked: None,
            attempt: 1,
        }
    }
}
