//! PortOne PAYCO through the whole daemon: signed event in, mock iamport API, and what
//! `GET /admin/orders/{id}` records for every documented answer.

use crate::channel_payco::{
    imp_uid_not_found, mount_rotating_tokens, mount_token, no_such_payment, ok, unauthorized,
};
use crate::e2e_support::*;
use crate::mocks::{assert_requests, bearer, mount, on, on_path, requests, Expect};
use crate::scripted::Scripted;
use serde_json::{json, Value};
use wiremock::{MockServer, ResponseTemplate};

fn status_path(imp_uid: &str) -> String {
    format!("/payco/orders/status/{imp_uid}")
}

fn completed(order_id: &str, imp_uid: &str) -> Value {
    event_with(
        order_id,
        "completed",
        0,
        json!({ "links": [{ "channel": PAYCO, "order_id": imp_uid }] }),
    )
}

fn purchase_decision(imp_uid: &str, token: &str) -> Expect {
    Expect::new("POST", status_path(imp_uid))
        .bearer(token)
        .json(json!({ "status": "PURCHASE_DECISION" }))
}

fn get_token() -> Expect {
    Expect::new("POST", "/users/getToken")
        .json(json!({ "imp_key": "key-1", "imp_secret": "secret-1" }))
}

async fn mount_status(server: &MockServer, imp_uid: &str, script: &Scripted) {
    mount(server, on("POST", status_path(imp_uid)), script.clone(), ..).await;
}

