//! BASE through the whole daemon: signed event in, mock BASE API, and what
//! `GET /admin/orders/{id}` records for every class of documented answer.

use crate::channel_base::{base_error, detail, ok_order, refresh_form, GRANT_1};
use crate::e2e_support::*;
use crate::scripted::Scripted;
use futures_util::future::join_all;
use serde_json::{json, Value};
use std::time::Duration;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const EDIT: &str = "/1/orders/edit_status";
const COMMENT: &str = "[配送業者]佐川急便 [送り状番号]1234-5678-9012";

fn unique_key(item: &str) -> String {
    format!("UK{item}")
}

/// Order `order_id` at `status`, linked to BASE order `UK<item>` whose one line is `item`.
fn linked(order_id: &str, status: &str, payment: &str, item: &str) -> Value {
    let mut fields = json!({
        "payment_method": payment,
        "links": [{ "channel": BASE, "order_id": unique_key(item), "items": { "L1": item } }],
    });
    if status == "dispatched" {
        fields["shipment"] = json!({ "carrier": "sagawa", "tracking_number": "1234-5678-9012" });
    }
    event_with(order_id, status, 0, fields)
}

fn edit(token: &str, item: &str, status: &str) -> Expect {
    let mut form = vec![("order_item_id", item), ("status", status)];
    if status == "dispatched" {
        form.push(("add_comment", COMMENT));
    }
    Expect::new("POST", EDIT)
        .bearer(token)
        .header("accept", "application/json")
        .form(&form)
}

fn detail_read(item: &str) -> Expect {
    Expect::new("GET", format!("/1/orders/detail/{}", unique_key(item))).bearer("cfg-access")
}

#[tokio::test]
async fn every_class_of_error_is_recorded() {
    let server = MockServer::start().await;
    let refused = "この注文のステータスは変更できません。";
    let card = "クレジットカード決済のキャンセルはできません。 BASE cancels only bank-transfer (shop account) and cash-on-delivery orders by API; cancel this card order in the BASE admin (not sent)";
    let rejected = |code: &str, message: &str| ("rejected", "rejected", remote(code, message));
    let done = ("done", "done", Value::Null);
    // (order, status, payment, order_item_id, answers before OK, detail, end, attempts, calls)
    let cases = [
        (
            "B01",
            "dispatched",
            "cod",
            "301",
            vec![],
            None,
            done.clone(),
            1,
            1,
        ),
        (
            "B02",
            "dispatched",
            "cod",
            "302",
            vec![base_error("no_order", "注文情報が見つかりませんでした。")],
            None,
            rejected("no_order", "注文情報が見つかりませんでした。"),
            1,
            1,
        ),
        (
            "B03",
            "dispatched",
            "cod",
            "303",
            vec![base_error("bad_params", "不正なパラメーターです。")],
            None,
            rejected("bad_params", "不正なパラメーターです。"),
            1,
            1,
        ),
        (
            "B04",
            "canceled",
            "bank_transfer",
            "304",
            vec![base_error(
                "not_cancel_base_bt",
                "銀行振込(BASE口座)決済のキャンセルはできません。",
            )],
            None,
            rejected(
                "not_cancel_base_bt",
                "銀行振込(BASE口座)決済のキャンセルはできません。",
            ),
            1,
            1,
        ),
        (
            "B05",
            "dispatched",
            "cod",
            "305",
            vec![base_error(
                "not_change_status_YamatoDelivery",
                "ヤマトかんたん発送Appを利用した注文の発送はできません。",
            )],
            None,
            rejected(
                "not_change_status_YamatoDelivery",
                "ヤマトかんたん発送Appを利用した注文の発送はできません。",
            ),
            1,
            1,
        ),
        // not_change_status: the detail tells already there from refused.
        (
            "B06",
            "dispatched",
            "cod",
            "306",
            vec![base_error("not_change_status", refused)],
            Some("dispatched"),
            ("done", "already_applied", Value::Null),
            1,
            1,
        ),
        (
            "B07",
            "dispatched",
            "cod",
            "307",
            vec![base_error("not_change_status", refused)],
            Some("cancelled"),
            rejected(
                "not_change_status",
                &format!("{refused} (BASE shows item cancelled)"),
            ),
            1,
            1,
        ),
        // A card payment cannot be canceled by API: refused here, nothing sent.
        (
            "B08",
            "canceled",
            "card",
            "308",
            vec![],
            None,
            rejected("not_cancel_credit_card", card),
            1,
            0,
        ),
        // Retried: API limits use no attempt; awaiting payment, db_error and 5xx do.
        (
            "B09",
            "dispatched",
            "cod",
            "309",
            vec![base_error("hour_api_limit", "上限に達しました")],
            None,
            done.clone(),
            1,
            2,
        ),
        (
            "B10",
            "dispatched",
            "convenience_store",
            "310",
            vec![base_error("not_change_status_cvs", "入金待ち")],
            None,
            done.clone(),
            2,
            2,
        ),
        (
            "B11",
            "dispatched",
            "cod",
            "311",
            vec![base_error(
                "db_error",
                "ステータスの変更ができませんでした。",
            )],
            None,
            done.clone(),
            2,
            2,
        ),
        (
            "B12",
            "dispatched",
            "cod",
            "312",
            vec![ResponseTemplate::new(502).set_body_string("bad gateway")],
            None,
            done,
            2,
            2,
        ),
    ];
    let mut scripts = Vec::new();
    for (_, _, _, item, answers, remote_state, ..) in &cases {
        let script = Scripted::new(answers.clone(), ok_order());
        Mock::given(method("POST"))
            .and(path(EDIT))
            .and(body_string_contains(format!("order_item_id={item}&")))
            .respond_with(script.clone())
            .mount(&server)
            .await;
        if let Some(remote_state) = remote_state {
            let id: u64 = item.parse().unwrap();
            Mock::given(method("GET"))
                .and(path(format!("/1/orders/detail/{}", unique_key(item))))
                .respond_with(detail(&[(id, remote_state)]))
                .expect(1)
                .mount(&server)
                .await;
        }
        scripts.push(script);
    }
    // BASE asks to wait until the next hour (or a day for 入金待ち): capped here.
    let app = spawn_e2e(
        vec![(BASE, base_channel(&server.uri(), Some("cfg-access")))],
        |c| c.delivery.max_retry_after = Duration::from_secs(2),
    )
    .await;
    for (order_id, status, payment, item, ..) in &cases {
        post_accepted(&app, &linked(order_id, status, payment, item)).await;
    }

    let waiting = [
        ("B09", remote("hour_api_limit", "上限に達しました"), 0),
        ("B10", remote("not_change_status_cvs", "入金待ち"), 1),
        (
            "B11",
            remote("db_error", "ステータスの変更ができませんでした。"),
            1,
        ),
        ("B12", remote("http_502", "bad gateway"), 1),
    ];
    join_all(waiting.into_iter().map(|(order_id, error, attempts)| {
        expect_sync(
            &app,
            order_id,
            BASE,
            ("dispatched", "retrying"),
            "retry",
            error,
            attempts,
        )
    }))
    .await;

    for ((order_id, status, _, item, _, remote_state, end, attempts, calls), script) in
        cases.iter().zip(&scripts)
    {
        let (state, outcome, error) = end.clone();
        expect_sync(
            &app,
            order_id,
            BASE,
            (status, state),
            outcome,
            error,
            *attempts,
        )
        .await;
        assert_eq!(script.count(), *calls, "{order_id}");
        let sent = if *status == "dispatched" {
            "dispatched"
        } else {
            "cancelled"
        };
        let mut expected: Vec<_> = (0..*calls)
            .map(|_| edit("cfg-access", item, sent))
            .collect();
        if remote_state.is_some() {
            expected.push(detail_read(item));
        }
        let requests = server.received_requests().await.unwrap();
        let mine: Vec<_> = requests
            .iter()
            .filter(|r| {
                r.url.path().ends_with(&unique_key(item))
                    || String::from_utf8_lossy(&r.body)
                        .starts_with(&format!("order_item_id={item}&"))
            })
            .cloned()
            .collect();
        assert_requests(&mine, &expected);
    }
    assert_outbox_empty(&app).await;
    app.stop().await;
}

