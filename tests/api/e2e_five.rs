//! One order linked to all five marketplaces, each on its own mock server with its auth
//! endpoint: exactly the calls each one receives for `dispatched`, then `completed`,
//! and a card-paid order's `canceled`, and the state recorded per channel.

use crate::channel_base::{
    accept_edits, dispatched as dispatch_form, edit as base_edit, granted, refresh, GRANT_1, TOKEN,
};
use crate::channel_imweb::{mount_token as mount_imweb_token, success};
use crate::channel_payco::{mount_token as mount_payco_token, ok as payco_ok};
use crate::channel_youcan::{
    granted as youcan_granted, mount_refresh, ok as youcan_ok, put as youcan_call, puts,
};
use crate::e2e_support::*;
use crate::e2e_wizcommerce::{assert_valid, request_validator};
use crate::helpers::*;
use crate::mocks::{assert_requests, mount, on, Expect, Seen};
use serde_json::{json, Value};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TRACKING: &str = "JD014600006281";

struct Servers {
    payco: MockServer,
    imweb: MockServer,
    youcan: MockServer,
    base: MockServer,
    wiz: MockServer,
}

async fn servers() -> Servers {
    let payco = MockServer::start().await;
    mount_payco_token(&payco, "tok-1", 1).await;
    let status_calls = Mock::given(method("POST")).and(path_regex("^/payco/orders/status/"));
    let echo_status = |request: &Request| {
        let body: Value = request.body_json().unwrap();
        payco_ok(body["status"].as_str().unwrap())
    };
    mount(&payco, status_calls, echo_status, ..).await;

    let imweb = MockServer::start().await;
    mount_imweb_token(&imweb, "tok-1", 1).await;
    let patches = Mock::given(method("PATCH")).and(path_regex("^/v2/shop/orders/"));
    mount(&imweb, patches, success(), ..).await;

    let youcan = MockServer::start().await;
    mount_refresh(&youcan, youcan_granted(), 0).await;
    let status_calls = puts().and(path_regex("^/orders/"));
    mount(&youcan, status_calls, youcan_ok(), ..).await;

    let base = MockServer::start().await;
    mount(&base, on("POST", TOKEN), granted(GRANT_1), 1).await;
    accept_edits(&base).await;

    let wiz = MockServer::start().await;
    let patches = Mock::given(method("PATCH")).and(path_regex("^/v1/orders/"));
    let accepted = ResponseTemplate::new(200).set_body_json(json!({ "data": {} }));
    mount(&wiz, patches, accepted, ..).await;
    Servers {
        payco,
        imweb,
        youcan,
        base,
        wiz,
    }
}

fn links(n: u32, items: bool) -> Value {
    let imweb_items = json!({ "L1": format!("20261122000{n}1"), "L2": format!("20261122000{n}2") });
    let base_items = json!({ "L1": format!("{n}23"), "L2": format!("{n}24") });
    let pick = |map: Value| {
        if items {
            map
        } else {
            json!({ "L1": map["L1"] })
        }
    };
    json!([
        { "channel": PAYCO, "order_id": format!("imp_44828009063{n}") },
        { "channel": IMWEB, "order_id": format!("20261122000{n}"), "items": pick(imweb_items) },
        { "channel": YOUCAN, "order_id": youcan_id(n) },
        { "channel": BASE, "order_id": format!("154D88A39E45428{n}"), "items": pick(base_items) },
        { "channel": WIZ, "order_id": wiz_id(n) },
    ])
}

fn youcan_id(n: u32) -> String {
    format!("9b1f2c34-5d6e-4a7b-8c9d-0e1f2a3b4c5{n}")
}

fn wiz_id(n: u32) -> String {
    format!("5b0f2a1e-0c1d-4a53-9e35-f1d1b3c0a00{n}")
}

/// Every channel shows `status`: `states` in PAYCO, imweb, YouCan, BASE, Wiz order.
async fn expect_states(app: &TestApp, order_id: &str, status: &str, states: [(&str, Value); 5]) {
    for (channel, (state, error)) in [PAYCO, IMWEB, YOUCAN, BASE, WIZ].into_iter().zip(states) {
        expect_sync(app, order_id, channel, (status, state), state, error, 1).await;
    }
}

fn unsupported(message: &str) -> (&'static str, Value) {
    ("unsupported", json!({ "code": null, "message": message }))
}

fn payco_status(n: u32, status: &str) -> Expect {
    Expect::new("POST", format!("/payco/orders/status/imp_44828009063{n}"))
        .bearer("tok-1")
        .json(json!({ "status": status }))
}

fn youcan_put(n: u32, route: &str, body: Value) -> Expect {
    youcan_call(&youcan_id(n), route, "cfg-access", body)
}

