//! The canonical payload of the `standard` source kind (INGEST.md, "Canonical payload" and
//! "Field rules"). Wire structs take whatever JSON shape arrives (every field optional, so
//! a missing one is reported by name rather than by serde); the rules are then checked by
//! hand, each failure naming its field path.

use super::error::IngestError;
use super::wire::{carrier_id, decode, id_at, invalid, non_blank, parse_json, required, Obj};
use crate::domain::{
    Cancel, ChannelName, EventId, ItemUpdate, LineId, Link, OrderEvent, OrderId, PaymentMethod,
    RemoteId, Shipment, ShipmentUpdate, Status, Timestamp,
};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Deserialize)]
struct WireEnvelope {
    #[serde(rename = "type")]
    kind: Option<String>,
    data: Option<Obj<WireData>>,
}

#[derive(Deserialize)]
struct WireData {
    order_id: Option<String>,
    status: Option<String>,
    updated_at: Option<String>,
    payment_method: Option<String>,
    items: Option<Vec<Obj<WireItem>>>,
    shipment: Option<Obj<WireShipment>>,
    cancel: Option<Obj<WireCancel>>,
    links: Option<Vec<Obj<WireLink>>>,
}

#[derive(Deserialize)]
struct WireItem {
    id: Option<String>,
    // Checked by hand for a clearer message than serde's "expected u32".
    quantity: Option<Value>,
    status: Option<String>,
}

#[derive(Deserialize)]
struct WireShipment {
    carrier: Option<String>,
    tracking_number: Option<String>,
    item_ids: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct WireCancel {
    reason: Option<String>,
    note: Option<String>,
}

#[derive(Deserialize)]
struct WireLink {
    channel: Option<String>,
    order_id: Option<String>,
    items: Option<BTreeMap<String, String>>,
}

/// Parses and validates a canonical event body (already authenticated by the caller).
pub fn parse_canonical(event_id: EventId, body: &[u8]) -> Result<OrderEvent, IngestError> {
    let json = parse_json(body)?;
    let Obj(envelope): Obj<WireEnvelope> = decode(&json, "")?;
    let kind = match envelope.kind {
        None => return Err(invalid("type", "required")),
        Some(kind) if kind.trim().is_empty() => return Err(invalid("type", "must not be empty")),
        Some(kind) => kind,
    };
    let Obj(data) = required(envelope.data, "data")?;

    let order_id = id_at(
        OrderId::parse(required(data.order_id, "data.order_id")?),
        "data.order_id",
    )?;
    let status = parse_status(data.status.as_deref(), "data.status")?;
    let updated_at = parse_timestamp(data.updated_at.as_deref(), "data.updated_at")?;
    let payment_method = data
        .payment_method
        .as_deref()
        .map(|text| parse_payment_method(text, "data.payment_method"))
        .transpose()?;
    let items = data.items.map(parse_items).transpose()?;
    let shipment = match (data.shipment, status) {
        (Some(Obj(wire)), _) => Some(parse_shipment(wire)?),
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
        .map(|Obj(wire)| parse_cancel(wire))
        .transpose()?;
    let links = data.links.map(parse_links).transpose()?.unwrap_or_default();

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

fn parse_status(text: Option<&str>, path: &str) -> Result<Status, IngestError> {
    required(text, path)?
        .parse()
        .map_err(|error| invalid(path, error))
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

fn parse_items(wire: Vec<Obj<WireItem>>) -> Result<Vec<ItemUpdate>, IngestError> {
    let mut seen = BTreeSet::new();
    let mut items = Vec::with_capacity(wire.len());
    for (index, Obj(item)) in wire.into_iter().enumerate() {
        let path = format!("data.items[{index}]");
        let id_path = format!("{path}.id");
        let id = id_at(LineId::parse(required(item.id, &id_path)?), &id_path)?;
        // Two updates for one line in one event would leave its status to list order.
        if !seen.insert(id.clone()) {
            return Err(invalid(
                &id_path,
                format!("duplicate line id {:?}", id.as_str()),
            ));
        }
        let quantity = item
            .quantity
            .filter(|value| !value.is_null())
            .map(|value| parse_quantity(&value, &format!("{path}.quantity")))
            .transpose()?;
        let status = parse_status(item.status.as_deref(), &format!("{path}.status"))?;
        items.push(ItemUpdate {
            id,
            quantity,
            status,
        });
    }
    Ok(items)
}

fn parse_quantity(value: &Value, path: &str) -> Result<u32, IngestError> {
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
        wire.carrier.as_deref(),
        "data.shipment.carrier",
    )?))
    .ok_or_else(|| invalid("data.shipment.carrier", "must not be empty"))?;
    let tracking_number = non_blank(Some(required(
        wire.tracking_number.as_deref(),
        "data.shipment.tracking_number",
    )?))
    .ok_or_else(|| invalid("data.shipment.tracking_number", "must not be empty"))?;
    let item_ids = wire
        .item_ids
        .map(|ids| {
            ids.into_iter()
                .enumerate()
                .map(|(index, id)| {
                    id_at(
                        LineId::parse(id),
                        &format!("data.shipment.item_ids[{index}]"),
                    )
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
        Some(reason) if reason.trim().is_empty() => {
            return Err(invalid("data.cancel.reason", "must not be empty"))
        }
        reason => reason,
    };
    Ok(Cancel {
        reason,
        note: wire.note,
    })
}

fn parse_links(wire: Vec<Obj<WireLink>>) -> Result<Vec<Link>, IngestError> {
    let mut seen = BTreeSet::new();
    let mut links = Vec::with_capacity(wire.len());
    for (index, Obj(link)) in wire.into_iter().enumerate() {
        let path = format!("data.links[{index}]");
        let channel_path = format!("{path}.channel");
        let channel = id_at(
            ChannelName::parse(required(link.channel, &channel_path)?),
            &channel_path,
        )?;
        // One order is one order on a marketplace: two ids for one channel is a mistake.
        if !seen.insert(channel.clone()) {
            return Err(invalid(
                &channel_path,
                format!("duplicate channel {:?}", channel.as_str()),
            ));
        }
        let order_path = format!("{path}.order_id");
        let order_id = id_at(
            RemoteId::parse(required(link.order_id, &order_path)?),
            &order_path,
        )?;
        let mut items = BTreeMap::new();
        for (line, remote) in link.items.unwrap_or_default() {
            let item_path = format!("{path}.items.{line}");
            let line = id_at(LineId::parse(line), &item_path)?;
            let remote = id_at(RemoteId::parse(remote), &item_path)?;
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
