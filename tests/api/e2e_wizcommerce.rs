//! WizCommerce: every body the connector builds validates against the vendor's OpenAPI
//! document (`tests/data/wizcommerce-openapi.yaml`, copied from the seed page), and the
//! answers `delivery.rs` does not cover (404, 403) through the whole daemon.

use crate::channel_fixtures::Case;
use crate::e2e_support::*;
use crate::helpers::*;
use crate::mocks::{assert_requests, mount, on, Expect};
use crate::scripted::Scripted;
use ordersync::channels::wizcommerce::plan;
use ordersync::domain::{Outcome, Status};
use serde_json::{json, Value};
use wiremock::{MockServer, ResponseTemplate};

const OPENAPI: &str = include_str!("../data/wizcommerce-openapi.yaml");
const ROUTE: &str = "/v1/orders/{id}/status";

fn openapi() -> Value {
    serde_norway::from_str(OPENAPI).expect("the OpenAPI document is YAML")
}

/// The request body schema of `PATCH /v1/orders/{id}/status`, its `$ref` resolved.
fn request_schema() -> Value {
    let doc = openapi();
    let body = &doc["paths"][ROUTE]["patch"]["requestBody"];
    assert_eq!(body["required"], true);
    let reference = body["content"]["application/json"]["schema"]["$ref"]
        .as_str()
        .expect("the body schema is a $ref");
    assert_eq!(
        reference,
        "#/components/schemas/dtos.UpdateOrderStatusRequest"
    );
    let pointer = reference.strip_prefix('#').unwrap();
    doc.pointer(pointer)
        .unwrap_or_else(|| panic!("{reference} does not resolve"))
        .clone()
}

/// OpenAPI 3.0 schemas are a draft 4 dialect; `example` and `x-*` are annotations.
pub(crate) fn request_validator() -> jsonschema::Validator {
    jsonschema::draft4::new(&request_schema()).expect("a valid schema")
}

pub(crate) fn assert_valid(validator: &jsonschema::Validator, body: &Value) {
    if let Err(error) = validator.validate(body) {
        panic!("{body} does not match dtos.UpdateOrderStatusRequest: {error}");
    }
}

#[test]
fn the_document_describes_the_call_the_connector_makes() {
    let doc = openapi();
    assert_eq!(doc["servers"][0]["url"], "https://api.wizcommerce.com");
    let operation = &doc["paths"][ROUTE]["patch"];
    assert_eq!(operation["security"], json!([{ "ApiKeyAuth": [] }]));
    let scheme = &doc["components"]["securitySchemes"]["ApiKeyAuth"];
    assert_eq!(
        (&scheme["type"], &scheme["in"], &scheme["name"]),
        (&json!("apiKey"), &json!("header"), &json!("X-API-Key"))
    );
    assert_eq!(
        request_schema()["properties"]["status"]["enum"],
        json!(["draft", "confirmed", "cancelled"])
    );
}

#[test]
fn every_body_the_connector_plans_is_valid() {
    let validator = request_validator();
    let mut sent = Vec::new();
    for status in Status::ALL {
        let case = Case::new(status, "5b0f2a1e-0c1d-4a53-9e35-f1d1b3c0a001");
        match plan(&case.delivery(), "https://api.wizcommerce.com") {
            Ok((url, body)) => {
                assert_eq!(
                    url,
                    "https://api.wizcommerce.com/v1/orders/5b0f2a1e-0c1d-4a53-9e35-f1d1b3c0a001/status"
                );
                assert_valid(&validator, &body);
                sent.push((status, body));
            }
            Err(outcome) => assert!(
                matches!(outcome, Outcome::Unsupported { .. }),
                "{status}: {outcome:?}"
            ),
        }
    }
    assert_eq!(
        sent,
        vec![
            (Status::Paid, json!({ "status": "confirmed" })),
            (Status::Preparing, json!({ "status": "confirmed" })),
            (Status::Canceled, json!({ "status": "cancelled" })),
        ]
    );
}

#[test]
fn bodies_outside_the_schema_are_refused() {
    let validator = request_validator();
    assert_valid(&validator, &json!({ "status": "draft" }));
    for body in [
        json!({ "status": "shipped" }),
        json!({ "status": "canceled" }),
        json!({ "status": "Confirmed" }),
        json!({ "status": 1 }),
        json!({ "status": null }),
        json!({}),
        json!("confirmed"),
    ] {
        assert!(!validator.is_valid(&body), "{body} must not validate");
    }
}

