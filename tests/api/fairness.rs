//! A slow marketplace may use only its share of the delivery slots: the others do not
//! wait behind it.

use crate::helpers::*;
use serde_json::json;
use std::time::Duration;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn wiz_mock(delay: Duration) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path_regex("^/v1/orders/[^/]+/status$"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "data": {} }))
                .set_delay(delay),
        )
        .mount(&server)
        .await;
    server
}

fn paid_linked(order_id: &str, channel: &str) -> serde_json::Value {
    let mut body = event(order_id, "paid", 0);
    body["data"]["links"] = json!([{ "channel": channel, "order_id": format!("R-{order_id}") }]);
    body
}

#[tokio::test]
async fn a_slow_marketplace_does_not_hold_the_others_back() {
    // Slower than anything else here, still inside the 2 s request timeout.
    let slow = wiz_mock(Duration::from_millis(1500)).await;
    let fast = wiz_mock(Duration::ZERO).await;
    let app = spawn_app_with(|c| {
        c.channels
            .insert(channel_name("slow"), wiz_channel(&slow.uri()));
        c.channels
            .insert(channel_name("fast"), wiz_channel(&fast.uri()));
        // Two slots for two channels: one each.
        c.delivery.concurrency = 2;
    })
    .await;
    for order in ["1", "2"] {
        assert_eq!(app.post_event(&paid_linked(order, "slow")).await.0, 202);
    }
    for order in ["3", "4"] {
        assert_eq!(app.post_event(&paid_linked(order, "fast")).await.0, 202);
    }
    for order in ["3", "4"] {
        app.wait_for_channel_state(order, "fast", "done").await;
    }
    // Had the slow marketplace taken both slots, the fast one would have waited for
    // its first answer.
    let first_slow = app.order("1").await;
    assert_eq!(first_slow["channels"]["slow"]["state"], "pending");
    assert_eq!(
        slow.received_requests().await.unwrap().len(),
        1,
        "the slow marketplace gets one slot at a time"
    );
    app.wait_for_channel_state("2", "slow", "done").await;
    assert_eq!(slow.received_requests().await.unwrap().len(), 2);
    app.stop().await;
}
