//! YouCan through the whole daemon: signed event in, mock YouCan admin API, and what
//! `GET /admin/orders/{id}` records for every documented answer.

use crate::channel_youcan::{
    granted, invalid, mount_refresh, not_found, ok, put as youcan_put, puts_with, refresh,
    unauthenticated,
};
use crate::e2e_support::*;
use crate::mocks::{assert_requests, mount, on, requests, Expect};
use crate::scripted::Scripted;
use futures_util::future::join_all;
use serde_json::{json, Value};
use wiremock::{MockServer, ResponseTemplate};

fn uuid(n: u32) -> String {
    format!("5b0f2a1e-0c1d-4e4f-9a7b-3c2d1e0f{n:04}")
}

fn linked(order_id: &str, status: &str, remote: &str) -> Value {
    event_with(
        order_id,
        status,
        0,
        json!({ "links": [{ "channel": YOUCAN, "order_id": remote }] }),
    )
}

fn put(remote: &str, route: &str, token: &str, slug: &str) -> Expect {
    youcan_put(remote, route, token, json!({ "status": slug }))
}

#[tokio::test]
async fn every_documented_answer_is_recorded() {
    let server = MockServer::start().await;
    mount_refresh(&server, granted(), 0).await;
    let limited = ResponseTemplate::new(429).insert_header("Retry-After", "2");
    let down = ResponseTemplate::new(503).set_body_string("down");
    // (order, status, [(route, slug)], answers before OK, final state, error, attempts)
    let cases = [
        (
            "Y1",
            "paid",
            vec![("status/payment", "paid")],
            vec![],
            "done",
            Value::Null,
            1,
        ),
        (
            "Y2",
            "canceled",
            vec![
                ("status", "canceled-by-seller"),
                ("status/shipping", "canceled"),
            ],
            vec![],
            "done",
            Value::Null,
            1,
        ),
        (
            "Y3",
            "delivered",
            vec![("status/shipping", "fulfilled")],
            vec![not_found()],
            "rejected",
            remote("http_404", "order not found"),
            1,
        ),
        (
            "Y4",
            "completed",
            vec![("status", "closed")],
            vec![invalid()],
            "rejected",
            remote(
                "http_422",
                "The given data was invalid. (status: The status field is required.)",
            ),
            1,
        ),
        (
            "Y5",
            "paid",
            vec![("status/payment", "paid")],
            vec![limited],
            "done",
            Value::Null,
            1,
        ),
        (
            "Y6",
            "paid",
            vec![("status/payment", "paid")],
            vec![down],
            "done",
            Value::Null,
            2,
        ),
    ];
    let mut scripts = Vec::new();
    for (n, (_, _, routes, answers, ..)) in (1..).zip(&cases) {
        let script = Scripted::new(answers.clone(), ok());
        for (route, _) in routes {
            let call = on("PUT", format!("/orders/{}/{route}", uuid(n)));
            mount(&server, call, script.clone(), ..).await;
        }
        scripts.push(script);
    }
    let app = spawn_e2e(vec![(YOUCAN, youcan_channel(&server.uri(), false))], |_| {}).await;
    for (n, (order_id, status, ..)) in (1..).zip(&cases) {
        post_accepted(&app, &linked(order_id, status, &uuid(n))).await;
    }

    let waiting = [
        ("Y5", remote("http_429", ""), 0),
        ("Y6", remote("http_503", "down"), 1),
    ];
    join_all(waiting.into_iter().map(|(order_id, error, attempts)| {
        expect_sync(
            &app,
            order_id,
            YOUCAN,
            ("paid", "retrying"),
            "retry",
            error,
            attempts,
        )
    }))
    .await;

    for (order_id, status, _, _, state, error, attempts) in &cases {
        let order = expect_sync(
            &app,
            order_id,
            YOUCAN,
            (status, state),
            state,
            error.clone(),
            *attempts,
        )
        .await;
        let history = delivery_history(&order, YOUCAN);
        let expected: Vec<(u64, String)> = match *order_id {
            "Y5" => vec![(0, "retry".into()), (1, "done".into())],
            "Y6" => vec![(1, "retry".into()), (2, "done".into())],
            _ => vec![(1, state.to_string())],
        };
        assert_eq!(history, expected, "{order_id}");
    }
    assert_outbox_empty(&app).await;

    let requests = requests(&server).await;
    for (n, ((order_id, _, routes, ..), script)) in (1..).zip(cases.iter().zip(&scripts)) {
        let remote = uuid(n);
        let mine: Vec<_> = requests
            .iter()
            .filter(|r| r.url.path().starts_with(&format!("/orders/{remote}/")))
            .cloned()
            .collect();
        // A retried answer repeats the call; a refused first cancel call stops there.
        let mut expected: Vec<_> = routes
            .iter()
            .map(|(route, slug)| put(&remote, route, "cfg-access", slug))
            .collect();
        if *order_id == "Y5" || *order_id == "Y6" {
            expected.push(put(&remote, routes[0].0, "cfg-access", routes[0].1));
        }
        assert_eq!(script.count(), expected.len(), "{order_id}");
        assert_requests(&mine, &expected);
    }
    app.stop().await;
}

#[tokio::test]
async fn a_401_refreshes_and_the_stored_token_outlives_a_restart() {
    let server = MockServer::start().await;
    mount(&server, puts_with("cfg-access"), unauthenticated(), ..).await;
    mount_refresh(&server, granted(), 1).await;
    mount(&server, puts_with("new-access"), ok(), ..).await;
    let app = spawn_e2e(vec![(YOUCAN, youcan_channel(&server.uri(), false))], |_| {}).await;
    post_accepted(&app, &linked("R1", "preparing", &uuid(1))).await;
    let order = expect_done(&app, "R1", YOUCAN, "preparing").await;
    assert_eq!(delivery_history(&order, YOUCAN), [(1, "done".to_string())]);
    // After a restart, a later order goes straight out with the stored new token.
    let app = restart(app, vec![(YOUCAN, youcan_channel(&server.uri(), false))]).await;
    post_accepted(&app, &linked("R2", "paid", &uuid(2))).await;
    expect_done(&app, "R2", YOUCAN, "paid").await;

    let requests = requests(&server).await;
    assert_requests(
        &requests,
        &[
            put(&uuid(1), "status/shipping", "cfg-access", "processing"),
            refresh("cfg-refresh"),
            put(&uuid(1), "status/shipping", "new-access", "processing"),
            put(&uuid(2), "status/payment", "new-access", "paid"),
        ],
    );
    assert!(requests[1].headers.get("authorization").is_none());
    app.stop().await;
}
