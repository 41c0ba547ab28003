//! The daemon's connectors against the simulated marketplaces: tokens are fetched once,
//! a revoked token is replaced and the call repeated, and the recorder sees it all.

use crate::helpers::{event, spawn_app_with};
use ordersync::domain::ChannelKind;
use ordersync::sim::{self, RecordedCall};
use serde_json::json;

fn requests(calls: &[RecordedCall], kind: ChannelKind) -> Vec<(String, u16)> {
    calls
        .iter()
        .filter(|c| c.kind == kind)
        .map(|c| (format!("{} {}", c.method, c.path), c.status))
        .collect()
}

fn dispatched(order_id: &str, at: i64) -> serde_json::Value {
    let mut body = event(order_id, "dispatched", at);
    body["data"]["shipment"] = json!({ "carrier": "cj", "tracking_number": "6000123" });
    body["data"]["links"] = json!([
        { "channel": "payco", "order_id": format!("imp_{order_id}") },
        { "channel": "imweb-kr", "order_id": format!("no{order_id}") },
    ]);
    body
}

#[tokio::test]
async fn revoked_tokens_are_replaced_once() {
    let mut sims = sim::start_all().await.unwrap();
    let channels = sims.channel_configs([ChannelKind::PortonePayco, ChannelKind::Imweb]);
    let app = spawn_app_with(|config| config.channels = channels).await;
    for order in ["A1", "A2"] {
        sims.payco.seed(&format!("imp_{order}"));
        sims.imweb
            .seed(&format!("no{order}"), &[&format!("no{order}-1")]);
    }

    assert_eq!(app.post_event(&dispatched("A1", 1)).await.0, 202);
    app.wait_for_channel_state("A1", "payco", "done").await;
    app.wait_for_channel_state("A1", "imweb-kr", "done").await;
    assert_eq!(sims.payco.status("imp_A1"), Some("DELIVERY_START"));
    let prod = sims.imweb.prod_order("noA1", "noA1-1").unwrap();
    assert_eq!(
        (prod.status, prod.invoice_no.as_deref()),
        ("DELIVERING", Some("6000123"))
    );

    let mark = sims.recorder.mark();
    sims.payco.revoke_tokens();
    sims.imweb.revoke_tokens();
    assert_eq!(app.post_event(&dispatched("A2", 2)).await.0, 202);
    app.wait_for_channel_state("A2", "payco", "done").await;
    app.wait_for_channel_state("A2", "imweb-kr", "done").await;

    let calls = sims.recorder.since(mark);
    assert_eq!(
        requests(&calls, ChannelKind::PortonePayco),
        [
            ("POST /payco/orders/status/imp_A2".to_string(), 401),
            ("POST /users/getToken".to_string(), 200),
            ("POST /payco/orders/status/imp_A2".to_string(), 200),
        ]
    );
    // imweb refuses a token in the body (code -2) with HTTP 200.
    assert_eq!(
        requests(&calls, ChannelKind::Imweb),
        [
            ("PATCH /v2/shop/orders/noA2/send".to_string(), 200),
            ("GET /v2/auth".to_string(), 200),
            ("PATCH /v2/shop/orders/noA2/send".to_string(), 200),
        ]
    );
    let imweb: Vec<&RecordedCall> = calls
        .iter()
        .filter(|c| c.kind == ChannelKind::Imweb)
        .collect();
    assert!(
        imweb[0].answer.contains("\"code\":-2"),
        "{}",
        imweb[0].answer
    );
    let body = imweb[2].json().unwrap();
    assert_eq!(
        body["etc"],
        json!({ "parcel_code": "CJ", "invoice_no": "6000123" })
    );
    app.stop().await;
    sims.stop().await;
}
