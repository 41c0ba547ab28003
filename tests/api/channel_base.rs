//! BASE connector against a mock BASE: exact form calls per item, items from the order
//! detail, 後払い with delivery companies, payment-method refusals, every error code,
//! and the rotating refresh token persisted before use and reused after a restart.

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
            return_shipment: None,
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

#[tokio::test]
async fn dispatch_is_one_call_per_item_with_the_comment() {
    let server = MockServer::start().await;
    mount(&server, "POST", EDIT, ok_order()).await;
    let (base, _) = connector(&server, config(), memory());
    let outcome = Case::new(Status::Dispatched)
        .shipped("sagawa", "1234-5678-9012")
        .deliver(&base)
        .await;
    assert_eq!(outcome, Outcome::Done);
    let seen = requests(&server).await;
    assert_eq!(seen.len(), 2);
    let comment = "[配送業者]佐川急便 [送り状番号]1234-5678-9012";
    for (request, item) in seen.iter().zip(["123", "124"]) {
        assert_edit(
            request,
            "cfg-access",
            &[
                ("order_item_id", item),
                ("status", "dispatched"),
                ("add_comment", comment),
            ],
        );
    }
}

#[tokio::test]
async fn a_change_naming_lines_sends_only_theirs() {
    let server = MockServer::start().await;
    mount(&server, "POST", EDIT, ok_order()).await;
    let (base, _) = connector(&server, config(), memory());
    let outcome = Case::new(Status::Dispatched)
        .shipped("yamato", "4444")
        .named(vec!["L2"])
        .deliver(&base)
        .await;
    assert_eq!(outcome, Outcome::Done);
    let seen = requests(&server).await;
    assert_eq!(seen.len(), 1);
    assert_edit(
        &seen[0],
        "cfg-access",
        &[
            ("order_item_id", "124"),
            ("status", "dispatched"),
            ("add_comment", "[配送業者]ヤマト運輸 [送り状番号]4444"),
        ],
    );
}

#[tokio::test]
async fn comment_template_is_capped_at_250_characters() {
    let server = MockServer::start().await;
    mount(&server, "POST", EDIT, ok_order()).await;
    let mut config = config();
    config.comment_template = format!("{}\n{{carrier}}\n{{tracking}}", "お".repeat(240));
    let (base, _) = connector(&server, config, memory());
    let outcome = Case::new(Status::Dispatched)
        .shipped("dhl", "JD0123456789")
        .named(vec!["L1"])
        .deliver(&base)
        .await;
    assert_eq!(outcome, Outcome::Done);
    let form = form_of(&requests(&server).await[0]);
    let comment = &form.iter().find(|(k, _)| k == "add_comment").unwrap().1;
    assert_eq!(comment.chars().count(), 250);
    assert_eq!(
        *comment,
        format!("{}\nDHL\nJD012", "お".repeat(240)),
        "newlines count"
    );
}

#[tokio::test]
async fn items_come_from_the_detail_when_the_link_has_none() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        &format!("/1/orders/detail/{KEY}"),
        detail(&[(123, "dispatched"), (124, "ordered"), (125, "ordered")]),
    )
    .await;
    mount(&server, "POST", EDIT, ok_order()).await;
    let (base, _) = connector(&server, config(), memory());
    let outcome = Case::new(Status::Dispatched)
        .shipped("sagawa", "1")
        .lines(vec![])
        .deliver(&base)
        .await;
    assert_eq!(outcome, Outcome::Done);
    let seen = requests(&server).await;
    assert_eq!(
        seen.len(),
        3,
        "detail, then the two items not yet dispatched"
    );
    assert_get(&seen[0], &format!("/1/orders/detail/{KEY}"), "cfg-access");
    let comment = "[配送業者]佐川急便 [送り状番号]1";
    assert_edit(
        &seen[1],
        "cfg-access",
        &[
            ("order_item_id", "124"),
            ("status", "dispatched"),
            ("add_comment", comment),
        ],
    );
    assert_edit(
        &seen[2],
        "cfg-access",
        &[
            ("order_item_id", "125"),
            ("status", "dispatched"),
            ("add_comment", comment),
        ],
    );
}

