//! The imweb connector against a mock imweb API v2: exact requests and outcomes.

mod items;

use crate::channel_fixtures::{cancel, channel, deps, Case};
use crate::mocks::{
    assert_user_agent, expect_no_requests, header, json_body, mount, on, requests_to, requests_with,
};
use ordersync::channels::imweb::{Imweb, ImwebOptions};
use ordersync::channels::{ChannelStats, ConnectorDeps};
use ordersync::domain::{Outcome, RemoteError, Status};
use ordersync::secret::Secret;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use wiremock::matchers::{body_json, header as header_is, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate, Times};

pub(crate) const ORDER_NO: &str = "202611220001";

pub(super) fn orders_path(status: &str) -> String {
    format!("/v2/shop/orders/{ORDER_NO}/{status}")
}

fn build(base_url: String, deps: ConnectorDeps) -> Imweb {
    Imweb::new(
        channel(),
        base_url,
        Secret::new("api-key-1"),
        Secret::new("secret-key-1"),
        ImwebOptions {
            default_reason_code: "SOLD_OUT".to_string(),
            deliv_fee_method: Some("REFUND".to_string()),
        },
        deps,
    )
}

pub(super) fn connector(server: &MockServer) -> (Imweb, Arc<ChannelStats>) {
    let (deps, stats) = deps();
    (build(server.uri(), deps), stats)
}

pub(crate) fn token_answer(token: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(json!({"msg": "SUCCESS", "code": 200, "access_token": token}))
}

/// `GET /v2/auth` with exactly our key and secret.
pub(crate) async fn mount_token(server: &MockServer, token: &str, times: impl Into<Times>) {
    let auth = on("GET", "/v2/auth")
        .and(query_param("key", "api-key-1"))
        .and(query_param("secret", "secret-key-1"));
    mount(server, auth, token_answer(token), times).await;
}

pub(crate) fn success() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "msg": "SUCCESS", "code": 200, "data": {"success": [ORDER_NO], "failed": []}
    }))
}

/// Accepted but for one line: `prod_order_no` failed with `msg` (`detail_msg`).
pub(crate) fn failed_line(
    order_no: &str,
    succeeded: &[&str],
    prod_order_no: &str,
    msg: &str,
    detail_msg: &str,
) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "msg": "SUCCESS", "code": 200, "data": {"success": succeeded, "failed": [{
            "order_no": order_no,
            "prod_order_list": [{"prod_order_no": prod_order_no, "msg": msg, "detail_msg": detail_msg}]
        }]}
    }))
}

pub(crate) fn body_code(code: i64, msg: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"msg": msg, "code": code, "data": null}))
}

pub(super) async fn mount_patch(
    server: &MockServer,
    status: &str,
    body: Value,
    answer: ResponseTemplate,
) {
    let patch = on("PATCH", orders_path(status))
        .and(header_is("access-token", "tok-1"))
        .and(header_is("content-type", "application/json"))
        .and(body_json(body));
    mount(server, patch, answer, 1).await;
}

/// A mock imweb handing out `tok-1` once and expecting one PATCH `step` with `body`,
/// answered with `answer`; and a connector to it.
pub(super) async fn one_patch(
    step: &str,
    body: Value,
    answer: ResponseTemplate,
) -> (MockServer, Imweb, Arc<ChannelStats>) {
    let server = MockServer::start().await;
    mount_token(&server, "tok-1", 1).await;
    mount_patch(&server, step, body, answer).await;
    let (imweb, stats) = connector(&server);
    (server, imweb, stats)
}

