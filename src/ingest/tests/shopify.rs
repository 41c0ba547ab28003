use super::support::*;
use crate::config::{SourceConfig, SourceKind};
use crate::domain::{Cancel, ItemUpdate, LineId, OrderEvent, PaymentMethod, Status, Timestamp};
use crate::ingest::{build_adapter, IngestError, Translated};

pub(super) const SECRET: &str = "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";
pub(super) const ROTATED: &str = "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";
pub(super) const EVENT_ID: &str = "98880550-7158-44d4-b7cd-2c97c8a091b5";
pub(super) const WEBHOOK_ID: &str = "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043";
pub(super) const TRIGGERED: &str = "2026-11-25T05:00:02.147483647Z";
const ORDER: &str = "5683924041954";
const TINS: &str = "14001234567890";
const CUP: &str = "14001234567891";

pub(super) fn source_config() -> SourceConfig {
    with_links(
        config(SourceKind::Shopify, &[ROTATED, SECRET], 14_400),
        &[
            ("base-jp", "tags.base:"),
            ("imweb-kr", "note_attributes.imweb_order_no"),
        ],
    )
}

pub(super) fn now() -> Timestamp {
    at("2026-11-25T05:00:10Z")
}

/// The headers Shopify sends, signed independently of the adapter.
pub(super) fn shopify_headers(topic: &str, body: &[u8]) -> Vec<(String, String)> {
    headers(&[
        ("content-type", "application/json"),
        ("x-shopify-topic", topic),
        ("x-shopify-hmac-sha256", &hmac_base64(SECRET, body)),
        ("x-shopify-shop-domain", "sato-tea.myshopify.com"),
        ("x-shopify-api-version", "2025-10"),
        ("x-shopify-webhook-id", WEBHOOK_ID),
        ("x-shopify-event-id", EVENT_ID),
        ("x-shopify-triggered-at", TRIGGERED),
    ])
}

pub(super) fn without(headers: &[(String, String)], name: &str) -> Vec<(String, String)> {
    headers.iter().filter(|(n, _)| n != name).cloned().collect()
}

pub(super) fn replaced(
    headers: &[(String, String)],
    name: &str,
    value: &str,
) -> Vec<(String, String)> {
    let mut headers = without(headers, name);
    headers.push((name.to_string(), value.to_string()));
    headers
}

fn run(topic: &str, fixture_name: &str) -> Result<Translated, IngestError> {
    let body = fixture(&format!("shopify/{fixture_name}"));
    let adapter = build_adapter(&source_config());
    accept(
        adapter.as_ref(),
        &shopify_headers(topic, &body),
        &body,
        now(),
    )
}

fn order_event(topic: &str, status: Status, updated_at: &str) -> OrderEvent {
    OrderEvent {
        payment_method: Some(PaymentMethod::Card),
        links: vec![
            link("base-jp", "154D88A39E454289", &[]),
            link("imweb-kr", "202611220001", &[]),
        ],
        ..base_event(
            &format!("{topic}:{EVENT_ID}"),
            topic,
            ORDER,
            status,
            updated_at,
        )
    }
}

#[test]
fn orders_paid() {
    let expected = OrderEvent {
        // The lines come along before shipping, so a later partial fulfillment is
        // told apart from one of the whole order.
        items: Some(vec![
            ItemUpdate {
                id: LineId::parse("14001234567890").unwrap(),
                quantity: Some(2),
                status: Status::Paid,
            },
            ItemUpdate {
                id: LineId::parse("14001234567891").unwrap(),
                quantity: Some(1),
                status: Status::Paid,
            },
        ]),
        ..order_event("orders/paid", Status::Paid, "2026-11-22T09:42:12Z")
    };
    assert_eq!(
        expect_event(run("orders/paid", "orders_paid.json")),
        expected
    );
}

#[test]
fn orders_cancelled_maps_the_reason() {
    let expected = OrderEvent {
        cancel: Some(Cancel {
            reason: Some("SOLD_OUT".into()),
            note: None,
        }),
        ..order_event("orders/cancelled", Status::Canceled, "2026-11-23T00:15:02Z")
    };
    assert_eq!(
        expect_event(run("orders/cancelled", "orders_cancelled.json")),
        expected
    );
}

