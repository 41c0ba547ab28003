//! Test helpers. Signatures here are computed with the `hmac` crate directly, not with the
//! adapters' own helpers, so a bug shared by both cannot hide.

use crate::config::{CompletedMeans, LinkRule, SourceConfig, SourceKind};
use crate::domain::{
    ChannelName, EventId, ItemUpdate, LineId, Link, OrderEvent, OrderId, RemoteId, Shipment,
    ShipmentUpdate, Status, Timestamp,
};
use crate::ingest::{IngestError, RawRequest, SourceAdapter, Translated};
use crate::secret::Secret;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::BTreeMap;

pub fn fixture(path: &str) -> Vec<u8> {
    let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|error| panic!("{full}: {error}"))
}

pub fn hmac_bytes(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

pub fn hmac_base64(key: &str, message: &[u8]) -> String {
    STANDARD.encode(hmac_bytes(key.as_bytes(), message))
}

pub fn hmac_hex(key: &str, message: &[u8]) -> String {
    hex::encode(hmac_bytes(key.as_bytes(), message))
}

pub fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

pub fn at(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339(text).unwrap()
}

pub fn config(kind: SourceKind, secrets: &[&str], tolerance_secs: u64) -> SourceConfig {
    SourceConfig {
        kind,
        secrets: secrets.iter().map(|s| Secret::new(*s)).collect(),
        tolerance_secs,
        completed_means: CompletedMeans::Dispatched,
        link_rules: Vec::new(),
    }
}

pub fn with_links(mut config: SourceConfig, rules: &[(&str, &str)]) -> SourceConfig {
    config.link_rules = rules
        .iter()
        .map(|(channel, from)| LinkRule {
            channel: ChannelName::parse(*channel).unwrap(),
            from: from.to_string(),
        })
        .collect();
    config
}

pub fn accept(
    adapter: &dyn SourceAdapter,
    headers: &[(String, String)],
    body: &[u8],
    now: Timestamp,
) -> Result<Translated, IngestError> {
    adapter.accept(&RawRequest { headers, body, now })
}

pub fn expect_event(result: Result<Translated, IngestError>) -> OrderEvent {
    match result {
        Ok(Translated::Event(event)) => *event,
        other => panic!("expected an event, got {other:?}"),
    }
}

pub fn expect_error(result: Result<Translated, IngestError>) -> IngestError {
    match result {
        Err(error) => error,
        Ok(other) => panic!("expected an error, got {other:?}"),
    }
}

/// The body with one byte changed, somewhere in the middle.
pub fn flip_byte(body: &[u8]) -> Vec<u8> {
    let mut changed = body.to_vec();
    let middle = changed.len() / 2;
    changed[middle] ^= 0x01;
    changed
}

pub fn assert_error(error: &IngestError, code: &str, fragment: &str) {
    assert_eq!(error.code(), code, "{error}");
    assert!(
        error.to_string().contains(fragment),
        "expected {fragment:?} in {:?}",
        error.to_string()
    );
}

pub fn line(id: &str, quantity: Option<u32>, status: Status) -> ItemUpdate {
    ItemUpdate {
        id: LineId::parse(id).unwrap(),
        quantity,
        status,
    }
}

pub fn shipment(carrier: &str, tracking: &str, items: Option<&[&str]>) -> ShipmentUpdate {
    ShipmentUpdate {
        shipment: Shipment {
            carrier: carrier.to_string(),
            tracking_number: tracking.to_string(),
        },
        item_ids: items.map(|ids| ids.iter().map(|id| LineId::parse(*id).unwrap()).collect()),
    }
}

pub fn link(channel: &str, order_id: &str, items: &[(&str, &str)]) -> Link {
    Link {
        channel: ChannelName::parse(channel).unwrap(),
        order_id: RemoteId::parse(order_id).unwrap(),
        items: items
            .iter()
            .map(|(line, remote)| {
                (
                    LineId::parse(*line).unwrap(),
                    RemoteId::parse(*remote).unwrap(),
                )
            })
            .collect::<BTreeMap<_, _>>(),
    }
}

/// An event with the given identity and status, everything optional left empty.
pub fn base_event(
    event_id: &str,
    kind: &str,
    order_id: &str,
    status: Status,
    updated_at: &str,
) -> OrderEvent {
    OrderEvent {
        event_id: EventId::parse(event_id).unwrap(),
        kind: kind.to_string(),
        order_id: OrderId::parse(order_id).unwrap(),
        status,
        updated_at: at(updated_at),
        payment_method: None,
        items: None,
        shipment: None,
        cancel: None,
        links: Vec::new(),
    }
}