#[tokio::test]
async fn every_mapped_status_is_sent_with_one_reused_token() {
    let server = MockServer::start().await;
    mount_token(&server, "tok-1", 1).await;
    let cj = json!({"parcel_code": "CJ", "invoice_no": "6123-4567"});
    let steps = [
        (Status::Paid, "deposit", json!({})),
        (Status::Preparing, "place", json!({})),
        (Status::Dispatched, "send", json!({"etc": cj})),
        (Status::Delivered, "complete", json!({})),
        (
            Status::Canceled,
            "cancel",
            json!({"etc": {"reason_code": "WRONG_ORDER"}}),
        ),
        (
            Status::Returned,
            "return",
            json!({"etc": {"reason_code": "WRONG_ORDER", "parcel_code": "EPOST",
                           "invoice_no": "RET-1", "deliv_fee_method": "REFUND"}}),
        ),
        (
            Status::Exchanged,
            "exchange",
            json!({"etc": {"reason_code": "WRONG_ORDER", "parcel_code": "EPOST", "invoice_no": "RET-1"}}),
        ),
    ];
    for (_, step, body) in &steps {
        mount_patch(&server, step, body.clone(), success()).await;
    }
    let (imweb, stats) = connector(&server);
    for (status, _, _) in &steps {
        let mut case = Case::new(*status, ORDER_NO).with_shipment("CJ대한통운", "6123-4567");
        case.order.cancel = cancel(Some("WRONG_ORDER"));
        // Returns and exchanges carry the parcel coming back, never the outbound one.
        case.order.return_shipment = Some(ordersync::domain::Shipment {
            carrier: "우체국택배".into(),
            tracking_number: "RET-1".into(),
        });
        assert_eq!(case.deliver(&imweb).await, Outcome::Done, "{status}");
    }
    let patches = requests_with(&server, "PATCH").await;
    let sent: Vec<_> = patches.iter().map(|r| r.url.path().to_string()).collect();
    let expected: Vec<_> = steps.iter().map(|(_, step, _)| orders_path(step)).collect();
    assert_eq!(sent, expected, "one call each, in order");
    for (request, (_, _, body)) in patches.iter().zip(&steps) {
        assert_eq!(&json_body(request), body);
        assert_eq!(request.url.query(), None);
    }
    assert_user_agent(&server).await;
    assert_eq!(stats.token_refreshes(), 1);
    assert!(stats.unmapped_carriers().is_empty());
}

#[tokio::test]
async fn unsupported_statuses_send_nothing() {
    let server = MockServer::start().await;
    expect_no_requests(&server).await;
    let (imweb, _) = connector(&server);
    for status in [Status::Placed, Status::Completed] {
        let outcome = Case::new(status, ORDER_NO).deliver(&imweb).await;
        assert!(
            matches!(outcome, Outcome::Unsupported { .. }),
            "{status}: {outcome:?}"
        );
    }
}

/// `GET /v2/auth` answering `tok-1` the first time and `tok-2` after.
pub(crate) async fn mount_rotating_tokens(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/v2/auth"))
        .respond_with(token_answer("tok-1"))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(server)
        .await;
    mount_token(server, "tok-2", 1).await;
}

#[tokio::test]
async fn a_refused_token_is_refreshed_once_and_the_call_repeated() {
    for refusal in [
        body_code(-2, "ACCESS TOKEN EXPIRED"),
        ResponseTemplate::new(401),
    ] {
        let server = MockServer::start().await;
        mount_rotating_tokens(&server).await;
        mount_patch(&server, "place", json!({}), refusal).await;
        let renewed = on("PATCH", orders_path("place"))
            .and(header_is("access-token", "tok-2"))
            .and(body_json(json!({})));
        mount(&server, renewed, success(), 1).await;
        let (imweb, stats) = connector(&server);
        let case = Case::new(Status::Preparing, ORDER_NO);
        assert_eq!(case.deliver(&imweb).await, Outcome::Done);
        assert_eq!(stats.token_refreshes(), 2);
    }
}

#[tokio::test]
async fn refused_twice_is_auth() {
    let server = MockServer::start().await;
    mount_rotating_tokens(&server).await;
    let expired = body_code(-2, "ACCESS TOKEN EXPIRED");
    mount(&server, on("PATCH", orders_path("deposit")), expired, 2).await;
    let (imweb, _) = connector(&server);
    let outcome = Case::new(Status::Paid, ORDER_NO).deliver(&imweb).await;
    assert_eq!(
        outcome,
        Outcome::Auth(RemoteError::new(Some("-2"), "ACCESS TOKEN EXPIRED"))
    );
    let tokens: Vec<_> = requests_to(&server, &orders_path("deposit"))
        .await
        .iter()
        .map(|r| header(r, "access-token").to_string())
        .collect();
    assert_eq!(tokens, ["tok-1", "tok-2"]);
}

