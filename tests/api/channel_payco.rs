//! The PortOne PAYCO connector against a mock iamport API: exact requests and outcomes.

use crate::channel_fixtures::{cancel, channel, deps, deps_with_timeout, Case};
use crate::mocks::{
    assert_user_agent, bearer, expect_no_requests, header, json_body, mount, on, requests_to,
};
use ordersync::channels::portone_payco::PortonePayco;
use ordersync::channels::{ChannelStats, ConnectorDeps};
use ordersync::domain::{Outcome, RemoteError, Status};
use ordersync::secret::Secret;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use wiremock::matchers::{body_json, header as header_is, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate, Times};

const IMP_UID: &str = "imp_448280090638";
const STATUS_PATH: &str = "/payco/orders/status/imp_448280090638";

fn build(server: &MockServer, deps: ConnectorDeps) -> PortonePayco {
    PortonePayco::new(
        channel(),
        server.uri(),
        Secret::new("key-1"),
        Secret::new("secret-1"),
        deps,
    )
}

fn connector(server: &MockServer) -> (PortonePayco, Arc<ChannelStats>) {
    let (deps, stats) = deps();
    (build(server, deps), stats)
}

pub(crate) fn token_answer(token: &str, lifetime: i64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "code": 0,
        "message": null,
        "response": {"access_token": token, "now": 1_700_000_000, "expired_at": 1_700_000_000 + lifetime}
    }))
}

/// `getToken` with exactly our credentials, answering `token` for 30 minutes.
pub(crate) async fn mount_token(server: &MockServer, token: &str, times: impl Into<Times>) {
    let get_token = on("POST", "/users/getToken")
        .and(header_is("content-type", "application/json"))
        .and(body_json(
            json!({"imp_key": "key-1", "imp_secret": "secret-1"}),
        ));
    mount(server, get_token, token_answer(token, 1800), times).await;
}

/// iamport refusing a status change: the payment is unknown.
pub(crate) fn no_such_payment() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(
        json!({"code": -1, "message": "존재하지 않는 결제정보입니다", "response": null}),
    )
}

pub(crate) fn imp_uid_not_found() -> ResponseTemplate {
    ResponseTemplate::new(404)
        .set_body_json(json!({"code": 1, "message": "imp_uid not found", "response": null}))
}

/// A 401 as iamport words it.
pub(crate) fn unauthorized() -> ResponseTemplate {
    ResponseTemplate::new(401)
        .set_body_json(json!({"code": -1, "message": "Unauthorized", "response": null}))
}

pub(crate) fn ok(status: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(json!({"code": 0, "message": null, "response": {"status": status}}))
}

#[tokio::test]
async fn every_mapped_status_is_sent_with_one_reused_token() {
    let server = MockServer::start().await;
    mount_token(&server, "tok-1", 1).await;
    let steps = [
        (Status::Dispatched, "DELIVERY_START"),
        (Status::Completed, "PURCHASE_DECISION"),
        (Status::Canceled, "CANCELED"),
    ];
    for (_, step) in steps {
        let call = on("POST", STATUS_PATH)
            .and(bearer("tok-1"))
            .and(header_is("content-type", "application/json"))
            .and(body_json(json!({"status": step})));
        mount(&server, call, ok(step), 1).await;
    }
    let (payco, stats) = connector(&server);
    for (status, _) in steps {
        let case = Case::new(status, IMP_UID).with_shipment("cj", "6123");
        assert_eq!(case.deliver(&payco).await, Outcome::Done, "{status}");
    }
    let calls = requests_to(&server, STATUS_PATH).await;
    let bodies: Vec<_> = calls.iter().map(json_body).collect();
    assert_eq!(
        bodies,
        vec![
            json!({"status": "DELIVERY_START"}),
            json!({"status": "PURCHASE_DECISION"}),
            json!({"status": "CANCELED"}),
        ],
        "in order, and no tracking anywhere"
    );
    assert!(calls.iter().all(|r| r.url.query().is_none()));
    let token_call = &requests_to(&server, "/users/getToken").await[0];
    assert_eq!(
        json_body(token_call),
        json!({"imp_key": "key-1", "imp_secret": "secret-1"})
    );
    assert_user_agent(&server).await;
    assert_eq!(stats.token_refreshes(), 1);
}

