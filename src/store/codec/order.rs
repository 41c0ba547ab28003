//! The order record.

use super::{from_v2, to_v2, Record};
use crate::domain::{
    Cancel, ChannelName, ChannelSync, Item, LineId, Link, Order, OrderId, PaymentMethod, RemoteId,
    Shipment, Status, Timestamp,
};
use crate::store::StoreError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Serialize, Deserialize)]
struct OrderRecord {
    order_id: OrderId,
    status: Status,
    updated_at: Timestamp,
    payment_method: Option<PaymentMethod>,
    items: Vec<ItemRecord>,
    shipment: Option<Shipment>,
    return_shipment: Option<Shipment>,
    cancel: Option<CancelRecord>,
    links: Vec<LinkRecord>,
    channels: BTreeMap<ChannelName, ChannelSync>,
}

#[derive(Serialize, Deserialize)]
struct ItemRecord {
    id: LineId,
    quantity: Option<u32>,
    status: Status,
    shipment: Option<Shipment>,
}

#[derive(Serialize, Deserialize)]
struct CancelRecord {
    reason: Option<String>,
    note: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct LinkRecord {
    channel: ChannelName,
    order_id: RemoteId,
    items: BTreeMap<LineId, RemoteId>,
}

impl Record for Order {
    const WHAT: &'static str = "order";

    fn to_bytes(&self) -> Vec<u8> {
        let o = self.clone();
        to_v2(&OrderRecord {
            order_id: o.order_id,
            status: o.status,
            updated_at: o.updated_at,
            payment_method: o.payment_method,
            items: o.items.into_iter().map(ItemRecord::from).collect(),
            shipment: o.shipment,
            return_shipment: o.return_shipment,
            cancel: o.cancel.map(|c| CancelRecord {
                reason: c.reason,
                note: c.note,
            }),
            links: o.links.into_values().map(LinkRecord::from).collect(),
            channels: o.channels,
        })
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self, StoreError> {
        let r: OrderRecord = from_v2(Self::WHAT, bytes)?;
        Ok(Order {
            order_id: r.order_id,
            status: r.status,
            updated_at: r.updated_at,
            payment_method: r.payment_method,
            items: r.items.into_iter().map(Item::from).collect(),
            shipment: r.shipment,
            return_shipment: r.return_shipment,
            cancel: r.cancel.map(|c| Cancel {
                reason: c.reason,
                note: c.note,
            }),
            links: r
                .links
                .into_iter()
                .map(|l| (l.channel.clone(), Link::from(l)))
                .collect(),
            channels: r.channels,
        })
    }
}

impl From<Item> for ItemRecord {
    fn from(i: Item) -> Self {
        ItemRecord {
            id: i.id,
            quantity: i.quantity,
            status: i.status,
            shipment: i.shipment,
        }
    }
}

impl From<ItemRecord> for Item {
    fn from(i: ItemRecord) -> Self {
        Item {
            id: i.id,
            quantity: i.quantity,
            status: i.status,
            shipment: i.shipment,
        }
    }
}

impl From<Link> for LinkRecord {
    fn from(l: Link) -> Self {
        LinkRecord {
            channel: l.channel,
            order_id: l.order_id,
            items: l.items,
        }
    }
}

impl From<LinkRecord> for Link {
    fn from(l: LinkRecord) -> Self {
        Link {
            channel: l.channel,
            order_id: l.order_id,
            items: l.items,
        }
    }
}
