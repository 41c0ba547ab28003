use super::support::*;
use crate::config::{CompletedMeans, SourceConfig, SourceKind};
use crate::domain::{OrderEvent, PaymentMethod, Status, Timestamp};
use crate::ingest::{build_adapter, IngestError, Translated};

const SECRET: &str = "s3cr3t-W00-2026!";
const DELIVERY: &str = "3c9a0f27d4b1e85a6f2c7d9e0b1a3c5f";

fn source_config(completed_means: CompletedMeans) -> SourceConfig {
    let mut config = with_links(
        config(SourceKind::Woocommerce, &[SECRET], 300),
        &[("payco", "meta_data._payco_imp_uid")],
    );
    config.completed_means = completed_means;
    config
}

fn now() -> Timestamp {
    at("2026-12-02T03:00:05Z")
}

fn wc_headers(topic: &str, body: &[u8]) -> Vec<(String, String)> {
    headers(&[
        ("content-type", "application/json"),
        ("user-agent", "WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)"),
        ("x-wc-webhook-source", "https://shop.example.kr/"),
        ("x-wc-webhook-topic", topic),
        ("x-wc-webhook-resource", "order"),
        ("x-wc-webhook-event", "updated"),
        ("x-wc-webhook-signature", &hmac_base64(SECRET, body)),
        ("x-wc-webhook-id", "12"),
        ("x-wc-webhook-delivery-id", DELIVERY),
    ])
}

fn run_with(
    completed_means: CompletedMeans,
    fixture_name: &str,
) -> Result<Translated, IngestError> {
    let body = fixture(&format!("woocommerce/{fixture_name}"));
    let adapter = build_adapter(&source_config(completed_means));
    accept(
        adapter.as_ref(),
        &wc_headers("order.updated", &body),
        &body,
        now(),
    )
}

fn run(fixture_name: &str) -> Result<Translated, IngestError> {
    run_with(CompletedMeans::Dispatched, fixture_name)
}

fn order_event(status: Status, modified_gmt: &str, payment: PaymentMethod) -> OrderEvent {
    OrderEvent {
        payment_method: Some(payment),
        items: Some(vec![
            line("315", Some(2), status),
            line("316", Some(1), status),
        ]),
        links: vec![link("payco", "imp_123456789012", &[])],
        ..base_event(
            &format!("{DELIVERY}:727:{modified_gmt}"),
            "order.updated",
            "727",
            status,
            &format!("{modified_gmt}Z"),
        )
    }
}

#[test]
fn processing_is_paid() {
    let expected = order_event(Status::Paid, "2026-11-22T10:05:40", PaymentMethod::Card);
    assert_eq!(expect_event(run("order_updated_processing.json")), expected);
}

#[test]
fn completed_with_shipment_tracking() {
    let expected = OrderEvent {
        shipment: Some(shipment("cj", "6543 2109 8765", None)),
        ..order_event(
            Status::Dispatched,
            "2026-11-24T06:20:07",
            PaymentMethod::Cod,
        )
    };
    assert_eq!(expect_event(run("order_updated_completed.json")), expected);
    let delivered = OrderEvent {
        shipment: Some(shipment("cj", "6543 2109 8765", None)),
        ..order_event(Status::Delivered, "2026-11-24T06:20:07", PaymentMethod::Cod)
    };
    let got = expect_event(run_with(
        CompletedMeans::Delivered,
        "order_updated_completed.json",
    ));
    assert_eq!(got, delivered);
}

#[test]
fn cancelled_and_refunded() {
    let expected = order_event(Status::Canceled, "2026-11-23T01:00:00", PaymentMethod::Card);
    assert_eq!(expect_event(run("order_updated_cancelled.json")), expected);
    let expected = order_event(Status::Returned, "2026-12-02T03:00:00", PaymentMethod::Cod);
    assert_eq!(expect_event(run("order_updated_refunded.json")), expected);
}

#[test]
fn the_creation_ping_is_a_ping() {
    let body = fixture("woocommerce/ping.form");
    let adapter = build_adapter(&source_config(CompletedMeans::Dispatched));
    let ping_headers = headers(&[
        ("content-type", "application/x-www-form-urlencoded"),
        ("user-agent", "WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)"),
    ]);
    assert_eq!(
        accept(adapter.as_ref(), &ping_headers, &body, now()),
        Ok(Translated::Ping)
    );
    // Anything else unsigned is refused, and a signed ping must really be signed.
    for other in [
        &b"webhook_id="[..],
        b"webhook_id=12&x=1",
        b"webhook_id=abc",
        b"{}",
    ] {
        let result = accept(adapter.as_ref(), &ping_headers, other, now());
        assert_error(
            &expect_error(result),
            "missing_signature",
            "missing x-wc-webhook-signature header",
        );
    }
    let mut forged = ping_headers.clone();
    forged.push(("x-wc-webhook-signature".into(), hmac_base64("wrong", &body)));
    assert_eq!(
        expect_error(accept(adapter.as_ref(), &forged, &body, now())).code(),
        "invalid_signature"
    );
}