/// PAYCO follows the order, not its lines, and has no field for a cancel reason.
#[tokio::test]
async fn item_scope_and_cancel_reasons_are_not_sent() {
    let server = MockServer::start().await;
    mount_token(&server, "tok-1", 1).await;
    let cancel_call = on("POST", STATUS_PATH).and(body_json(json!({"status": "CANCELED"})));
    mount(&server, cancel_call, ok("CANCELED"), 1).await;
    let (payco, _) = connector(&server);
    let mut case = Case::new(Status::Canceled, IMP_UID)
        .with_item("L1", None)
        .with_item("L2", None)
        .scoped_to(&["L2"]);
    case.order.cancel = cancel(Some("SOLD_OUT"));
    assert_eq!(case.deliver(&payco).await, Outcome::Done);
}

#[tokio::test]
async fn unsupported_statuses_send_nothing() {
    let server = MockServer::start().await;
    expect_no_requests(&server).await;
    let (payco, _) = connector(&server);
    for status in [
        Status::Placed,
        Status::Paid,
        Status::Preparing,
        Status::Delivered,
        Status::Returned,
        Status::Exchanged,
    ] {
        let outcome = Case::new(status, IMP_UID).deliver(&payco).await;
        assert!(
            matches!(outcome, Outcome::Unsupported { .. }),
            "{status}: {outcome:?}"
        );
    }
}

#[tokio::test]
async fn a_token_with_under_a_minute_left_is_replaced_before_the_next_call() {
    let server = MockServer::start().await;
    // The server's clock says 30 s remain: usable for this call, due for the next.
    let short = token_answer("tok-short", 30);
    mount(&server, on("POST", "/users/getToken"), short, 2).await;
    let call = on("POST", STATUS_PATH).and(bearer("tok-short"));
    mount(&server, call, ok("DELIVERY_START"), 2).await;
    let (payco, stats) = connector(&server);
    let case = Case::new(Status::Dispatched, IMP_UID);
    assert_eq!(case.deliver(&payco).await, Outcome::Done);
    assert_eq!(case.deliver(&payco).await, Outcome::Done);
    assert_eq!(stats.token_refreshes(), 2);
}

/// `getToken` answering `tok-1` the first time and `tok-2` after.
pub(crate) async fn mount_rotating_tokens(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/users/getToken"))
        .respond_with(token_answer("tok-1", 1800))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(server)
        .await;
    let tok_2 = token_answer("tok-2", 1800);
    mount(server, on("POST", "/users/getToken"), tok_2, 1).await;
}

#[tokio::test]
async fn a_refused_token_is_refreshed_once_and_the_call_repeated() {
    let server = MockServer::start().await;
    mount_rotating_tokens(&server).await;
    let refused = on("POST", STATUS_PATH).and(bearer("tok-1"));
    mount(&server, refused, ResponseTemplate::new(401), 1).await;
    let renewed = on("POST", STATUS_PATH)
        .and(bearer("tok-2"))
        .and(body_json(json!({"status": "CANCELED"})));
    mount(&server, renewed, ok("CANCELED"), 1).await;
    let (payco, stats) = connector(&server);
    let outcome = Case::new(Status::Canceled, IMP_UID).deliver(&payco).await;
    assert_eq!(outcome, Outcome::Done);
    assert_eq!(stats.token_refreshes(), 2);
}

