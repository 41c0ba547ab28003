//! Per order and channel, changes reach the marketplace in causal order; different
//! orders run in parallel.

use crate::helpers::*;
use crate::scripted::Scripted;
use ordersync::config::{ChannelConfig, ChannelSettings};
use ordersync::domain::ChannelKind;
use ordersync::secret::Secret;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn youcan(base_url: &str) -> ChannelConfig {
    ChannelConfig {
        kind: ChannelKind::Youcan,
        base_url: base_url.to_string(),
        rate_limit_per_sec: None,
        rate_limit_per_hour: None,
        settings: ChannelSettings::Youcan {
            access_token: Secret::new("yc-token"),
            client_id: None,
            client_secret: None,
            refresh_token: None,
            tracking_via_fulfill: false,
        },
    }
}

#[tokio::test]
async fn fifty_orders_three_changes_each_arrive_in_causal_order() {
    let script = Scripted::new(
        vec![],
        ResponseTemplate::new(200).set_body_json(json!({ "status": "ok" })),
    );
    let mock = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(header("authorization", "Bearer yc-token"))
        .respond_with(script.clone())
        .mount(&mock)
        .await;
    let uri = mock.uri();
    let app = spawn_app_with(|c| {
        c.channels.insert(channel_name("youcan-ma"), youcan(&uri));
        c.delivery.concurrency = 16;
    })
    .await;
    let app = std::sync::Arc::new(app);
    let mut senders = Vec::new();
    for n in 0..50 {
        let app = app.clone();
        senders.push(tokio::spawn(async move {
            let order = format!("o{n}");
            let mut paid = event(&order, "paid", 0);
            paid["data"]["links"] =
                json!([{ "channel": "youcan-ma", "order_id": format!("Y-{n}") }]);
            let mut dispatched = event(&order, "dispatched", 2);
            dispatched["data"]["shipment"] =
                json!({ "carrier": "dhl", "tracking_number": format!("T{n}") });
            for body in [paid, event(&order, "preparing", 1), dispatched] {
                let (status, json, _) = app.post_event(&body).await;
                assert_eq!(status, 202, "{json}");
            }
        }));
    }
    for sender in senders {
        sender.await.unwrap();
    }
    for n in 0..50 {
        app.wait_for_order(&format!("o{n}"), "dispatched to be delivered", |o| {
            o["channels"]["youcan-ma"]["state"] == "done"
                && o["channels"]["youcan-ma"]["status"] == "dispatched"
        })
        .await;
    }

    let mut calls: BTreeMap<String, Vec<(usize, String, Value)>> = BTreeMap::new();
    for (position, request) in script.requests().iter().enumerate() {
        let path = request.url.path().to_string();
        let order = path.split('/').nth(2).unwrap().to_string();
        calls
            .entry(order)
            .or_default()
            .push((position, path, request.body_json().unwrap()));
    }
    assert_eq!(calls.len(), 50);
    for (order, seen) in &calls {
        let got: Vec<(String, Value)> = seen
            .iter()
            .map(|(_, p, b)| (p.clone(), b.clone()))
            .collect();
        let expected = vec![
            (
                format!("/orders/{order}/status/payment"),
                json!({ "status": "paid" }),
            ),
            (
                format!("/orders/{order}/status/shipping"),
                json!({ "status": "processing" }),
            ),
            (
                format!("/orders/{order}/status/shipping"),
                json!({ "status": "shipped" }),
            ),
        ];
        assert_eq!(got, expected, "order {order}");
    }
    // Orders ran side by side: some order's calls started before another's had ended.
    let spans: Vec<(usize, usize)> = calls.values().map(|s| (s[0].0, s[2].0)).collect();
    let interleaved = spans
        .iter()
        .any(|a| spans.iter().any(|b| a != b && a.0 < b.0 && b.0 < a.1));
    assert!(
        interleaved,
        "calls of different orders interleave: {spans:?}"
    );
    std::sync::Arc::try_unwrap(app)
        .ok()
        .expect("last handle")
        .stop()
        .await;
}
