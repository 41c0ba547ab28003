//! `spawn_app`: the whole daemon on port 0 with a temporary store, plus helpers to
//! sign events (independently of the daemon's own code) and read the admin API.

use base64::Engine;
use hmac::{Hmac, Mac};
use ordersync::config::*;
use ordersync::domain::{ChannelKind, ChannelName, SourceName};
use ordersync::secret::Secret;
use ordersync::startup::Application;
use serde_json::{json, Value};
use sha2::Sha256;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
pub const ADMIN_TOKEN: &str = "test-admin-token";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub store_dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    running: Option<tokio::task::JoinHandle<()>>,
}

pub fn test_config(store_path: &std::path::Path) -> Config {
    let source = SourceConfig {
        kind: SourceKind::Standard,
        secrets: vec![Secret::new(SECRET)],
        tolerance_secs: 300,
        completed_means: CompletedMeans::Dispatched,
        link_rules: Vec::new(),
    };
    Config {
        server: ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            max_body_bytes: 64 * 1024,
            shutdown_grace: Duration::from_secs(5),
        },
        store: StoreConfig {
            path: store_path.to_path_buf(),
            event_retention: Duration::from_secs(30 * 86400),
            durability: Durability::Flush,
            cache_capacity: 16 * 1024 * 1024,
        },
        log: LogConfig {
            level: "info".into(),
            format: LogFormat::Text,
        },
        admin: AdminConfig {
            token: Some(Secret::new(ADMIN_TOKEN)),
        },
        delivery: DeliveryConfig {
            concurrency: 8,
            request_timeout: Duration::from_secs(2),
            schedule: vec![
                Duration::ZERO,
                Duration::from_millis(100),
                Duration::from_millis(200),
            ],
            max_retry_after: Duration::from_secs(60),
        },
        sources: BTreeMap::from([(SourceName::parse("primary").unwrap(), source)]),
        channels: BTreeMap::new(),
    }
}

pub fn wiz_channel(base_url: &str) -> ChannelConfig {
    ChannelConfig {
        kind: ChannelKind::Wizcommerce,
        base_url: base_url.to_string(),
        rate_limit_per_sec: None,
        rate_limit_per_hour: None,
        settings: ChannelSettings::Wizcommerce {
            api_key: Secret::new("wiz-test-key"),
        },
    }
}

pub fn channel_name(name: &str) -> ChannelName {
    ChannelName::parse(name).unwrap()
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let store_dir = tempfile::tempdir().unwrap();
    let mut config = test_config(&store_dir.path().join("store"));
    adjust(&mut config);
    start(config, store_dir).await
}

/// Starts an app on an existing store folder (a restart).
pub async fn start(config: Config, store_dir: tempfile::TempDir) -> TestApp {
    let app = Application::build(config).await.expect("the app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(async move {
        app.run_until(async move {
            let _ = stopped.await;
        })
        .await
        .expect("the app stops cleanly");
    });
    TestApp {
        address,
        client: reqwest::Client::new(),
        store_dir,
        stop: Some(stop),
        running: Some(running),
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

pub fn unique_id() -> String {
    format!(
        "msg_{}_{}",
        std::process::id(),
        NEXT_ID.fetch_add(1, Ordering::Relaxed)
    )
}

pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Standard Webhooks signature computed here with the hmac crate, not the daemon's code.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD;
    let key = b64.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    format!("v1,{}", b64.encode(mac.finalize().into_bytes()))
}

/// A canonical event body; `updated_at` is seconds after a fixed base.
pub fn event(order_id: &str, status: &str, at: i64) -> Value {
    let updated_at = time::OffsetDateTime::from_unix_timestamp(1_795_000_000 + at)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    json!({
        "type": "order.updated",
        "timestamp": updated_at,
        "data": { "order_id": order_id, "status": status, "updated_at": updated_at }
    })
}

impl TestApp {
    pub async fn post_raw(
        &self,
        source: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .post(format!("{}/webhooks/{source}", self.address))
            .header("content-type", "application/json")
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        request.send().await.unwrap()
    }

    /// Signs and posts `body` with a fresh event id; returns (status, json, event id).
    pub async fn post_event(&self, body: &Value) -> (u16, Value, String) {
        let id = unique_id();
        let (status, json) = self.post_event_with_id(&id, body).await;
        (status, json, id)
    }

    pub async fn post_event_with_id(&self, id: &str, body: &Value) -> (u16, Value) {
        let bytes = serde_json::to_vec(body).unwrap();
        let ts = now_secs();
        let headers = [
            ("webhook-id", id.to_string()),
            ("webhook-timestamp", ts.to_string()),
            ("webhook-signature", sign(SECRET, id, ts, &bytes)),
        ];
        let response = self.post_raw("primary", &headers, bytes).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn admin_get(&self, path: &str) -> (u16, Value) {
        let response = self
            .client
            .get(format!("{}{path}", self.address))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn admin_send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.address))
            .bearer_auth(ADMIN_TOKEN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn order(&self, order_id: &str) -> Value {
        let (status, body) = self.admin_get(&format!("/admin/orders/{order_id}")).await;
        assert_eq!(status, 200, "order {order_id}: {body}");
        body
    }

    pub async fn deliveries(&self, query: &str) -> Vec<Value> {
        let (status, body) = self.admin_get(&format!("/admin/deliveries{query}")).await;
        assert_eq!(status, 200, "{body}");
        body["deliveries"].as_array().unwrap().clone()
    }

    /// Polls the order until `done` holds (deliveries are asynchronous).
    pub async fn wait_for_order(
        &self,
        order_id: &str,
        what: &str,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let (status, order) = self.admin_get(&format!("/admin/orders/{order_id}")).await;
            if status == 200 && done(&order) {
                return order;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}; order: {order:#}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    pub async fn wait_for_channel_state(
        &self,
        order_id: &str,
        channel: &str,
        state: &str,
    ) -> Value {
        self.wait_for_order(order_id, &format!("{channel} to be {state}"), |o| {
            o["channels"][channel]["state"] == state
        })
        .await
    }

    /// Stops the app the way SIGTERM does and waits for a clean stop.
    pub async fn stop(mut self) -> tempfile::TempDir {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(running) = self.running.take() {
            running.await.expect("the app task");
        }
        std::mem::replace(&mut self.store_dir, tempfile::tempdir().unwrap())
    }
}
