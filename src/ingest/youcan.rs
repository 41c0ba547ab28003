//! Source kind `youcan`: a YouCan store as the primary. `x-youcan-signature` is the hex
//! HMAC-SHA256 of the raw body keyed with the app's client secret; the body is the
//! envelope `{"event_name", "event_happened_at", "data": <order>}` (INGEST.md).
//!
//! YouCan documents the order's status fields as undocumented integers next to slugs, and
//! its own sample contradicts itself (`payment_status: 2` beside `payment.status: -1,
//! status_text: "unpaid"`), so only the slugs are read, the same slugs its status
//! endpoints take (CHANNELS.md):
//!
//! - general: `data.status_object.slug`, or `data.status` when it is a string;
//! - shipping: `data.shipping.status` or `data.shipping_status`, when a string;
//! - payment: `data.payment.status_text`, or `data.payment_status` when a string.
//!
//! | general | shipping | payment | canonical |
//! |---|---|---|---|
//! | `canceled-by-seller`, `canceled`, `cancelled`, `canceled-*` | any | any | canceled |
//! | any | `canceled` | any | canceled |
//! | any | `shipped`, `fulfilled` | `refunded` | returned |
//! | `closed` | any | any | completed |
//! | other | `fulfilled` | any | delivered |
//! | other | `shipped` | any | dispatched |
//! | other | `processing` | any | preparing |
//! | other | `unfulfilled` / none | `paid`, `captured`, `refunded` | paid |
//! | other | `unfulfilled` / none | `pending`, `unpaid`, none | placed (paid for `order.paid`) |
//!
//! Lines are `data.variants[]` (`id`, `quantity`), listed with the order's status.
//! Tracking: `data.shipping.tracking_number` with `data.shipping.carrier` (else `other`).
//! Payment method: `data.payment.gateway` (see `vendor`). `updated_at`: `data.updated_at`,
//! else `event_happened_at` (RFC 3339; no zone means UTC). YouCan sends no id header, so
//! the event id is `<event_name>:<order id>:<event_happened_at>` as sent: stable across
//! YouCan's retries, distinct between events.

use super::error::IngestError;
use super::signature::{required_header, verify_body_signature, Encoding};
use super::source::{RawRequest, SourceAdapter, Translated};
use super::vendor::{payment_from_gateway, VendorKeys};
use super::wire::{
    carrier_id, decode, id_at, invalid, non_blank, parse_json, parse_time_utc, required, Obj,
    WireId,
};
use crate::config::SourceConfig;
use crate::domain::{
    EventId, ItemUpdate, LineId, OrderEvent, OrderId, Shipment, ShipmentUpdate, Status, Timestamp,
};
use serde::Deserialize;
use serde_json::Value;

pub const HEADER_SIGNATURE: &str = "x-youcan-signature";

const EVENTS: [&str; 3] = ["order.created", "order.updated", "order.paid"];

#[derive(Debug)]
pub struct YoucanSource {
    keys: VendorKeys,
}

#[derive(Deserialize)]
struct WireEnvelope {
    event_name: Option<String>,
    event_happened_at: Option<Value>,
    data: Option<Value>,
}

#[derive(Deserialize)]
struct WireOrder {
    id: Option<WireId>,
    updated_at: Option<String>,
    // Integers (undocumented codes) or strings (slugs): only slugs are read.
    status: Option<Value>,
    status_object: Option<Obj<WireStatusObject>>,
    payment_status: Option<Value>,
    shipping_status: Option<Value>,
    payment: Option<Obj<WirePayment>>,
    shipping: Option<Obj<WireShipping>>,
    variants: Option<Vec<Obj<WireLine>>>,
}

#[derive(Deserialize)]
struct WireStatusObject {
    slug: Option<String>,
}

#[derive(Deserialize)]
struct WirePayment {
    status_text: Option<String>,
    gateway: Option<String>,
}

#[derive(Deserialize)]
struct WireShipping {
    status: Option<Value>,
    tracking_number: Option<String>,
    carrier: Option<String>,
}

#[derive(Deserialize)]
struct WireLine {
    id: Option<WireId>,
    quantity: Option<u32>,
}

impl YoucanSource {
    pub fn new(config: &SourceConfig) -> Self {
        Self {
            keys: VendorKeys::new(&config.secrets),
        }
    }
}

