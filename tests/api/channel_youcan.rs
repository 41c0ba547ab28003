//! YouCan connector against a mock YouCan: exact requests, every mapped status, every
//! documented answer, token refresh persisted before the repeated call.

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
        return_shipment: None,
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

/// Records, for each save, how many requests the mock had seen when the save returned.
struct RecordingStore {
    inner: MemoryTokenStore,
    server: Arc<MockServer>,
    saves: Mutex<Vec<(usize, StoredToken)>>,
}

#[async_trait]
impl TokenStore for RecordingStore {
    async fn load(&self, channel: &ChannelName) -> Result<Option<StoredToken>, TokenStoreError> {
        self.inner.load(channel).await
    }

    async fn save(
        &self,
        channel: &ChannelName,
        token: &StoredToken,
    ) -> Result<(), TokenStoreError> {
        // A slow disk: a connector that used the token before this returned would be seen.
        tokio::time::sleep(Duration::from_millis(50)).await;
        self.inner.save(channel, token).await?;
        let seen = self.server.received_requests().await.unwrap().len();
        self.saves.lock().unwrap().push((seen, token.clone()));
        Ok(())
    }
}

pub(crate) const GRANT: &str = r#"{"token_type":"Bearer","expires_in":31536000,"access_token":"new-access","refresh_token":"new-refresh"}"#;

#[tokio::test]
async fn a_401_refreshes_persists_then_repeats() {
    let server = Arc::new(MockServer::start().await);
    Mock::given(method("PUT"))
        .and(header("authorization", "Bearer cfg-access"))
        .respond_with(
            ResponseTemplate::new(401).set_body_string(r#"{"detail":"Unauthenticated."}"#),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_string(GRANT))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(header("authorization", "Bearer new-access"))
        .respond_with(ResponseTemplate::new(200).set_body_string(OK))
        .expect(1)
        .mount(&server)
        .await;
    let store = Arc::new(RecordingStore {
        inner: MemoryTokenStore::default(),
        server: server.clone(),
        saves: Mutex::default(),
    });
    let (youcan, stats) = connector(&server, config(true, false), store.clone());
    assert_eq!(
        deliver(&youcan, &order(Status::Preparing, None)).await,
        Outcome::Done
    );

    let seen = requests(&server).await;
    assert_eq!(seen.len(), 3);
    assert_call(
        &seen[0],
        "PUT",
        "status/shipping",
        "cfg-access",
        json!({"status": "processing"}),
    );
    let refresh = &seen[1];
    assert_eq!(refresh.method.as_str(), "POST");
    assert_eq!(refresh.url.path(), "/oauth/token");
    assert_eq!(
        header_of(refresh, "content-type"),
        "application/x-www-form-urlencoded"
    );
    assert_eq!(header_of(refresh, "user-agent"), USER_AGENT);
    assert!(refresh.headers.get("authorization").is_none());
    assert_eq!(
        String::from_utf8(refresh.body.clone()).unwrap(),
        "grant_type=refresh_token&client_id=client-1&client_secret=client-secret-xyz&refresh_token=cfg-refresh"
    );
    assert_call(
        &seen[2],
        "PUT",
        "status/shipping",
        "new-access",
        json!({"status": "processing"}),
    );

    let saves = store.saves.lock().unwrap().clone();
    assert_eq!(saves.len(), 1);
    assert_eq!(
        saves[0].0, 2,
        "saved after the refresh, before the repeated call"
    );
    assert_eq!(saves[0].1.access_token.expose(), "new-access");
    assert_eq!(
        saves[0].1.refresh_token.as_ref().unwrap().expose(),
        "new-refresh"
    );
    assert!(saves[0].1.expires_at.is_some());
    assert_eq!(stats.token_refreshes(), 1);
}

#[tokio::test]
async fn stored_tokens_win_over_config() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(header("authorization", "Bearer stored-access"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_string(GRANT))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(header("authorization", "Bearer new-access"))
        .respond_with(ResponseTemplate::new(200).set_body_string(OK))
        .expect(1)
        .mount(&server)
        .await;
    let store = Arc::new(MemoryTokenStore::default());
    store
        .save(
            &channel(),
            &StoredToken {
                access_token: Secret::new("stored-access"),
                expires_at: None,
                refresh_token: Some(Secret::new("stored-refresh")),
                origin: None,
            },
        )
        .await
        .unwrap();
    let (youcan, _) = connector(&server, config(true, false), store.clone());
    assert_eq!(
        deliver(&youcan, &order(Status::Paid, None)).await,
        Outcome::Done
    );
    let seen = requests(&server).await;
    let form = String::from_utf8(seen[1].body.clone()).unwrap();
    assert!(form.ends_with("&refresh_token=stored-refresh"), "{form}");
}

#[tokio::test]
async fn refused_twice_or_refresh_refused_is_auth() {
    // The new token is refused too.
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(401))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_string(GRANT))
        .expect(1)
        .mount(&server)
        .await;
    let (youcan, _) = connector(&server, config(true, false), memory());
    let outcome = deliver(&youcan, &order(Status::Paid, None)).await;
    assert!(matches!(outcome, Outcome::Auth(_)), "{outcome:?}");
    drop(server);

    // The refresh itself is refused: nothing stored, no repeat.
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(400).set_body_string(
            r#"{"error":"invalid_grant","error_description":"The refresh token is invalid."}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let store = Arc::new(MemoryTokenStore::default());
    let (youcan, _) = connector(&server, config(true, false), store.clone());
    let outcome = deliver(&youcan, &order(Status::Paid, None)).await;
    assert_eq!(
        outcome,
        Outcome::Auth(RemoteError::new(
            Some("invalid_grant"),
            "token refresh refused: The refresh token is invalid."
        ))
    );
    assert_eq!(store.load(&channel()).await.unwrap(), None);
    for secret in SECRETS {
        assert!(!format!("{outcome:?}").contains(secret));
    }
}

#[tokio::test]
async fn concurrent_refusals_refresh_once() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(header("authorization", "Bearer cfg-access"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(GRANT)
                .set_delay(Duration::from_millis(100)),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(header("authorization", "Bearer new-access"))
        .respond_with(ResponseTemplate::new(200).set_body_string(OK))
        .expect(4)
        .mount(&server)
        .await;
    let (youcan, stats) = connector(&server, config(true, false), memory());
    let orders: Vec<Order> = (0..4).map(|_| order(Status::Paid, None)).collect();
    let outcomes = futures_util::future::join_all(orders.iter().map(|o| deliver(&youcan, o))).await;
    assert!(outcomes.iter().all(|o| *o == Outcome::Done), "{outcomes:?}");
    assert_eq!(stats.token_refreshes(), 1);
}

/// Everything the connector logs, at every level, while it refreshes and fails.
#[tokio::test]
async fn secrets_never_reach_logs() {
    let buffer = Arc::new(Mutex::new(Vec::<u8>::new()));
    let writer = {
        let buffer = buffer.clone();
        move || LogWriter(buffer.clone())
    };
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(writer)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_string(GRANT))
        .mount(&server)
        .await;
    let (youcan, _) = connector(&server, config(true, false), memory());
    let outcome = deliver(&youcan, &order(Status::Paid, None)).await;
    assert!(matches!(outcome, Outcome::Auth(_)));

    let logs = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("refresh"), "the refresh is logged: {logs}");
    for secret in SECRETS {
        assert!(!logs.contains(secret), "{secret} leaked: {logs}");
    }
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn memory() -> Arc<dyn TokenStore> {
    Arc::new(MemoryTokenStore::default())
}
