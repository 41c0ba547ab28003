//! imweb through the whole daemon: signed event in, mock imweb API v2, and what
//! `GET /admin/orders/{id}` records for every documented answer.

use crate::channel_imweb::{body_code, failed_line, mount_token, success, token_answer};
use crate::e2e_support::*;
use crate::mocks::{assert_requests, mount, on, on_path, requests, Expect};
use crate::scripted::Scripted;
use futures_util::future::join_all;
use serde_json::{json, Value};
use wiremock::{MockServer, ResponseTemplate};

fn orders_path(order_no: &str, step: &str) -> String {
    format!("/v2/shop/orders/{order_no}/{step}")
}

fn auth() -> Expect {
    Expect::new("GET", "/v2/auth").query("key=api-key-1&secret=secret-key-1")
}

fn patch(order_no: &str, step: &str, token: &str, body: Value) -> Expect {
    Expect::new("PATCH", orders_path(order_no, step))
        .header("access-token", token)
        .json(body)
}

fn linked(order_id: &str, status: &str, order_no: &str, extra: Value) -> Value {
    let mut fields = json!({ "links": [{ "channel": IMWEB, "order_id": order_no }] });
    for (key, value) in extra.as_object().unwrap() {
        fields[key] = value.clone();
    }
    event_with(order_id, status, 0, fields)
}

struct Case {
    order_id: &'static str,
    order_no: &'static str,
    status: &'static str,
    extra: Value,
    step: &'static str,
    body: Value,
    script: Scripted,
    calls: usize,
    /// Final state, outcome, error, attempts.
    end: (&'static str, &'static str, Value, u64),
}