#[tokio::test]
async fn refused_twice_is_auth() {
    let server = MockServer::start().await;
    mount_rotating_tokens(&server).await;
    mount(&server, on("POST", STATUS_PATH), unauthorized(), 2).await;
    let (payco, _) = connector(&server);
    let outcome = Case::new(Status::Canceled, IMP_UID).deliver(&payco).await;
    assert_eq!(
        outcome,
        Outcome::Auth(RemoteError::new(Some("-1"), "Unauthorized"))
    );
    let tokens: Vec<_> = requests_to(&server, STATUS_PATH)
        .await
        .iter()
        .map(|r| header(r, "authorization").to_string())
        .collect();
    assert_eq!(tokens, ["Bearer tok-1", "Bearer tok-2"]);
}

async fn outcome_for(answer: ResponseTemplate) -> Outcome {
    let server = MockServer::start().await;
    mount_token(&server, "tok-1", 1).await;
    mount(&server, on("POST", STATUS_PATH), answer, 1).await;
    let (payco, _) = connector(&server);
    Case::new(Status::Completed, IMP_UID).deliver(&payco).await
}

#[tokio::test]
async fn remote_refusals_are_rejected_with_code_and_message() {
    assert_eq!(
        outcome_for(no_such_payment()).await,
        Outcome::Rejected(RemoteError::new(Some("-1"), "존재하지 않는 결제정보입니다"))
    );
    assert_eq!(
        outcome_for(imp_uid_not_found()).await,
        Outcome::Rejected(RemoteError::new(Some("1"), "imp_uid not found"))
    );
}

#[tokio::test]
async fn rate_limits_and_server_errors_are_retried() {
    let limited = ResponseTemplate::new(429).insert_header("Retry-After", "17");
    assert_eq!(
        outcome_for(limited).await,
        Outcome::Retry {
            after: Some(Duration::from_secs(17)),
            rate_limited: true,
            error: RemoteError::new(Some("http_429"), ""),
        }
    );
    assert_eq!(
        outcome_for(ResponseTemplate::new(503).set_body_string("maintenance")).await,
        Outcome::Retry {
            after: None,
            rate_limited: false,
            error: RemoteError::new(Some("http_503"), "maintenance"),
        }
    );
}

#[tokio::test]
async fn a_timeout_is_retried() {
    let server = MockServer::start().await;
    mount_token(&server, "tok-1", 1).await;
    let slow = ok("DELIVERY_START").set_delay(Duration::from_secs(2));
    mount(&server, on("POST", STATUS_PATH), slow, ..).await;
    let (deps, _) = deps_with_timeout(Duration::from_millis(300));
    let payco = build(&server, deps);
    let outcome = Case::new(Status::Dispatched, IMP_UID).deliver(&payco).await;
    assert!(
        matches!(outcome, Outcome::Retry { rate_limited: false, ref error, .. } if error.code.as_deref() == Some("timeout")),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn token_failures_are_auth_or_retry_and_never_show_secrets() {
    let cases = [
        (
            ResponseTemplate::new(401).set_body_json(json!({
                "code": -1, "message": "imp_key key-1 / imp_secret secret-1 인증에 실패했습니다.", "response": null
            })),
            "auth",
        ),
        (
            ResponseTemplate::new(200)
                .set_body_json(json!({"code": -1, "message": "bad key", "response": null})),
            "auth",
        ),
        (ResponseTemplate::new(500).set_body_string("down"), "retry"),
    ];
    for (answer, expected) in cases {
        let server = MockServer::start().await;
        mount(&server, on("POST", "/users/getToken"), answer, 1).await;
        mount(&server, on("POST", STATUS_PATH), ok("CANCELED"), 0).await;
        let (payco, _) = connector(&server);
        let outcome = Case::new(Status::Canceled, IMP_UID).deliver(&payco).await;
        assert_eq!(outcome.kind().as_str(), expected, "{outcome:?}");
        let error = outcome.error().unwrap();
        let shown = format!("{error:?}");
        assert!(
            !shown.contains("secret-1") && !shown.contains("key-1"),
            "{shown}"
        );
        assert!(error.message.starts_with("getToken: "), "{shown}");
    }
}
