//! YouCan connector against a mock YouCan: exact requests, every mapped status, every
//! documented answer, token refresh persisted before the repeated call.

mod tokens;

use async_trait::async_trait;
use ordersync::channels::auth::{MemoryTokenStore, StoredToken, TokenStore, TokenStoreError};
use ordersync::channels::http::{ChannelHttp, USER_AGENT};
use ordersync::channels::youcan::{Youcan, YoucanConfig};
use ordersync::channels::{Channel, ChannelStats, ConnectorDeps, Delivery};
use ordersync::delivery::rate_limit::RateLimiter;
use ordersync::domain::{
    Change, ChannelName, Link, Order, OrderId, Outcome, RemoteError, RemoteId, Shipment, Status,
    Timestamp,
};
use ordersync::secret::Secret;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wiremock::matchers::{any, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const ORDER: &str = "5b0f2a1e-0c1d-4e4f-9a7b-3c2d1e0f9a8b";
pub(crate) const OK: &str = r#"{"status":200,"detail":"Status is successfully updated","meta":[]}"#;
const SECRETS: [&str; 5] = [
    "cfg-access",
    "cfg-refresh",
    "client-secret-xyz",
    "new-access",
    "new-refresh",
];

fn channel() -> ChannelName {
    ChannelName::parse("youcan-ma").unwrap()
}

fn config(refresh: bool, fulfill: bool) -> YoucanConfig {
    YoucanConfig {
        access_token: Secret::new("cfg-access"),
        client_id: refresh.then(|| "client-1".to_string()),
        client_secret: refresh.then(|| Secret::new("client-secret-xyz")),
        refresh_token: refresh.then(|| Secret::new("cfg-refresh")),
        tracking_via_fulfill: fulfill,
    }
}

fn connector(
    server: &MockServer,
    config: YoucanConfig,
    store: Arc<dyn TokenStore>,
) -> (Youcan, Arc<ChannelStats>) {
    let stats = Arc::new(ChannelStats::default());
    let deps = ConnectorDeps {
        http: ChannelHttp::new(
            ChannelHttp::client(Duration::from_secs(5)),
            Arc::new(RateLimiter::unlimited()),
        ),
        tokens: store,
        stats: stats.clone(),
    };
    (Youcan::new(channel(), server.uri(), config, deps), stats)
}

fn order(status: Status, shipment: Option<(&str, &str)>) -> Order {
    Order {
        order_id: OrderId::parse("1001").unwrap(),
        status,
        updated_at: Timestamp::parse_rfc3339("2026-03-14T10:00:00Z").unwrap(),
        payment_method: None,
        items: Vec::new(),
        shipment: shipment.map(|(carrier, tracking)| Shipment {
            carrier: carrier.into(),
            tracking_number: tracking.into(),
        }),
        cancel: None,
        links: BTreeMap::new(),
        channels: BTreeMap::new(),
    }
}

async fn deliver(connector: &Youcan, order: &Order) -> Outcome {
    let change = Change {
        channel: channel(),
        target: order.status,
        items: None,
        tracking: order.shipment.as_ref().map(|s| s.tracking_number.clone()),
    };
    let link = Link {
        channel: channel(),
        order_id: RemoteId::parse(ORDER).unwrap(),
        items: BTreeMap::new(),
    };
    connector
        .deliver(&Delivery {
            task_id: 7,
            change: &change,
            order,
            link: &link,
            acked: None,
            attempt: 1,
        })
        .await
}

fn header_of<'a>(request: &'a Request, name: &str) -> &'a str {
    request
        .headers
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_else(|| panic!("no {name} header"))
}

/// Method, path, no query, headers and the exact JSON body of a status call.
fn assert_call(request: &Request, verb: &str, route: &str, token: &str, body: Value) {
    assert_eq!(request.method.as_str(), verb);
    assert_eq!(request.url.path(), format!("/orders/{ORDER}/{route}"));
    assert_eq!(request.url.query(), None);
    assert_eq!(
        header_of(request, "authorization"),
        format!("Bearer {token}")
    );
    assert_eq!(header_of(request, "accept"), "application/json");
    assert_eq!(header_of(request, "content-type"), "application/json");
    assert_eq!(header_of(request, "user-agent"), USER_AGENT);
    assert!(USER_AGENT.starts_with("ordersync/"));
    assert_eq!(request.body_json::<Value>().unwrap(), body);
}

async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap()
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
        Mock::given(method("PUT"))
            .respond_with(ResponseTemplate::new(200).set_body_string(OK))
            .mount(&server)
            .await;
        let (youcan, _) = connector(&server, config(false, false), memory());
        let outcome = deliver(&youcan, &order(status, Some(("sagawa", "1234")))).await;
        assert_eq!(outcome, Outcome::Done, "{status}");
        let seen = requests(&server).await;
        assert_eq!(seen.len(), 1, "{status}: tracking_via_fulfill is off");
        assert_call(
            &seen[0],
            "PUT",
            route,
            "cfg-access",
            json!({ "status": slug }),
        );
    }
}

