//! YouCan connector against a mock YouCan: exact requests, every mapped status, every
//! documented answer, token refresh persisted before the repeated call.

mod tokens;

use crate::channel_fixtures::{channel, deps_with, memory, Case};
use crate::mocks::{bearer, expect_no_requests, mount, on, requests, Expect};
use ordersync::channels::auth::TokenStore;
use ordersync::channels::http::USER_AGENT;
use ordersync::channels::youcan::{Youcan, YoucanConfig};
use ordersync::channels::ChannelStats;
use ordersync::domain::{Outcome, RemoteError, Status};
use ordersync::secret::Secret;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use wiremock::matchers::method;
use wiremock::{Mock, MockBuilder, MockServer, Request, ResponseTemplate, Times};

const ORDER: &str = "5b0f2a1e-0c1d-4e4f-9a7b-3c2d1e0f9a8b";
pub(crate) const OK: &str = r#"{"status":200,"detail":"Status is successfully updated","meta":[]}"#;
pub(crate) const GRANT: &str = r#"{"token_type":"Bearer","expires_in":31536000,"access_token":"new-access","refresh_token":"new-refresh"}"#;

fn config(refresh: bool, fulfill: bool) -> YoucanConfig {
    YoucanConfig {
        access_token: Secret::new("cfg-access"),
        client_id: refresh.then(|| "client-1".to_string()),
        client_secret: refresh.then(|| Secret::new("client-secret-xyz")),
        refresh_token: refresh.then(|| Secret::new("cfg-refresh")),
        tracking_via_fulfill: fulfill,
    }
}

fn connector_with(
    server: &MockServer,
    config: YoucanConfig,
    store: Arc<dyn TokenStore>,
) -> (Youcan, Arc<ChannelStats>) {
    let (deps, stats) = deps_with(Duration::from_secs(5), store);
    (Youcan::new(channel(), server.uri(), config, deps), stats)
}

/// Tokens kept in memory.
fn connector(server: &MockServer, config: YoucanConfig) -> (Youcan, Arc<ChannelStats>) {
    connector_with(server, config, memory())
}

fn case(status: Status) -> Case {
    Case::new(status, ORDER)
}

fn order_path(route: &str) -> String {
    format!("/orders/{ORDER}/{route}")
}

/// Every PUT, on any route.
pub(crate) fn puts() -> MockBuilder {
    Mock::given(method("PUT"))
}

/// Every PUT carrying `Bearer token`.
pub(crate) fn puts_with(token: &str) -> MockBuilder {
    puts().and(bearer(token))
}

pub(crate) fn ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_string(OK)
}

pub(crate) fn granted() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_string(GRANT)
}

