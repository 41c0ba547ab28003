//! Shared by the `e2e_*` tests: the five marketplaces configured in code against
//! wiremock servers (with the credentials the connector tests' mock helpers expect),
//! linked canonical events, exact-request checks and what the admin API shows.

use crate::helpers::*;
use ordersync::config::{ChannelConfig, ChannelSettings, Config};
use ordersync::domain::ChannelKind;
use ordersync::secret::Secret;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;
use wiremock::{MockServer, Request};

pub const PAYCO: &str = "payco";
pub const IMWEB: &str = "imweb-kr";
pub const YOUCAN: &str = "youcan-ma";
pub const BASE: &str = "base-jp";
pub const WIZ: &str = "wiz";

/// Between attempts in these tests: long enough to see `retrying` in the admin API.
pub const RETRY_WAIT: Duration = Duration::from_millis(800);

/// `imp_key` / `imp_secret` as `channel_payco::mount_token` matches them.
pub fn payco_channel(uri: &str) -> ChannelConfig {
    ChannelConfig {
        kind: ChannelKind::PortonePayco,
        base_url: uri.to_string(),
        rate_limit_per_sec: None,
        rate_limit_per_hour: None,
        settings: ChannelSettings::PortonePayco {
            imp_key: Secret::new("key-1"),
            imp_secret: Secret::new("secret-1"),
        },
    }
}

/// Key and secret as `channel_imweb::mount_token` matches them; the default rate limit.
pub fn imweb_channel(uri: &str) -> ChannelConfig {
    ChannelConfig {
        kind: ChannelKind::Imweb,
        base_url: uri.to_string(),
        rate_limit_per_sec: Some(5),
        rate_limit_per_hour: None,
        settings: ChannelSettings::Imweb {
            api_key: Secret::new("api-key-1"),
            secret_key: Secret::new("secret-key-1"),
            default_reason_code: "INTENT_CHANGED".to_string(),
            deliv_fee_method: None,
        },
    }
}

/// Access token `cfg-access`, refresh credentials as in `channel_youcan`.
pub fn youcan_channel(uri: &str, tracking_via_fulfill: bool) -> ChannelConfig {
    ChannelConfig {
        kind: ChannelKind::Youcan,
        base_url: uri.to_string(),
        rate_limit_per_sec: None,
        rate_limit_per_hour: None,
        settings: ChannelSettings::Youcan {
            access_token: Secret::new("cfg-access"),
            client_id: Some("client-1".to_string()),
            client_secret: Some(Secret::new("client-secret-xyz")),
            refresh_token: Some(Secret::new("cfg-refresh")),
            tracking_via_fulfill,
        },
    }
}

/// OAuth app as in `channel_base` (`refresh_form` matches it); `access_token` as
/// configured, else the first call refreshes.
pub fn base_channel(uri: &str, access_token: Option<&str>) -> ChannelConfig {
    ChannelConfig {
        kind: ChannelKind::Base,
        base_url: uri.to_string(),
        rate_limit_per_sec: None,
        rate_limit_per_hour: Some(5000),
        settings: ChannelSettings::Base {
            client_id: "base-client".to_string(),
            client_secret: Secret::new("base-secret-xyz"),
            refresh_token: Secret::new("cfg-refresh"),
            redirect_uri: "https://seller.example/base/callback".to_string(),
            access_token: access_token.map(Secret::new),
            comment_template: "[配送業者]{carrier} [送り状番号]{tracking}".to_string(),
            delivery_company_ids: BTreeMap::new(),
        },
    }
}

/// The daemon with these channels and a short retry schedule: first attempt at once,
/// then `RETRY_WAIT` between attempts, three attempts in all.
pub async fn spawn_e2e(
    channels: Vec<(&str, ChannelConfig)>,
    adjust: impl FnOnce(&mut Config),
) -> TestApp {
    spawn_app_with(|config| {
        e2e_config(config, channels);
        adjust(config);
    })
    .await
}

/// Stops the app and starts it again on the same store with these channels.
pub async fn restart(app: TestApp, channels: Vec<(&str, ChannelConfig)>) -> TestApp {
    let store_dir = app.stop().await;
    let mut config = test_config(&store_dir.path().join("store"));
    e2e_config(&mut config, channels);
    start(config, store_dir).await
}

fn e2e_config(config: &mut Config, channels: Vec<(&str, ChannelConfig)>) {
    config.delivery.schedule = vec![Duration::ZERO, RETRY_WAIT, RETRY_WAIT];
    config.delivery.max_retry_after = Duration::from_secs(5);
    for (name, channel) in channels {
        config.channels.insert(channel_name(name), channel);
    }
}

/// A canonical event with `data` fields added (`links`, `items`, `shipment`, ...).
pub fn event_with(order_id: &str, status: &str, at: i64, fields: Value) -> Value {
    let mut body = event(order_id, status, at);
    for (key, value) in fields.as_object().expect("an object of data fields") {
        body["data"][key] = value.clone();
    }
    body
}

