//! No input makes a parser panic: arbitrary headers and bytes, and — so that the payload
//! parsers are reached at all — correctly signed arbitrary bodies and JSON trees built
//! from the fields the parsers look for.

use super::support::*;
use crate::config::{SourceConfig, SourceKind};
use crate::domain::{EventId, Timestamp};
use crate::ingest::{build_adapter, parse_canonical, sign, IngestError, SourceAdapter};
use crate::secret::Secret;
use proptest::prelude::*;
use serde_json::{Map, Value};

const STANDARD_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const VENDOR_SECRET: &str = "prop-secret";

const KEYS: [&str; 49] = [
    "type",
    "data",
    "order_id",
    "status",
    "updated_at",
    "payment_method",
    "items",
    "id",
    "quantity",
    "shipment",
    "carrier",
    "tracking_number",
    "item_ids",
    "cancel",
    "reason",
    "note",
    "links",
    "channel",
    "fulfillment_status",
    "financial_status",
    "cancelled_at",
    "cancel_reason",
    "line_items",
    "fulfillments",
    "tracking_company",
    "tracking_numbers",
    "shipment_status",
    "payment_gateway_names",
    "note_attributes",
    "name",
    "value",
    "tags",
    "meta_data",
    "key",
    "date_modified_gmt",
    "event_name",
    "event_happened_at",
    "status_object",
    "slug",
    "payment",
    "status_text",
    "gateway",
    "shipping",
    "variants",
    "shipping_status",
    "payment_status",
    "tracking_provider",
    "custom_tracking_provider",
    "timestamp",
];

const WORDS: [&str; 26] = [
    "paid",
    "dispatched",
    "placed",
    "success",
    "delivered",
    "fulfilled",
    "partial",
    "refunded",
    "processing",
    "completed",
    "cancelled",
    "order.paid",
    "order.updated",
    "2026-11-22T10:00:00Z",
    "2026-11-22T10:00:00",
    "_wc_shipment_tracking_items",
    "base:154D",
    "imweb",
    "sagawa",
    "customer",
    "canceled-by-seller",
    "shipped",
    "cod",
    "",
    " ",
    "L1",
];

const TOPICS: [&str; 10] = [
    "orders/paid",
    "orders/updated",
    "orders/cancelled",
    "orders/partially_fulfilled",
    "fulfillments/create",
    "fulfillments/update",
    "order.updated",
    "order.created",
    "products/update",
    "",
];

fn adapter(kind: SourceKind) -> Box<dyn SourceAdapter> {
    let secret = match kind {
        SourceKind::Standard => STANDARD_SECRET,
        _ => VENDOR_SECRET,
    };
    build_adapter(&with_links(
        SourceConfig {
            secrets: vec![Secret::new(secret)],
            ..config(kind, &[], 300)
        },
        &[
            ("base-jp", "tags.base:"),
            ("imweb-kr", "note_attributes.imweb"),
            ("payco", "meta_data.payco"),
        ],
    ))
}

const KINDS: [SourceKind; 4] = [
    SourceKind::Standard,
    SourceKind::Shopify,
    SourceKind::Woocommerce,
    SourceKind::Youcan,
];

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(&WORDS[..]).prop_map(str::to_string),
        1 => any::<String>(),
    ]
}

fn json_tree() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(Value::from),
        word().prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((proptest::sample::select(&KEYS[..]), inner), 0..8).prop_map(
                |pairs| {
                    let map: Map<String, Value> =
                        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
                    Value::Object(map)
                }
            ),
        ]
    })
}

/// Mostly objects at the top, as every sender sends.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => json_tree().prop_map(|tree| serde_json::to_vec(&tree).unwrap()),
        1 => prop::collection::vec(any::<u8>(), 0..256),
    ]
}