/// Five orders, one answer each, in one daemon sharing one token.
#[tokio::test]
async fn every_documented_answer_is_recorded() {
    let server = MockServer::start().await;
    mount_token(&server, "tok-1", 1).await;
    let done = ok("PURCHASE_DECISION");
    let (refused, missing) = (no_such_payment(), imp_uid_not_found());
    let down = ResponseTemplate::new(503).set_body_string("maintenance");
    let limited = ResponseTemplate::new(429).insert_header("Retry-After", "2");
    let cases = [
        (
            "P1",
            "imp_100000000001",
            Scripted::new(vec![], done.clone()),
        ),
        ("P2", "imp_100000000002", Scripted::new(vec![], refused)),
        ("P3", "imp_100000000003", Scripted::new(vec![], missing)),
        (
            "P4",
            "imp_100000000004",
            Scripted::new(vec![down], done.clone()),
        ),
        ("P5", "imp_100000000005", Scripted::new(vec![limited], done)),
    ];
    for (_, imp_uid, script) in &cases {
        mount_status(&server, imp_uid, script).await;
    }
    let app = spawn_e2e(vec![(PAYCO, payco_channel(&server.uri()))], |_| {}).await;
    for (order_id, imp_uid, _) in &cases {
        post_accepted(&app, &completed(order_id, imp_uid)).await;
    }

    // The answers that are retried, while they wait.
    let busy = remote("http_503", "maintenance");
    expect_sync(
        &app,
        "P4",
        PAYCO,
        ("completed", "retrying"),
        "retry",
        busy,
        1,
    )
    .await;
    let slow_down = remote("http_429", "");
    let order = expect_sync(
        &app,
        "P5",
        PAYCO,
        ("completed", "retrying"),
        "retry",
        slow_down,
        0,
    )
    .await;
    assert_eq!(
        delivery_history(&order, PAYCO),
        [(0, "retry".to_string())],
        "no attempt used"
    );

    let wanted = [
        ("P1", "done", "done", Value::Null, 1),
        (
            "P2",
            "rejected",
            "rejected",
            remote("-1", "존재하지 않는 결제정보입니다"),
            1,
        ),
        (
            "P3",
            "rejected",
            "rejected",
            remote("1", "imp_uid not found"),
            1,
        ),
        ("P4", "done", "done", Value::Null, 2),
        ("P5", "done", "done", Value::Null, 1),
    ];
    for (order_id, state, outcome, error, attempts) in wanted {
        expect_sync(
            &app,
            order_id,
            PAYCO,
            ("completed", state),
            outcome,
            error,
            attempts,
        )
        .await;
    }
    assert_outbox_empty(&app).await;

    let requests = requests(&server).await;
    assert_requests(&on_path(&requests, "/users/getToken"), &[get_token()]);
    for ((_, imp_uid, script), calls) in cases.iter().zip([1, 1, 1, 2, 2]) {
        let expected: Vec<_> = (0..calls)
            .map(|_| purchase_decision(imp_uid, "tok-1"))
            .collect();
        assert_requests(&on_path(&requests, &status_path(imp_uid)), &expected);
        assert_eq!(script.count(), calls, "{imp_uid}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_401_refreshes_the_token_and_the_call_is_done() {
    let server = MockServer::start().await;
    mount_rotating_tokens(&server).await;
    let imp_uid = "imp_200000000001";
    let calls = |token| on("POST", status_path(imp_uid)).and(bearer(token));
    mount(&server, calls("tok-1"), ResponseTemplate::new(401), ..).await;
    mount(&server, calls("tok-2"), ok("DELIVERY_START"), ..).await;
    let app = spawn_e2e(vec![(PAYCO, payco_channel(&server.uri()))], |_| {}).await;
    let body = event_with(
        "R1",
        "dispatched",
        0,
        json!({
            "shipment": { "carrier": "cj", "tracking_number": "6123-4567" },
            "links": [{ "channel": PAYCO, "order_id": imp_uid }],
        }),
    );
    post_accepted(&app, &body).await;
    let order = expect_done(&app, "R1", PAYCO, "dispatched").await;
    assert_eq!(delivery_history(&order, PAYCO), [(1, "done".to_string())]);
    let start = |token| {
        Expect::new("POST", status_path(imp_uid))
            .bearer(token)
            .json(json!({ "status": "DELIVERY_START" }))
    };
    assert_requests(
        &requests(&server).await,
        &[get_token(), start("tok-1"), get_token(), start("tok-2")],
    );
    app.stop().await;
}

#[tokio::test]
async fn refused_after_a_refresh_is_auth_and_the_task_is_kept() {
    let server = MockServer::start().await;
    mount_rotating_tokens(&server).await;
    let imp_uid = "imp_300000000001";
    let script = Scripted::new(vec![], unauthorized());
    mount_status(&server, imp_uid, &script).await;
    let app = spawn_e2e(vec![(PAYCO, payco_channel(&server.uri()))], |_| {}).await;
    post_accepted(&app, &completed("A1", imp_uid)).await;
    let error = remote("-1", "Unauthorized");
    expect_sync(&app, "A1", PAYCO, ("completed", "auth"), "auth", error, 0).await;
    assert_eq!(script.count(), 2, "once with each token");
    let (status, ready) = app.admin_get("/readyz").await;
    assert_eq!(status, 503, "{ready}");
    assert_eq!(app.deliveries("?state=auth").await.len(), 1);
    assert!(app.deliveries("?state=dead").await.is_empty());
    app.stop().await;
}

/// A 429 without Retry-After waits as a failed attempt would, without using one: it is
/// not retried at once (a first attempt's wait is `schedule[0]`, usually 0s).
#[tokio::test]
async fn a_429_without_retry_after_still_waits() {
    let server = MockServer::start().await;
    mount_token(&server, "tok-1", 1).await;
    let limited = ResponseTemplate::new(429).set_body_string("Too Many Requests");
    let imp_uid = "imp_400000000001";
    let script = Scripted::new(vec![limited.clone(), limited], ok("PURCHASE_DECISION"));
    mount_status(&server, imp_uid, &script).await;
    let app = spawn_e2e(vec![(PAYCO, payco_channel(&server.uri()))], |_| {}).await;
    post_accepted(&app, &completed("L1", imp_uid)).await;
    let error = remote("http_429", "Too Many Requests");
    expect_sync(
        &app,
        "L1",
        PAYCO,
        ("completed", "retrying"),
        "retry",
        error,
        0,
    )
    .await;
    let order = expect_done(&app, "L1", PAYCO, "completed").await;
    let history = delivery_history(&order, PAYCO);
    assert_eq!(
        history,
        [(0, "retry".into()), (0, "retry".into()), (1, "done".into())]
    );
    let times = script.times();
    assert_eq!(times.len(), 3);
    for pair in times.windows(2) {
        let waited = pair[1] - pair[0];
        assert!(
            waited >= RETRY_WAIT.mul_f64(0.8),
            "retried after {waited:?}"
        );
    }
    app.stop().await;
}
