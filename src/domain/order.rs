//! The stored order and how an event advances it (pure).

use super::event::{Cancel, Link, OrderEvent, PaymentMethod, Shipment};
use super::ids::{ChannelName, LineId, OrderId};
use super::status::Status;
use super::sync::ChannelSync;
use super::time::Timestamp;
use super::transition::{allowed, judge, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub id: LineId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u32>,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipment: Option<Shipment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub order_id: OrderId,
    pub status: Status,
    pub updated_at: Timestamp,
    #[serde(default)]
    pub payment_method: Option<PaymentMethod>,
    #[serde(default)]
    pub items: Vec<Item>,
    /// The latest (outbound) shipment the primary reported.
    #[serde(default)]
    pub shipment: Option<Shipment>,
    /// The parcel coming back, when a `returned` / `exchanged` event carried one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_shipment: Option<Shipment>,
    #[serde(default)]
    pub cancel: Option<Cancel>,
    #[serde(default)]
    pub links: BTreeMap<ChannelName, Link>,
    /// Per-channel delivery state, kept beside the order so one read shows everything.
    #[serde(default)]
    pub channels: BTreeMap<ChannelName, ChannelSync>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The event was accepted; this is the order as it now stands.
    Accepted(Box<Order>),
    /// Older than what is stored: recorded in history, nothing moves.
    Stale,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("cannot move the order from {from} to {to}")]
    InvalidTransition { from: Status, to: Status },
    #[error("cannot move line item {item} from {from} to {to}")]
    InvalidItemTransition {
        item: LineId,
        from: Status,
        to: Status,
    },
    #[error("data.shipment.item_ids: line item {0} is not part of this order")]
    UnknownShipmentItem(LineId),
}

impl Order {
    pub fn item(&self, id: &LineId) -> Option<&Item> {
        self.items.iter().find(|item| &item.id == id)
    }

    fn new_from(event: &OrderEvent) -> Order {
        Order {
            order_id: event.order_id.clone(),
            status: event.status,
            updated_at: event.updated_at,
            payment_method: None,
            items: Vec::new(),
            shipment: None,
            return_shipment: None,
            cancel: None,
            links: BTreeMap::new(),
            channels: BTreeMap::new(),
        }
    }
}

/// Applies `event` to the stored order (or to nothing, for a first event).
pub fn apply(existing: Option<&Order>, event: &OrderEvent) -> Result<Applied, Rejection> {
    let mut order = match existing {
        None => Order::new_from(event),
        Some(stored) => {
            match judge(
                stored.status,
                stored.updated_at,
                event.status,
                event.updated_at,
            ) {
                Verdict::Stale => return Ok(Applied::Stale),
                Verdict::Invalid => {
                    return Err(Rejection::InvalidTransition {
                        from: stored.status,
                        to: event.status,
                    })
                }
                Verdict::Advance | Verdict::Same => stored.clone(),
            }
        }
    };
    let stored_at = order.updated_at;
    if !apply_items(&mut order, stored_at, event)? {
        return Ok(Applied::Stale);
    }
    order.status = event.status;
    order.updated_at = event.updated_at.max(stored_at);
    if event.payment_method.is_some() {
        order.payment_method = event.payment_method;
    }
    if event.cancel.is_some() {
        order.cancel = event.cancel.clone();
    }
    apply_shipment(&mut order, event)?;
    for link in &event.links {
        merge_link(&mut order.links, link.clone());
    }
    Ok(Applied::Accepted(Box::new(order)))
}

/// Moves the line items; `Ok(false)` when a line's move makes the whole event stale.
fn apply_items(
    order: &mut Order,
    stored_at: Timestamp,
    event: &OrderEvent,
) -> Result<bool, Rejection> {
    let Some(updates) = &event.items else {
        // The order moves as one unit: lines follow where the move is allowed for them.
        for item in &mut order.items {
            if allowed(item.status, event.status) {
                item.status = event.status;
            }
        }
        return Ok(true);
    };
    for update in updates {
        match order.items.iter_mut().find(|item| item.id == update.id) {
            None => order.items.push(super::order::Item {
                id: update.id.clone(),
                quantity: update.quantity,
                status: update.status,
                shipment: None,
            }),
            Some(item) => {
                match judge(item.status, stored_at, update.status, event.updated_at) {
                    Verdict::Stale => return Ok(false),
                    Verdict::Invalid => {
                        return Err(Rejection::InvalidItemTransition {
                            item: item.id.clone(),
                            from: item.status,
                            to: update.status,
                        })
                    }
                    Verdict::Advance | Verdict::Same => {}
                }
                item.status = update.status;
                if update.quantity.is_some() {
                    item.quantity = update.quantity;
                }
            }
        }
    }
    Ok(true)
}

fn apply_shipment(order: &mut Order, event: &OrderEvent) -> Result<(), Rejection> {
    let Some(update) = &event.shipment else {
        return Ok(());
    };
    if matches!(event.status, Status::Returned | Status::Exchanged) {
        // A claim's shipment is the parcel coming back; the outbound one stays as it was.
        order.return_shipment = Some(update.shipment.clone());
        return Ok(());
    }
    match &update.item_ids {
        Some(ids) if !order.items.is_empty() => {
            for id in ids {
                let item = order
                    .items
                    .iter_mut()
                    .find(|item| &item.id == id)
                    .ok_or_else(|| Rejection::UnknownShipmentItem(id.clone()))?;
                item.shipment = Some(update.shipment.clone());
            }
        }
        _ => {
            for item in &mut order.items {
                item.shipment = Some(update.shipment.clone());
            }
        }
    }
    order.shipment = Some(update.shipment.clone());
    Ok(())
}

/// Links accumulate: a known channel's remote id is replaced, its line map extended.
pub fn merge_link(links: &mut BTreeMap<ChannelName, Link>, link: Link) {
    match links.get_mut(&link.channel) {
        Some(existing) if existing.order_id == link.order_id => {
            existing.items.extend(link.items);
        }
        _ => {
            links.insert(link.channel.clone(), link);
        }
    }
}
