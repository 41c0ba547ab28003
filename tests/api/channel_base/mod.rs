//! BASE connector against a mock BASE: exact form calls per item, items from the order
//! detail, 後払い with delivery companies, payment-method refusals, every error code,
//! and the rotating refresh token persisted before use and reused after a restart.

mod dispatch;
mod errors;
mod payment;
mod tokens;

use async_trait::async_trait;
use ordersync::channels::auth::{MemoryTokenStore, StoredToken, TokenStore, TokenStoreError};
use ordersync::channels::base::{Base, BaseConfig};
use ordersync::channels::http::{ChannelHttp, USER_AGENT};
use ordersync::channels::{Channel, ChannelStats, ConnectorDeps, Delivery};
use ordersync::delivery::rate_limit::RateLimiter;
use ordersync::domain::{
    Change, ChannelName, Item, LineId, Link, Order, OrderId, Outcome, PaymentMethod, RemoteError,
    RemoteId, Shipment, Status, Timestamp,
};
use ordersync::secret::Secret;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use wiremock::matchers::{any, body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub(crate) const KEY: &str = "154D88A39E454289";
const EDIT: &str = "/1/orders/edit_status";
const TOKEN: &str = "/1/oauth/token";
const COMPANIES: &str = "/1/delivery_companies";
const TEMPLATE: &str = "[配送業者]{carrier} [送り状番号]{tracking}";

fn channel() -> ChannelName {
    ChannelName::parse("base-jp").unwrap()
}

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

fn memory() -> Arc<dyn TokenStore> {
    Arc::new(MemoryTokenStore::default())
}

fn connector(
    server: &MockServer,
    config: BaseConfig,
    store: Arc<dyn TokenStore>,
) -> (Base, Arc<ChannelStats>) {
    let stats = Arc::new(ChannelStats::default());
    let deps = ConnectorDeps {
        http: ChannelHttp::new(
            ChannelHttp::client(Duration::from_millis(1500)),
            Arc::new(RateLimiter::unlimited()),
        ),
        tokens: store,
        stats: stats.clone(),
    };
    (Base::new(channel(), server.uri(), config, deps), stats)
}

struct Case {
    status: Status,
    payment: Option<PaymentMethod>,
    shipment: Option<(&'static str, &'static str)>,
    /// Primary line ids and their BASE order_item_id (`None`: not mapped).
    lines: Vec<(&'static str, Option<&'static str>)>,
    /// The lines the change names; `None` for the whole order.
    named: Option<Vec<&'static str>>,
}

impl Case {
    fn new(status: Status) -> Self {
        Self {
            status,
            payment: None,
            shipment: None,
            lines: vec![("L1", Some("123")), ("L2", Some("124"))],
            named: None,
        }
    }
    fn payment(mut self, payment: PaymentMethod) -> Self {
        self.payment = Some(payment);
        self
    }
    fn shipped(mut self, carrier: &'static str, tracking: &'static str) -> Self {
        self.shipment = Some((carrier, tracking));
        self
    }
    fn lines(mut self, lines: Vec<(&'static str, Option<&'static str>)>) -> Self {
        self.lines = lines;
        self
    }
    fn named(mut self, lines: Vec<&'static str>) -> Self {
        self.named = Some(lines);
        self
    }

    async fn deliver(&self, base: &Base) -> Outcome {
        let shipment = self.shipment.map(|(carrier, tracking)| Shipment {
            carrier: carrier.into(),
            tracking_number: tracking.into(),
        });
        let order = Order {
            order_id: OrderId::parse("1001").unwrap(),
            status: self.status,
            updated_at: Timestamp::parse_rfc3339("2026-03-14T10:00:00Z").unwrap(),
            payment_method: self.payment,
            items: self
                .lines
                .iter()
                .map(|(id, _)| Item {
                    id: LineId::parse(*id).unwrap(),
                    quantity: Some(1),
                    status: self.status,
                    shipment: shipment.clone(),
                })
                .collect(),
            shipment: shipment.clone(),
            cancel: None,
            links: BTreeMap::new(),
            channels: BTreeMap::new(),
        };
        let link = Link {
            channel: channel(),
            order_id: RemoteId::parse(KEY).unwrap(),
            items: self
                .lines
                .iter()
                .filter_map(|(line, remote)| {
                    Some((
                        LineId::parse(*line).unwrap(),
                        RemoteId::parse((*remote)?).unwrap(),
                    ))
                })
                .collect(),
        };
        let change = Change {
            channel: channel(),
            target: self.status,
            items: self
                .named
                .as_ref()
                .map(|ids| ids.iter().map(|id| LineId::parse(*id).unwrap()).collect()),
            tracking: shipment.as_ref().map(|s| s.tracking_number.clone()),
        };
        base.deliver(&Delivery {
            task_id: 9,
            change: &change,
            order: &order,
            link: &link,
            acked: None,
            attempt: 1,
        })
        .await
    }
}

fn header_of<'a>(request: &'a Request, name: &str) -> &'a str {
    request
        .headers
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_else(|| panic!("no {name} header"))
}

fn form_of(request: &Request) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(&request.body).unwrap()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// An exact `edit_status` call: method, path, query, headers, form fields in order.
fn assert_edit(request: &Request, token: &str, expected: &[(&str, &str)]) {
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), EDIT);
    assert_eq!(request.url.query(), None);
    assert_eq!(
        header_of(request, "authorization"),
        format!("Bearer {token}")
    );
    assert_eq!(
        header_of(request, "content-type"),
        "application/x-www-form-urlencoded"
    );
    assert_eq!(header_of(request, "user-agent"), USER_AGENT);
    assert!(USER_AGENT.starts_with("ordersync/"));
    assert_eq!(form_of(request), pairs(expected));
}

fn assert_get(request: &Request, route: &str, token: &str) {
    assert_eq!(request.method.as_str(), "GET");
    assert_eq!(request.url.path(), route);
    assert_eq!(request.url.query(), None);
    assert_eq!(
        header_of(request, "authorization"),
        format!("Bearer {token}")
    );
    assert_eq!(header_of(request, "user-agent"), USER_AGENT);
    assert!(request.body.is_empty());
}

async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap()
}

pub(crate) fn ok_order() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"order": {"unique_key": KEY}}))
}

pub(crate) fn base_error(code: &str, description: &str) -> ResponseTemplate {
    ResponseTemplate::new(400)
        .set_body_json(json!({"error": code, "error_description": description}))
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

async fn mount(server: &MockServer, verb: &str, route: &str, response: ResponseTemplate) {
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(response)
        .mount(server)
        .await;
}

pub(crate) const GRANT_1: &str = r#"{"access_token":"access-1","token_type":"bearer","expires_in":3600,"refresh_token":"refresh-1"}"#;
pub(crate) const GRANT_2: &str = r#"{"access_token":"access-2","token_type":"bearer","expires_in":3600,"refresh_token":"refresh-2"}"#;

pub(crate) fn refresh_form(refresh_token: &str) -> String {
    format!(
        "grant_type=refresh_token&client_id=base-client&client_secret=base-secret-xyz&refresh_token={refresh_token}&redirect_uri=https%3A%2F%2Fseller.example%2Fbase%2Fcallback"
    )
}