/// Signs and posts; the daemon must accept it.
pub async fn post_accepted(app: &TestApp, body: &Value) {
    let (status, answer, _) = app.post_event(body).await;
    assert_eq!(status, 202, "{answer}");
}

/// Waits until `channel` on the order shows `state` for a change to `status`, then
/// checks the rest of what the admin API shows for it; returns the whole order.
pub async fn expect_sync(
    app: &TestApp,
    order_id: &str,
    channel: &str,
    (status, state): (&str, &str),
    last_outcome: &str,
    last_error: Value,
    attempts: u64,
) -> Value {
    let order = app
        .wait_for_order(order_id, &format!("{channel} {status} {state}"), |o| {
            o["channels"][channel]["status"] == status && o["channels"][channel]["state"] == state
        })
        .await;
    let sync = &order["channels"][channel];
    assert_eq!(
        (
            &sync["last_outcome"],
            &sync["last_error"],
            &sync["attempts"]
        ),
        (&json!(last_outcome), &last_error, &json!(attempts)),
        "{order_id} on {channel}: {sync:#}"
    );
    order
}

/// `{"code": .., "message": ..}` as the admin API shows a remote error.
pub fn remote(code: &str, message: &str) -> Value {
    json!({ "code": code, "message": message })
}

/// The (attempt, outcome) of every delivery to `channel` in the order's history.
pub fn delivery_history(order: &Value, channel: &str) -> Vec<(u64, String)> {
    order["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["kind"] == "delivery" && h["channel"] == channel)
        .map(|h| {
            (
                h["attempt"].as_u64().unwrap(),
                h["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// No task is left in the outbox: nothing more will be sent.
pub async fn assert_outbox_empty(app: &TestApp) {
    let left = app.deliveries("").await;
    assert!(left.is_empty(), "tasks left: {left:#?}");
}

/// Requests a server received, read in steps: each `next` returns only the new ones.
pub struct Seen<'a> {
    server: &'a MockServer,
    count: usize,
}

impl<'a> Seen<'a> {
    pub fn new(server: &'a MockServer) -> Self {
        Self { server, count: 0 }
    }

    pub async fn next(&mut self) -> Vec<Request> {
        let all = self.server.received_requests().await.unwrap();
        let new = all[self.count..].to_vec();
        self.count = all.len();
        new
    }
}

pub enum Body {
    Empty,
    Json(Value),
    Form(Vec<(String, String)>),
}

/// One request exactly as it must arrive.
pub struct Expect {
    method: &'static str,
    path: String,
    query: Option<String>,
    headers: Vec<(&'static str, String)>,
    body: Body,
}

impl Expect {
    pub fn new(method: &'static str, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            query: None,
            headers: Vec::new(),
            body: Body::Empty,
        }
    }

    pub fn query(mut self, query: &str) -> Self {
        self.query = Some(query.to_string());
        self
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", format!("Bearer {token}"))
    }

    pub fn json(mut self, body: Value) -> Self {
        self.body = Body::Json(body);
        self.header("content-type", "application/json")
    }

    pub fn form(mut self, fields: &[(&str, &str)]) -> Self {
        self.body = Body::Form(
            fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
        self.header("content-type", "application/x-www-form-urlencoded")
    }

    fn check(&self, request: &Request, at: usize) {
        let what = format!("request {at}: {} {}", request.method, request.url);
        assert_eq!(request.method.as_str(), self.method, "{what}");
        assert_eq!(request.url.path(), self.path, "{what}");
        assert_eq!(request.url.query(), self.query.as_deref(), "{what}");
        let agent = header_value(request, "user-agent");
        assert!(agent.starts_with("ordersync/"), "{what}: {agent}");
        for (name, value) in &self.headers {
            assert_eq!(header_value(request, name), value, "{what}: {name}");
        }
        match &self.body {
            Body::Empty => assert!(request.body.is_empty(), "{what}: unexpected body"),
            Body::Json(body) => {
                let sent: Value = serde_json::from_slice(&request.body).expect("a JSON body");
                assert_eq!(&sent, body, "{what}");
            }
            Body::Form(fields) => {
                let sent: Vec<(String, String)> =
                    serde_urlencoded::from_bytes(&request.body).expect("a form body");
                assert_eq!(&sent, fields, "{what}");
            }
        }
    }
}

fn header_value<'a>(request: &'a Request, name: &str) -> &'a str {
    request
        .headers
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_else(|| panic!("no {name} header on {} {}", request.method, request.url))
}

/// Exactly these requests, in this order.
pub fn assert_requests(actual: &[Request], expected: &[Expect]) {
    let shown: Vec<String> = actual
        .iter()
        .map(|r| format!("{} {}", r.method, r.url))
        .collect();
    assert_eq!(actual.len(), expected.len(), "requests: {shown:#?}");
    for (at, (request, expect)) in actual.iter().zip(expected).enumerate() {
        expect.check(request, at);
    }
}

/// The requests to one path, in arrival order.
pub fn on_path(requests: &[Request], path: &str) -> Vec<Request> {
    requests
        .iter()
        .filter(|r| r.url.path() == path)
        .cloned()
        .collect()
}
