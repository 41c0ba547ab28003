//! Source kind `shopify`: Shopify's HMAC over the raw body, its REST order and fulfillment
//! webhook payloads mapped to the canonical event.
//!
//! Order topics (`orders/create`, `orders/updated`, `orders/paid`, `orders/cancelled`,
//! `orders/fulfilled`, `orders/partially_fulfilled`) all carry the whole order, so they all
//! go through one table; taking the status from the order rather than from the topic keeps
//! a late `orders/paid` (a COD order paid on delivery) from moving a dispatched order back:
//!
//! | `cancelled_at` | `fulfillment_status` | `financial_status` | status |
//! |---|---|---|---|
//! | set (or topic `orders/cancelled`) | any | any | canceled |
//! | null | `fulfilled`, `partial` | `refunded` | returned |
//! | null | `fulfilled`, every successful fulfillment `shipment_status: delivered` | other | delivered |
//! | null | `fulfilled`, `partial` | other | dispatched |
//! | null | none / `restocked` | `paid`, `partially_refunded`, `authorized`, `refunded` | paid |
//! | null | none / `restocked` | `pending`, `partially_paid`, `voided`, `expired`, none | placed (paid for `orders/paid`) |
//!
//! A refund alone never cancels: only Shopify's own cancel does. Once shipped, the event
//! lists every line item (per-line `fulfillment_status` for `partial`, the order's status
//! for `fulfilled`) and the latest successful fulfillment with a tracking number as the
//! shipment. `cancel_reason`: `customer` → `INTENT_CHANGED`, `inventory` → `SOLD_OUT`;
//! `fraud`, `declined`, `staff`, `other` have no counterpart in the canonical list, so the
//! reason is left empty (each channel uses its configured default) and the Shopify reason
//! is kept in the note. Payment method: `payment_gateway_names`, see `vendor`.
//!
//! `fulfillments/create` and `fulfillments/update` with `status: success` → dispatched
//! (delivered when `shipment_status` is `delivered`), with the fulfillment's line items and
//! tracking; other fulfillment statuses and all other topics are ignored.
//!
//! Shopify signs neither a timestamp nor an id: `X-Shopify-Triggered-At` (when the event
//! fired; kept on retries) bounds replays, and ordering comes from the signed payload's
//! `updated_at`, so a replayed old body can only ever be `stale`. Shopify retries for up to
//! 4 hours, so `tolerance_secs` must be at least that to keep retries. The event id is the
//! topic plus `X-Shopify-Event-Id` (fallback `X-Shopify-Webhook-Id`): one Shopify event
//! fires several topics with the same id, and `fulfillments/create` must not be taken
//! for a duplicate of the `orders/fulfilled` it came with.

use super::error::IngestError;
use super::links::LinkRules;
use super::signature::{optional_header, required_header, verify_body_signature, Encoding};
use super::source::{RawRequest, SourceAdapter, Translated};
use super::vendor::{payment_from_gateways, VendorKeys};
use super::wire::{
    carrier_id, decode, id_at, invalid, non_blank, parse_json, required, Obj, WireId,
};
use crate::config::{SourceConfig, SourceKind};
use crate::domain::{
    Cancel, EventId, ItemUpdate, LineId, OrderEvent, OrderId, Shipment, ShipmentUpdate, Status,
    Timestamp,
};
use serde::Deserialize;
use std::time::Duration;

pub const HEADER_HMAC: &str = "x-shopify-hmac-sha256";
pub const HEADER_TOPIC: &str = "x-shopify-topic";
pub const HEADER_EVENT_ID: &str = "x-shopify-event-id";
pub const HEADER_WEBHOOK_ID: &str = "x-shopify-webhook-id";
pub const HEADER_TRIGGERED_AT: &str = "x-shopify-triggered-at";

