//! Every row of INGEST.md's response table, through the real HTTP server, and proof
//! that a refused request leaves no trace.

use crate::helpers::*;
use serde_json::{json, Value};

fn linked(mut body: Value, channel: &str) -> Value {
    body["data"]["links"] = json!([{ "channel": channel, "order_id": "W-1" }]);
    body
}

/// Nothing about `order_id` is stored and event id `id` was not marked as seen.
async fn assert_no_trace(app: &TestApp, order_id: &str, id: &str) {
    let (status, body) = app.admin_get(&format!("/admin/orders/{order_id}")).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"], "unknown_order");
    assert!(app.deliveries("").await.is_empty(), "no outbox task");
    let (status, body) = app
        .post_event_with_id(id, &event(order_id, "paid", 0))
        .await;
    assert_eq!(status, 202, "the event id was not marked as seen: {body}");
}

#[tokio::test]
async fn accepted_event_is_stored_with_history() {
    let app = spawn_app().await;
    let (status, body, id) = app.post_event(&event("1001", "paid", 0)).await;
    assert_eq!(status, 202);
    assert_eq!(
        body,
        json!({ "status": "accepted", "event_id": id, "order_id": "1001" })
    );
    let order = app.order("1001").await;
    assert_eq!(order["status"], "paid");
    assert_eq!(order["updated_at"], "2026-11-18T11:06:40Z");
    assert_eq!(order["history"][0]["kind"], "event");
    assert_eq!(order["history"][0]["event_id"], id.as_str());
    assert_eq!(order["history"][0]["status"], "paid");
    assert_eq!(order["history"][0]["result"], "accepted");
    app.stop().await;
}

#[tokio::test]
async fn linked_event_enqueues_one_task_per_channel() {
    let mock = wiremock::MockServer::start().await;
    let app = spawn_app_with(|c| {
        c.channels
            .insert(channel_name("wiz"), wiz_channel(&mock.uri()));
        // Keep the task queued: this test is about ingest, not delivery.
        c.delivery.concurrency = 1;
    })
    .await;
    let (status, _, _) = app
        .post_event(&linked(event("1001", "paid", 0), "wiz"))
        .await;
    assert_eq!(status, 202);
    let order = app.order("1001").await;
    assert_eq!(
        order["links"],
        json!([{ "channel": "wiz", "order_id": "W-1" }])
    );
    assert_eq!(order["channels"]["wiz"]["status"], "paid");
    app.stop().await;
}

#[tokio::test]
async fn duplicate_changes_nothing_and_pushes_nothing_again() {
    let mock = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(json!({"data": {}})))
        .expect(1)
        .mount(&mock)
        .await;
    let app = spawn_app_with(|c| {
        c.channels
            .insert(channel_name("wiz"), wiz_channel(&mock.uri()));
    })
    .await;
    let body = linked(event("1001", "paid", 0), "wiz");
    let (status, _, id) = app.post_event(&body).await;
    assert_eq!(status, 202);
    app.wait_for_channel_state("1001", "wiz", "done").await;
    let before = app.order("1001").await;
    let (status, json) = app.post_event_with_id(&id, &body).await;
    assert_eq!(status, 200);
    assert_eq!(json, json!({ "status": "duplicate", "event_id": id }));
    // Same id, different content: still a duplicate, still nothing changes.
    let (status, _) = app
        .post_event_with_id(&id, &event("1001", "delivered", 9))
        .await;
    assert_eq!(status, 200);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(app.order("1001").await, before);
    app.stop().await;
    mock.verify().await;
}

#[tokio::test]
async fn stale_event_is_recorded_but_does_not_move_the_order() {
    let app = spawn_app().await;
    app.post_event(&event("1001", "preparing", 10)).await;
    let (status, body, id) = app.post_event(&event("1001", "paid", 5)).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "stale");
    assert_eq!(body["event_id"], id.as_str());
    assert_eq!(body["order_id"], "1001");
    let order = app.order("1001").await;
    assert_eq!(order["status"], "preparing");
    assert_eq!(order["history"][1]["result"], "stale");
    assert_eq!(order["history"][1]["status"], "paid");
    // Backwards with the same timestamp is stale too.
    let (status, body, _) = app.post_event(&event("1001", "paid", 10)).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("stale")));
    app.stop().await;
}

