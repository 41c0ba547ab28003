//! The PortOne PAYCO connector against a mock iamport API: exact requests and outcomes.

use crate::channel_fixtures::{
    assert_user_agent, cancel, channel, deps, deps_with_timeout, header, json_body, requests_to,
    Case,
};
use ordersync::channels::portone_payco::PortonePayco;
use ordersync::channels::{Channel, ChannelStats};
use ordersync::domain::{Outcome, RemoteError, Status};
use ordersync::secret::Secret;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use wiremock::matchers::{any, body_json, header as header_is, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const IMP_UID: &str = "imp_448280090638";
const STATUS_PATH: &str = "/payco/orders/status/imp_448280090638";

fn connector(server: &MockServer) -> (PortonePayco, Arc<ChannelStats>) {
    let (deps, stats) = deps();
    let payco = PortonePayco::new(
        channel(),
        server.uri(),
        Secret::new("key-1"),
        Secret::new("secret-1"),
        deps,
    );
    (payco, stats)
}

pub(crate) fn token_answer(token: &str, lifetime: i64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "code": 0,
        "message": null,
        "response": {"access_token": token, "now": 1_700_000_000, "expired_at": 1_700_000_000 + lifetime}
    }))
}

/// `getToken` with exactly our credentials, answering `token` for 30 minutes.
pub(crate) async fn mount_token(server: &MockServer, token: &str, times: u64) {
    Mock::given(method("POST"))
        .and(path("/users/getToken"))
        .and(header_is("content-type", "application/json"))
        .and(body_json(
            json!({"imp_key": "key-1", "imp_secret": "secret-1"}),
        ))
        .respond_with(token_answer(token, 1800))
        .expect(times)
        .mount(server)
        .await;
}

pub(crate) fn ok(status: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(json!({"code": 0, "message": null, "response": {"status": status}}))
}

async fn deliver(payco: &PortonePayco, case: &Case) -> Outcome {
    payco.deliver(&case.delivery()).await
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
        Mock::given(method("POST"))
            .and(path(STATUS_PATH))
            .and(header_is("authorization", "Bearer tok-1"))
            .and(header_is("content-type", "application/json"))
            .and(body_json(json!({"status": step})))
            .respond_with(ok(step))
            .expect(1)
            .mount(&server)
            .await;
    }
    let (payco, stats) = connector(&server);
    for (status, _) in steps {
        let case = Case::new(status, IMP_UID).with_shipment("cj", "6123");
        assert_eq!(deliver(&payco, &case).await, Outcome::Done, "{status}");
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
    Mock::given(method("POST"))
        .and(path(STATUS_PATH))
        .and(body_json(json!({"status": "CANCELED"})))
        .respond_with(ok("CANCELED"))
        .expect(1)
        .mount(&server)
        .await;
    let (payco, _) = connector(&server);
    let mut case = Case::new(Status::Canceled, IMP_UID)
        .with_item("L1", None)
        .with_item("L2", None)
        .scoped_to(&["L2"]);
    case.order.cancel = cancel(Some("SOLD_OUT"));
    assert_eq!(deliver(&payco, &case).await, Outcome::Done);
}

#[tokio::test]
async fn unsupported_statuses_send_nothing() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let (payco, _) = connector(&server);
    for status in [
        Status::Placed,
        Status::Paid,
        Status::Preparing,
        Status::Delivered,
        Status::Returned,
        Status::Exchanged,
    ] {
        let outcome = deliver(&payco, &Case::new(status, IMP_UID)).await;
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
    Mock::given(method("POST"))
        .and(path("/users/getToken"))
        .respond_with(token_answer("tok-short", 30))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(STATUS_PATH))
        .and(header_is("authorization", "Bearer tok-short"))
        .respond_with(ok("DELIVERY_START"))
        .expect(2)
        .mount(&server)
        .await;
    let (payco, stats) = connector(&server);
    let case = Case::new(Status::Dispatched, IMP_UID);
    assert_eq!(deliver(&payco, &case).await, Outcome::Done);
    assert_eq!(deliver(&payco, &case).await, Outcome::Done);
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
    Mock::given(method("POST"))
        .and(path("/users/getToken"))
        .respond_with(token_answer("tok-2", 1800))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_refused_token_is_refreshed_once_and_the_call_repeated() {
    let server = MockServer::start().await;
    mount_rotating_tokens(&server).await;
    Mock::given(method("POST"))
        .and(path(STATUS_PATH))
        .and(header_is("authorization", "Bearer tok-1"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(STATUS_PATH))
        .and(header_is("authorization", "Bearer tok-2"))
        .and(body_json(json!({"status": "CANCELED"})))
        .respond_with(ok("CANCELED"))
        .expect(1)
        .mount(&server)
        .await;
    let (payco, stats) = connector(&server);
    let outcome = deliver(&payco, &Case::new(Status::Canceled, IMP_UID)).await;
    assert_eq!(outcome, Outcome::Done);
    assert_eq!(stats.token_refreshes(), 2);
}

#[tokio::test]
async fn refused_twice_is_auth() {
    let server = MockServer::start().await;
    mount_rotating_tokens(&server).await;
    Mock::given(method("POST"))
        .and(path(STATUS_PATH))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"code": -1, "message": "Unauthorized", "response": null})),
        )
        .expect(2)
        .mount(&server)
        .await;
    let (payco, _) = connector(&server);
    let outcome = deliver(&payco, &Case::new(Status::Canceled, IMP_UID)).await;
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
    Mock::given(method("POST"))
        .and(path(STATUS_PATH))
        .respond_with(answer)
        .expect(1)
        .mount(&server)
        .await;
    let (payco, _) = connector(&server);
    deliver(&payco, &Case::new(Status::Completed, IMP_UID)).await
}

#[tokio::test]
async fn remote_refusals_are_rejected_with_code_and_message() {
    let refused = ResponseTemplate::new(200).set_body_json(
        json!({"code": -1, "message": "존재하지 않는 결제정보입니다", "response": null}),
    );
    assert_eq!(
        outcome_for(refused).await,
        Outcome::Rejected(RemoteError::new(Some("-1"), "존재하지 않는 결제정보입니다"))
    );
    let missing = ResponseTemplate::new(404)
        .set_body_json(json!({"code": 1, "message": "imp_uid not found", "response": null}));
    assert_eq!(
        outcome_for(missing).await,
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
    Mock::given(method("POST"))
        .and(path(STATUS_PATH))
        .respond_with(ok("DELIVERY_START").set_delay(Duration::from_secs(2)))
        .mount(&server)
        .await;
    let (deps, _) = deps_with_timeout(Duration::from_millis(300));
    let payco = PortonePayco::new(
        channel(),
        server.uri(),
        Secret::new("key-1"),
        Secret::new("secret-1"),
        deps,
    );
    let outcome = deliver(&payco, &Case::new(Status::Dispatched, IMP_UID)).await;
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
        Mock::given(method("POST"))
            .and(path("/users/getToken"))
            .respond_with(answer)
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(STATUS_PATH))
            .respond_with(ok("CANCELED"))
            .expect(0)
            .mount(&server)
            .await;
        let (payco, _) = connector(&server);
        let outcome = deliver(&payco, &Case::new(Status::Canceled, IMP_UID)).await;
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
