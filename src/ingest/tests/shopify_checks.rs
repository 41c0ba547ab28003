//! Shopify: signature, replay window, event ids and schema errors (the mappings are in
//! `shopify.rs`).

use super::shopify::*;
use super::support::*;
use crate::config::SourceKind;
use crate::domain::{Cancel, Status};
use crate::ingest::build_adapter;

#[test]
fn one_changed_body_byte_is_an_invalid_signature() {
    let body = fixture("shopify/orders_paid.json");
    let adapter = build_adapter(&source_config());
    let headers = shopify_headers("orders/paid", &body);
    let result = accept(adapter.as_ref(), &headers, &flip_byte(&body), now());
    assert_error(
        &expect_error(result),
        "invalid_signature",
        "x-shopify-hmac-sha256",
    );
    let result = accept(
        adapter.as_ref(),
        &replaced(&headers, "x-shopify-hmac-sha256", "%%%"),
        &body,
        now(),
    );
    assert_error(&expect_error(result), "invalid_signature", "not base64");
    let result = accept(
        adapter.as_ref(),
        &without(&headers, "x-shopify-hmac-sha256"),
        &body,
        now(),
    );
    assert_error(
        &expect_error(result),
        "missing_signature",
        "missing x-shopify-hmac-sha256 header",
    );
}

#[test]
fn known_good_signature_computed_outside_rust() {
    // python3 -c 'import hmac,hashlib,base64;print(base64.b64encode(hmac.new(
    //   b"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",open("tests/fixtures/shopify/orders_paid.json",
    //   "rb").read(),hashlib.sha256).digest()).decode())'
    // (same as `openssl dgst -sha256 -hmac <secret> -binary <file> | openssl base64 -A`).
    // Pins the fixture's bytes: reformatting the file breaks this test on purpose.
    let body = fixture("shopify/orders_paid.json");
    let headers = replaced(
        &shopify_headers("orders/paid", &body),
        "x-shopify-hmac-sha256",
        "TaE2KPljhhoCku35gjqr5HYhOvHgVHPonD+QHSqvCRA=",
    );
    let adapter = build_adapter(&config(SourceKind::Shopify, &[SECRET], 14_400));
    assert_eq!(
        expect_event(accept(adapter.as_ref(), &headers, &body, now())).status,
        Status::Paid
    );
}

#[test]
fn rotated_secret_matches() {
    let body = fixture("shopify/orders_paid.json");
    let headers = replaced(
        &shopify_headers("orders/paid", &body),
        "x-shopify-hmac-sha256",
        &hmac_base64(ROTATED, &body),
    );
    let adapter = build_adapter(&source_config());
    assert!(accept(adapter.as_ref(), &headers, &body, now()).is_ok());
    let only_old = build_adapter(&config(SourceKind::Shopify, &[SECRET], 14_400));
    assert_eq!(
        expect_error(accept(only_old.as_ref(), &headers, &body, now())).code(),
        "invalid_signature"
    );
}

#[test]
fn replay_window_on_triggered_at() {
    let body = fixture("shopify/orders_paid.json");
    let adapter = build_adapter(&config(SourceKind::Shopify, &[SECRET], 300));
    let headers = shopify_headers("orders/paid", &body);
    let triggered = at(TRIGGERED);
    let edge = triggered.plus(std::time::Duration::from_secs(300));
    assert!(accept(adapter.as_ref(), &headers, &body, edge).is_ok());
    // Shopify's clock ahead of ours is not a replay.
    assert!(accept(
        adapter.as_ref(),
        &headers,
        &body,
        at("2026-11-25T04:00:00Z")
    )
    .is_ok());
    let late = triggered.plus(std::time::Duration::from_secs(301));
    let result = accept(adapter.as_ref(), &headers, &body, late);
    assert_error(
        &expect_error(result),
        "timestamp_out_of_tolerance",
        "is 301 s old; the replay window is 300 s",
    );
    let result = accept(
        adapter.as_ref(),
        &without(&headers, "x-shopify-triggered-at"),
        &body,
        now(),
    );
    assert_error(
        &expect_error(result),
        "missing_signature",
        "x-shopify-triggered-at",
    );
    let result = accept(
        adapter.as_ref(),
        &replaced(&headers, "x-shopify-triggered-at", "yesterday"),
        &body,
        now(),
    );
    assert_error(
        &expect_error(result),
        "invalid_signature",
        "x-shopify-triggered-at header is not an RFC 3339 time",
    );
}