fn header_pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    let names = prop_oneof![
        4 => proptest::sample::select(&[
            "webhook-id", "webhook-timestamp", "webhook-signature", "x-shopify-hmac-sha256",
            "x-shopify-topic", "x-shopify-event-id", "x-shopify-webhook-id",
            "x-shopify-triggered-at", "x-wc-webhook-signature", "x-wc-webhook-topic",
            "x-wc-webhook-delivery-id", "x-youcan-signature",
        ][..])
        .prop_map(str::to_string),
        1 => "[a-z-]{1,24}",
    ];
    let values = prop_oneof![
        any::<String>(),
        "-?[0-9]{0,20}",
        "(v1[a]?,[A-Za-z0-9+/=]{0,48} ?){0,3}",
        "[0-9a-fA-F]{0,70}",
        "20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,12})?(Z|[+-][0-9]{2}:[0-9]{2})?",
        proptest::sample::select(&TOPICS[..]).prop_map(str::to_string),
    ];
    prop::collection::vec((names, values), 0..10)
}

fn instant() -> impl Strategy<Value = Timestamp> {
    (-62_135_596_800i64..253_402_300_799).prop_map(|s| Timestamp::from_unix_seconds(s).unwrap())
}

fn is_signature_error(error: &IngestError) -> bool {
    matches!(
        error,
        IngestError::MissingSignature(_) | IngestError::InvalidSignature(_)
    )
}

proptest! {
    #[test]
    fn arbitrary_requests_never_panic(
        headers in header_pairs(),
        body in body(),
        now in instant(),
    ) {
        for kind in KINDS {
            let _ = accept(adapter(kind).as_ref(), &headers, &body, now);
        }
    }

    #[test]
    fn parse_canonical_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..256), tree in json_tree()) {
        let id = EventId::parse("evt").unwrap();
        let _ = parse_canonical(id.clone(), &bytes);
        let json = serde_json::to_vec(&tree).unwrap();
        // Valid JSON is never reported as malformed.
        if let Err(error) = parse_canonical(id, &json) {
            prop_assert_eq!(error.code(), "invalid_event", "{}", error);
        }
    }

    #[test]
    fn signed_standard_bodies_reach_the_parser(body in body(), id in "[ -~]{1,40}", offset in -300i64..=300) {
        let now = at("2026-11-22T10:00:00Z");
        let timestamp = now.unix_seconds() + offset;
        let signature = sign(&Secret::new(STANDARD_SECRET), id.trim(), timestamp, &body);
        let headers = headers(&[
            ("webhook-id", id.trim()),
            ("webhook-timestamp", &timestamp.to_string()),
            ("webhook-signature", &signature),
        ]);
        let result = accept(adapter(SourceKind::Standard).as_ref(), &headers, &body, now);
        if let Err(error) = result {
            prop_assert!(!is_signature_error(&error) || id.trim().is_empty(), "{}", error);
        }
    }

    #[test]
    fn signed_vendor_bodies_reach_the_parser(
        body in body(),
        topic in proptest::sample::select(&TOPICS[..]),
        extra in header_pairs(),
    ) {
        let now = at("2026-11-22T10:00:00Z");
        let shopify = {
            let mut h = headers(&[
                ("x-shopify-hmac-sha256", &hmac_base64(VENDOR_SECRET, &body)),
                ("x-shopify-topic", topic),
                ("x-shopify-event-id", "e-1"),
                ("x-shopify-triggered-at", "2026-11-22T09:59:00Z"),
            ]);
            h.extend(extra.iter().cloned());
            h
        };
        let woocommerce = headers(&[
            ("x-wc-webhook-signature", &hmac_base64(VENDOR_SECRET, &body)),
            ("x-wc-webhook-topic", topic),
            ("x-wc-webhook-delivery-id", "d-1"),
        ]);
        let youcan = headers(&[("x-youcan-signature", &hmac_hex(VENDOR_SECRET, &body))]);
        for (kind, headers) in [
            (SourceKind::Shopify, shopify),
            (SourceKind::Woocommerce, woocommerce),
            (SourceKind::Youcan, youcan),
        ] {
            if let Err(error) = accept(adapter(kind).as_ref(), &headers, &body, now) {
                // Header lookups take the first value and ours come first, so the extras
                // cannot displace them: a signature error would be a verifier bug.
                prop_assert!(!is_signature_error(&error), "{:?}: {}", kind, error);
            }
        }
    }
}