#[tokio::test]
async fn a_refused_token_is_refreshed_and_the_call_done() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(EDIT))
        .and(header("authorization", "Bearer cfg-access"))
        .respond_with(base_error(
            "invalid_request",
            "アクセストークンが無効です。",
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/1/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_string(GRANT_1))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(EDIT))
        .and(header("authorization", "Bearer access-1"))
        .respond_with(ok_order())
        .mount(&server)
        .await;
    let app = spawn_e2e(
        vec![(BASE, base_channel(&server.uri(), Some("cfg-access")))],
        |_| {},
    )
    .await;
    post_accepted(&app, &linked("R1", "dispatched", "cod", "401")).await;
    let order = expect_sync(
        &app,
        "R1",
        BASE,
        ("dispatched", "done"),
        "done",
        Value::Null,
        1,
    )
    .await;
    assert_eq!(delivery_history(&order, BASE), [(1, "done".to_string())]);
    // The next order goes out with the new token.
    post_accepted(&app, &linked("R2", "canceled", "cod", "402")).await;
    expect_sync(
        &app,
        "R2",
        BASE,
        ("canceled", "done"),
        "done",
        Value::Null,
        1,
    )
    .await;

    let refresh = Expect::new("POST", "/1/oauth/token").form(&[
        ("grant_type", "refresh_token"),
        ("client_id", "base-client"),
        ("client_secret", "base-secret-xyz"),
        ("refresh_token", "cfg-refresh"),
        ("redirect_uri", "https://seller.example/base/callback"),
    ]);
    let requests = server.received_requests().await.unwrap();
    assert_requests(
        &requests,
        &[
            edit("cfg-access", "401", "dispatched"),
            refresh,
            edit("access-1", "401", "dispatched"),
            edit("access-1", "402", "cancelled"),
        ],
    );
    assert_eq!(
        String::from_utf8(requests[1].body.clone()).unwrap(),
        refresh_form("cfg-refresh")
    );
    assert!(requests[1].headers.get("authorization").is_none());
    app.stop().await;
}
