//! Inputs the fuzz targets (`fuzz/`, FUZZING.md) found, each fed to the code that failed
//! on it.

use super::shopify::{
    now as shopify_now, replaced, shopify_headers, source_config as shopify_config,
};
use super::support::*;
use crate::config::SourceKind;
use crate::domain::{EventId, OrderEvent};
use crate::ingest::{build_adapter, parse_canonical};
use serde_json::{json, Value};

/// `canonical_event_structured`, crash-99be2749f8cf4059a74ee1a1f554146c9a367a00: valid
/// RFC 3339 whose offset puts the instant, in UTC, before 0000-01-01. It was accepted,
/// and storing the event then panicked ("a UTC datetime always formats as RFC 3339":
/// RFC 3339 has no year -1), taking the store writer down for one signed request.
const BEFORE_YEAR_0: &str = "0000-01-01t00:00:00.00+08:39";
/// The same past the other end: 10000-01-01T00:00:59Z in UTC.
const AFTER_YEAR_9999: &str = "9999-12-31T23:59:59-00:01";

fn canonical(updated_at: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "type": "order.updated",
        "data": {"order_id": "주문-1001 #A", "payment_method": "other", "status": "placed", "updated_at": updated_at}
    }))
    .unwrap()
}

fn stored_and_read_back(event: &OrderEvent) {
    let json = serde_json::to_vec(event).expect("an accepted event serializes");
    let back: OrderEvent = serde_json::from_slice(&json).unwrap();
    assert_eq!(&back, event);
}

#[test]
fn canonical_times_outside_the_four_digit_years_are_invalid() {
    for text in [BEFORE_YEAR_0, AFTER_YEAR_9999] {
        let result = parse_canonical(EventId::parse("evt").unwrap(), &canonical(text));
        let error = result.expect_err(text);
        assert_error(&error, "invalid_event", "data.updated_at: not an RFC 3339");
    }
}

#[test]
fn canonical_times_at_the_edges_are_kept_and_store() {
    for text in [
        "0000-01-01T00:00:00Z",
        "0000-01-01T00:00:00-00:01",
        "9999-12-31T23:59:59.999999999Z",
        "9999-12-31T23:59:59+00:01",
    ] {
        let event = parse_canonical(EventId::parse("evt").unwrap(), &canonical(text))
            .unwrap_or_else(|error| panic!("{text}: {error}"));
        stored_and_read_back(&event);
    }
}

#[test]
fn youcan_times_outside_the_four_digit_years_are_invalid() {
    const SECRET: &str = "ycs_regression";
    let adapter = build_adapter(&config(SourceKind::Youcan, &[SECRET], 300));
    // -62167219201 is 0000-01-01T00:00:00Z less a second: Unix seconds took the same path.
    let happened: [Value; 4] = [
        json!(-62_167_219_201_i64),
        json!(253_402_300_800_i64),
        json!(BEFORE_YEAR_0),
        json!(AFTER_YEAR_9999),
    ];
    for happened in happened {
        let body = serde_json::to_vec(&json!({
            "event_name": "order.updated", "event_happened_at": happened, "data": {"id": "e1f4dd96"}
        }))
        .unwrap();
        let headers = headers(&[("x-youcan-signature", &hmac_hex(SECRET, &body))]);
        let error = expect_error(accept(adapter.as_ref(), &headers, &body, shopify_now()));
        assert_error(&error, "invalid_event", "event_happened_at");
    }
    let body = serde_json::to_vec(&json!({
        "event_name": "order.updated", "event_happened_at": -62_167_219_200_i64, "data": {"id": "e1f4dd96"}
    }))
    .unwrap();
    let headers = headers(&[("x-youcan-signature", &hmac_hex(SECRET, &body))]);
    stored_and_read_back(&expect_event(accept(
        adapter.as_ref(),
        &headers,
        &body,
        shopify_now(),
    )));
}

/// Shopify's unsigned-time header: the window check's message printed the time, and
/// printing it panicked.
#[test]
fn shopify_triggered_at_outside_the_four_digit_years_is_refused() {
    let body = fixture("shopify/orders_paid.json");
    let adapter = build_adapter(&shopify_config());
    for text in [BEFORE_YEAR_0, AFTER_YEAR_9999] {
        let headers = replaced(
            &shopify_headers("orders/paid", &body),
            "x-shopify-triggered-at",
            text,
        );
        let error = expect_error(accept(adapter.as_ref(), &headers, &body, shopify_now()));
        assert_error(
            &error,
            "invalid_signature",
            "x-shopify-triggered-at header is not an RFC 3339 time",
        );
    }
}

#[test]
fn woocommerce_date_modified_outside_the_four_digit_years_is_invalid() {
    const SECRET: &str = "wc-regression";
    let adapter = build_adapter(&config(SourceKind::Woocommerce, &[SECRET], 300));
    for text in [BEFORE_YEAR_0, AFTER_YEAR_9999] {
        let body = serde_json::to_vec(&json!({
            "id": 727, "status": "processing", "date_modified_gmt": text
        }))
        .unwrap();
        let headers = headers(&[
            ("x-wc-webhook-signature", &hmac_base64(SECRET, &body)),
            ("x-wc-webhook-topic", "order.updated"),
            ("x-wc-webhook-delivery-id", "d-1"),
        ]);
        let error = expect_error(accept(adapter.as_ref(), &headers, &body, shopify_now()));
        assert_error(&error, "invalid_event", "date_modified_gmt");
    }
}
