//! The canonical payload of the `standard` source kind (INGEST.md, "Canonical payload" and
//! "Field rules"). Wire structs take whatever JSON shape arrives (every field optional, so
//! a missing one is reported by name rather than by serde); the rules are then checked by
//! hand, each failure naming its field path. The body is read straight into the wire
//! structs (`direct`); only one that fails there is read as a `Value`, whose answer is the
//! reference.

use super::direct::{decode_direct, CheckedObj};
use super::error::IngestError;
use super::wire::{carrier_id, decode, id_at, invalid, non_blank, parse_json, required, Text};
use crate::domain::{
    Cancel, ChannelName, EventId, ItemUpdate, LineId, Link, OrderEvent, OrderId, PaymentMethod,
    RemoteId, Shipment, ShipmentUpdate, Status, Timestamp,
};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

#[derive(Deserialize)]
struct WireEnvelope<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Text<'a>>,
    #[serde(borrow)]
    data: Option<CheckedObj<WireData<'a>>>,
}

#[derive(Deserialize)]
struct WireData<'a> {
    #[serde(borrow)]
    order_id: Option<Text<'a>>,
    #[serde(borrow)]
    status: Option<Text<'a>>,
    #[serde(borrow)]
    updated_at: Option<Text<'a>>,
    #[serde(borrow)]
    payment_method: Option<Text<'a>>,
    #[serde(borrow)]
    items: Option<Vec<CheckedObj<WireItem<'a>>>>,
    #[serde(borrow)]
    shipment: Option<CheckedObj<WireShipment<'a>>>,
    #[serde(borrow)]
    cancel: Option<CheckedObj<WireCancel<'a>>>,
    #[serde(borrow)]
    links: Option<Vec<CheckedObj<WireLink<'a>>>>,
}

#[derive(Deserialize)]
struct WireItem<'a> {
    #[serde(borrow)]
    id: Option<Text<'a>>,
    // Checked by hand for a clearer message than serde's "expected u32"; the message
    // quotes the value as JSON, which `Value` writes. A number allocates nothing.
    quantity: Option<Value>,
    #[serde(borrow)]
    status: Option<Text<'a>>,
}

#[derive(Deserialize)]
struct WireShipment<'a> {
    #[serde(borrow)]
    carrier: Option<Text<'a>>,
    #[serde(borrow)]
    tracking_number: Option<Text<'a>>,
    #[serde(borrow)]
    item_ids: Option<Vec<Text<'a>>>,
}

#[derive(Deserialize)]
struct WireCancel<'a> {
    #[serde(borrow)]
    reason: Option<Text<'a>>,
    #[serde(borrow)]
    note: Option<Text<'a>>,
}

#[derive(Deserialize)]
struct WireLink<'a> {
    #[serde(borrow)]
    channel: Option<Text<'a>>,
    #[serde(borrow)]
    order_id: Option<Text<'a>>,
    #[serde(borrow)]
    items: Option<BTreeMap<Text<'a>, Text<'a>>>,
}

/// `data.<list>[<index>]<field>`, only formatted when an error names it: most events are
/// valid, and their lists are walked field by field.
#[derive(Clone, Copy)]
struct At(&'static str, usize, &'static str);

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let At(list, index, field) = self;
        write!(f, "data.{list}[{index}]{field}")
    }
}

/// Parses and validates a canonical event body (already authenticated by the caller).
pub fn parse_canonical(event_id: EventId, body: &[u8]) -> Result<OrderEvent, IngestError> {
    match decode_direct(body) {
        Some(CheckedObj(envelope)) => translate(event_id, envelope),
        None => parse_via_value(event_id, body),
    }
}

/// The reference: the body as a `Value` first. Slower, but it alone knows what a body
/// `decode_direct` refuses should answer (error, or rarely not: a repeated key).
pub(crate) fn parse_via_value(event_id: EventId, body: &[u8]) -> Result<OrderEvent, IngestError> {
    let json = parse_json(body)?;
    let CheckedObj(envelope) = decode(&json, "")?;
    translate(event_id, envelope)
}

fn translate(event_id: EventId, envelope: WireEnvelope<'_>) -> Result<OrderEvent, IngestError> {
    let kind = match envelope.kind {
        None => return Err(invalid("type", "required")),
        Some(kind) if kind.as_str().trim().is_empty() => {
            return Err(invalid("type", "must not be empty"))
        }
        Some(kind) => kind.into_string(),
    };
    let CheckedObj(data) = required(envelope.data, "data")?;

    let order_id = id_at(
        OrderId::parse(required(data.order_id, "data.order_id")?.into_string()),
        "data.order_id",
    )?;
    let status = parse_status(text(&data.status), "data.status")?;
    let updated_at = parse_timestamp(text(&data.updated_at), "data.updated_at")?;
    let payment_method = text(&data.payment_method)
        .map(|text| parse_payment_method(text, "data.payment_method"))
        .transpose()?;
    let items = data.items.as_deref().map(parse_items).transpose()?;
    let shipment = match (data.shipment, status) {
        (Some(CheckedObj(wire)), _) => Some(parse_shipment(wire)?),
        (None, Status::Dispatched) => {
            return Err(invalid(
                "data.shipment",
                "required when data.status is \"dispatched\"",
            ))
        }
        (None, _) => None,
    };
    let cancel = data
        .cancel
        .map(|CheckedObj(wire)| parse_cancel(wire))
        .transpose()?;
    let links = data
        .links
        .as_deref()
        .map(parse_links)
        .transpose()?
        .unwrap_or_default();

    Ok(OrderEvent {
        event_id,
        kind,
        order_id,
        status,
        updated_at,
        payment_method,
        items,
        shipment,
        cancel,
        links,
    })
}