#[test]
fn other_topics_and_statuses_are_ignored() {
    let adapter = build_adapter(&source_config(CompletedMeans::Dispatched));
    let body = fixture("woocommerce/order_updated_processing.json");
    for topic in [
        "order.deleted",
        "product.updated",
        "action.woocommerce_order_status_changed",
    ] {
        let result = accept(adapter.as_ref(), &wc_headers(topic, &body), &body, now());
        assert_eq!(
            result,
            Ok(Translated::Ignored {
                topic: topic.into()
            })
        );
    }
    let text = String::from_utf8(body).unwrap();
    for status in ["failed", "checkout-draft", "trash", "wc-shipped"] {
        let body = text.replace(
            "\"status\": \"processing\"",
            &format!("\"status\": \"{status}\""),
        );
        let result = accept(
            adapter.as_ref(),
            &wc_headers("order.updated", body.as_bytes()),
            body.as_bytes(),
            now(),
        );
        let topic = format!("order.updated status={status}");
        assert_eq!(result, Ok(Translated::Ignored { topic }));
    }
    let body = text.replace("\"status\": \"processing\"", "\"status\": \"on-hold\"");
    let event = expect_event(accept(
        adapter.as_ref(),
        &wc_headers("order.created", body.as_bytes()),
        body.as_bytes(),
        now(),
    ));
    assert_eq!(
        (event.status, event.kind.as_str()),
        (Status::Placed, "order.created")
    );
}

#[test]
fn one_changed_body_byte_is_an_invalid_signature() {
    let body = fixture("woocommerce/order_updated_completed.json");
    let adapter = build_adapter(&source_config(CompletedMeans::Dispatched));
    let result = accept(
        adapter.as_ref(),
        &wc_headers("order.updated", &body),
        &flip_byte(&body),
        now(),
    );
    assert_error(
        &expect_error(result),
        "invalid_signature",
        "x-wc-webhook-signature",
    );
}

#[test]
fn known_good_signature_computed_outside_rust() {
    // python3 -c 'import hmac,hashlib,base64;print(base64.b64encode(hmac.new(
    //   b"s3cr3t-W00-2026!",open("tests/fixtures/woocommerce/order_updated_completed.json",
    //   "rb").read(),hashlib.sha256).digest()).decode())'
    // (checked against `openssl dgst -sha256 -hmac 's3cr3t-W00-2026!' -binary <file> | openssl base64 -A`).
    let body = fixture("woocommerce/order_updated_completed.json");
    let mut headers = wc_headers("order.updated", &body);
    headers.retain(|(name, _)| name != "x-wc-webhook-signature");
    headers.push((
        "x-wc-webhook-signature".into(),
        "xzevj9t88Cg9rFdV+yQYYCaM6+dnocJP6Wtv1Vl+i78=".into(),
    ));
    let adapter = build_adapter(&config(
        SourceKind::Woocommerce,
        &["old-secret", SECRET],
        300,
    ));
    assert_eq!(
        expect_event(accept(adapter.as_ref(), &headers, &body, now())).status,
        Status::Dispatched
    );
}

#[test]
fn missing_delivery_id_and_schema_errors() {
    let adapter = build_adapter(&source_config(CompletedMeans::Dispatched));
    let body = fixture("woocommerce/order_updated_processing.json");
    let mut headers = wc_headers("order.updated", &body);
    headers.retain(|(name, _)| name != "x-wc-webhook-delivery-id");
    let result = accept(adapter.as_ref(), &headers, &body, now());
    assert_error(
        &expect_error(result),
        "invalid_event",
        "missing x-wc-webhook-delivery-id header",
    );
    for (body, fragment) in [
        (&br#"{"id": 727, "date_modified_gmt": "2026-11-22T10:05:40"}"#[..], "status: required"),
        (br#"{"status": "processing", "date_modified_gmt": "2026-11-22T10:05:40"}"#, "id: required"),
        (br#"{"id": 727, "status": "processing"}"#, "date_modified_gmt: required"),
        (br#"{"id": 727, "status": "processing", "date_modified_gmt": "22/11/2026"}"#, "date_modified_gmt: not a date-time"),
        (br#"{"id": 727, "status": "processing", "date_modified_gmt": "2026-11-22T10:05:40", "line_items": [{"id": 1}, {"quantity": 2}]}"#, "line_items[1].id: required"),
        (br#"{"id": 727, "status": "completed", "date_modified_gmt": "2026-11-22T10:05:40", "meta_data": [{"key": "_wc_shipment_tracking_items", "value": [{"tracking_number": 5}]}]}"#, "meta_data[0].value[0].tracking_number: invalid type"),
    ] {
        let result = accept(adapter.as_ref(), &wc_headers("order.updated", body), body, now());
        assert_error(&expect_error(result), "invalid_event", fragment);
    }
}