const ORDER_TOPICS: [&str; 6] = [
    "orders/create",
    "orders/updated",
    "orders/paid",
    "orders/cancelled",
    "orders/fulfilled",
    "orders/partially_fulfilled",
];
const FULFILLMENT_TOPICS: [&str; 2] = ["fulfillments/create", "fulfillments/update"];

#[derive(Debug)]
pub struct ShopifySource {
    keys: VendorKeys,
    replay_window: Duration,
    links: LinkRules,
}

#[derive(Deserialize)]
struct WireOrder {
    id: Option<WireId>,
    updated_at: Option<String>,
    cancelled_at: Option<String>,
    cancel_reason: Option<String>,
    financial_status: Option<String>,
    fulfillment_status: Option<String>,
    payment_gateway_names: Option<Vec<String>>,
    line_items: Option<Vec<Obj<WireLine>>>,
    fulfillments: Option<Vec<Obj<WireFulfillment>>>,
}

#[derive(Deserialize)]
struct WireLine {
    id: Option<WireId>,
    quantity: Option<u32>,
    fulfillment_status: Option<String>,
}

#[derive(Deserialize)]
struct WireFulfillment {
    order_id: Option<WireId>,
    status: Option<String>,
    shipment_status: Option<String>,
    updated_at: Option<String>,
    tracking_company: Option<String>,
    tracking_number: Option<String>,
    tracking_numbers: Option<Vec<Option<String>>>,
    line_items: Option<Vec<Obj<WireLine>>>,
}

impl ShopifySource {
    pub fn new(config: &SourceConfig) -> Self {
        Self {
            keys: VendorKeys::new(&config.secrets),
            replay_window: Duration::from_secs(config.tolerance_secs),
            links: LinkRules::new(&config.link_rules, SourceKind::Shopify),
        }
    }

    fn check_replay_window(&self, request: &RawRequest<'_>) -> Result<Timestamp, IngestError> {
        let text = required_header(request, HEADER_TRIGGERED_AT)?;
        let triggered = Timestamp::parse_rfc3339(text).map_err(|_| {
            IngestError::InvalidSignature(format!(
                "the {HEADER_TRIGGERED_AT} header is not an RFC 3339 time"
            ))
        })?;
        let age = request.now.since(triggered);
        if age > self.replay_window {
            return Err(IngestError::TimestampOutOfTolerance(format!(
                "{HEADER_TRIGGERED_AT} {triggered} is {} s old; the replay window is {} s",
                age.as_secs(),
                self.replay_window.as_secs()
            )));
        }
        Ok(triggered)
    }
}

impl SourceAdapter for ShopifySource {
    fn accept(&self, request: &RawRequest<'_>) -> Result<Translated, IngestError> {
        let signature = required_header(request, HEADER_HMAC)?;
        verify_body_signature(
            &self.keys.0,
            HEADER_HMAC,
            signature,
            Encoding::Base64,
            request.body,
        )?;
        let triggered = self.check_replay_window(request)?;

        let topic = optional_header(request, HEADER_TOPIC)
            .ok_or_else(|| IngestError::InvalidEvent(format!("missing {HEADER_TOPIC} header")))?;
        let is_order = ORDER_TOPICS.contains(&topic);
        if !is_order && !FULFILLMENT_TOPICS.contains(&topic) {
            return Ok(Translated::Ignored {
                topic: topic.to_string(),
            });
        }
        let delivery_id = optional_header(request, HEADER_EVENT_ID)
            .or_else(|| optional_header(request, HEADER_WEBHOOK_ID))
            .ok_or_else(|| {
                IngestError::InvalidEvent(format!(
                    "missing {HEADER_EVENT_ID} header (and no {HEADER_WEBHOOK_ID} to fall back on)"
                ))
            })?;
        let event_id = EventId::parse(format!("{topic}:{delivery_id}"))
            .map_err(|error| IngestError::InvalidEvent(format!("{HEADER_EVENT_ID}: {error}")))?;

        let json = parse_json(request.body)?;
        let translated = if is_order {
            let Obj(order): Obj<WireOrder> = decode(&json, "")?;
            let mut event = translate_order(order, topic, event_id, triggered)?;
            event.links = self.links.extract(&json)?;
            Some(event)
        } else {
            let Obj(fulfillment): Obj<WireFulfillment> = decode(&json, "")?;
            translate_fulfillment(fulfillment, topic, event_id, triggered)?
        };
        Ok(match translated {
            Some(event) => Translated::Event(Box::new(event)),
            None => Translated::Ignored {
                topic: topic.to_string(),
            },
        })
    }
}

