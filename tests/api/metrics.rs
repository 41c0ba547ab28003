//! `GET /metrics` read with a real Prometheus text parser: every metric is there from
//! the start, and counters move by exactly what happened.

use crate::helpers::*;
use ordersync::config::{ChannelConfig, ChannelSettings};
use ordersync::domain::ChannelKind;
use prometheus_parse::{Sample, Scrape, Value as Prom};
use serde_json::{json, Value};
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub struct Metrics(Vec<Sample>);

impl Metrics {
    /// The sample `name` with exactly `labels`; 0 when there is none (a labelled series
    /// that has not happened yet).
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let found = self.0.iter().find(|s| {
            s.metric == name
                && labels.iter().all(|(k, v)| s.labels.get(k) == Some(v))
                && s.labels.len() == labels.len()
        });
        match found.map(|s| &s.value) {
            None => 0.0,
            Some(Prom::Counter(v) | Prom::Gauge(v) | Prom::Untyped(v)) => *v,
            Some(other) => panic!("{name}: not a single value: {other:?}"),
        }
    }

    fn names(&self) -> Vec<&str> {
        self.0.iter().map(|s| s.metric.as_str()).collect()
    }
}

pub async fn scrape(client: &reqwest::Client, address: &str) -> Metrics {
    let response = client
        .get(format!("{address}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = response.text().await.unwrap();
    let lines = text.lines().map(|l| Ok(l.to_string()));
    Metrics(
        Scrape::parse(lines)
            .expect("Prometheus text format")
            .samples,
    )
}

/// Scrapes until `settled` holds: the scheduler takes a task back only after its
/// outcome is stored (and visible in the admin API), so queue gauges trail by moments.
async fn scrape_until(app: &TestApp, what: &str, settled: impl Fn(&Metrics) -> bool) -> Metrics {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let metrics = scrape(&app.client, &app.address).await;
        if settled(&metrics) {
            return metrics;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn imweb_channel(base_url: &str) -> ChannelConfig {
    ChannelConfig {
        kind: ChannelKind::Imweb,
        base_url: base_url.to_string(),
        rate_limit_per_sec: None,
        rate_limit_per_hour: None,
        settings: ChannelSettings::Imweb {
            api_key: ordersync::secret::Secret::new("im-key"),
            secret_key: ordersync::secret::Secret::new("im-secret"),
            default_reason_code: "INTENT_CHANGED".into(),
            deliv_fee_method: None,
        },
    }
}

async fn marketplaces() -> MockServer {
    let mock = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/auth"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"msg": "SUCCESS", "code": 200, "access_token": "t"})),
        )
        .mount(&mock)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v2/shop/orders/IM-1/send"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"msg": "SUCCESS", "code": 200, "data": {"success": ["IM-1"], "failed": []}}),
        ))
        .mount(&mock)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v1/orders/W-2/status"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({"code": "DOWN"})))
        .mount(&mock)
        .await;
    mock
}

fn dispatched_everywhere() -> Value {
    let mut body = event("1001", "dispatched", 10);
    body["data"]["shipment"] = json!({ "carrier": "Pigeon Post", "tracking_number": "PG-1" });
    body["data"]["links"] = json!([
        { "channel": "imweb-kr", "order_id": "IM-1" },
        { "channel": "wiz", "order_id": "W-1" },
    ]);
    body
}

const NAMES: [&str; 12] = [
    "ordersync_webhooks_total",
    "ordersync_ingest_duration_seconds_count",
    "ordersync_writer_batch_size_sum",
    "ordersync_writer_flush_duration_seconds_count",
    "ordersync_deliveries_total",
    "ordersync_delivery_latency_seconds_count",
    "ordersync_dead_letters_total",
    "ordersync_dead_letters",
    "ordersync_outbox_depth",
    "ordersync_outbox_oldest_due_age_seconds",
    "ordersync_token_refreshes_total",
    "ordersync_channel_auth_failed",
];

#[tokio::test]
async fn counters_move_by_exactly_what_happened() {
    let mock = marketplaces().await;
    let uri = mock.uri();
    let app = spawn_app_with(|c| {
        c.channels.insert(channel_name("wiz"), wiz_channel(&uri));
        c.channels
            .insert(channel_name("imweb-kr"), imweb_channel(&uri));
    })
    .await;
    let before = scrape(&app.client, &app.address).await;
    for name in NAMES {
        assert!(before.names().contains(&name), "{name} missing at start");
    }

    let (status, _, id) = app.post_event(&dispatched_everywhere()).await;
    assert_eq!(status, 202);
    let (status, _) = app.post_event_with_id(&id, &dispatched_everywhere()).await;
    assert_eq!(status, 200, "duplicate");
    let (status, body, _) = app.post_event(&event("1001", "paid", 0)).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("stale")));
    let mut doomed = event("1002", "paid", 0);
    doomed["data"]["links"] = json!([{ "channel": "wiz", "order_id": "W-2" }]);
    assert_eq!(app.post_event(&doomed).await.0, 202);
    let forged = [
        ("webhook-id", "x".into()),
        ("webhook-timestamp", now_secs().to_string()),
        ("webhook-signature", "v1,AAAA".into()),
    ];
    let refused = app.post_raw("primary", &forged, b"{}".to_vec()).await;
    assert_eq!(refused.status(), 401);
    assert_eq!(
        app.post_raw("nowhere", &[], b"{}".to_vec()).await.status(),
        404
    );

    app.wait_for_channel_state("1001", "imweb-kr", "done").await;
    app.wait_for_channel_state("1001", "wiz", "unsupported")
        .await;
    app.wait_for_channel_state("1002", "wiz", "dead").await;
    // Once the scheduler has taken every task back, every batch that carried their
    // outcomes has been counted too (the writer counts before it answers).
    let after = scrape_until(&app, "the outbox to settle", |m| {
        m.value("ordersync_dead_letters", &[("channel", "wiz")]) == 1.0
            && m.value("ordersync_outbox_depth", &[("channel", "wiz")]) == 0.0
            && m.value("ordersync_outbox_depth", &[("channel", "imweb-kr")]) == 0.0
    })
    .await;
    let moved = |name: &str, labels: &[(&str, &str)]| {
        after.value(name, labels) - before.value(name, labels)
    };

    let webhooks = "ordersync_webhooks_total";
    let primary = |result| [("source", "primary"), ("result", result)];
    assert_eq!(moved(webhooks, &primary("accepted")), 2.0);
    assert_eq!(moved(webhooks, &primary("duplicate")), 1.0);
    assert_eq!(moved(webhooks, &primary("stale")), 1.0);
    assert_eq!(moved(webhooks, &primary("invalid_signature")), 1.0);
    assert_eq!(moved(webhooks, &primary("ignored")), 0.0);
    let unknown = [("source", "(unknown)"), ("result", "unknown_source")];
    assert_eq!(moved(webhooks, &unknown), 1.0);
    let ingest = "ordersync_ingest_duration_seconds_count";
    assert_eq!(moved(ingest, &[("source", "primary")]), 5.0);
    assert_eq!(moved(ingest, &[("source", "(unknown)")]), 1.0);

    let deliveries = "ordersync_deliveries_total";
    assert_eq!(
        moved(deliveries, &[("channel", "imweb-kr"), ("outcome", "done")]),
        1.0
    );
    assert_eq!(
        moved(
            deliveries,
            &[("channel", "wiz"), ("outcome", "unsupported")]
        ),
        1.0
    );
    assert_eq!(
        moved(deliveries, &[("channel", "wiz"), ("outcome", "retry")]),
        3.0
    );
    assert_eq!(
        moved(deliveries, &[("channel", "wiz"), ("outcome", "done")]),
        0.0
    );
    let latency = "ordersync_delivery_latency_seconds_count";
    assert_eq!(
        moved(latency, &[("channel", "imweb-kr")]),
        1.0,
        "acknowledged once"
    );
    assert_eq!(
        moved(latency, &[("channel", "wiz")]),
        0.0,
        "never acknowledged"
    );
    assert_eq!(
        moved("ordersync_dead_letters_total", &[("channel", "wiz")]),
        1.0
    );

    // 4 events reach the writer (the forged one does not); each of the 5 attempts
    // (imweb 1, wiz unsupported 1, wiz dead 3) is a claim and an outcome.
    assert_eq!(
        moved("ordersync_writer_batch_size_sum", &[]),
        4.0 + 2.0 * 5.0
    );
    let flushes = moved("ordersync_writer_flush_duration_seconds_count", &[]);
    assert_eq!(flushes, moved("ordersync_writer_batch_size_count", &[]));
    assert!((1.0..=14.0).contains(&flushes), "{flushes} batches");

    let imweb = [("channel", "imweb-kr")];
    assert_eq!(moved("ordersync_token_refreshes_total", &imweb), 1.0);
    let pigeon = [("channel", "imweb-kr"), ("carrier", "Pigeon Post")];
    assert_eq!(moved("ordersync_unmapped_carriers_total", &pigeon), 1.0);
    assert_eq!(
        after.value("ordersync_channel_auth_failed", &[("channel", "wiz")]),
        0.0
    );
    app.stop().await;
}