#[tokio::test]
async fn unmapped_lines_are_rejected_before_any_call() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let (base, _) = connector(&server, config(), memory());
    let lines = vec![("L1", Some("123")), ("L2", None)];
    for case in [
        Case::new(Status::Dispatched)
            .lines(lines.clone())
            .named(vec!["L2"]),
        Case::new(Status::Canceled).lines(lines.clone()),
    ] {
        let outcome = case.deliver(&base).await;
        let Outcome::Rejected(error) = outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(error.code.as_deref(), Some("unmapped_line"));
        assert!(error.message.contains("L2"), "{}", error.message);
    }
}

#[tokio::test]
async fn unsupported_statuses_send_nothing() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let (base, _) = connector(&server, config(), memory());
    for status in [
        Status::Placed,
        Status::Paid,
        Status::Preparing,
        Status::Delivered,
        Status::Completed,
        Status::Returned,
        Status::Exchanged,
    ] {
        let outcome = Case::new(status).deliver(&base).await;
        assert!(matches!(outcome, Outcome::Unsupported { .. }), "{status}");
    }
}

fn companies() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"delivery_companies": [
        {"delivery_company_id": 1, "name": "クロネコヤマト"},
        {"delivery_company_id": 2, "name": "佐川急便"},
        {"delivery_company_id": 3, "name": "日本郵便"},
    ]}))
}

#[tokio::test]
async fn deferred_payment_dispatch_is_one_atobarai_call() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(COMPANIES))
        .respond_with(companies())
        .expect(1)
        .mount(&server)
        .await;
    mount(&server, "POST", EDIT, ok_order()).await;
    let (base, _) = connector(&server, config(), memory());
    for (carrier, tracking) in [("yamato", "1234-5678 9012"), ("ゆうパック", "AB 12－34")] {
        let outcome = Case::new(Status::Dispatched)
            .payment(PaymentMethod::Deferred)
            .shipped(carrier, tracking)
            .deliver(&base)
            .await;
        assert_eq!(outcome, Outcome::Done, "{carrier}");
    }
    let seen = requests(&server).await;
    assert_eq!(seen.len(), 3, "the company list is read once");
    assert_get(&seen[0], COMPANIES, "cfg-access");
    assert_edit(
        &seen[1],
        "cfg-access",
        &[
            ("order_item_id", "123"),
            ("atobarai_status", "shipping"),
            ("delivery_company_id", "1"),
            ("tracking_number", "123456789012"),
        ],
    );
    assert_edit(
        &seen[2],
        "cfg-access",
        &[
            ("order_item_id", "123"),
            ("atobarai_status", "shipping"),
            ("delivery_company_id", "3"),
            ("tracking_number", "AB1234"),
        ],
    );
}

#[tokio::test]
async fn configured_company_ids_override_the_list() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(COMPANIES))
        .respond_with(companies())
        .expect(0)
        .mount(&server)
        .await;
    mount(&server, "POST", EDIT, ok_order()).await;
    let mut config = config();
    config.delivery_company_ids = BTreeMap::from([("yamato".to_string(), 41)]);
    let (base, _) = connector(&server, config, memory());
    let outcome = Case::new(Status::Dispatched)
        .payment(PaymentMethod::Deferred)
        .shipped("クロネコヤマト", "777")
        .deliver(&base)
        .await;
    assert_eq!(outcome, Outcome::Done);
    assert_edit(
        &requests(&server).await[0],
        "cfg-access",
        &[
            ("order_item_id", "123"),
            ("atobarai_status", "shipping"),
            ("delivery_company_id", "41"),
            ("tracking_number", "777"),
        ],
    );
}