fn order_id(id: Option<WireId>, path: &str) -> Result<OrderId, IngestError> {
    id_at(OrderId::parse(required(id, path)?.0), path)
}

fn updated_at(text: Option<&str>, fallback: Timestamp) -> Result<Timestamp, IngestError> {
    match non_blank(text) {
        None => Ok(fallback),
        Some(text) => Timestamp::parse_rfc3339(text).map_err(|error| invalid("updated_at", error)),
    }
}

fn translate_order(
    order: WireOrder,
    topic: &str,
    event_id: EventId,
    triggered: Timestamp,
) -> Result<OrderEvent, IngestError> {
    let order_id = order_id(order.id, "id")?;
    let updated_at = updated_at(order.updated_at.as_deref(), triggered)?;
    let financial = order.financial_status.as_deref().unwrap_or("");
    let shipped = matches!(
        order.fulfillment_status.as_deref(),
        Some("fulfilled" | "partial")
    );
    let lines = order.line_items.unwrap_or_default();
    // Indexes are kept so that errors name the field as sent.
    let fulfillments: Vec<(usize, WireFulfillment)> = order
        .fulfillments
        .unwrap_or_default()
        .into_iter()
        .map(|Obj(fulfillment)| fulfillment)
        .enumerate()
        .filter(|(_, f)| f.status.as_deref() == Some("success"))
        .collect();
    let before_shipping = match financial {
        "paid" | "partially_refunded" | "authorized" | "refunded" => Status::Paid,
        _ if topic == "orders/paid" => Status::Paid,
        _ => Status::Placed,
    };
    let all_delivered = !fulfillments.is_empty()
        && fulfillments
            .iter()
            .all(|(_, f)| f.shipment_status.as_deref() == Some("delivered"));
    let status = if order.cancelled_at.is_some() || topic == "orders/cancelled" {
        Status::Canceled
    } else if shipped && financial == "refunded" {
        Status::Returned
    } else if order.fulfillment_status.as_deref() == Some("fulfilled") && all_delivered {
        Status::Delivered
    } else if shipped {
        Status::Dispatched
    } else {
        before_shipping
    };

    let (items, shipment) = if shipped && status != Status::Canceled {
        let partial = order.fulfillment_status.as_deref() == Some("partial");
        let items = line_items(&lines, "line_items", |line| match partial {
            true if matches!(
                line.fulfillment_status.as_deref(),
                Some("fulfilled" | "partial")
            ) =>
            {
                status
            }
            true => before_shipping,
            false => status,
        })?;
        let latest = fulfillments
            .iter()
            .rev()
            .find_map(|(index, f)| shipment_of(f, &format!("fulfillments[{index}]")).transpose());
        ((!items.is_empty()).then_some(items), latest.transpose()?)
    } else if status != Status::Canceled {
        // Lines are reported before shipping too: a later fulfillment of some of them
        // must be told apart from one of the whole order.
        let items = line_items(&lines, "line_items", |_| status)?;
        ((!items.is_empty()).then_some(items), None)
    } else {
        (None, None)
    };
    let cancel = (status == Status::Canceled).then(|| cancel_of(order.cancel_reason.as_deref()));
    let payment_method = payment_from_gateways(
        order
            .payment_gateway_names
            .iter()
            .flatten()
            .map(String::as_str),
    );
    Ok(OrderEvent {
        event_id,
        kind: topic.to_string(),
        order_id,
        status,
        updated_at,
        payment_method,
        items,
        shipment,
        cancel,
        links: Vec::new(),
    })
}