#[tokio::test]
async fn five_marketplaces_get_exactly_their_calls() {
    let s = servers().await;
    let app = spawn_e2e(
        vec![
            (PAYCO, payco_channel(&s.payco.uri())),
            (IMWEB, imweb_channel(&s.imweb.uri())),
            (YOUCAN, youcan_channel(&s.youcan.uri(), true)),
            (BASE, base_channel(&s.base.uri(), None)),
            (WIZ, wiz_channel(&s.wiz.uri())),
        ],
        |_| {},
    )
    .await;
    let mut seen = [&s.payco, &s.imweb, &s.youcan, &s.base, &s.wiz].map(Seen::new);

    // 1. Dispatched with carrier and tracking.
    let dispatched = event_with(
        "1001",
        "dispatched",
        0,
        json!({
            "payment_method": "cod",
            "items": [
                { "id": "L1", "quantity": 2, "status": "dispatched" },
                { "id": "L2", "quantity": 1, "status": "dispatched" },
            ],
            "shipment": { "carrier": "dhl", "tracking_number": TRACKING },
            "links": links(1, true),
        }),
    );
    post_accepted(&app, &dispatched).await;
    let done = ("done", Value::Null);
    let wiz_none = unsupported("WizCommerce has no status for dispatched");
    expect_states(
        &app,
        "1001",
        "dispatched",
        [
            done.clone(),
            done.clone(),
            done.clone(),
            done.clone(),
            wiz_none,
        ],
    )
    .await;
    assert_outbox_empty(&app).await;
    let [payco, imweb, youcan, base, wiz] = &mut seen;
    assert_requests(
        &payco.next().await,
        &[
            Expect::new("POST", "/users/getToken")
                .json(json!({ "imp_key": "key-1", "imp_secret": "secret-1" })),
            payco_status(1, "DELIVERY_START"),
        ],
    );
    assert_requests(
        &imweb.next().await,
        &[
            Expect::new("GET", "/v2/auth").query("key=api-key-1&secret=secret-key-1"),
            Expect::new("PATCH", "/v2/shop/orders/202611220001/send")
                .header("access-token", "tok-1")
                .json(json!({ "etc": { "parcel_code": "DHL", "invoice_no": TRACKING } })),
        ],
    );
    assert_requests(
        &youcan.next().await,
        &[
            youcan_put(1, "status/shipping", json!({ "status": "shipped" })),
            youcan_put(
                1,
                "fulfill",
                json!({ "tracking_number": TRACKING, "seller_note": "DHL" }),
            ),
        ],
    );
    let comment = format!("[配送業者]DHL [送り状番号]{TRACKING}");
    let edit = |item| base_edit("access-1", &dispatch_form(item, &comment));
    let base_calls = base.next().await;
    assert_requests(
        &base_calls,
        &[refresh("cfg-refresh"), edit("123"), edit("124")],
    );
    assert!(base_calls[0].headers.get("authorization").is_none());
    assert_requests(&wiz.next().await, &[]);

    // 2. Completed: PAYCO's purchase decision and YouCan's closed; nothing else can say it.
    post_accepted(&app, &event_with("1001", "completed", 10, json!({}))).await;
    let states = [
        done.clone(),
        unsupported("imweb has no order status for completed"),
        done.clone(),
        unsupported("BASE has no status for completed: it only moves an order from ordered to dispatched or cancelled"),
        unsupported("WizCommerce has no status for completed"),
    ];
    expect_states(&app, "1001", "completed", states).await;
    assert_outbox_empty(&app).await;
    assert_requests(&payco.next().await, &[payco_status(1, "PURCHASE_DECISION")]);
    assert_requests(&imweb.next().await, &[]);
    assert_requests(
        &youcan.next().await,
        &[youcan_put(1, "status", json!({ "status": "closed" }))],
    );
    assert_requests(&base.next().await, &[]);
    assert_requests(&wiz.next().await, &[]);

    // 3. Another order, paid by card, canceled: BASE refuses without a call.
    let canceled = event_with(
        "1002",
        "canceled",
        0,
        json!({
            "payment_method": "card",
            "items": [{ "id": "L1", "quantity": 1, "status": "canceled" }],
            "cancel": { "reason": "SOLD_OUT", "note": "out of stock" },
            "links": links(2, false),
        }),
    );
    post_accepted(&app, &canceled).await;
    let card = remote(
        "not_cancel_credit_card",
        "クレジットカード決済のキャンセルはできません。 BASE cancels only bank-transfer (shop account) and cash-on-delivery orders by API; cancel this card order in the BASE admin (not sent)",
    );
    let states = [
        done.clone(),
        done.clone(),
        done.clone(),
        ("rejected", card),
        done,
    ];
    expect_states(&app, "1002", "canceled", states).await;
    assert_outbox_empty(&app).await;
    assert_requests(&payco.next().await, &[payco_status(2, "CANCELED")]);
    assert_requests(
        &imweb.next().await,
        &[Expect::new("PATCH", "/v2/shop/orders/202611220002/cancel")
            .header("access-token", "tok-1")
            .json(json!({ "etc": { "reason_code": "SOLD_OUT" } }))],
    );
    assert_requests(
        &youcan.next().await,
        &[
            youcan_put(2, "status", json!({ "status": "canceled-by-seller" })),
            youcan_put(2, "status/shipping", json!({ "status": "canceled" })),
        ],
    );
    assert_requests(&base.next().await, &[]);
    let wiz_calls = wiz.next().await;
    assert_requests(
        &wiz_calls,
        &[
            Expect::new("PATCH", format!("/v1/orders/{}/status", wiz_id(2)))
                .header("x-api-key", "wiz-test-key")
                .json(json!({ "status": "cancelled" })),
        ],
    );
    assert_valid(&request_validator(), &wiz_calls[0].body_json().unwrap());
    app.stop().await;
}