/// 200, 404 and 403 through the daemon; every body WizCommerce received is valid.
#[tokio::test]
async fn answers_are_recorded_and_sent_bodies_match_the_schema() {
    let server = MockServer::start().await;
    let not_found = ResponseTemplate::new(404)
        .set_body_json(json!({ "code": "NOT_FOUND", "message": "order not found" }));
    let forbidden = ResponseTemplate::new(403)
        .set_body_json(json!({ "code": "FORBIDDEN", "message": "key may not write orders" }));
    let ok = ResponseTemplate::new(200).set_body_json(json!({ "data": {} }));
    let cases = [
        ("W1", "paid", "W-101", ok, ("done", "done", Value::Null)),
        (
            "W2",
            "canceled",
            "W-102",
            not_found,
            (
                "rejected",
                "rejected",
                remote("NOT_FOUND", "order not found"),
            ),
        ),
        (
            "W3",
            "preparing",
            "W-103",
            forbidden,
            (
                "auth",
                "auth",
                remote("FORBIDDEN", "key may not write orders"),
            ),
        ),
    ];
    let mut scripts = Vec::new();
    for (_, _, remote_id, answer, _) in &cases {
        let script = Scripted::new(vec![], answer.clone());
        let patch = on("PATCH", format!("/v1/orders/{remote_id}/status"));
        mount(&server, patch, script.clone(), ..).await;
        scripts.push(script);
    }
    let app = spawn_e2e(vec![(WIZ, wiz_channel(&server.uri()))], |_| {}).await;
    for (order_id, status, remote_id, _, _) in &cases {
        let links = json!({ "links": [{ "channel": WIZ, "order_id": remote_id }] });
        post_accepted(&app, &event_with(order_id, status, 0, links)).await;
    }
    let validator = request_validator();
    for ((order_id, status, remote_id, _, end), script) in cases.iter().zip(&scripts) {
        let (state, outcome, error) = end.clone();
        // Refused credentials keep the task (no attempt used) until the key is fixed.
        let attempts = if state == "auth" { 0 } else { 1 };
        expect_sync(
            &app,
            order_id,
            WIZ,
            (status, state),
            outcome,
            error,
            attempts,
        )
        .await;
        let slug = if *status == "canceled" {
            "cancelled"
        } else {
            "confirmed"
        };
        let expected = Expect::new("PATCH", format!("/v1/orders/{remote_id}/status"))
            .header("x-api-key", "wiz-test-key")
            .header("accept", "application/json")
            .json(json!({ "status": slug }));
        let requests = script.requests();
        assert_requests(&requests, &[expected]);
        assert_valid(&validator, &requests[0].body_json().unwrap());
    }
    app.stop().await;
}

/// A `confirmed` still waiting for its retry when the order is canceled is superseded:
/// WizCommerce gets `cancelled` and never the old `confirmed` again.
#[tokio::test]
async fn a_queued_confirm_is_superseded_by_a_cancel() {
    let server = MockServer::start().await;
    let unavailable = ResponseTemplate::new(503).set_body_string("upstream down");
    let ok = ResponseTemplate::new(200).set_body_json(json!({ "data": {} }));
    let script = Scripted::new(vec![unavailable], ok);
    let patch = on("PATCH", "/v1/orders/W-201/status");
    mount(&server, patch, script.clone(), ..).await;
    let app = spawn_e2e(vec![(WIZ, wiz_channel(&server.uri()))], |_| {}).await;
    let links = json!({ "links": [{ "channel": WIZ, "order_id": "W-201" }] });
    post_accepted(&app, &event_with("S1", "paid", 0, links)).await;
    let busy = remote("http_503", "upstream down");
    expect_sync(&app, "S1", WIZ, ("paid", "retrying"), "retry", busy, 1).await;
    post_accepted(&app, &event_with("S1", "canceled", 10, json!({}))).await;
    let order = expect_done(&app, "S1", WIZ, "canceled").await;
    assert_outbox_empty(&app).await;
    let deliveries: Vec<_> = order["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["kind"] == "delivery")
        .map(|h| {
            (
                h["status"].clone(),
                h["outcome"].clone(),
                h["error"]["message"].clone(),
            )
        })
        .collect();
    assert_eq!(
        deliveries,
        [
            (json!("paid"), json!("retry"), json!("upstream down")),
            (
                json!("paid"),
                json!("superseded"),
                json!("the order was canceled before paid was sent")
            ),
            (json!("canceled"), json!("done"), Value::Null),
        ]
    );
    let validator = request_validator();
    let bodies: Vec<Value> = script
        .requests()
        .iter()
        .map(|r| r.body_json().unwrap())
        .collect();
    assert_eq!(
        bodies,
        [
            json!({ "status": "confirmed" }),
            json!({ "status": "cancelled" })
        ]
    );
    bodies
        .iter()
        .for_each(|body| assert_valid(&validator, body));
    app.stop().await;
}