/// `None` for fulfillments that are not (yet) a shipment: pending, cancelled, failed.
fn translate_fulfillment(
    fulfillment: WireFulfillment,
    topic: &str,
    event_id: EventId,
    triggered: Timestamp,
) -> Result<Option<OrderEvent>, IngestError> {
    if fulfillment.status.as_deref() != Some("success") {
        return Ok(None);
    }
    let order_id = order_id(fulfillment.order_id.clone(), "order_id")?;
    let updated_at = updated_at(fulfillment.updated_at.as_deref(), triggered)?;
    let status = match fulfillment.shipment_status.as_deref() {
        Some("delivered") => Status::Delivered,
        _ => Status::Dispatched,
    };
    let lines = fulfillment.line_items.as_deref().unwrap_or_default();
    let items = line_items(lines, "line_items", |_| status)?;
    let shipment = shipment_of(&fulfillment, "")?;
    Ok(Some(OrderEvent {
        event_id,
        kind: topic.to_string(),
        order_id,
        status,
        updated_at,
        payment_method: None,
        items: (!items.is_empty()).then_some(items),
        shipment,
        cancel: None,
        links: Vec::new(),
    }))
}

fn line_items(
    lines: &[Obj<WireLine>],
    path: &str,
    status_of: impl Fn(&WireLine) -> Status,
) -> Result<Vec<ItemUpdate>, IngestError> {
    lines
        .iter()
        .enumerate()
        .map(|(index, Obj(line))| {
            let id_path = format!("{path}[{index}].id");
            let id = required(line.id.clone(), &id_path)?;
            Ok(ItemUpdate {
                id: id_at(LineId::parse(id.0), &id_path)?,
                quantity: line.quantity,
                status: status_of(line),
            })
        })
        .collect()
}

/// The fulfillment's tracking as a shipment of its line items; `None` without a tracking
/// number (local delivery, or tracking not entered yet).
fn shipment_of(
    fulfillment: &WireFulfillment,
    path: &str,
) -> Result<Option<ShipmentUpdate>, IngestError> {
    let first_of_list = fulfillment
        .tracking_numbers
        .iter()
        .flatten()
        .find_map(|number| non_blank(number.as_deref()));
    let Some(tracking_number) = non_blank(fulfillment.tracking_number.as_deref()).or(first_of_list)
    else {
        return Ok(None);
    };
    let carrier = non_blank(fulfillment.tracking_company.as_deref()).unwrap_or("other");
    let prefix = if path.is_empty() {
        "line_items".to_string()
    } else {
        format!("{path}.line_items")
    };
    let item_ids = fulfillment
        .line_items
        .as_deref()
        .map(|lines| {
            line_items(lines, &prefix, |_| Status::Dispatched)
                .map(|items| items.into_iter().map(|item| item.id).collect::<Vec<_>>())
        })
        .transpose()?
        .filter(|ids| !ids.is_empty());
    Ok(Some(ShipmentUpdate {
        shipment: Shipment {
            carrier: carrier_id(carrier),
            tracking_number: tracking_number.to_string(),
        },
        item_ids,
    }))
}

fn cancel_of(reason: Option<&str>) -> Cancel {
    match reason.map(str::trim) {
        Some("customer") => Cancel {
            reason: Some("INTENT_CHANGED".to_string()),
            note: None,
        },
        Some("inventory") => Cancel {
            reason: Some("SOLD_OUT".to_string()),
            note: None,
        },
        Some(other) if !other.is_empty() => Cancel {
            reason: None,
            note: Some(format!("Shopify cancel_reason: {other}")),
        },
        _ => Cancel {
            reason: None,
            note: None,
        },
    }
}