#[tokio::test]
async fn outbox_gauges_show_a_task_in_flight_and_a_refusing_channel() {
    let mock = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/v1/orders/W-slow/status"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(1500)))
        .mount(&mock)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v1/orders/W-401/status"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"code": "UNAUTHORIZED"})))
        .mount(&mock)
        .await;
    let uri = mock.uri();
    let app = spawn_app_with(|c| {
        c.channels.insert(channel_name("wiz"), wiz_channel(&uri));
    })
    .await;
    let wiz = [("channel", "wiz")];
    let mut slow = event("2001", "paid", 0);
    slow["data"]["links"] = json!([{ "channel": "wiz", "order_id": "W-slow" }]);
    app.post_event(&slow).await;
    while mock
        .received_requests()
        .await
        .unwrap_or_default()
        .is_empty()
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let in_flight = scrape(&app.client, &app.address).await;
    assert_eq!(in_flight.value("ordersync_outbox_depth", &wiz), 1.0);
    let age = in_flight.value("ordersync_outbox_oldest_due_age_seconds", &wiz);
    assert!(age > 0.0 && age < 10.0, "due since {age} s");
    app.wait_for_channel_state("2001", "wiz", "done").await;
    let done = scrape_until(&app, "the task to leave", |m| {
        m.value("ordersync_outbox_depth", &wiz) == 0.0
    })
    .await;
    assert_eq!(done.value("ordersync_outbox_depth", &wiz), 0.0);
    assert_eq!(
        done.value("ordersync_outbox_oldest_due_age_seconds", &wiz),
        0.0
    );
    assert_eq!(
        done.value("ordersync_delivery_latency_seconds_count", &wiz),
        1.0
    );
    assert!(done.value("ordersync_delivery_latency_seconds_sum", &wiz) >= 1.5);

    let mut refused = event("2002", "paid", 0);
    refused["data"]["links"] = json!([{ "channel": "wiz", "order_id": "W-401" }]);
    app.post_event(&refused).await;
    app.wait_for_channel_state("2002", "wiz", "auth").await;
    let auth = scrape(&app.client, &app.address).await;
    assert_eq!(auth.value("ordersync_channel_auth_failed", &wiz), 1.0);
    let outcome = [("channel", "wiz"), ("outcome", "auth")];
    assert!(auth.value("ordersync_deliveries_total", &outcome) >= 1.0);
    assert_eq!(
        auth.value("ordersync_outbox_depth", &wiz),
        1.0,
        "kept for later"
    );
    app.stop().await;
}
