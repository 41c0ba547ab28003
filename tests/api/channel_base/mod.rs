//! BASE connector against a mock BASE: exact form calls per item, items from the order
//! detail, 後払い with delivery companies, payment-method refusals, every error code,
//! and the rotating refresh token persisted before use and reused after a restart.

mod dispatch;
mod errors;
mod payment;
mod tokens;

use crate::channel_fixtures::{channel, deps_with, memory, Case};
use crate::mocks::{bearer, mount, on, Expect};
use ordersync::channels::auth::TokenStore;
use ordersync::channels::base::{Base, BaseConfig};
use ordersync::channels::http::USER_AGENT;
use ordersync::channels::ChannelStats;
use ordersync::domain::Status;
use ordersync::secret::Secret;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use wiremock::matchers::body_string_contains;
use wiremock::{MockServer, Request, Respond, ResponseTemplate, Times};

pub(crate) const KEY: &str = "154D88A39E454289";
pub(crate) const EDIT: &str = "/1/orders/edit_status";
pub(crate) const TOKEN: &str = "/1/oauth/token";
const COMPANIES: &str = "/1/delivery_companies";
const TEMPLATE: &str = "[配送業者]{carrier} [送り状番号]{tracking}";

pub(crate) const GRANT_1: &str = r#"{"access_token":"access-1","token_type":"bearer","expires_in":3600,"refresh_token":"refresh-1"}"#;
pub(crate) const GRANT_2: &str = r#"{"access_token":"access-2","token_type":"bearer","expires_in":3600,"refresh_token":"refresh-2"}"#;

fn config() -> BaseConfig {
    BaseConfig {
        client_id: "base-client".into(),
        client_secret: Secret::new("base-secret-xyz"),
        refresh_token: Secret::new("cfg-refresh"),
        redirect_uri: "https://seller.example/base/callback".into(),
        access_token: Some(Secret::new("cfg-access")),
        comment_template: TEMPLATE.into(),
        delivery_company_ids: BTreeMap::new(),
    }
}

/// Without an access token: the first call refreshes with the configured refresh token.
fn no_access() -> BaseConfig {
    BaseConfig {
        access_token: None,
        ..config()
    }
}

fn connector_with(
    server: &MockServer,
    config: BaseConfig,
    store: Arc<dyn TokenStore>,
) -> (Base, Arc<ChannelStats>) {
    let (deps, stats) = deps_with(Duration::from_millis(1500), store);
    (Base::new(channel(), server.uri(), config, deps), stats)
}

/// Configured with access token `cfg-access`, tokens kept in memory.
fn connector(server: &MockServer) -> (Base, Arc<ChannelStats>) {
    connector_with(server, config(), memory())
}

/// Order 1001 at `status` with lines L1 and L2, mapped to BASE items 123 and 124.
fn case(status: Status) -> Case {
    one_line(status).with_item("L2", Some("124"))
}

/// Order 1001 at `status` with line L1, mapped to BASE item 123.
fn one_line(status: Status) -> Case {
    Case::new(status, KEY).with_item("L1", Some("123"))
}

pub(crate) fn detail_path(unique_key: &str) -> String {
    format!("/1/orders/detail/{unique_key}")
}

pub(crate) fn ok_order() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"order": {"unique_key": KEY}}))
}

pub(crate) fn base_error(code: &str, description: &str) -> ResponseTemplate {
    ResponseTemplate::new(400)
        .set_body_json(json!({"error": code, "error_description": description}))
}

/// BASE refusing an expired or revoked access token.
pub(crate) fn token_refused() -> ResponseTemplate {
    base_error("invalid_request", "アクセストークンが無効です。")
}

pub(crate) fn detail(items: &[(u64, &str)]) -> ResponseTemplate {
    let items: Vec<_> = items
        .iter()
        .map(|(id, status)| json!({"order_item_id": id, "item_id": 1001, "status": status}))
        .collect();
    ResponseTemplate::new(200).set_body_json(json!({
        "order": {"unique_key": KEY, "dispatch_status": "ordered", "order_items": items}
    }))
}

/// A token endpoint answer with this grant.
pub(crate) fn granted(grant: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_string(grant)
}

/// Every `edit_status` call accepted.
pub(crate) async fn accept_edits(server: &MockServer) {
    mount(server, on("POST", EDIT), ok_order(), ..).await;
}

/// The `edit_status` calls with `Bearer token` answered by `answer`.
pub(crate) async fn mount_edit(
    server: &MockServer,
    token: &str,
    answer: impl Respond + 'static,
    times: impl Into<Times>,
) {
    mount(server, on("POST", EDIT).and(bearer(token)), answer, times).await;
}

/// BASE rotating refresh tokens: `cfg-refresh` grants GRANT_1, whose `refresh-1` grants
/// GRANT_2; each once.
pub(crate) async fn mount_rotating_grants(server: &MockServer) {
    for (spent, grant) in [("cfg-refresh", GRANT_1), ("refresh-1", GRANT_2)] {
        let refresh =
            on("POST", TOKEN).and(body_string_contains(format!("refresh_token={spent}&")));
        mount(server, refresh, granted(grant), 1).await;
    }
}

pub(crate) fn refresh_form(refresh_token: &str) -> String {
    format!(
        "grant_type=refresh_token&client_id=base-client&client_secret=base-secret-xyz&refresh_token={refresh_token}&redirect_uri=https%3A%2F%2Fseller.example%2Fbase%2Fcallback"
    )
}

/// The refresh spending `refresh_token`, form fields in order.
pub(crate) fn refresh(refresh_token: &str) -> Expect {
    Expect::new("POST", TOKEN).form(&[
        ("grant_type", "refresh_token"),
        ("client_id", "base-client"),
        ("client_secret", "base-secret-xyz"),
        ("refresh_token", refresh_token),
        ("redirect_uri", "https://seller.example/base/callback"),
    ])
}

/// An `edit_status` call: method, path, no query, headers, form fields in order.
pub(crate) fn edit(token: &str, form: &[(&str, &str)]) -> Expect {
    Expect::new("POST", EDIT).bearer(token).form(form)
}

/// The form of a dispatch of `item` with its comment.
pub(crate) fn dispatched<'a>(item: &'a str, comment: &'a str) -> [(&'a str, &'a str); 3] {
    [
        ("order_item_id", item),
        ("status", "dispatched"),
        ("add_comment", comment),
    ]
}

/// The form of a 後払い order's shipping notice.
fn atobarai<'a>(item: &'a str, company: &'a str, tracking: &'a str) -> [(&'a str, &'a str); 4] {
    [
        ("order_item_id", item),
        ("atobarai_status", "shipping"),
        ("delivery_company_id", company),
        ("tracking_number", tracking),
    ]
}

/// Request `at` is exactly this `edit_status` call, with our User-Agent.
fn assert_edit(request: &Request, at: usize, token: &str, form: &[(&str, &str)]) {
    assert!(USER_AGENT.starts_with("ordersync/"));
    edit(token, form)
        .header("user-agent", USER_AGENT)
        .check(request, at);
}

/// Request `at` is exactly a GET of `route`, with our User-Agent and no body.
fn assert_get(request: &Request, at: usize, route: &str, token: &str) {
    Expect::new("GET", route)
        .bearer(token)
        .header("user-agent", USER_AGENT)
        .check(request, at);
}