#[test]
fn event_id_falls_back_to_the_webhook_id() {
    let body = fixture("shopify/orders_paid.json");
    let adapter = build_adapter(&source_config());
    let headers = without(&shopify_headers("orders/paid", &body), "x-shopify-event-id");
    let event = expect_event(accept(adapter.as_ref(), &headers, &body, now()));
    assert_eq!(event.event_id.as_str(), format!("orders/paid:{WEBHOOK_ID}"));
    let neither = without(&headers, "x-shopify-webhook-id");
    let result = accept(adapter.as_ref(), &neither, &body, now());
    assert_error(
        &expect_error(result),
        "invalid_event",
        "missing x-shopify-event-id header",
    );
}

#[test]
fn updated_at_falls_back_to_triggered_at_and_schema_errors_name_the_field() {
    let adapter = build_adapter(&source_config());
    let body = br#"{"id": 1, "financial_status": "pending"}"#;
    let event = expect_event(accept(
        adapter.as_ref(),
        &shopify_headers("orders/create", body),
        body,
        now(),
    ));
    assert_eq!(event.updated_at, at(TRIGGERED));
    assert_eq!(
        (event.status, event.payment_method, event.links),
        (Status::Placed, None, vec![])
    );
    for (body, code, fragment) in [
        (
            &br#"{"financial_status": "paid"}"#[..],
            "invalid_event",
            "id: required",
        ),
        (
            br#"{"id": 1, "updated_at": "noon"}"#,
            "invalid_event",
            "updated_at: not an RFC 3339",
        ),
        (
            br#"{"id": 1, "fulfillment_status": "fulfilled", "line_items": [{"quantity": 1}]}"#,
            "invalid_event",
            "line_items[0].id: required",
        ),
        (
            br#"{"id": 1, "line_items": {"id": 5}}"#,
            "invalid_event",
            "line_items: invalid type: map",
        ),
        (
            br#"{"id": 1.5}"#,
            "invalid_event",
            "id: invalid type: floating point",
        ),
        (br#"{"id": 1,"#, "malformed_json", "line 1 column 9"),
    ] {
        let result = accept(
            adapter.as_ref(),
            &shopify_headers("orders/updated", body),
            body,
            now(),
        );
        assert_error(&expect_error(result), code, fragment);
    }
}

#[test]
fn cancel_reasons_without_a_canonical_code_keep_shopify_words() {
    let adapter = build_adapter(&source_config());
    for (reason, code, note) in [
        ("customer", Some("INTENT_CHANGED"), None),
        ("fraud", None, Some("Shopify cancel_reason: fraud")),
        ("declined", None, Some("Shopify cancel_reason: declined")),
    ] {
        let body = format!(
            r#"{{"id": 1, "cancelled_at": "2026-11-23T00:00:00Z", "cancel_reason": "{reason}"}}"#
        );
        let event = expect_event(accept(
            adapter.as_ref(),
            &shopify_headers("orders/cancelled", body.as_bytes()),
            body.as_bytes(),
            now(),
        ));
        let expected = Cancel {
            reason: code.map(str::to_string),
            note: note.map(str::to_string),
        };
        assert_eq!(event.cancel, Some(expected), "{reason}");
    }
}

#[test]
fn native_adapters_redact_secrets_in_debug() {
    use crate::ingest::{ShopifySource, WoocommerceSource, YoucanSource};
    let shopify = config(SourceKind::Shopify, &[SECRET, ROTATED], 300);
    let woo = config(SourceKind::Woocommerce, &[SECRET], 300);
    let youcan = config(SourceKind::Youcan, &[SECRET], 300);
    let dumps = [
        format!("{:?}", ShopifySource::new(&shopify)),
        format!("{:?}", WoocommerceSource::new(&woo)),
        format!("{:?}", YoucanSource::new(&youcan)),
    ];
    for dump in dumps {
        assert!(dump.contains("redacted"), "{dump}");
        assert!(
            !dump.contains("5f9a1c7e") && !dump.contains("0b1c2d3e"),
            "{dump}"
        );
    }
}