fn text<'t>(field: &'t Option<Text<'_>>) -> Option<&'t str> {
    field.as_ref().map(Text::as_str)
}

fn parse_status(text: Option<&str>, path: impl fmt::Display) -> Result<Status, IngestError> {
    required(text, &path)?
        .parse()
        .map_err(|error| invalid(&path, error))
}

fn parse_timestamp(text: Option<&str>, path: &str) -> Result<Timestamp, IngestError> {
    Timestamp::parse_rfc3339(required(text, path)?).map_err(|error| invalid(path, error))
}

/// One of the `payment_method` values of INGEST.md.
pub(crate) fn parse_payment_method(text: &str, path: &str) -> Result<PaymentMethod, IngestError> {
    const ALL: [PaymentMethod; 8] = [
        PaymentMethod::Card,
        PaymentMethod::BankTransfer,
        PaymentMethod::Cod,
        PaymentMethod::ConvenienceStore,
        PaymentMethod::Deferred,
        PaymentMethod::CarrierBilling,
        PaymentMethod::Coin,
        PaymentMethod::Other,
    ];
    ALL.into_iter()
        .find(|method| method.as_str() == text)
        .ok_or_else(|| {
            let expected: Vec<&str> = ALL.iter().map(|method| method.as_str()).collect();
            invalid(
                path,
                format!(
                    "unknown payment method {text:?} (expected one of {})",
                    expected.join(", ")
                ),
            )
        })
}

fn parse_items(wire: &[CheckedObj<WireItem>]) -> Result<Vec<ItemUpdate>, IngestError> {
    let mut seen = BTreeSet::new();
    let mut items = Vec::with_capacity(wire.len());
    for (index, CheckedObj(item)) in wire.iter().enumerate() {
        let id_path = At("items", index, ".id");
        let id_text = required(text(&item.id), id_path)?;
        let id = id_at(LineId::parse(id_text), id_path)?;
        // Two updates for one line in one event would leave its status to list order.
        if !seen.insert(id_text) {
            return Err(invalid(
                id_path,
                format!("duplicate line id {:?}", id.as_str()),
            ));
        }
        let quantity = item
            .quantity
            .as_ref()
            .filter(|value| !value.is_null())
            .map(|value| parse_quantity(value, At("items", index, ".quantity")))
            .transpose()?;
        let status = parse_status(text(&item.status), At("items", index, ".status"))?;
        items.push(ItemUpdate {
            id,
            quantity,
            status,
        });
    }
    Ok(items)
}

fn parse_quantity(value: &Value, path: At) -> Result<u32, IngestError> {
    match (value.as_u64(), value.as_i64()) {
        (Some(n), _) => u32::try_from(n).map_err(|_| invalid(path, format!("{n} is too large"))),
        (None, Some(n)) => Err(invalid(path, format!("must not be negative, got {n}"))),
        (None, None) => Err(invalid(
            path,
            format!("must be a non-negative integer, got {value}"),
        )),
    }
}

fn parse_shipment(wire: WireShipment) -> Result<ShipmentUpdate, IngestError> {
    let carrier = non_blank(Some(required(
        text(&wire.carrier),
        "data.shipment.carrier",
    )?))
    .ok_or_else(|| invalid("data.shipment.carrier", "must not be empty"))?;
    let tracking_number = non_blank(Some(required(
        text(&wire.tracking_number),
        "data.shipment.tracking_number",
    )?))
    .ok_or_else(|| invalid("data.shipment.tracking_number", "must not be empty"))?;
    let item_ids = wire
        .item_ids
        .map(|ids| {
            ids.into_iter()
                .enumerate()
                .map(|(index, id)| {
                    LineId::parse(id.into_string())
                        .map_err(|error| invalid(format!("data.shipment.item_ids[{index}]"), error))
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    Ok(ShipmentUpdate {
        shipment: Shipment {
            carrier: carrier_id(carrier),
            tracking_number: tracking_number.to_string(),
        },
        item_ids,
    })
}

fn parse_cancel(wire: WireCancel) -> Result<Cancel, IngestError> {
    let reason = match wire.reason {
        Some(reason) if reason.as_str().trim().is_empty() => {
            return Err(invalid("data.cancel.reason", "must not be empty"))
        }
        reason => reason.map(Text::into_string),
    };
    Ok(Cancel {
        reason,
        note: wire.note.map(Text::into_string),
    })
}

fn parse_links(wire: &[CheckedObj<WireLink>]) -> Result<Vec<Link>, IngestError> {
    let mut seen = BTreeSet::new();
    let mut links = Vec::with_capacity(wire.len());
    for (index, CheckedObj(link)) in wire.iter().enumerate() {
        let channel_path = At("links", index, ".channel");
        let channel_text = required(text(&link.channel), channel_path)?;
        let channel = id_at(ChannelName::parse(channel_text), channel_path)?;
        // One order is one order on a marketplace: two ids for one channel is a mistake.
        if !seen.insert(channel_text) {
            return Err(invalid(
                channel_path,
                format!("duplicate channel {:?}", channel.as_str()),
            ));
        }
        let order_path = At("links", index, ".order_id");
        let order_id = id_at(
            RemoteId::parse(required(text(&link.order_id), order_path)?),
            order_path,
        )?;
        let mut items = BTreeMap::new();
        for (line, remote) in link.items.iter().flatten() {
            let item_path = || format!("data.links[{index}].items.{}", line.as_str());
            let line = LineId::parse(line.as_str()).map_err(|error| invalid(item_path(), error))?;
            let remote =
                RemoteId::parse(remote.as_str()).map_err(|error| invalid(item_path(), error))?;
            items.insert(line, remote);
        }
        links.push(Link {
            channel,
            order_id,
            items,
        });
    }
    Ok(links)
}