#[tokio::test]
async fn unknown_source_is_404() {
    let app = spawn_app().await;
    let response = app.post_raw("nope", &[], b"{}".to_vec()).await;
    assert_eq!(response.status().as_u16(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "unknown_source");
    assert!(body["message"].as_str().unwrap().contains("nope"));
    app.stop().await;
}

#[tokio::test]
async fn missing_signature_headers_are_401() {
    let app = spawn_app().await;
    let body = serde_json::to_vec(&event("1001", "paid", 0)).unwrap();
    let ts = now_secs();
    let full = [
        ("webhook-id", "msg_missing".to_string()),
        ("webhook-timestamp", ts.to_string()),
        ("webhook-signature", sign(SECRET, "msg_missing", ts, &body)),
    ];
    for skip in 0..3 {
        let headers: Vec<_> = full
            .iter()
            .enumerate()
            .filter(|(n, _)| *n != skip)
            .map(|(_, h)| h.clone())
            .collect();
        let response = app.post_raw("primary", &headers, body.clone()).await;
        assert_eq!(response.status().as_u16(), 401, "without {}", full[skip].0);
        let json: Value = response.json().await.unwrap();
        assert_eq!(
            json["error"], "missing_signature",
            "without {}",
            full[skip].0
        );
    }
    assert_no_trace(&app, "1001", "msg_missing").await;
    app.stop().await;
}

#[tokio::test]
async fn wrong_signature_is_401() {
    let app = spawn_app().await;
    let body = serde_json::to_vec(&event("1001", "paid", 0)).unwrap();
    let ts = now_secs();
    let other_secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    let headers = [
        ("webhook-id", "msg_bad".to_string()),
        ("webhook-timestamp", ts.to_string()),
        (
            "webhook-signature",
            sign(other_secret, "msg_bad", ts, &body),
        ),
    ];
    let response = app.post_raw("primary", &headers, body).await;
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"],
        "invalid_signature"
    );
    assert_no_trace(&app, "1001", "msg_bad").await;
    app.stop().await;
}

#[tokio::test]
async fn timestamp_outside_tolerance_is_401_both_ways() {
    let app = spawn_app().await;
    let body = serde_json::to_vec(&event("1001", "paid", 0)).unwrap();
    for offset in [-301, 301] {
        let ts = now_secs() + offset;
        let headers = [
            ("webhook-id", "msg_old".to_string()),
            ("webhook-timestamp", ts.to_string()),
            ("webhook-signature", sign(SECRET, "msg_old", ts, &body)),
        ];
        let response = app.post_raw("primary", &headers, body.clone()).await;
        assert_eq!(response.status().as_u16(), 401, "offset {offset}");
        assert_eq!(
            response.json::<Value>().await.unwrap()["error"],
            "timestamp_out_of_tolerance"
        );
    }
    assert_no_trace(&app, "1001", "msg_old").await;
    app.stop().await;
}

#[tokio::test]
async fn oversized_body_is_413() {
    let app = spawn_app().await;
    let mut body = event("1001", "paid", 0);
    body["padding"] = json!("x".repeat(70 * 1024));
    let (status, json) = app.post_event_with_id("msg_big", &body).await;
    assert_eq!(status, 413);
    assert_eq!(json["error"], "payload_too_large");
    assert_no_trace(&app, "1001", "msg_big").await;
    app.stop().await;
}

