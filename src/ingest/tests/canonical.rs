use super::support::*;
use crate::domain::{Cancel, EventId, OrderEvent, PaymentMethod, Status};
use crate::ingest::parse_canonical;
use serde_json::{json, Value};

/// The canonical payload example of INGEST.md, verbatim.
const EXAMPLE: &str = r#"{
  "type": "order.updated",
  "timestamp": "2026-11-22T10:00:00Z",
  "data": {
    "order_id": "1001",
    "status": "dispatched",
    "updated_at": "2026-11-22T10:00:00Z",
    "payment_method": "cod",
    "items": [
      {"id": "L1", "quantity": 2, "status": "dispatched"},
      {"id": "L2", "quantity": 1, "status": "preparing"}
    ],
    "shipment": {"carrier": "sagawa", "tracking_number": "123412341234", "item_ids": ["L1"]},
    "cancel": {"reason": "SOLD_OUT", "note": "out of stock"},
    "links": [
      {"channel": "base-jp", "order_id": "154D88A39E454289", "items": {"L1": "123", "L2": "124"}},
      {"channel": "imweb-kr", "order_id": "202611220001", "items": {"L1": "2026112200011"}},
      {"channel": "payco", "order_id": "imp_123456789012"},
      {"channel": "youcan-ma", "order_id": "9b1f2c34-5d6e-4a7b-8c9d-0e1f2a3b4c5d"},
      {"channel": "wiz", "order_id": "5b0f2a1e-0c1d-4a53-9e35-f1d1b3c0a001"}
    ]
  }
}"#;

fn id() -> EventId {
    EventId::parse("evt_1").unwrap()
}

fn parse(body: &[u8]) -> Result<OrderEvent, crate::ingest::IngestError> {
    parse_canonical(id(), body)
}

fn minimal() -> Value {
    json!({"type": "order.paid", "data": {"order_id": "1001", "status": "paid", "updated_at": "2026-11-22T10:00:00Z"}})
}

/// `minimal()` changed by `edit`, as bytes.
fn edited(edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut value = minimal();
    edit(&mut value);
    serde_json::to_vec(&value).unwrap()
}

#[test]
fn the_spec_example_parses_exactly() {
    let expected = OrderEvent {
        payment_method: Some(PaymentMethod::Cod),
        items: Some(vec![
            line("L1", Some(2), Status::Dispatched),
            line("L2", Some(1), Status::Preparing),
        ]),
        shipment: Some(shipment("sagawa", "123412341234", Some(&["L1"]))),
        cancel: Some(Cancel {
            reason: Some("SOLD_OUT".into()),
            note: Some("out of stock".into()),
        }),
        links: vec![
            link(
                "base-jp",
                "154D88A39E454289",
                &[("L1", "123"), ("L2", "124")],
            ),
            link("imweb-kr", "202611220001", &[("L1", "2026112200011")]),
            link("payco", "imp_123456789012", &[]),
            link("youcan-ma", "9b1f2c34-5d6e-4a7b-8c9d-0e1f2a3b4c5d", &[]),
            link("wiz", "5b0f2a1e-0c1d-4a53-9e35-f1d1b3c0a001", &[]),
        ],
        ..base_event(
            "evt_1",
            "order.updated",
            "1001",
            Status::Dispatched,
            "2026-11-22T10:00:00Z",
        )
    };
    assert_eq!(parse(EXAMPLE.as_bytes()).unwrap(), expected);
}

#[test]
fn the_minimal_event_and_forward_compatible_extras() {
    let expected = base_event(
        "evt_1",
        "order.paid",
        "1001",
        Status::Paid,
        "2026-11-22T10:00:00Z",
    );
    assert_eq!(parse(&edited(|_| {})).unwrap(), expected);
    let extras = edited(|v| {
        v["version"] = json!(2);
        v["data"]["customer"] = json!({"name": "x"});
        v["data"]["items"] = json!([{"id": "L1", "status": "paid", "sku": "S", "quantity": null}]);
        v["data"]["shipment"] = Value::Null;
    });
    let event = parse(&extras).unwrap();
    assert_eq!(event.items, Some(vec![line("L1", None, Status::Paid)]));
    assert_eq!(event.shipment, None);
}

#[test]
fn carriers_are_canonicalised_when_known_and_kept_otherwise() {
    for (sent, stored) in [
        ("佐川急便", "sagawa"),
        (" Sagawa Express ", "sagawa"),
        ("Pigeon Post", "Pigeon Post"),
    ] {
        let body = edited(|v| {
            v["data"]["status"] = json!("dispatched");
            v["data"]["shipment"] = json!({"carrier": sent, "tracking_number": "T1"});
        });
        let event = parse(&body).unwrap();
        assert_eq!(event.shipment, Some(shipment(stored, "T1", None)), "{sent}");
    }
}

