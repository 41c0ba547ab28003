//! Partial shipment through the whole daemon: three lines, two dispatched, then the
//! third with its own tracking number. imweb gets one PATCH per `prod_order_no` and BASE
//! one `edit_status` per `order_item_id`, for the lines that moved and no others.

use crate::channel_base::{dispatched, edit};
use crate::channel_imweb::success;
use crate::e2e_support::*;
use crate::helpers::*;
use crate::mocks::{assert_requests, Expect, Seen};
use serde_json::{json, Value};
use wiremock::matchers::{method, path_regex};
use wiremock::Mock;

fn send(prod_order_no: &str, parcel_code: &str, invoice_no: &str) -> Expect {
    Expect::new("PATCH", "/v2/shop/orders/202611230001/send")
        .header("access-token", "tok-1")
        .json(json!({
            "prod_order_no": prod_order_no,
            "etc": { "parcel_code": parcel_code, "invoice_no": invoice_no },
        }))
}

fn dispatch(order_item_id: &str, comment: &str) -> Expect {
    edit("cfg-access", &dispatched(order_item_id, comment))
}

fn lines(statuses: [&str; 3]) -> Value {
    let lines: Vec<Value> = ["L1", "L2", "L3"]
        .into_iter()
        .zip(statuses)
        .map(|(id, status)| json!({ "id": id, "quantity": 1, "status": status }))
        .collect();
    json!(lines)
}

async fn both_done(app: &TestApp, status: &str) {
    for channel in [IMWEB, BASE] {
        expect_done(app, "2001", channel, status).await;
    }
    assert_outbox_empty(app).await;
}

#[tokio::test]
async fn only_the_dispatched_lines_are_sent() {
    let patches = Mock::given(method("PATCH")).and(path_regex("^/v2/shop/orders/"));
    let (imweb, base, app) = imweb_and_base(patches, success()).await;
    let (mut imweb_seen, mut base_seen) = (Seen::new(&imweb), Seen::new(&base));

    // Paid, three lines: imweb's deposit for the whole order; BASE has no such status.
    let links = json!([
        { "channel": IMWEB, "order_id": "202611230001",
          "items": { "L1": "P-1", "L2": "P-2", "L3": "P-3" } },
        { "channel": BASE, "order_id": "UK2001", "items": { "L1": "501", "L2": "502", "L3": "503" } },
    ]);
    let paid = json!({ "items": lines(["paid"; 3]), "links": links });
    post_accepted(&app, &event_with("2001", "paid", 0, paid)).await;
    expect_done(&app, "2001", IMWEB, "paid").await;
    let no_paid = "BASE has no status for paid: it only moves an order from ordered to dispatched or cancelled";
    let error = json!({ "code": null, "message": no_paid });
    expect_sync(
        &app,
        "2001",
        BASE,
        ("paid", "unsupported"),
        "unsupported",
        error,
        1,
    )
    .await;
    assert_requests(
        &imweb_seen.next().await,
        &[
            Expect::new("GET", "/v2/auth").query("key=api-key-1&secret=secret-key-1"),
            Expect::new("PATCH", "/v2/shop/orders/202611230001/deposit")
                .header("access-token", "tok-1")
                .json(json!({})),
        ],
    );
    assert_requests(&base_seen.next().await, &[]);

    // Two of three lines leave with EMS.
    let first = json!({
        "items": lines(["dispatched", "dispatched", "paid"]),
        "shipment": { "carrier": "ems", "tracking_number": "EE123456789KR", "item_ids": ["L1", "L2"] },
    });
    post_accepted(&app, &event_with("2001", "dispatched", 10, first)).await;
    both_done(&app, "dispatched").await;
    assert_requests(
        &imweb_seen.next().await,
        &[
            send("P-1", "EMS", "EE123456789KR"),
            send("P-2", "EMS", "EE123456789KR"),
        ],
    );
    let ems = "[配送業者]EMS [送り状番号]EE123456789KR";
    assert_requests(
        &base_seen.next().await,
        &[dispatch("501", ems), dispatch("502", ems)],
    );

    // The third line follows with DHL: only its own calls.
    let second = json!({
        "items": [{ "id": "L3", "status": "dispatched" }],
        "shipment": { "carrier": "dhl", "tracking_number": "JD0146000062", "item_ids": ["L3"] },
    });
    post_accepted(&app, &event_with("2001", "dispatched", 20, second)).await;
    both_done(&app, "dispatched").await;
    assert_requests(
        &imweb_seen.next().await,
        &[send("P-3", "DHL", "JD0146000062")],
    );
    assert_requests(
        &base_seen.next().await,
        &[dispatch("503", "[配送業者]DHL [送り状番号]JD0146000062")],
    );

    let order = app.order("2001").await;
    let shipped: Vec<_> = order["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].clone(),
                i["status"].clone(),
                i["shipment"]["tracking_number"].clone(),
            )
        })
        .collect();
    assert_eq!(
        shipped,
        [
            (json!("L1"), json!("dispatched"), json!("EE123456789KR")),
            (json!("L2"), json!("dispatched"), json!("EE123456789KR")),
            (json!("L3"), json!("dispatched"), json!("JD0146000062")),
        ]
    );
    app.stop().await;
}
