//! kill -9 tests against the real binary: nothing acknowledged is lost.

use crate::daemon::{free_port, post, write_config, Daemon};
use crate::helpers::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn admin(client: &reqwest::Client, address: &str, path: &str) -> Value {
    let response = client
        .get(format!("{address}{path}"))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

fn linked_paid(order_id: &str) -> Value {
    let mut body = event(order_id, "paid", 0);
    body["data"]["links"] = json!([{ "channel": "wiz", "order_id": format!("W-{order_id}") }]);
    body
}

/// Acknowledged events survive kill -9 right after the last 202: order, history and
/// outbox task are all there after a restart on the same store.
#[tokio::test]
async fn every_acknowledged_event_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    // A marketplace nobody answers at, with a long schedule: tasks stay in the outbox.
    let wiz = r#"
[delivery]
schedule = ["1h"]

[channels.wiz]
kind = "wizcommerce"
base_url = "http://127.0.0.1:9"
api_key = "k"
"#;
    let config = write_config(dir.path(), port, wiz);
    let daemon = Daemon::start(&config, port).await;
    let address = daemon.address.clone();
    let mut senders = Vec::new();
    for sender in 0..6 {
        let address = address.clone();
        senders.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut acknowledged = Vec::new();
            for n in 0..50 {
                let (order, id) = (format!("c{sender}-{n}"), format!("crash-{sender}-{n}"));
                if post(&client, &address, &id, &linked_paid(&order)).await == 202 {
                    acknowledged.push((order, id));
                }
            }
            acknowledged
        }));
    }
    let mut acknowledged = Vec::new();
    for sender in senders {
        acknowledged.extend(sender.await.unwrap());
    }
    daemon.kill9();
    assert_eq!(
        acknowledged.len(),
        300,
        "every event was answered 202 before the kill"
    );

    let daemon = Daemon::start(&config, port).await;
    let client = reqwest::Client::new();
    let tasks = admin(&client, &daemon.address, "/admin/deliveries?limit=1000").await;
    let queued: BTreeSet<String> = tasks["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["order_id"].as_str().unwrap().to_string())
        .collect();
    for (order, id) in &acknowledged {
        let stored = admin(&client, &daemon.address, &format!("/admin/orders/{order}")).await;
        assert_eq!(stored["status"], "paid", "{order}");
        assert_eq!(stored["history"][0]["event_id"], id.as_str(), "{order}");
        assert!(queued.contains(order), "outbox task of {order}");
    }
    daemon.kill9();
}

/// kill -9 while tasks are mid-retry and others are dead letters: after a restart every
/// pending task is delivered and every dead letter is still listed.
#[tokio::test]
async fn deliveries_survive_kill_9_mid_retry() {
    let mock = MockServer::start().await;
    let failing = Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(503))
        .mount_as_scoped(&mock)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let wiz = format!(
        r#"
[delivery]
schedule = ["0s", "300ms", "300ms"]

[channels.wiz]
kind = "wizcommerce"
base_url = "{}"
api_key = "k"
"#,
        mock.uri()
    );
    let config = write_config(dir.path(), port, &wiz);
    let daemon = Daemon::start(&config, port).await;
    let client = reqwest::Client::new();
    for n in 0..10 {
        assert_eq!(
            post(
                &client,
                &daemon.address,
                &format!("dead-{n}"),
                &linked_paid(&format!("d{n}"))
            )
            .await,
            202
        );
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let dead = admin(&client, &daemon.address, "/admin/deliveries?state=dead").await;
        if dead["deliveries"].as_array().unwrap().len() == 10 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "dead letters: {dead}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for n in 0..20 {
        assert_eq!(
            post(
                &client,
                &daemon.address,
                &format!("live-{n}"),
                &linked_paid(&format!("r{n}"))
            )
            .await,
            202
        );
    }
    // Let first attempts fail so tasks are mid-retry, then pull the plug.
    tokio::time::sleep(Duration::from_millis(150)).await;
    daemon.kill9();
    drop(failing);
    Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {}})))
        .mount(&mock)
        .await;

    let daemon = Daemon::start(&config, port).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let pending = admin(&client, &daemon.address, "/admin/deliveries").await;
        let live = pending["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["state"] != "dead")
            .count();
        if live == 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still queued: {pending}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let delivered: BTreeSet<String> = mock
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().starts_with("/v1/orders/W-r"))
        .map(|r| r.url.path().to_string())
        .collect();
    assert_eq!(
        delivered.len(),
        20,
        "every mid-retry task was delivered: {delivered:?}"
    );
    for n in 0..20 {
        let order = admin(&client, &daemon.address, &format!("/admin/orders/r{n}")).await;
        assert_eq!(order["channels"]["wiz"]["state"], "done", "r{n}");
    }
    let dead = admin(&client, &daemon.address, "/admin/deliveries?state=dead").await;
    let dead_orders: BTreeSet<String> = dead["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["order_id"].to_string())
        .collect();
    assert_eq!(dead_orders.len(), 10, "no dead letter lost: {dead}");
    daemon.kill9();
}
