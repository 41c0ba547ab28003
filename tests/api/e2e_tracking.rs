//! A new tracking number on a dispatched order, through the whole daemon: pushed again
//! to imweb and BASE, and a still-queued dispatch with the old number is `superseded`.

use crate::channel_base::{dispatched as dispatch_form, edit};
use crate::channel_imweb::success;
use crate::e2e_support::*;
use crate::mocks::{assert_requests, on, requests, Expect, Seen};
use crate::scripted::Scripted;
use serde_json::{json, Value};
use wiremock::ResponseTemplate;

const ORDER_NO: &str = "202611240001";
const SEND: &str = "/v2/shop/orders/202611240001/send";

fn send(invoice_no: &str) -> Expect {
    Expect::new("PATCH", SEND)
        .header("access-token", "tok-1")
        .json(json!({ "etc": { "parcel_code": "EMS", "invoice_no": invoice_no } }))
}

fn dispatch(tracking: &str) -> Expect {
    let comment = format!("[配送業者]EMS [送り状番号]{tracking}");
    edit("cfg-access", &dispatch_form("601", &comment))
}

fn dispatched(at: i64, tracking: &str) -> Value {
    event_with(
        "3001",
        "dispatched",
        at,
        json!({
            "shipment": { "carrier": "ems", "tracking_number": tracking },
            "links": [
                { "channel": IMWEB, "order_id": ORDER_NO },
                { "channel": BASE, "order_id": "UK3001", "items": { "L1": "601" } },
            ],
        }),
    )
}

fn auth() -> Expect {
    Expect::new("GET", "/v2/auth").query("key=api-key-1&secret=secret-key-1")
}

#[tokio::test]
async fn a_new_tracking_number_is_sent_again() {
    let script = Scripted::new(vec![], success());
    let (imweb, base, app) = imweb_and_base(on("PATCH", SEND), script.clone()).await;
    let (mut imweb_seen, mut base_seen) = (Seen::new(&imweb), Seen::new(&base));
    for (at, tracking) in [(0, "EE111111111KR"), (10, "EE222222222KR")] {
        post_accepted(&app, &dispatched(at, tracking)).await;
        for channel in [IMWEB, BASE] {
            expect_done(&app, "3001", channel, "dispatched").await;
        }
        assert_outbox_empty(&app).await;
        let mut imweb_calls = vec![send(tracking)];
        if at == 0 {
            imweb_calls.insert(0, auth());
        }
        assert_requests(&imweb_seen.next().await, &imweb_calls);
        assert_requests(&base_seen.next().await, &[dispatch(tracking)]);
    }
    // The same number again is no change.
    let (status, answer, _) = app.post_event(&dispatched(20, "EE222222222KR")).await;
    assert_eq!(status, 202, "{answer}");
    assert_outbox_empty(&app).await;
    assert_requests(&imweb_seen.next().await, &[]);
    assert_requests(&base_seen.next().await, &[]);
    app.stop().await;
}

#[tokio::test]
async fn a_queued_dispatch_with_the_old_number_is_superseded() {
    let unavailable = ResponseTemplate::new(503).set_body_string("점검 중");
    let script = Scripted::new(vec![unavailable], success());
    let (imweb, base, app) = imweb_and_base(on("PATCH", SEND), script.clone()).await;

    post_accepted(&app, &dispatched(0, "EE111111111KR")).await;
    let busy = remote("http_503", "점검 중");
    expect_sync(
        &app,
        "3001",
        IMWEB,
        ("dispatched", "retrying"),
        "retry",
        busy,
        1,
    )
    .await;
    expect_done(&app, "3001", BASE, "dispatched").await;

    // Replaced while imweb's first dispatch waits for its retry.
    post_accepted(&app, &dispatched(10, "EE222222222KR")).await;
    let order = expect_done(&app, "3001", IMWEB, "dispatched").await;
    expect_done(&app, "3001", BASE, "dispatched").await;
    assert_outbox_empty(&app).await;

    let history: Vec<_> = order["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["kind"] == "delivery" && h["channel"] == IMWEB)
        .collect();
    let outcomes: Vec<_> = history
        .iter()
        .map(|h| {
            (
                h["task_id"].as_u64().unwrap(),
                h["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    let (old, new) = (outcomes[0].0, outcomes[2].0);
    assert_ne!(old, new);
    assert_eq!(
        outcomes,
        [(old, "retry"), (old, "superseded"), (new, "done")]
    );
    assert_eq!(
        history[1]["error"]["message"],
        "tracking number EE111111111KR was replaced by EE222222222KR"
    );

    assert_requests(
        &requests(&imweb).await,
        &[auth(), send("EE111111111KR"), send("EE222222222KR")],
    );
    assert_eq!(script.count(), 2, "the old number is not sent again");
    assert_requests(
        &requests(&base).await,
        &[dispatch("EE111111111KR"), dispatch("EE222222222KR")],
    );
    app.stop().await;
}