async fn post_bytes(app: &TestApp, id: &str, bytes: Vec<u8>) -> (u16, Value) {
    let ts = now_secs();
    let headers = [
        ("webhook-id", id.to_string()),
        ("webhook-timestamp", ts.to_string()),
        ("webhook-signature", sign(SECRET, id, ts, &bytes)),
    ];
    let response = app.post_raw("primary", &headers, bytes).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn malformed_json_is_400_and_says_where() {
    let app = spawn_app().await;
    let (status, json) = post_bytes(
        &app,
        "msg_json",
        b"{\"type\": \"order.updated\",\n \"data\": }".to_vec(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(json["error"], "malformed_json");
    assert!(
        json["message"].as_str().unwrap().contains("line 2"),
        "{json}"
    );
    let (status, json) = post_bytes(&app, "msg_utf8", vec![b'{', 0xff, 0xfe, b'}']).await;
    assert_eq!(status, 400);
    assert_eq!(json["error"], "malformed_json");
    assert_no_trace(&app, "1001", "msg_json").await;
    app.stop().await;
}

#[tokio::test]
async fn schema_violations_are_422_naming_the_field() {
    let app = spawn_app().await;
    let mut no_order = event("1001", "paid", 0);
    no_order["data"].as_object_mut().unwrap().remove("order_id");
    let mut bad_item = event("1001", "paid", 0);
    bad_item["data"]["items"] =
        json!([{ "id": "L1", "status": "paid" }, { "id": "L2", "status": "shipped" }]);
    let cases = [
        (no_order, "data.order_id"),
        (event("1001", "shipped", 0), "data.status"),
        (bad_item, "data.items[1].status"),
        (event("1001", "dispatched", 0), "data.shipment"),
        (
            linked(event("1001", "paid", 0), "nowhere"),
            "data.links[0].channel",
        ),
    ];
    for (n, (body, field)) in cases.into_iter().enumerate() {
        let (status, json) = app
            .post_event_with_id(&format!("msg_schema_{n}"), &body)
            .await;
        assert_eq!(status, 422, "{field}: {json}");
        assert_eq!(json["error"], "invalid_event", "{field}");
        assert!(
            json["message"].as_str().unwrap().contains(field),
            "{field}: {json}"
        );
    }
    assert_no_trace(&app, "1001", "msg_schema_4").await;
    app.stop().await;
}

#[tokio::test]
async fn cancel_after_dispatch_is_422_with_the_current_status() {
    let app = spawn_app().await;
    let mut dispatched = event("1001", "dispatched", 0);
    dispatched["data"]["shipment"] = json!({ "carrier": "sagawa", "tracking_number": "1234" });
    app.post_event(&dispatched).await;
    let before = app.order("1001").await;
    let (status, json, _) = app.post_event(&event("1001", "canceled", 5)).await;
    assert_eq!(status, 422);
    assert_eq!(json["error"], "invalid_transition");
    assert!(
        json["message"].as_str().unwrap().contains("dispatched"),
        "{json}"
    );
    assert_eq!(
        app.order("1001").await,
        before,
        "nothing changed, not even history"
    );
    app.stop().await;
}

#[tokio::test]
async fn store_failure_is_503() {
    use actix_web::{test, web, App};
    use ordersync::state::AppState;
    use std::sync::Arc;

    let dir = tempfile::tempdir().unwrap();
    let config = test_config(&dir.path().join("store"));
    let store = ordersync::store::Store::open(&config.store.path, config.store.durability, 1 << 20)
        .unwrap();
    // A writer that is gone is what the handler sees when the store cannot be written.
    let writer = ordersync::store::Writer::stopped();
    let state = web::Data::new(AppState {
        sources: config
            .sources
            .iter()
            .map(|(n, s)| (n.clone(), ordersync::ingest::build_adapter(s)))
            .collect(),
        channel_kinds: Default::default(),
        config: Arc::new(config),
        store,
        writer,
        health: Default::default(),
        metrics: Default::default(),
    });
    let app = test::init_service(App::new().app_data(state).route(
        "/webhooks/{source}",
        web::post().to(ordersync::ingest::handler::receive),
    ))
    .await;
    let body = serde_json::to_vec(&event("1001", "paid", 0)).unwrap();
    let ts = now_secs();
    let request = test::TestRequest::post()
        .uri("/webhooks/primary")
        .insert_header(("webhook-id", "msg_503"))
        .insert_header(("webhook-timestamp", ts.to_string()))
        .insert_header(("webhook-signature", sign(SECRET, "msg_503", ts, &body)))
        .set_payload(body)
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status().as_u16(), 503);
    let json: Value = test::read_body_json(response).await;
    assert_eq!(json["error"], "unavailable");
}