#[tokio::test]
async fn unmatched_carriers_and_bad_tracking_are_rejected_unsent() {
    let server = MockServer::start().await;
    mount(&server, "GET", COMPANIES, companies()).await;
    Mock::given(method("POST"))
        .respond_with(ok_order())
        .expect(0)
        .mount(&server)
        .await;
    let (base, stats) = connector(&server, config(), memory());
    let outcome = Case::new(Status::Dispatched)
        .payment(PaymentMethod::Deferred)
        .shipped("福山通運", "123")
        .deliver(&base)
        .await;
    let Outcome::Rejected(error) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(error.code.as_deref(), Some("unmapped_carrier"));
    assert!(error.message.contains("福山通運"));
    assert!(error.message.contains("delivery_company_ids"));
    assert_eq!(stats.unmapped_carriers().get("fukuyama"), Some(&1));

    let outcome = Case::new(Status::Dispatched)
        .payment(PaymentMethod::Deferred)
        .shipped("yamato", "１２３４")
        .deliver(&base)
        .await;
    let Outcome::Rejected(error) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(error.code.as_deref(), Some("bad_tracking_number"));
    assert_eq!(
        requests(&server).await.len(),
        1,
        "only the company list was read"
    );
}

#[tokio::test]
async fn cancel_by_payment_method() {
    let server = MockServer::start().await;
    mount(&server, "POST", EDIT, ok_order()).await;
    let (base, _) = connector(&server, config(), memory());
    for payment in [PaymentMethod::BankTransfer, PaymentMethod::Cod] {
        let outcome = Case::new(Status::Canceled)
            .payment(payment)
            .deliver(&base)
            .await;
        assert_eq!(outcome, Outcome::Done);
    }
    // Unknown payment method: BASE decides.
    assert_eq!(
        Case::new(Status::Canceled).deliver(&base).await,
        Outcome::Done
    );
    let seen = requests(&server).await;
    assert_eq!(seen.len(), 6, "two items, three orders");
    for (request, item) in seen.iter().zip(["123", "124"].iter().cycle()) {
        assert_edit(
            request,
            "cfg-access",
            &[("order_item_id", item), ("status", "cancelled")],
        );
    }

    for (payment, code) in [
        (PaymentMethod::Card, "not_cancel_credit_card"),
        (PaymentMethod::ConvenienceStore, "not_cancel_cvs"),
        (PaymentMethod::Deferred, "not_cancel_atobarai"),
        (PaymentMethod::CarrierBilling, "not_cancel_carrier"),
        (PaymentMethod::Coin, "not_cancel_coin"),
    ] {
        let outcome = Case::new(Status::Canceled)
            .payment(payment)
            .deliver(&base)
            .await;
        let Outcome::Rejected(error) = outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(error.code.as_deref(), Some(code));
    }
    assert_eq!(requests(&server).await.len(), 6, "refused without calling");
}

/// One dispatch of item 123 answered by `response`; `detail_items` answers the
/// detail read (expected only after `not_change_status`).
async fn edit_answer(response: ResponseTemplate, detail_items: Option<&[(u64, &str)]>) -> Outcome {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(EDIT))
        .respond_with(response)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/1/orders/detail/{KEY}")))
        .respond_with(detail(detail_items.unwrap_or(&[])))
        .expect(u64::from(detail_items.is_some()))
        .mount(&server)
        .await;
    let (base, _) = connector(&server, config(), memory());
    Case::new(Status::Dispatched)
        .lines(vec![("L1", Some("123"))])
        .deliver(&base)
        .await
}

