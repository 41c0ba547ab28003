//! The canonical order event every source is translated into.

use super::ids::{ChannelName, EventId, LineId, OrderId, RemoteId};
use super::status::Status;
use super::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Card,
    BankTransfer,
    Cod,
    ConvenienceStore,
    /// 後払い (atobarai): paid after delivery.
    Deferred,
    CarrierBilling,
    Coin,
    Other,
}

impl PaymentMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Card => "card",
            PaymentMethod::BankTransfer => "bank_transfer",
            PaymentMethod::Cod => "cod",
            PaymentMethod::ConvenienceStore => "convenience_store",
            PaymentMethod::Deferred => "deferred",
            PaymentMethod::CarrierBilling => "carrier_billing",
            PaymentMethod::Coin => "coin",
            PaymentMethod::Other => "other",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemUpdate {
    pub id: LineId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u32>,
    pub status: Status,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    /// Canonical carrier id (see `carrier`) or the free-form name the primary sent.
    pub carrier: String,
    pub tracking_number: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentUpdate {
    #[serde(flatten)]
    pub shipment: Shipment,
    /// Items this shipment carries; `None` means all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_ids: Option<Vec<LineId>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cancel {
    /// A reason code from CHANNELS.md (imweb's list); others are kept and mapped to the
    /// channel's default by the connectors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Where else the order lives: a channel and that marketplace's own ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub channel: ChannelName,
    pub order_id: RemoteId,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub items: BTreeMap<LineId, RemoteId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderEvent {
    pub event_id: EventId,
    /// The sender's event type (`order.updated`, ...): informational only.
    pub kind: String,
    pub order_id: OrderId,
    pub status: Status,
    pub updated_at: Timestamp,
    pub payment_method: Option<PaymentMethod>,
    /// Line items with their own status; `None` treats the order as one unit.
    pub items: Option<Vec<ItemUpdate>>,
    pub shipment: Option<ShipmentUpdate>,
    pub cancel: Option<Cancel>,
    pub links: Vec<Link>,
}

/// Imweb's reason codes, which the spec makes the canonical list.
pub const REASON_CODES: [&str; 11] = [
    "INTENT_CHANGED",
    "COLOR_AND_SIZE",
    "WRONG_ORDER",
    "PRODUCT_UNSATISFIED",
    "DELAYED_DELIVERY",
    "DROPPED_DELIVERY",
    "SOLD_OUT",
    "BROKEN",
    "INCORRECT_INFO",
    "WRONG_DELIVERY",
    "WRONG_OPTION",
];

pub fn is_known_reason(code: &str) -> bool {
    REASON_CODES.contains(&code)
}
