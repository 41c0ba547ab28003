//! The delivery engine end to end: retries, Retry-After, rejections, dead letters and
//! replay, timeouts, auth failures, through a WizCommerce mock.

use crate::helpers::*;
use crate::scripted::Scripted;
use serde_json::{json, Value};
use std::time::Duration;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "data": {} }))
}

fn server_error() -> ResponseTemplate {
    ResponseTemplate::new(500).set_body_json(json!({ "code": "INTERNAL", "message": "try later" }))
}

async fn wiz_app(
    script: &Scripted,
    adjust: impl FnOnce(&mut ordersync::config::Config),
) -> (MockServer, TestApp) {
    let mock = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/v1/orders/W-1/status"))
        .and(header("x-api-key", "wiz-test-key"))
        .respond_with(script.clone())
        .mount(&mock)
        .await;
    let uri = mock.uri();
    let app = spawn_app_with(|c| {
        c.channels.insert(channel_name("wiz"), wiz_channel(&uri));
        adjust(c);
    })
    .await;
    (mock, app)
}

fn paid_linked(order_id: &str) -> Value {
    let mut body = event(order_id, "paid", 0);
    body["data"]["links"] = json!([{ "channel": "wiz", "order_id": "W-1" }]);
    body
}

#[tokio::test]
async fn two_failures_then_success_is_done_after_three_attempts() {
    let script = Scripted::new(vec![server_error(), server_error()], ok());
    let (_mock, app) = wiz_app(&script, |_| {}).await;
    app.post_event(&paid_linked("1001")).await;
    let order = app.wait_for_channel_state("1001", "wiz", "done").await;
    assert_eq!(script.count(), 3);
    let wiz = &order["channels"]["wiz"];
    assert_eq!(wiz["attempts"], 3);
    assert_eq!(wiz["last_outcome"], "done");
    assert_eq!(wiz["status"], "paid");
    let outcomes: Vec<_> = order["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["kind"] == "delivery")
        .map(|h| {
            (
                h["attempt"].as_u64().unwrap(),
                h["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        vec![(1, "retry".into()), (2, "retry".into()), (3, "done".into())]
    );
    let body: Value = script.requests()[2].body_json().unwrap();
    assert_eq!(body, json!({ "status": "confirmed" }));
    assert!(
        app.deliveries("").await.is_empty(),
        "a finished task leaves the outbox"
    );
    app.stop().await;
}

#[tokio::test]
async fn retry_after_is_honoured_without_using_an_attempt() {
    let limited = ResponseTemplate::new(429).insert_header("Retry-After", "2");
    let script = Scripted::new(vec![limited], ok());
    let (_mock, app) = wiz_app(&script, |_| {}).await;
    app.post_event(&paid_linked("1001")).await;
    let waiting = app.wait_for_channel_state("1001", "wiz", "retrying").await;
    assert_eq!(
        waiting["channels"]["wiz"]["attempts"], 0,
        "a rate-limit answer is not an attempt"
    );
    let order = app.wait_for_channel_state("1001", "wiz", "done").await;
    assert_eq!(order["channels"]["wiz"]["attempts"], 1);
    let times = script.times();
    assert_eq!(times.len(), 2);
    assert!(
        times[1] - times[0] >= Duration::from_secs(2),
        "second call after {:?}",
        times[1] - times[0]
    );
    app.stop().await;
}

#[tokio::test]
async fn permanent_rejection_is_not_retried() {
    let refusal = ResponseTemplate::new(400).set_body_json(json!({
        "code": "INVALID_STATUS", "message": "order is archived",
        "details": [{ "field": "status", "reason": "archived orders cannot change" }]
    }));
    let script = Scripted::new(vec![], refusal);
    let (_mock, app) = wiz_app(&script, |_| {}).await;
    app.post_event(&paid_linked("1001")).await;
    let order = app.wait_for_channel_state("1001", "wiz", "rejected").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(script.count(), 1);
    let wiz = &order["channels"]["wiz"];
    assert_eq!(wiz["attempts"], 1);
    assert_eq!(wiz["last_outcome"], "rejected");
    assert_eq!(
        wiz["last_error"],
        json!({ "code": "INVALID_STATUS", "message": "order is archived (status: archived orders cannot change)" })
    );
    app.stop().await;
}

#[tokio::test]
async fn exhausted_retries_become_dead_letters_that_replay() {
    let script = Scripted::new(vec![server_error(), server_error(), server_error()], ok());
    let (_mock, app) = wiz_app(&script, |_| {}).await;
    app.post_event(&paid_linked("1001")).await;
    let order = app.wait_for_channel_state("1001", "wiz", "dead").await;
    assert_eq!(order["channels"]["wiz"]["attempts"], 3);
    assert_eq!(script.count(), 3);
    let dead = app.deliveries("?state=dead").await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0]["order_id"], "1001");
    assert_eq!(dead[0]["channel"], "wiz");
    assert_eq!(dead[0]["status"], "paid");
    assert_eq!(dead[0]["attempts"], 3);
    assert_eq!(dead[0]["last_error"]["code"], "INTERNAL");
    assert!(app.deliveries("?state=pending").await.is_empty());

    let (status, body) = app
        .admin_send(
            reqwest::Method::POST,
            "/admin/deliveries/retry?state=dead&channel=wiz",
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["requeued"], 1);
    let order = app.wait_for_channel_state("1001", "wiz", "done").await;
    assert_eq!(script.count(), 4);
    assert_eq!(
        order["channels"]["wiz"]["attempts"], 1,
        "a replay starts a fresh schedule"
    );
    assert!(app.deliveries("?state=dead").await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn replay_one_dead_letter_by_id() {
    let script = Scripted::new(vec![server_error(), server_error(), server_error()], ok());
    let (_mock, app) = wiz_app(&script, |_| {}).await;
    app.post_event(&paid_linked("1001")).await;
    app.wait_for_channel_state("1001", "wiz", "dead").await;
    let id = app.deliveries("?state=dead").await[0]["id"]
        .as_u64()
        .unwrap();
    let (status, _) = app
        .admin_send(
            reqwest::Method::POST,
            "/admin/deliveries/999999/retry",
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (status, body) = app
        .admin_send(
            reqwest::Method::POST,
            &format!("/admin/deliveries/{id}/retry"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    app.wait_for_channel_state("1001", "wiz", "done").await;
    app.stop().await;
}

#[tokio::test]
async fn a_hanging_remote_times_out_and_is_retried() {
    let hang = ok().set_delay(Duration::from_secs(10));
    let script = Scripted::new(vec![hang], ok());
    let (_mock, app) = wiz_app(&script, |c| {
        c.delivery.request_timeout = Duration::from_millis(300)
    })
    .await;
    app.post_event(&paid_linked("1001")).await;
    let order = app.wait_for_channel_state("1001", "wiz", "done").await;
    assert_eq!(order["channels"]["wiz"]["attempts"], 2);
    let first = order["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["kind"] == "delivery")
        .unwrap()
        .clone();
    assert_eq!(first["outcome"], "retry");
    assert_eq!(first["error"]["code"], "timeout");
    app.stop().await;
}

#[tokio::test]
async fn refused_credentials_mark_the_channel_unready_and_keep_the_task() {
    let refused = ResponseTemplate::new(401)
        .set_body_json(json!({ "code": "UNAUTHORIZED", "message": "bad key" }));
    let script = Scripted::new(vec![], refused);
    let (_mock, app) = wiz_app(&script, |_| {}).await;
    let (status, _) = app.admin_get("/readyz").await;
    assert_eq!(status, 200);
    app.post_event(&paid_linked("1001")).await;
    let order = app.wait_for_channel_state("1001", "wiz", "auth").await;
    assert_eq!(
        order["channels"]["wiz"]["last_error"]["code"],
        "UNAUTHORIZED"
    );
    let (status, body) = app.admin_get("/readyz").await;
    assert_eq!(status, 503);
    assert!(
        body["reasons"][0].as_str().unwrap().contains("wiz"),
        "{body}"
    );
    let queued = app.deliveries("?state=auth").await;
    assert_eq!(queued.len(), 1, "kept, not dead-lettered");
    assert!(app.deliveries("?state=dead").await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn unsupported_changes_are_recorded_without_a_call() {
    let script = Scripted::new(vec![], ok());
    let (_mock, app) = wiz_app(&script, |_| {}).await;
    let mut body = event("1001", "dispatched", 0);
    body["data"]["shipment"] = json!({ "carrier": "sagawa", "tracking_number": "1" });
    body["data"]["links"] = json!([{ "channel": "wiz", "order_id": "W-1" }]);
    app.post_event(&body).await;
    let order = app
        .wait_for_channel_state("1001", "wiz", "unsupported")
        .await;
    assert_eq!(
        order["channels"]["wiz"]["last_error"]["message"],
        "WizCommerce has no status for dispatched"
    );
    assert_eq!(script.count(), 0);
    app.stop().await;
}

#[tokio::test]
async fn a_link_added_later_gets_the_current_state() {
    let script = Scripted::new(vec![], ok());
    let (_mock, app) = wiz_app(&script, |_| {}).await;
    app.post_event(&event("1001", "paid", 0)).await;
    let link = json!({ "channel": "wiz", "order_id": "W-1" });
    let (status, body) = app
        .admin_send(
            reqwest::Method::PUT,
            "/admin/orders/1001/links",
            Some(link.clone()),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["links"], json!([link]));
    app.wait_for_channel_state("1001", "wiz", "done").await;
    assert_eq!(script.count(), 1);
    let unknown = json!({ "channel": "nowhere", "order_id": "X" });
    let (status, body) = app
        .admin_send(
            reqwest::Method::PUT,
            "/admin/orders/1001/links",
            Some(unknown),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("unknown_channel"))
    );
    let (status, body) = app
        .admin_send(reqwest::Method::PUT, "/admin/orders/404/links", Some(link))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("unknown_order"))
    );
    app.stop().await;
}