#[tokio::test]
async fn error_codes() {
    let rejected =
        |code: &str, message: &str| Outcome::Rejected(RemoteError::new(Some(code), message));
    for (code, message) in [
        ("no_order", "注文情報が見つかりませんでした。"),
        ("bad_params", "不正なパラメーターです。"),
        ("no_params", "order_item_idとstatusは必須です。"),
        (
            "not_cancel_base_bt",
            "銀行振込(BASE口座)決済のキャンセルはできません。",
        ),
        (
            "not_change_status_atobarai",
            "後払い決済のステータスは変更できません。",
        ),
        (
            "not_change_status_YamatoDelivery",
            "ヤマトかんたん発送Appを利用した注文の発送はできません。",
        ),
    ] {
        assert_eq!(
            edit_answer(base_error(code, message), None).await,
            rejected(code, message)
        );
    }
    assert_eq!(
        edit_answer(base_error("not_change_status_cvs", "入金待ち"), None).await,
        Outcome::Retry {
            after: Some(Duration::from_secs(3600)),
            rate_limited: false,
            error: RemoteError::new(Some("not_change_status_cvs"), "入金待ち")
        }
    );
    assert!(matches!(
        edit_answer(base_error("not_change_status_base_bt", "入金待ち"), None).await,
        Outcome::Retry { after: Some(d), rate_limited: false, .. } if d == Duration::from_secs(3600)
    ));
    assert!(matches!(
        edit_answer(
            base_error("db_error", "ステータスの変更ができませんでした。"),
            None
        )
        .await,
        Outcome::Retry {
            after: None,
            rate_limited: false,
            ..
        }
    ));
    assert!(matches!(
        edit_answer(ResponseTemplate::new(500), None).await,
        Outcome::Retry {
            rate_limited: false,
            ..
        }
    ));
    assert!(matches!(
        edit_answer(base_error("invalid_scope", "スコープが無効です。"), None).await,
        Outcome::Auth(_)
    ));
    let timeout = edit_answer(ok_order().set_delay(Duration::from_secs(3)), None).await;
    assert!(
        matches!(&timeout, Outcome::Retry { error, .. } if error.code.as_deref() == Some("timeout")),
        "{timeout:?}"
    );
}

#[tokio::test]
async fn not_change_status_checks_the_order() {
    let refused = "この注文のステータスは変更できません。";
    assert_eq!(
        edit_answer(
            base_error("not_change_status", refused),
            Some(&[(123, "dispatched"), (124, "ordered")])
        )
        .await,
        Outcome::AlreadyApplied
    );
    assert_eq!(
        edit_answer(
            base_error("not_change_status", refused),
            Some(&[(123, "cancelled")])
        )
        .await,
        Outcome::Rejected(RemoteError::new(
            Some("not_change_status"),
            format!("{refused} (BASE shows item cancelled)")
        ))
    );
}

fn within_boundary(
    before: SystemTime,
    after_call: SystemTime,
    wait: Duration,
    period: u64,
    offset: u64,
) {
    let nanos = |t: SystemTime| (t + wait).duration_since(UNIX_EPOCH).unwrap().as_nanos();
    let period = u128::from(period) * 1_000_000_000;
    let offset = u128::from(offset) * 1_000_000_000;
    let (lo, hi) = (nanos(before) + offset, nanos(after_call) + offset);
    let boundary = hi / period * period;
    assert!(boundary >= lo, "no boundary in [{lo}, {hi}]");
    assert!(wait <= Duration::from_nanos(period as u64));
}

