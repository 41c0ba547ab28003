//! BASE through the whole daemon: signed event in, mock BASE API, and what
//! `GET /admin/orders/{id}` records for every class of documented answer.

mod tokens;

use crate::channel_base::{base_error, detail, detail_path, edit as base_edit, ok_order, EDIT};
use crate::e2e_support::*;
use crate::mocks::{assert_requests, mount, on, requests, Expect};
use crate::scripted::Scripted;
use futures_util::future::join_all;
use serde_json::{json, Value};
use std::time::Duration;
use wiremock::matchers::body_string_contains;
use wiremock::{MockServer, ResponseTemplate};

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
    base_edit(token, &form).header("accept", "application/json")
}

fn detail_read(item: &str) -> Expect {
    Expect::new("GET", detail_path(&unique_key(item))).bearer("cfg-access")
}

/// One BASE order: its first answer (then OK), and what the admin API must end with.
struct Case {
    order_id: String,
    status: &'static str,
    payment: &'static str,
    item: String,
    first: Option<ResponseTemplate>,
    /// The item's status in the order detail, read after `not_change_status`.
    remote_state: Option<&'static str>,
    end: (&'static str, &'static str, Value),
    attempts: u64,
    calls: usize,
    script: Scripted,
}

fn case(n: u32, status: &'static str, payment: &'static str) -> Case {
    Case {
        order_id: format!("B{n:02}"),
        status,
        payment,
        item: format!("3{n:02}"),
        first: None,
        remote_state: None,
        end: ("done", "done", Value::Null),
        attempts: 1,
        calls: 1,
        script: Scripted::new(vec![], ok_order()),
    }
}

impl Case {
    fn first(mut self, code: &str, message: &str) -> Self {
        self.first = Some(base_error(code, message));
        self
    }
    fn rejected(mut self, code: &str, message: &str) -> Self {
        self.end = ("rejected", "rejected", remote(code, message));
        self
    }
    /// Retried once (having used `attempts` by then), then accepted.
    fn retried(mut self, attempts: u64) -> Self {
        (self.attempts, self.calls) = (attempts + 1, 2);
        self
    }
}

#[tokio::test]
async fn every_class_of_error_is_recorded() {
    let server = MockServer::start().await;
    let refused = "この注文のステータスは変更できません。";
    let card = "クレジットカード決済のキャンセルはできません。 BASE cancels only bank-transfer (shop account) and cash-on-delivery orders by API; cancel this card order in the BASE admin (not sent)";
    let mut cases = vec![case(1, "dispatched", "cod")];
    // Refusals retrying will not fix.
    for (n, status, payment, code, message) in [
        (
            2,
            "dispatched",
            "cod",
            "no_order",
            "注文情報が見つかりませんでした。",
        ),
        (
            3,
            "dispatched",
            "cod",
            "bad_params",
            "不正なパラメーターです。",
        ),
        (
            4,
            "canceled",
            "bank_transfer",
            "not_cancel_base_bt",
            "銀行振込(BASE口座)決済のキャンセルはできません。",
        ),
        (
            5,
            "dispatched",
            "cod",
            "not_change_status_YamatoDelivery",
            "ヤマトかんたん発送Appの注文は発送できません。",
        ),
    ] {
        cases.push(
            case(n, status, payment)
                .first(code, message)
                .rejected(code, message),
        );
    }
    // not_change_status: the order detail tells "already there" from "refused".
    let mut already = case(6, "dispatched", "cod").first("not_change_status", refused);
    already.remote_state = Some("dispatched");
    already.end = ("done", "already_applied", Value::Null);
    let mut other = case(7, "dispatched", "cod").first("not_change_status", refused);
    other.remote_state = Some("cancelled");
    let other = other.rejected(
        "not_change_status",
        &format!("{refused} (BASE shows item cancelled)"),
    );
    // A card payment cannot be canceled by API: refused here, nothing sent.
    let mut by_card = case(8, "canceled", "card").rejected("not_cancel_credit_card", card);
    by_card.calls = 0;
    cases.extend([already, other, by_card]);
    // Retried: API limits use no attempt; awaiting payment, db_error and 5xx do.
    let waiting = [
        (9, "cod", remote("hour_api_limit", "上限に達しました"), 0),
        (
            10,
            "convenience_store",
            remote("not_change_status_cvs", "入金待ち"),
            1,
        ),
        (
            11,
            "cod",
            remote("db_error", "ステータスの変更ができませんでした。"),
            1,
        ),
        (12, "cod", remote("http_502", "bad gateway"), 1),
    ];
    for (n, payment, error, attempts) in &waiting {
        let mut retried = case(*n, "dispatched", payment).retried(*attempts);
        retried.first = Some(match error["code"].as_str().unwrap() {
            "http_502" => ResponseTemplate::new(502).set_body_string("bad gateway"),
            code => base_error(code, error["message"].as_str().unwrap()),
        });
        cases.push(retried);
    }
    for case in &mut cases {
        case.script = Scripted::new(case.first.iter().cloned().collect(), ok_order());
        let item = format!("order_item_id={}&", case.item);
        let edits = on("POST", EDIT).and(body_string_contains(item));
        mount(&server, edits, case.script.clone(), ..).await;
        if let Some(remote_state) = case.remote_state {
            let read = on("GET", detail_path(&unique_key(&case.item)));
            let items = detail(&[(case.item.parse().unwrap(), remote_state)]);
            mount(&server, read, items, 1).await;
        }
    }
    // BASE asks to wait until the next hour (or an hour for 入金待ち): capped here.
    let channel = base_channel(&server.uri(), Some("cfg-access"));
    let app = spawn_e2e(vec![(BASE, channel)], |c| {
        c.delivery.max_retry_after = Duration::from_secs(2)
    })
    .await;
    for case in &cases {
        post_accepted(
            &app,
            &linked(&case.order_id, case.status, case.payment, &case.item),
        )
        .await;
    }

    let shared = &app;
    join_all(
        waiting
            .into_iter()
            .map(|(n, _, error, attempts)| async move {
                let order_id = format!("B{n:02}");
                let retrying = ("dispatched", "retrying");
                expect_sync(shared, &order_id, BASE, retrying, "retry", error, attempts).await
            }),
    )
    .await;

    for case in &cases {
        let (state, outcome, error) = case.end.clone();
        let end = (case.status, state);
        expect_sync(
            &app,
            &case.order_id,
            BASE,
            end,
            outcome,
            error,
            case.attempts,
        )
        .await;
        assert_eq!(case.script.count(), case.calls, "{}", case.order_id);
        let sent = if case.status == "dispatched" {
            "dispatched"
        } else {
            "cancelled"
        };
        let mut expected: Vec<_> = (0..case.calls)
            .map(|_| edit("cfg-access", &case.item, sent))
            .collect();
        if case.remote_state.is_some() {
            expected.push(detail_read(&case.item));
        }
        let requests = requests(&server).await;
        let mine: Vec<_> = requests
            .iter()
            .filter(|r| {
                r.url.path().ends_with(&unique_key(&case.item))
                    || String::from_utf8_lossy(&r.body)
                        .starts_with(&format!("order_item_id={}&", case.item))
            })
            .cloned()
            .collect();
        assert_requests(&mine, &expected);
    }
    assert_outbox_empty(&app).await;
    app.stop().await;
}