#[tokio::test]
async fn cancel_is_general_then_shipping() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(200).set_body_string(OK))
        .expect(2)
        .mount(&server)
        .await;
    let (youcan, _) = connector(&server, config(false, false), memory());
    assert_eq!(
        deliver(&youcan, &order(Status::Canceled, None)).await,
        Outcome::Done
    );
    let seen = requests(&server).await;
    assert_call(
        &seen[0],
        "PUT",
        "status",
        "cfg-access",
        json!({"status": "canceled-by-seller"}),
    );
    assert_call(
        &seen[1],
        "PUT",
        "status/shipping",
        "cfg-access",
        json!({"status": "canceled"}),
    );
}

#[tokio::test]
async fn a_refused_first_cancel_call_stops_the_second() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(format!("/orders/{ORDER}/status")))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_string(r#"{"status":0,"detail":"order not found","meta":[]}"#),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("/orders/{ORDER}/status/shipping")))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let (youcan, _) = connector(&server, config(false, false), memory());
    assert_eq!(
        deliver(&youcan, &order(Status::Canceled, None)).await,
        Outcome::Rejected(RemoteError::new(Some("http_404"), "order not found"))
    );
}

#[tokio::test]
async fn unmapped_statuses_send_nothing() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let (youcan, _) = connector(&server, config(true, true), memory());
    for status in [Status::Placed, Status::Exchanged] {
        let outcome = deliver(&youcan, &order(status, None)).await;
        assert!(
            matches!(outcome, Outcome::Unsupported { .. }),
            "{status}: {outcome:?}"
        );
    }
}

#[tokio::test]
async fn dispatch_with_tracking_also_fulfills_when_enabled() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(200).set_body_string(OK))
        .expect(2)
        .mount(&server)
        .await;
    let (youcan, _) = connector(&server, config(false, true), memory());
    let outcome = deliver(
        &youcan,
        &order(Status::Dispatched, Some(("sagawa", "1234-5678"))),
    )
    .await;
    assert_eq!(outcome, Outcome::Done);
    let seen = requests(&server).await;
    assert_call(
        &seen[0],
        "PUT",
        "status/shipping",
        "cfg-access",
        json!({"status": "shipped"}),
    );
    assert_call(
        &seen[1],
        "PUT",
        "fulfill",
        "cfg-access",
        json!({"tracking_number": "1234-5678", "seller_note": "佐川急便"}),
    );
}

#[tokio::test]
async fn dispatch_without_tracking_does_not_fulfill() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(200).set_body_string(OK))
        .expect(1)
        .mount(&server)
        .await;
    let (youcan, _) = connector(&server, config(false, true), memory());
    assert_eq!(
        deliver(&youcan, &order(Status::Dispatched, None)).await,
        Outcome::Done
    );
}

#[tokio::test]
async fn already_fulfilled_counts_as_applied() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(format!("/orders/{ORDER}/status/shipping")))
        .respond_with(ResponseTemplate::new(200).set_body_string(OK))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("/orders/{ORDER}/fulfill")))
        .respond_with(ResponseTemplate::new(422).set_body_string(
            r#"{"code":"ORDER-ALREADY-FULFILLED","status":422,"detail":"The order is already fulfilled","meta":[]}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let (youcan, _) = connector(&server, config(false, true), memory());
    assert_eq!(
        deliver(&youcan, &order(Status::Dispatched, Some(("dhl", "JD01")))).await,
        Outcome::Done,
        "the status call was done; the fulfill was already there"
    );
}

async fn answer(template: ResponseTemplate) -> Outcome {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(template)
        .expect(1)
        .mount(&server)
        .await;
    let (youcan, _) = connector(&server, config(false, false), memory());
    deliver(&youcan, &order(Status::Delivered, None)).await
}

#[tokio::test]
async fn documented_answers() {
    assert_eq!(
        answer(
            ResponseTemplate::new(404)
                .set_body_string(r#"{"status":0,"detail":"order not found","meta":[]}"#)
        )
        .await,
        Outcome::Rejected(RemoteError::new(Some("http_404"), "order not found"))
    );
    assert_eq!(
        answer(ResponseTemplate::new(422).set_body_string(
            r#"{"status":422,"detail":"The given data was invalid.","meta":{"fields":{"status":["The status field is required."]}}}"#
        ))
        .await,
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

pub(crate) const GRANT: &str = r#"{"token_type":"Bearer","expires_in":31536000,"access_token":"new-access","refresh_token":"new-refresh"}"#;

fn memory() -> Arc<dyn TokenStore> {
    Arc::new(MemoryTokenStore::default())
}