#[tokio::test]
async fn api_limits_wait_for_the_next_hour_or_jst_day() {
    let before = SystemTime::now();
    let outcome = edit_answer(base_error("hour_api_limit", "上限"), None).await;
    let after_call = SystemTime::now();
    let Outcome::Retry {
        after: Some(wait),
        rate_limited: true,
        error,
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(error.code.as_deref(), Some("hour_api_limit"));
    within_boundary(before, after_call, wait, 3600, 0);

    let before = SystemTime::now();
    let outcome = edit_answer(base_error("day_api_limit", "上限"), None).await;
    let after_call = SystemTime::now();
    let Outcome::Retry {
        after: Some(wait),
        rate_limited: true,
        ..
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    // Midnight in Japan (UTC+9).
    within_boundary(before, after_call, wait, 86_400, 9 * 3600);
}

pub(crate) const GRANT_1: &str = r#"{"access_token":"access-1","token_type":"bearer","expires_in":3600,"refresh_token":"refresh-1"}"#;
pub(crate) const GRANT_2: &str = r#"{"access_token":"access-2","token_type":"bearer","expires_in":3600,"refresh_token":"refresh-2"}"#;

pub(crate) fn refresh_form(refresh_token: &str) -> String {
    format!(
        "grant_type=refresh_token&client_id=base-client&client_secret=base-secret-xyz&refresh_token={refresh_token}&redirect_uri=https%3A%2F%2Fseller.example%2Fbase%2Fcallback"
    )
}

fn assert_refresh(request: &Request, refresh_token: &str) {
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), TOKEN);
    assert_eq!(
        header_of(request, "content-type"),
        "application/x-www-form-urlencoded"
    );
    assert_eq!(header_of(request, "user-agent"), USER_AGENT);
    assert!(request.headers.get("authorization").is_none());
    assert_eq!(
        String::from_utf8(request.body.clone()).unwrap(),
        refresh_form(refresh_token)
    );
}

/// Records how many requests the mock had seen when each save returned.
struct RecordingStore {
    inner: MemoryTokenStore,
    server: Arc<MockServer>,
    saves: Mutex<Vec<(usize, String)>>,
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
        tokio::time::sleep(Duration::from_millis(50)).await;
        self.inner.save(channel, token).await?;
        let seen = self.server.received_requests().await.unwrap().len();
        let refresh = token.refresh_token.as_ref().unwrap().expose().to_string();
        self.saves.lock().unwrap().push((seen, refresh));
        Ok(())
    }
}

#[tokio::test]
async fn rotated_refresh_tokens_are_persisted_first_and_survive_a_restart() {
    let server = Arc::new(MockServer::start().await);
    Mock::given(method("POST"))
        .and(path(TOKEN))
        .and(body_string_contains("refresh_token=cfg-refresh"))
        .respond_with(ResponseTemplate::new(200).set_body_string(GRANT_1))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(TOKEN))
        .and(body_string_contains("refresh_token=refresh-1"))
        .respond_with(ResponseTemplate::new(200).set_body_string(GRANT_2))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(EDIT))
        .and(header("authorization", "Bearer access-1"))
        .respond_with(ok_order())
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(EDIT))
        .and(header("authorization", "Bearer access-1"))
        .respond_with(base_error(
            "invalid_request",
            "アクセストークンが無効です。",
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(EDIT))
        .and(header("authorization", "Bearer access-2"))
        .respond_with(ok_order())
        .mount(&server)
        .await;
    let store = Arc::new(RecordingStore {
        inner: MemoryTokenStore::default(),
        server: server.clone(),
        saves: Mutex::default(),
    });
    let mut no_access = config();
    no_access.access_token = None;
    let case = Case::new(Status::Dispatched).lines(vec![("L1", Some("123"))]);

    // First run: no token anywhere, so refresh with the configured refresh token.
    let (first, stats) = connector(&server, no_access.clone(), store.clone());
    assert_eq!(case.deliver(&first).await, Outcome::Done);
    drop(first);
    // "Restart": a new instance on the same store uses the stored access token...
    let (second, _) = connector(&server, no_access, store.clone());
    assert_eq!(case.deliver(&second).await, Outcome::Done);
    // ...and, once BASE refuses it, the stored refresh token, never the configured one.
    assert_eq!(case.deliver(&second).await, Outcome::Done);

    let seen = requests(&server).await;
    assert_eq!(seen.len(), 6);
    assert_refresh(&seen[0], "cfg-refresh");
    let dispatched = [("order_item_id", "123"), ("status", "dispatched")];
    assert_edit(&seen[1], "access-1", &dispatched);
    assert_edit(&seen[2], "access-1", &dispatched);
    assert_edit(&seen[3], "access-1", &dispatched);
    assert_refresh(&seen[4], "refresh-1");
    assert_edit(&seen[5], "access-2", &dispatched);
    assert_eq!(
        *store.saves.lock().unwrap(),
        vec![(1, "refresh-1".to_string()), (5, "refresh-2".to_string())],
        "each pair saved before its access token was used"
    );
    let stored = store.load(&channel()).await.unwrap().unwrap();
    assert_eq!(stored.access_token.expose(), "access-2");
    assert!(stored.expires_at.is_some());
    assert_eq!(stats.token_refreshes(), 1);
}