#[tokio::test]
async fn an_unknown_carrier_goes_as_etc_and_is_counted() {
    let etc = json!({"etc": {"parcel_code": "ETC", "invoice_no": "PG-1"}});
    let (_server, imweb, stats) = one_patch("send", etc, success()).await;
    let case = Case::new(Status::Dispatched, ORDER_NO).with_shipment("Pigeon Post", "PG-1");
    assert_eq!(case.deliver(&imweb).await, Outcome::Done);
    assert_eq!(
        stats.unmapped_carriers(),
        BTreeMap::from([("Pigeon Post".to_string(), 1)])
    );
}

#[tokio::test]
async fn an_unknown_cancel_reason_falls_back_to_the_default() {
    let default_reason = json!({"etc": {"reason_code": "SOLD_OUT"}});
    let (_server, imweb, _) = one_patch("cancel", default_reason, success()).await;
    let mut case = Case::new(Status::Canceled, ORDER_NO);
    case.order.cancel = cancel(Some("customer called"));
    assert_eq!(case.deliver(&imweb).await, Outcome::Done);
}

async fn outcome_for(answer: ResponseTemplate) -> Outcome {
    let (_server, imweb, _) = one_patch("complete", json!({}), answer).await;
    Case::new(Status::Delivered, ORDER_NO).deliver(&imweb).await
}

#[tokio::test]
async fn body_codes_and_http_errors() {
    assert_eq!(
        outcome_for(body_code(-7, "TOO MANY REQUEST")).await,
        Outcome::Retry {
            after: None,
            rate_limited: true,
            error: RemoteError::new(Some("-7"), "TOO MANY REQUEST"),
        }
    );
    assert_eq!(
        outcome_for(ResponseTemplate::new(429).insert_header("Retry-After", "3")).await,
        Outcome::Retry {
            after: Some(Duration::from_secs(3)),
            rate_limited: true,
            error: RemoteError::new(Some("http_429"), ""),
        }
    );
    for code in [-10, -11] {
        assert_eq!(
            outcome_for(body_code(code, "처리 불가")).await,
            Outcome::Rejected(RemoteError::new(Some(&code.to_string()), "처리 불가"))
        );
    }
    for code in [-19, -999] {
        assert!(matches!(
            outcome_for(body_code(code, "잠시 후 다시 시도")).await,
            Outcome::Retry {
                rate_limited: false,
                ..
            }
        ));
    }
    assert_eq!(
        outcome_for(ResponseTemplate::new(502).set_body_string("bad gateway")).await,
        Outcome::Retry {
            after: None,
            rate_limited: false,
            error: RemoteError::new(Some("http_502"), "bad gateway"),
        }
    );
}

#[tokio::test]
async fn credentials_never_show_in_errors() {
    // The vendor echoing our key and secret back.
    let server = MockServer::start().await;
    let echoed = body_code(-1, "KEY api-key-1 / SECRET secret-key-1 NOT FOUND");
    mount(&server, on("GET", "/v2/auth"), echoed, 1).await;
    let (imweb, _) = connector(&server);
    let outcome = Case::new(Status::Paid, ORDER_NO).deliver(&imweb).await;
    assert_eq!(
        outcome,
        Outcome::Auth(RemoteError::new(
            Some("-1"),
            "v2/auth: KEY [redacted] / SECRET [redacted] NOT FOUND"
        ))
    );

    // A transport failure on the auth URL, whose query string holds the secret.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let (deps, _) = deps();
    let outcome = Case::new(Status::Paid, ORDER_NO)
        .deliver(&build(base, deps))
        .await;
    let shown = format!("{:?}", outcome.error().unwrap());
    assert!(matches!(outcome, Outcome::Retry { .. }), "{shown}");
    assert!(
        !shown.contains("secret-key-1")
            && !shown.contains("api-key-1")
            && !shown.contains("/v2/auth"),
        "{shown}"
    );
}
