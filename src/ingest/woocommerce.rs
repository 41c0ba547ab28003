//! Source kind `woocommerce`: WooCommerce's HMAC over the raw body and its REST v3 order
//! payload (`order.created`, `order.updated`) mapped to the canonical event.
//!
//! | WooCommerce `status` | canonical |
//! |---|---|
//! | `pending`, `on-hold` | placed |
//! | `processing` | paid |
//! | `completed` | dispatched, or delivered (`completed_means`) |
//! | `cancelled` | canceled |
//! | `refunded` | returned |
//! | `failed`, `checkout-draft`, `trash`, anything else (plugin statuses) | ignored: nothing a marketplace should follow |
//!
//! Every line item (`line_items[].id`, `quantity`) is listed with the order's status.
//! Tracking comes from the Shipment Tracking extension's `_wc_shipment_tracking_items`
//! order meta (the last entry; `custom_tracking_provider` when `tracking_provider` is
//! blank) and is attached when the order is dispatched or delivered. Payment method from
//! `payment_method` (`cod`, `bacs`, ... see `vendor`). `date_modified_gmt` is UTC without
//! a zone. The event id is `X-WC-Webhook-Delivery-ID:<order id>:<date_modified_gmt>`.
//!
//! WooCommerce pings a new webhook's URL with an unsigned form body `webhook_id=<n>`:
//! without a signature header that exact body is a `Ping`, anything else is refused.

use super::error::IngestError;
use super::links::LinkRules;
use super::signature::{optional_header, required_header, verify_body_signature, Encoding};
use super::source::{RawRequest, SourceAdapter, Translated};
use super::vendor::{payment_from_gateway, VendorKeys};
use super::wire::{
    carrier_id, decode, id_at, invalid, non_blank, parse_json, parse_time_utc, required, Obj,
    WireId,
};
use crate::config::{CompletedMeans, SourceConfig, SourceKind};
use crate::domain::{
    EventId, ItemUpdate, LineId, OrderEvent, OrderId, Shipment, ShipmentUpdate, Status,
};
use serde::Deserialize;
use serde_json::Value;

pub const HEADER_SIGNATURE: &str = "x-wc-webhook-signature";
pub const HEADER_TOPIC: &str = "x-wc-webhook-topic";
pub const HEADER_DELIVERY_ID: &str = "x-wc-webhook-delivery-id";

const TRACKING_META_KEY: &str = "_wc_shipment_tracking_items";

#[derive(Debug)]
pub struct WoocommerceSource {
    keys: VendorKeys,
    completed_means: CompletedMeans,
    links: LinkRules,
}

#[derive(Deserialize)]
struct WireOrder {
    id: Option<WireId>,
    status: Option<String>,
    date_modified_gmt: Option<String>,
    payment_method: Option<String>,
    line_items: Option<Vec<Obj<WireLine>>>,
    meta_data: Option<Vec<Obj<WireMeta>>>,
}

#[derive(Deserialize)]
struct WireLine {
    id: Option<WireId>,
    quantity: Option<u32>,
}

#[derive(Deserialize)]
struct WireMeta {
    key: Option<String>,
    #[serde(default)]
    value: Value,
}

#[derive(Deserialize)]
struct WireTracking {
    tracking_provider: Option<String>,
    custom_tracking_provider: Option<String>,
    tracking_number: Option<String>,
}

/// `webhook_id=<digits>`, the whole body.
fn is_ping(body: &[u8]) -> bool {
    body.strip_prefix(b"webhook_id=")
        .is_some_and(|id| !id.is_empty() && id.len() <= 20 && id.iter().all(u8::is_ascii_digit))
}

impl WoocommerceSource {
    pub fn new(config: &SourceConfig) -> Self {
        Self {
            keys: VendorKeys::new(&config.secrets),
            completed_means: config.completed_means,
            links: LinkRules::new(&config.link_rules, SourceKind::Woocommerce),
        }
    }

    fn status_of(&self, status: &str) -> Option<Status> {
        match status {
            "pending" | "on-hold" => Some(Status::Placed),
            "processing" => Some(Status::Paid),
            "completed" => Some(match self.completed_means {
                CompletedMeans::Dispatched => Status::Dispatched,
                CompletedMeans::Delivered => Status::Delivered,
            }),
            "cancelled" => Some(Status::Canceled),
            "refunded" => Some(Status::Returned),
            _ => None,
        }
    }
}