pub(crate) fn not_found() -> ResponseTemplate {
    ResponseTemplate::new(404)
        .set_body_string(r#"{"status":0,"detail":"order not found","meta":[]}"#)
}

pub(crate) fn invalid() -> ResponseTemplate {
    ResponseTemplate::new(422).set_body_string(
        r#"{"status":422,"detail":"The given data was invalid.","meta":{"fields":{"status":["The status field is required."]}}}"#,
    )
}

pub(crate) fn unauthenticated() -> ResponseTemplate {
    ResponseTemplate::new(401).set_body_string(r#"{"detail":"Unauthenticated."}"#)
}

/// `POST /oauth/token` answered with `answer`.
pub(crate) async fn mount_refresh(
    server: &MockServer,
    answer: ResponseTemplate,
    times: impl Into<Times>,
) {
    mount(server, on("POST", "/oauth/token"), answer, times).await;
}

/// A status call on remote order `remote`: headers and the exact JSON body.
pub(crate) fn put(remote: &str, route: &str, token: &str, body: Value) -> Expect {
    Expect::new("PUT", format!("/orders/{remote}/{route}"))
        .bearer(token)
        .header("accept", "application/json")
        .json(body)
}

/// The refresh spending `refresh_token`, form fields in order.
pub(crate) fn refresh(refresh_token: &str) -> Expect {
    Expect::new("POST", "/oauth/token").form(&[
        ("grant_type", "refresh_token"),
        ("client_id", "client-1"),
        ("client_secret", "client-secret-xyz"),
        ("refresh_token", refresh_token),
    ])
}

/// Request `at` is exactly this status call: no query, our User-Agent.
fn assert_put(request: &Request, at: usize, route: &str, token: &str, body: Value) {
    assert!(USER_AGENT.starts_with("ordersync/"));
    put(ORDER, route, token, body)
        .header("user-agent", USER_AGENT)
        .check(request, at);
}

#[tokio::test]
async fn every_mapped_status_is_one_exact_call() {
    let cases = [
        (Status::Paid, "status/payment", "paid"),
        (Status::Preparing, "status/shipping", "processing"),
        (Status::Dispatched, "status/shipping", "shipped"),
        (Status::Delivered, "status/shipping", "fulfilled"),
        (Status::Completed, "status", "closed"),
        (Status::Returned, "status/payment", "refunded"),
    ];
    for (status, route, slug) in cases {
        let server = MockServer::start().await;
        mount(&server, puts(), ok(), ..).await;
        let (youcan, _) = connector(&server, config(false, false));
        let outcome = case(status)
            .with_shipment("sagawa", "1234")
            .deliver(&youcan)
            .await;
        assert_eq!(outcome, Outcome::Done, "{status}");
        let seen = requests(&server).await;
        assert_eq!(seen.len(), 1, "{status}: tracking_via_fulfill is off");
        assert_put(&seen[0], 0, route, "cfg-access", json!({ "status": slug }));
    }
}

#[tokio::test]
async fn cancel_is_general_then_shipping() {
    let server = MockServer::start().await;
    mount(&server, puts(), ok(), 2).await;
    let (youcan, _) = connector(&server, config(false, false));
    assert_eq!(case(Status::Canceled).deliver(&youcan).await, Outcome::Done);
    let seen = requests(&server).await;
    let general = json!({"status": "canceled-by-seller"});
    assert_put(&seen[0], 0, "status", "cfg-access", general);
    let shipping = json!({"status": "canceled"});
    assert_put(&seen[1], 1, "status/shipping", "cfg-access", shipping);
}

#[tokio::test]
async fn a_refused_first_cancel_call_stops_the_second() {
    let server = MockServer::start().await;
    mount(&server, on("PUT", order_path("status")), not_found(), 1).await;
    let shipping = on("PUT", order_path("status/shipping"));
    mount(&server, shipping, ResponseTemplate::new(200), 0).await;
    let (youcan, _) = connector(&server, config(false, false));
    assert_eq!(
        case(Status::Canceled).deliver(&youcan).await,
        Outcome::Rejected(RemoteError::new(Some("http_404"), "order not found"))
    );
}

#[tokio::test]
async fn unmapped_statuses_send_nothing() {
    let server = MockServer::start().await;
    expect_no_requests(&server).await;
    let (youcan, _) = connector(&server, config(true, true));
    for status in [Status::Placed, Status::Exchanged] {
        let outcome = case(status).deliver(&youcan).await;
        assert!(
            matches!(outcome, Outcome::Unsupported { .. }),
            "{status}: {outcome:?}"
        );
    }
}

#[tokio::test]
async fn dispatch_with_tracking_also_fulfills_when_enabled() {
    let server = MockServer::start().await;
    mount(&server, puts(), ok(), 2).await;
    let (youcan, _) = connector(&server, config(false, true));
    let outcome = case(Status::Dispatched)
        .with_shipment("sagawa", "1234-5678")
        .deliver(&youcan)
        .await;
    assert_eq!(outcome, Outcome::Done);
    let seen = requests(&server).await;
    let shipped = json!({"status": "shipped"});
    assert_put(&seen[0], 0, "status/shipping", "cfg-access", shipped);
    let fulfill = json!({"tracking_number": "1234-5678", "seller_note": "佐川急便"});
    assert_put(&seen[1], 1, "fulfill", "cfg-access", fulfill);
}

#[tokio::test]
async fn dispatch_without_tracking_does_not_fulfill() {
    let server = MockServer::start().await;
    mount(&server, puts(), ok(), 1).await;
    let (youcan, _) = connector(&server, config(false, true));
    assert_eq!(
        case(Status::Dispatched).deliver(&youcan).await,
        Outcome::Done
    );
}

#[tokio::test]
async fn already_fulfilled_counts_as_applied() {
    let server = MockServer::start().await;
    mount(&server, on("PUT", order_path("status/shipping")), ok(), ..).await;
    let fulfilled = ResponseTemplate::new(422).set_body_string(
        r#"{"code":"ORDER-ALREADY-FULFILLED","status":422,"detail":"The order is already fulfilled","meta":[]}"#,
    );
    mount(&server, on("PUT", order_path("fulfill")), fulfilled, 1).await;
    let (youcan, _) = connector(&server, config(false, true));
    assert_eq!(
        case(Status::Dispatched)
            .with_shipment("dhl", "JD01")
            .deliver(&youcan)
            .await,
        Outcome::Done,
        "the status call was done; the fulfill was already there"
    );
}

async fn answer(template: ResponseTemplate) -> Outcome {
    let server = MockServer::start().await;
    mount(&server, puts(), template, 1).await;
    let (youcan, _) = connector(&server, config(false, false));
    case(Status::Delivered).deliver(&youcan).await
}

#[tokio::test]
async fn documented_answers() {
    assert_eq!(
        answer(not_found()).await,
        Outcome::Rejected(RemoteError::new(Some("http_404"), "order not found"))
    );
    assert_eq!(
        answer(invalid()).await,
        Outcome::Rejected(RemoteError::new(
            Some("http_422"),
            "The given data was invalid. (status: The status field is required.)"
        ))
    );
    assert_eq!(
        answer(ResponseTemplate::new(429).insert_header("Retry-After", "30")).await,
        Outcome::Retry {
            after: Some(Duration::from_secs(30)),
            rate_limited: true,
            error: RemoteError::new(Some("http_429"), "")
        }
    );
    assert!(matches!(
        answer(ResponseTemplate::new(503).set_body_string("down")).await,
        Outcome::Retry {
            rate_limited: false,
            ..
        }
    ));
    // Without refresh credentials a 401 is final for this attempt.
    assert!(matches!(
        answer(ResponseTemplate::new(401).set_body_string(r#"{"status":401,"detail":"Unauthenticated."}"#)).await,
        Outcome::Auth(RemoteError { ref message, .. }) if message == "Unauthenticated."
    ));
}
