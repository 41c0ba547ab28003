//! Shared by the `e2e_*` tests: the five marketplaces configured in code against
//! wiremock servers (with the credentials the connector tests' mock helpers expect),
//! linked canonical events and what the admin API shows.

use crate::channel_base::accept_edits;
use crate::channel_imweb::mount_token as mount_imweb_token;
use crate::helpers::*;
use crate::mocks::mount;
use ordersync::config::{ChannelConfig, ChannelSettings, Config};
use ordersync::domain::ChannelKind;
use ordersync::secret::Secret;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;
use wiremock::{MockBuilder, MockServer, Respond};

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

/// imweb (token `tok-1`, the PATCHes `patches` answered with `answer`) and BASE (access
/// token `cfg-access`, every edit accepted), and the daemon with both.
pub async fn imweb_and_base(
    patches: MockBuilder,
    answer: impl Respond + 'static,
) -> (MockServer, MockServer, TestApp) {
    let imweb = MockServer::start().await;
    mount_imweb_token(&imweb, "tok-1", 1).await;
    mount(&imweb, patches, answer, ..).await;
    let base = MockServer::start().await;
    accept_edits(&base).await;
    let app = spawn_e2e(
        vec![
            (IMWEB, imweb_channel(&imweb.uri())),
            (BASE, base_channel(&base.uri(), Some("cfg-access"))),
        ],
        |_| {},
    )
    .await;
    (imweb, base, app)
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

/// `expect_sync` for a change to `status` done at the first attempt.
pub async fn expect_done(app: &TestApp, order_id: &str, channel: &str, status: &str) -> Value {
    let done = (status, "done");
    expect_sync(app, order_id, channel, done, "done", Value::Null, 1).await
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