#[test]
fn shipment_is_allowed_after_dispatch_and_offsets_normalise() {
    let body = edited(|v| {
        v["data"]["status"] = json!("delivered");
        v["data"]["updated_at"] = json!("2026-11-22T19:00:00+09:00");
        v["data"]["shipment"] = json!({"carrier": "yamato", "tracking_number": "9"});
    });
    let event = parse(&body).unwrap();
    assert_eq!(event.updated_at, at("2026-11-22T10:00:00Z"));
    assert_eq!(event.shipment, Some(shipment("yamato", "9", None)));
}

#[test]
fn malformed_bodies_say_where() {
    let cases: [(&[u8], &str); 5] = [
        (
            b"{\"type\": \"\xff\"}",
            "not UTF-8: invalid byte at offset 10",
        ),
        (b"{\"type\": ", "line 1 column 9"),
        (b"", "line 1 column 0"),
        (b"{\"type\": 5,\n \"data\": }", "line 2 column 10"),
        (
            b"{\"type\": \"a\"} trailing",
            "trailing characters at line 1 column 15",
        ),
    ];
    for (body, fragment) in cases {
        assert_error(&parse(body).unwrap_err(), "malformed_json", fragment);
    }
}

#[test]
fn schema_violations_name_the_field() {
    let long = "x".repeat(129);
    type Edit = Box<dyn FnOnce(&mut Value)>;
    let cases: Vec<(Edit, &str)> = vec![
        (
            Box::new(|v| *v = json!([1])),
            "body: invalid type: sequence, expected a JSON object",
        ),
        (
            Box::new(|v| {
                v.as_object_mut().unwrap().remove("type");
            }),
            "type: required",
        ),
        (
            Box::new(|v| v["type"] = json!(" ")),
            "type: must not be empty",
        ),
        (
            Box::new(|v| v["type"] = json!(7)),
            "type: invalid type: integer `7`, expected a string",
        ),
        (
            Box::new(|v| {
                v.as_object_mut().unwrap().remove("data");
            }),
            "data: required",
        ),
        (
            Box::new(|v| v["data"] = json!("x")),
            "data: invalid type: string \"x\", expected a JSON object",
        ),
        (
            Box::new(|v| {
                v["data"].as_object_mut().unwrap().remove("order_id");
            }),
            "data.order_id: required",
        ),
        (
            Box::new(|v| v["data"]["order_id"] = json!("")),
            "data.order_id: must not be empty",
        ),
        (
            Box::new(move |v| v["data"]["order_id"] = json!(long)),
            "data.order_id: must be at most 128 characters, got 129",
        ),
        (
            Box::new(|v| v["data"]["order_id"] = json!(1001)),
            "data.order_id: invalid type: integer `1001`",
        ),
        (
            Box::new(|v| v["data"]["order_id"] = json!("a\u{7}b")),
            "data.order_id: must not contain control characters",
        ),
        (
            Box::new(|v| {
                v["data"].as_object_mut().unwrap().remove("status");
            }),
            "data.status: required",
        ),
        (
            Box::new(|v| v["data"]["status"] = json!("shipped")),
            "data.status: unknown status \"shipped\"",
        ),
        (
            Box::new(|v| {
                v["data"].as_object_mut().unwrap().remove("updated_at");
            }),
            "data.updated_at: required",
        ),
        (
            Box::new(|v| v["data"]["updated_at"] = json!("2026-11-22 10:00")),
            "data.updated_at: not an RFC 3339 timestamp",
        ),
        (
            Box::new(|v| v["data"]["payment_method"] = json!("paypal")),
            "data.payment_method: unknown payment method \"paypal\"",
        ),
        (
            Box::new(|v| v["data"]["items"] = json!({"id": "L1"})),
            "data.items: invalid type: map, expected a sequence",
        ),
        (
            Box::new(|v| v["data"]["items"] = json!([{"status": "paid"}])),
            "data.items[0].id: required",
        ),
        (
            Box::new(|v| v["data"]["items"] = json!([{"id": "", "status": "paid"}])),
            "data.items[0].id: must not be empty",
        ),
        (
            Box::new(|v| {
                v["data"]["items"] = json!([{"id": "L1", "status": "paid"}, {"id": "L2"}])
            }),
            "data.items[1].status: required",
        ),
        (
            Box::new(|v| {
                v["data"]["items"] =
                    json!([{"id": "L1", "status": "paid"}, {"id": "L2", "status": "gone"}])
            }),
            "data.items[1].status: unknown status \"gone\"",
        ),
        (
            Box::new(|v| {
                v["data"]["items"] =
                    json!([{"id": "L1", "status": "paid"}, {"id": "L1", "status": "paid"}])
            }),
            "data.items[1].id: duplicate line id \"L1\"",
        ),
        (
            Box::new(|v| {
                v["data"]["items"] = json!([{"id": "L1", "quantity": -1, "status": "paid"}])
            }),
            "data.items[0].quantity: must not be negative, got -1",
        ),
        (
            Box::new(|v| {
                v["data"]["items"] = json!([{"id": "L1", "quantity": 1.5, "status": "paid"}])
            }),
            "data.items[0].quantity: must be a non-negative integer, got 1.5",
        ),
        (
            Box::new(|v| {
                v["data"]["items"] = json!([{"id": "L1", "quantity": "2", "status": "paid"}])
            }),
            "data.items[0].quantity: must be a non-negative integer, got \"2\"",
        ),
        (
            Box::new(|v| {
                v["data"]["items"] =
                    json!([{"id": "L1", "quantity": 4294967296u64, "status": "paid"}])
            }),
            "data.items[0].quantity: 4294967296 is too large",
        ),
        (
            Box::new(|v| v["data"]["status"] = json!("dispatched")),
            "data.shipment: required when data.status is \"dispatched\"",
        ),
        (
            Box::new(|v| v["data"]["shipment"] = json!({"tracking_number": "1"})),
            "data.shipment.carrier: required",
        ),
        (
            Box::new(|v| v["data"]["shipment"] = json!({"carrier": " ", "tracking_number": "1"})),
            "data.shipment.carrier: must not be empty",
        ),
        (
            Box::new(|v| v["data"]["shipment"] = json!({"carrier": "cj"})),
            "data.shipment.tracking_number: required",
        ),
        (
            Box::new(|v| v["data"]["shipment"] = json!({"carrier": "cj", "tracking_number": ""})),
            "data.shipment.tracking_number: must not be empty",
        ),
        (
            Box::new(|v| v["data"]["shipment"] = json!({"carrier": "cj", "tracking_number": 12})),
            "data.shipment.tracking_number: invalid type: integer `12`",
        ),
        (
            Box::new(|v| {
                v["data"]["shipment"] =
                    json!({"carrier": "cj", "tracking_number": "1", "item_ids": ["L1", ""]})
            }),
            "data.shipment.item_ids[1]: must not be empty",
        ),
        (
            Box::new(|v| v["data"]["cancel"] = json!({"reason": ""})),
            "data.cancel.reason: must not be empty",
        ),
        (
            Box::new(|v| v["data"]["cancel"] = json!({"note": 5})),
            "data.cancel.note: invalid type: integer `5`",
        ),
        (
            Box::new(|v| v["data"]["links"] = json!([{"channel": "base jp", "order_id": "1"}])),
            "data.links[0].channel: may only contain letters, digits, '-' and '_'",
        ),
        (
            Box::new(|v| v["data"]["links"] = json!([{"order_id": "1"}])),
            "data.links[0].channel: required",
        ),
        (
            Box::new(|v| {
                v["data"]["links"] = json!([{"channel": "a", "order_id": "1"}, {"channel": "b"}])
            }),
            "data.links[1].order_id: required",
        ),
        (
            Box::new(|v| {
                v["data"]["links"] =
                    json!([{"channel": "a", "order_id": "1"}, {"channel": "a", "order_id": "2"}])
            }),
            "data.links[1].channel: duplicate channel \"a\"",
        ),
        (
            Box::new(|v| {
                v["data"]["links"] = json!([{"channel": "a", "order_id": "1", "items": {"L1": 5}}])
            }),
            "data.links[0].items.L1: invalid type: integer `5`",
        ),
        (
            Box::new(|v| {
                v["data"]["links"] = json!([{"channel": "a", "order_id": "1", "items": {"L1": ""}}])
            }),
            "data.links[0].items.L1: must not be empty",
        ),
        (
            Box::new(|v| {
                v["data"]["links"] = json!([{"channel": "a", "order_id": "1", "items": ["L1"]}])
            }),
            "data.links[0].items: invalid type: sequence, expected a map",
        ),
    ];
    for (edit, fragment) in cases {
        let body = edited(edit);
        let error = parse(&body).unwrap_err();
        assert_error(&error, "invalid_event", fragment);
        assert!(
            error
                .to_string()
                .starts_with(fragment.split(':').next().unwrap()),
            "{error}"
        );
    }
}