#[tokio::test]
async fn tokens_are_refreshed_shortly_before_expiry() {
    let server = MockServer::start().await;
    // 60 s left is inside the refresh margin: the next call refreshes first.
    Mock::given(method("POST"))
        .and(path(TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"access_token":"short","token_type":"bearer","expires_in":60,"refresh_token":"r-short"}"#,
        ))
        .expect(2)
        .mount(&server)
        .await;
    mount(&server, "POST", EDIT, ok_order()).await;
    let mut no_access = config();
    no_access.access_token = None;
    let (base, stats) = connector(&server, no_access, memory());
    let case = Case::new(Status::Canceled).lines(vec![("L1", Some("123"))]);
    assert_eq!(case.deliver(&base).await, Outcome::Done);
    assert_eq!(case.deliver(&base).await, Outcome::Done);
    assert_eq!(stats.token_refreshes(), 2);
    let seen = requests(&server).await;
    assert_refresh(&seen[2], "r-short");
}

#[tokio::test]
async fn refused_tokens_end_in_auth() {
    // The configured token is refused, the refresh works, the new token is refused too.
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        TOKEN,
        ResponseTemplate::new(200).set_body_string(GRANT_1),
    )
    .await;
    Mock::given(method("POST"))
        .and(path(EDIT))
        .respond_with(base_error(
            "invalid_request",
            "アクセストークンが無効です。",
        ))
        .expect(2)
        .mount(&server)
        .await;
    let (base, _) = connector(&server, config(), memory());
    let outcome = Case::new(Status::Canceled)
        .lines(vec![("L1", Some("123"))])
        .deliver(&base)
        .await;
    assert_eq!(
        outcome,
        Outcome::Auth(RemoteError::new(
            Some("invalid_request"),
            "アクセストークンが無効です。"
        ))
    );
    drop(server);

    // The refresh is refused: nothing stored, nothing repeated.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN))
        .respond_with(base_error(
            "invalid_grant",
            "リフレッシュトークンが無効です。",
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(EDIT))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    let store = memory();
    let (base, _) = connector(&server, config(), store.clone());
    let outcome = Case::new(Status::Canceled)
        .lines(vec![("L1", Some("123"))])
        .deliver(&base)
        .await;
    assert_eq!(
        outcome,
        Outcome::Auth(RemoteError::new(
            Some("invalid_grant"),
            "token refresh refused: リフレッシュトークンが無効です。"
        ))
    );
    assert_eq!(store.load(&channel()).await.unwrap(), None);
}

#[tokio::test]
async fn concurrent_first_calls_refresh_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(GRANT_1)
                .set_delay(Duration::from_millis(100)),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(EDIT))
        .and(header("authorization", "Bearer access-1"))
        .respond_with(ok_order())
        .expect(4)
        .mount(&server)
        .await;
    let mut no_access = config();
    no_access.access_token = None;
    let (base, stats) = connector(&server, no_access, memory());
    let case = Case::new(Status::Canceled).lines(vec![("L1", Some("123"))]);
    let outcomes = futures_util::future::join_all((0..4).map(|_| case.deliver(&base))).await;
    assert!(outcomes.iter().all(|o| *o == Outcome::Done), "{outcomes:?}");
    assert_eq!(stats.token_refreshes(), 1);
}
