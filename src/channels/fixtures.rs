// Hand-built deliveries for the connectors' tests: the unit tests here, and the
// integration tests, which compile this same file (`tests/api/channel_fixtures.rs`
// includes it in a copy of this module tree). Hence the relative paths below, and
// `//` rather than `//!`: an included file may not carry inner attributes.

use super::super::domain::{
    Change, ChannelName, Item, LineId, Link, Order, OrderId, RemoteId, Shipment, Status, Timestamp,
};
use super::Delivery;
use std::collections::BTreeMap;

/// One delivery's inputs: the order as it stands, the change and the channel's link.
pub struct Fixture {
    pub order: Order,
    pub change: Change,
    pub link: Link,
}

pub fn channel() -> ChannelName {
    ChannelName::parse("shop").unwrap()
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
        let link = Link {
            channel: channel(),
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
            links: BTreeMap::from([(channel(), link.clone())]),
            channels: BTreeMap::new(),
        };
        let change = Change {
            channel: channel(),
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
            self.order.links.insert(channel(), self.link.clone());
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