impl SourceAdapter for YoucanSource {
    fn accept(&self, request: &RawRequest<'_>) -> Result<Translated, IngestError> {
        let signature = required_header(request, HEADER_SIGNATURE)?;
        verify_body_signature(
            &self.keys.0,
            HEADER_SIGNATURE,
            signature,
            Encoding::Hex,
            request.body,
        )?;

        let json = parse_json(request.body)?;
        let Obj(envelope): Obj<WireEnvelope> = decode(&json, "")?;
        let event_name = required(non_blank(envelope.event_name.as_deref()), "event_name")?;
        if !EVENTS.contains(&event_name) {
            return Ok(Translated::Ignored {
                topic: event_name.chars().take(64).collect(),
            });
        }
        let happened_text = match &envelope.event_happened_at {
            Some(Value::String(text)) if !text.trim().is_empty() => text.trim().to_string(),
            Some(Value::Number(number)) if number.is_i64() => number.to_string(),
            None | Some(Value::Null) => return Err(invalid("event_happened_at", "required")),
            Some(_) => {
                return Err(invalid(
                    "event_happened_at",
                    "must be a date-time string or Unix seconds",
                ))
            }
        };
        let happened_at = parse_time(&happened_text, "event_happened_at")?;
        let data = required(envelope.data.as_ref(), "data")?;
        let Obj(order): Obj<WireOrder> = decode(data, "data")?;

        let order_id = id_at(
            OrderId::parse(required(order.id.clone(), "data.id")?.0),
            "data.id",
        )?;
        let event_id = EventId::parse(format!("{event_name}:{order_id}:{happened_text}"))
            .map_err(|error| invalid("event_happened_at", format!("event id: {error}")))?;
        let updated_at = match non_blank(order.updated_at.as_deref()) {
            Some(text) => parse_time(text, "data.updated_at")?,
            None => happened_at,
        };
        let status = status_of(&order, event_name);
        let items = order
            .variants
            .as_deref()
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(index, Obj(line))| {
                let path = format!("data.variants[{index}].id");
                Ok(ItemUpdate {
                    id: id_at(LineId::parse(required(line.id.clone(), &path)?.0), &path)?,
                    quantity: line.quantity,
                    status,
                })
            })
            .collect::<Result<Vec<_>, IngestError>>()?;
        let shipment = order.shipping.as_ref().and_then(|Obj(shipping)| {
            let number = non_blank(shipping.tracking_number.as_deref())?;
            let carrier = non_blank(shipping.carrier.as_deref()).unwrap_or("other");
            Some(ShipmentUpdate {
                shipment: Shipment {
                    carrier: carrier_id(carrier),
                    tracking_number: number.to_string(),
                },
                item_ids: None,
            })
        });
        let payment_method = order
            .payment
            .as_ref()
            .and_then(|Obj(payment)| payment.gateway.as_deref())
            .and_then(payment_from_gateway);
        Ok(Translated::Event(Box::new(OrderEvent {
            event_id,
            kind: event_name.to_string(),
            order_id,
            status,
            updated_at,
            payment_method,
            items: (!items.is_empty()).then_some(items),
            shipment,
            cancel: None,
            links: Vec::new(),
        })))
    }
}

fn parse_time(text: &str, path: &str) -> Result<Timestamp, IngestError> {
    if let Ok(seconds) = text.parse::<i64>() {
        return Timestamp::from_unix_seconds(seconds)
            .ok_or_else(|| invalid(path, "Unix seconds out of range"));
    }
    parse_time_utc(text).ok_or_else(|| {
        invalid(
            path,
            format!(
                "not a date-time: {:?}",
                text.chars().take(40).collect::<String>()
            ),
        )
    })
}

fn slug(value: Option<&Value>) -> Option<String> {
    value
        .and_then(Value::as_str)
        .map(|text| text.trim().to_ascii_lowercase())
}

fn status_of(order: &WireOrder, event_name: &str) -> Status {
    let general = order
        .status_object
        .as_ref()
        .and_then(|Obj(object)| object.slug.as_deref())
        .map(|text| text.trim().to_ascii_lowercase())
        .or_else(|| slug(order.status.as_ref()))
        .unwrap_or_default();
    let shipping = slug(order.shipping.as_ref().and_then(|Obj(s)| s.status.as_ref()))
        .or_else(|| slug(order.shipping_status.as_ref()))
        .unwrap_or_default();
    let payment = order
        .payment
        .as_ref()
        .and_then(|Obj(payment)| payment.status_text.as_deref())
        .map(|text| text.trim().to_ascii_lowercase())
        .or_else(|| slug(order.payment_status.as_ref()))
        .unwrap_or_default();
    let shipped = matches!(shipping.as_str(), "shipped" | "fulfilled");

    if general.starts_with("canceled") || general == "cancelled" || shipping == "canceled" {
        Status::Canceled
    } else if shipped && payment == "refunded" {
        Status::Returned
    } else if general == "closed" {
        Status::Completed
    } else if shipping == "fulfilled" {
        Status::Delivered
    } else if shipping == "shipped" {
        Status::Dispatched
    } else if shipping == "processing" {
        Status::Preparing
    } else if matches!(payment.as_str(), "paid" | "captured" | "refunded")
        || event_name == "order.paid"
    {
        Status::Paid
    } else {
        Status::Placed
    }
}