#[test]
fn orders_updated_when_fulfilled_is_dispatched_with_tracking() {
    let expected = OrderEvent {
        items: Some(vec![
            line(TINS, Some(2), Status::Dispatched),
            line(CUP, Some(1), Status::Dispatched),
        ]),
        shipment: Some(shipment("sagawa", "123412341234", Some(&[TINS, CUP]))),
        ..order_event("orders/updated", Status::Dispatched, "2026-11-24T01:05:03Z")
    };
    assert_eq!(
        expect_event(run("orders/updated", "orders_updated.json")),
        expected
    );
    // orders/fulfilled carries the same order: the same mapping under its own event id.
    let fulfilled = expect_event(run("orders/fulfilled", "orders_updated.json"));
    assert_eq!(
        fulfilled.event_id.as_str(),
        format!("orders/fulfilled:{EVENT_ID}")
    );
    assert_eq!(fulfilled.shipment, expected.shipment);
}

#[test]
fn orders_partially_fulfilled_lists_each_line() {
    let expected = OrderEvent {
        items: Some(vec![
            line(TINS, Some(2), Status::Dispatched),
            line(CUP, Some(1), Status::Paid),
        ]),
        shipment: Some(shipment("yamato", "4567-8901-2345", Some(&[TINS]))),
        ..order_event(
            "orders/partially_fulfilled",
            Status::Dispatched,
            "2026-11-24T02:30:00Z",
        )
    };
    let got = expect_event(run(
        "orders/partially_fulfilled",
        "orders_partially_fulfilled.json",
    ));
    assert_eq!(got, expected);
}

#[test]
fn fulfillments_create_with_tracking() {
    let expected = OrderEvent {
        items: Some(vec![line(CUP, Some(1), Status::Dispatched)]),
        shipment: Some(shipment("dhl", "JD014600006281230719", Some(&[CUP]))),
        ..base_event(
            &format!("fulfillments/create:{EVENT_ID}"),
            "fulfillments/create",
            ORDER,
            Status::Dispatched,
            "2026-11-25T05:00:01Z",
        )
    };
    assert_eq!(
        expect_event(run("fulfillments/create", "fulfillments_create.json")),
        expected
    );
}

#[test]
fn fulfillment_statuses_other_than_success_are_ignored_and_delivered_counts() {
    let original = String::from_utf8(fixture("shopify/fulfillments_create.json")).unwrap();
    let adapter = build_adapter(&source_config());
    let pending = original.replace("\"status\": \"success\"", "\"status\": \"pending\"");
    let result = accept(
        adapter.as_ref(),
        &shopify_headers("fulfillments/update", pending.as_bytes()),
        pending.as_bytes(),
        now(),
    );
    assert_eq!(
        result,
        Ok(Translated::Ignored {
            topic: "fulfillments/update".into()
        })
    );
    let delivered = original.replace(
        "\"shipment_status\": null",
        "\"shipment_status\": \"delivered\"",
    );
    let event = expect_event(accept(
        adapter.as_ref(),
        &shopify_headers("fulfillments/update", delivered.as_bytes()),
        delivered.as_bytes(),
        now(),
    ));
    assert_eq!(event.status, Status::Delivered);
    assert_eq!(
        event.items,
        Some(vec![line(CUP, Some(1), Status::Delivered)])
    );
}

#[test]
fn a_late_orders_paid_keeps_the_fulfilment_state() {
    // COD orders are marked paid after delivery: the topic must not move the order back.
    let event = expect_event(run("orders/paid", "orders_updated.json"));
    assert_eq!(event.status, Status::Dispatched);
}

#[test]
fn unhandled_topics_are_ignored_after_verification() {
    let body =
        br#"{"id":8012345678901,"title":"Hojicha Tin","updated_at":"2026-11-25T14:00:00+09:00"}"#;
    let adapter = build_adapter(&source_config());
    let result = accept(
        adapter.as_ref(),
        &shopify_headers("products/update", body),
        body,
        now(),
    );
    assert_eq!(
        result,
        Ok(Translated::Ignored {
            topic: "products/update".into()
        })
    );
    let forged = replaced(
        &shopify_headers("products/update", body),
        "x-shopify-hmac-sha256",
        &hmac_base64("wrong", body),
    );
    assert_eq!(
        expect_error(accept(adapter.as_ref(), &forged, body, now())).code(),
        "invalid_signature"
    );
}