impl SourceAdapter for WoocommerceSource {
    fn accept(&self, request: &RawRequest<'_>) -> Result<Translated, IngestError> {
        if optional_header(request, HEADER_SIGNATURE).is_none() && is_ping(request.body) {
            return Ok(Translated::Ping);
        }
        let signature = required_header(request, HEADER_SIGNATURE)?;
        verify_body_signature(
            &self.keys.0,
            HEADER_SIGNATURE,
            signature,
            Encoding::Base64,
            request.body,
        )?;

        let topic = optional_header(request, HEADER_TOPIC)
            .ok_or_else(|| IngestError::InvalidEvent(format!("missing {HEADER_TOPIC} header")))?;
        if !matches!(topic, "order.created" | "order.updated") {
            return Ok(Translated::Ignored {
                topic: topic.to_string(),
            });
        }
        let delivery_id = optional_header(request, HEADER_DELIVERY_ID).ok_or_else(|| {
            IngestError::InvalidEvent(format!("missing {HEADER_DELIVERY_ID} header"))
        })?;

        let json = parse_json(request.body)?;
        let Obj(order): Obj<WireOrder> = decode(&json, "")?;
        let wc_status = required(order.status.as_deref(), "status")?;
        let Some(status) = self.status_of(wc_status) else {
            // Bounded: the topic is one of two, the status text is cut short.
            let status: String = wc_status.chars().take(32).collect();
            return Ok(Translated::Ignored {
                topic: format!("{topic} status={status}"),
            });
        };
        let resource_id = required(order.id, "id")?.0;
        let order_id = id_at(OrderId::parse(resource_id.as_str()), "id")?;
        let modified = required(
            non_blank(order.date_modified_gmt.as_deref()),
            "date_modified_gmt",
        )?;
        let updated_at = parse_time_utc(modified).ok_or_else(|| {
            invalid(
                "date_modified_gmt",
                format!(
                    "not a date-time: {:?}",
                    modified.chars().take(40).collect::<String>()
                ),
            )
        })?;
        let event_id = EventId::parse(format!("{delivery_id}:{resource_id}:{modified}"))
            .map_err(|error| IngestError::InvalidEvent(format!("{HEADER_DELIVERY_ID}: {error}")))?;

        let items = order
            .line_items
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(index, Obj(line))| {
                let path = format!("line_items[{index}].id");
                Ok(ItemUpdate {
                    id: id_at(LineId::parse(required(line.id, &path)?.0), &path)?,
                    quantity: line.quantity,
                    status,
                })
            })
            .collect::<Result<Vec<_>, IngestError>>()?;
        let shipment = match status {
            Status::Dispatched | Status::Delivered => {
                tracking(order.meta_data.as_deref().unwrap_or_default())?
            }
            _ => None,
        };
        Ok(Translated::Event(Box::new(OrderEvent {
            event_id,
            kind: topic.to_string(),
            order_id,
            status,
            updated_at,
            payment_method: order
                .payment_method
                .as_deref()
                .and_then(payment_from_gateway),
            items: (!items.is_empty()).then_some(items),
            shipment,
            cancel: None,
            links: self.links.extract(&json)?,
        })))
    }
}

/// The last Shipment Tracking entry with a number; it applies to the whole order.
fn tracking(meta: &[Obj<WireMeta>]) -> Result<Option<ShipmentUpdate>, IngestError> {
    let Some((index, entry)) = meta
        .iter()
        .enumerate()
        .rev()
        .find(|(_, Obj(entry))| entry.key.as_deref() == Some(TRACKING_META_KEY))
    else {
        return Ok(None);
    };
    // The extension stores an empty string rather than an empty list after deletions.
    if !entry.0.value.is_array() {
        return Ok(None);
    }
    let entries: Vec<Obj<WireTracking>> =
        decode(&entry.0.value, &format!("meta_data[{index}].value"))?;
    let latest = entries.iter().rev().find_map(|Obj(tracking)| {
        let number = non_blank(tracking.tracking_number.as_deref())?;
        let carrier = non_blank(tracking.tracking_provider.as_deref())
            .or(non_blank(tracking.custom_tracking_provider.as_deref()))
            .unwrap_or("other");
        Some(Shipment {
            carrier: carrier_id(carrier),
            tracking_number: number.to_string(),
        })
    });
    Ok(latest.map(|shipment| ShipmentUpdate {
        shipment,
        item_ids: None,
    }))
}