#[allow(clippy::too_many_arguments)]
fn case(
    (order_id, order_no): (&'static str, &'static str),
    (status, extra): (&'static str, Value),
    (step, body): (&'static str, Value),
    answers: Vec<ResponseTemplate>,
    then: ResponseTemplate,
    calls: usize,
    end: (&'static str, &'static str, Value, u64),
) -> Case {
    Case {
        order_id,
        order_no,
        status,
        extra,
        step,
        body,
        script: Scripted::new(answers, then),
        calls,
        end,
    }
}

#[tokio::test]
async fn every_documented_answer_is_recorded() {
    let server = MockServer::start().await;
    mount_token(&server, "tok-1", 1).await;
    let order_no = "202611220102";
    let partly_failed = failed_line(order_no, &[order_no], "P-202", "품절", "재고 없음");
    let two_items = json!({
        "items": [{"id": "L1", "status": "preparing"}, {"id": "L2", "status": "preparing"}],
        "links": [{"channel": IMWEB, "order_id": "202611220102", "items": {"L1": "P-201", "L2": "P-202"}}],
    });
    let cancel = json!({ "cancel": { "reason": "SOLD_OUT" } });
    let none = json!({});
    let cases = [
        case(
            ("I1", "202611220101"),
            ("paid", none.clone()),
            ("deposit", json!({})),
            vec![],
            success(),
            1,
            ("done", "done", Value::Null, 1),
        ),
        case(
            ("I2", "202611220102"),
            ("preparing", two_items),
            ("place", json!({})),
            vec![],
            partly_failed,
            1,
            (
                "rejected",
                "rejected",
                remote("failed", "prod_order_no P-202: 품절 (재고 없음)"),
                1,
            ),
        ),
        case(
            ("I3", "202611220103"),
            ("canceled", cancel),
            ("cancel", json!({"etc": {"reason_code": "SOLD_OUT"}})),
            vec![],
            body_code(-10, "주문 상태를 변경할 수 없습니다"),
            1,
            (
                "rejected",
                "rejected",
                remote("-10", "주문 상태를 변경할 수 없습니다"),
                1,
            ),
        ),
        case(
            ("I4", "202611220104"),
            ("delivered", none.clone()),
            ("complete", json!({})),
            vec![],
            body_code(-11, "존재하지 않는 주문"),
            1,
            (
                "rejected",
                "rejected",
                remote("-11", "존재하지 않는 주문"),
                1,
            ),
        ),
        case(
            ("I5", "202611220105"),
            ("paid", none.clone()),
            ("deposit", json!({})),
            vec![body_code(-7, "TOO MANY REQUEST")],
            success(),
            2,
            ("done", "done", Value::Null, 1),
        ),
        case(
            ("I6", "202611220106"),
            ("paid", none.clone()),
            ("deposit", json!({})),
            vec![ResponseTemplate::new(429).insert_header("Retry-After", "2")],
            success(),
            2,
            ("done", "done", Value::Null, 1),
        ),
        case(
            ("I7", "202611220107"),
            ("paid", none.clone()),
            ("deposit", json!({})),
            vec![ResponseTemplate::new(503).set_body_string("점검 중")],
            success(),
            2,
            ("done", "done", Value::Null, 2),
        ),
        case(
            ("I8", "202611220108"),
            ("paid", none),
            ("deposit", json!({})),
            vec![body_code(-19, "잠시 후 다시 시도")],
            success(),
            2,
            ("done", "done", Value::Null, 2),
        ),
    ];
    for case in &cases {
        let patch = on("PATCH", orders_path(case.order_no, case.step));
        mount(&server, patch, case.script.clone(), ..).await;
    }
    let app = spawn_e2e(vec![(IMWEB, imweb_channel(&server.uri()))], |_| {}).await;
    for case in &cases {
        post_accepted(
            &app,
            &linked(
                case.order_id,
                case.status,
                case.order_no,
                case.extra.clone(),
            ),
        )
        .await;
    }

    // Retried answers, seen while they wait; rate limits use no attempt.
    let waiting = [
        ("I5", remote("-7", "TOO MANY REQUEST"), 0),
        ("I6", remote("http_429", ""), 0),
        ("I7", remote("http_503", "점검 중"), 1),
        ("I8", remote("-19", "잠시 후 다시 시도"), 1),
    ];
    join_all(waiting.into_iter().map(|(order_id, error, attempts)| {
        expect_sync(
            &app,
            order_id,
            IMWEB,
            ("paid", "retrying"),
            "retry",
            error,
            attempts,
        )
    }))
    .await;

    for case in &cases {
        let (state, outcome, error, attempts) = case.end.clone();
        let order = expect_sync(
            &app,
            case.order_id,
            IMWEB,
            (case.status, state),
            outcome,
            error,
            attempts,
        )
        .await;
        let history = delivery_history(&order, IMWEB);
        let expected: Vec<(u64, String)> = match case.order_id {
            "I5" | "I6" => vec![(0, "retry".into()), (1, "done".into())],
            "I7" | "I8" => vec![(1, "retry".into()), (2, "done".into())],
            _ => vec![(1, outcome.into())],
        };
        assert_eq!(history, expected, "{}", case.order_id);
    }
    assert_outbox_empty(&app).await;

    let requests = requests(&server).await;
    assert_requests(&on_path(&requests, "/v2/auth"), &[auth()]);
    for case in &cases {
        let expected: Vec<_> = (0..case.calls)
            .map(|_| patch(case.order_no, case.step, "tok-1", case.body.clone()))
            .collect();
        assert_requests(
            &on_path(&requests, &orders_path(case.order_no, case.step)),
            &expected,
        );
        assert_eq!(case.script.count(), case.calls, "{}", case.order_id);
    }
    app.stop().await;
}

/// HTTP 401 and body code -2 both get a new token and the call repeated once.
#[tokio::test]
async fn refused_tokens_are_replaced_and_the_calls_done() {
    let server = MockServer::start().await;
    let tokens = Scripted::new(
        vec![token_answer("tok-1"), token_answer("tok-2")],
        token_answer("tok-3"),
    );
    mount(&server, on("GET", "/v2/auth"), tokens.clone(), ..).await;
    let first = Scripted::new(vec![ResponseTemplate::new(401)], success());
    let second = Scripted::new(vec![body_code(-2, "ACCESS TOKEN EXPIRED")], success());
    for (order_no, script) in [("202611220201", &first), ("202611220202", &second)] {
        let deposit = on("PATCH", orders_path(order_no, "deposit"));
        mount(&server, deposit, script.clone(), ..).await;
    }
    let app = spawn_e2e(vec![(IMWEB, imweb_channel(&server.uri()))], |_| {}).await;
    post_accepted(&app, &linked("T1", "paid", "202611220201", json!({}))).await;
    expect_done(&app, "T1", IMWEB, "paid").await;
    post_accepted(&app, &linked("T2", "paid", "202611220202", json!({}))).await;
    expect_done(&app, "T2", IMWEB, "paid").await;
    let deposit = |order_no, token| patch(order_no, "deposit", token, json!({}));
    assert_requests(
        &requests(&server).await,
        &[
            auth(),
            deposit("202611220201", "tok-1"),
            auth(),
            deposit("202611220201", "tok-2"),
            deposit("202611220202", "tok-2"),
            auth(),
            deposit("202611220202", "tok-3"),
        ],
    );
    assert_eq!(tokens.count(), 3);
    app.stop().await;
}
