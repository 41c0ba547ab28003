//! The imweb connector against a mock imweb API v2: exact requests and outcomes.

mod items;

use crate::channel_fixtures::{
    assert_user_agent, cancel, channel, deps, header, json_body, requests_to, Case,
};
use ordersync::channels::imweb::{Imweb, ImwebOptions};
use ordersync::channels::{Channel, ChannelStats, ConnectorDeps};
use ordersync::domain::{Outcome, RemoteError, Status};
use ordersync::secret::Secret;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use wiremock::matchers::{any, body_json, header as header_is, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

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
pub(crate) async fn mount_token(server: &MockServer, token: &str, times: u64) {
    Mock::given(method("GET"))
        .and(path("/v2/auth"))
        .and(query_param("key", "api-key-1"))
        .and(query_param("secret", "secret-key-1"))
        .respond_with(token_answer(token))
        .expect(times)
        .mount(server)
        .await;
}

pub(crate) fn success() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "msg": "SUCCESS", "code": 200, "data": {"success": [ORDER_NO], "failed": []}
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
    Mock::given(method("PATCH"))
        .and(path(orders_path(status)))
        .and(header_is("access-token", "tok-1"))
        .and(header_is("content-type", "application/json"))
        .and(body_json(body))
        .respond_with(answer)
        .expect(1)
        .mount(server)
        .await;
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
        assert_eq!(
            imweb.deliver(&case.delivery()).await,
            Outcome::Done,
            "{status}"
        );
    }
    let patches: Vec<_> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() == "PATCH")
        .collect();
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
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let (imweb, _) = connector(&server);
    for status in [Status::Placed, Status::Completed] {
        let outcome = imweb.deliver(&Case::new(status, ORDER_NO).delivery()).await;
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
        Mock::given(method("PATCH"))
            .and(path(orders_path("place")))
            .and(header_is("access-token", "tok-2"))
            .and(body_json(json!({})))
            .respond_with(success())
            .expect(1)
            .mount(&server)
            .await;
        let (imweb, stats) = connector(&server);
        let case = Case::new(Status::Preparing, ORDER_NO);
        assert_eq!(imweb.deliver(&case.delivery()).await, Outcome::Done);
        assert_eq!(stats.token_refreshes(), 2);
    }
}

#[tokio::test]
async fn refused_twice_is_auth() {
    let server = MockServer::start().await;
    mount_rotating_tokens(&server).await;
    Mock::given(method("PATCH"))
        .and(path(orders_path("deposit")))
        .respond_with(body_code(-2, "ACCESS TOKEN EXPIRED"))
        .expect(2)
        .mount(&server)
        .await;
    let (imweb, _) = connector(&server);
    let outcome = imweb
        .deliver(&Case::new(Status::Paid, ORDER_NO).delivery())
        .await;
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
    let server = MockServer::start().await;
    mount_token(&server, "tok-1", 1).await;
    mount_patch(
        &server,
        "send",
        json!({"etc": {"parcel_code": "ETC", "invoice_no": "PG-1"}}),
        success(),
    )
    .await;
    let (imweb, stats) = connector(&server);
    let case = Case::new(Status::Dispatched, ORDER_NO).with_shipment("Pigeon Post", "PG-1");
    assert_eq!(imweb.deliver(&case.delivery()).await, Outcome::Done);
    assert_eq!(
        stats.unmapped_carriers(),
        BTreeMap::from([("Pigeon Post".to_string(), 1)])
    );
}

#[tokio::test]
async fn an_unknown_cancel_reason_falls_back_to_the_default() {
    let server = MockServer::start().await;
    mount_token(&server, "tok-1", 1).await;
    mount_patch(
        &server,
        "cancel",
        json!({"etc": {"reason_code": "SOLD_OUT"}}),
        success(),
    )
    .await;
    let (imweb, _) = connector(&server);
    let mut case = Case::new(Status::Canceled, ORDER_NO);
    case.order.cancel = cancel(Some("customer called"));
    assert_eq!(imweb.deliver(&case.delivery()).await, Outcome::Done);
}

async fn outcome_for(answer: ResponseTemplate) -> Outcome {
    let server = MockServer::start().await;
    mount_token(&server, "tok-1", 1).await;
    mount_patch(&server, "complete", json!({}), answer).await;
    let (imweb, _) = connector(&server);
    imweb
        .deliver(&Case::new(Status::Delivered, ORDER_NO).delivery())
        .await
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
    Mock::given(method("GET"))
        .and(path("/v2/auth"))
        .respond_with(body_code(
            -1,
            "KEY api-key-1 / SECRET secret-key-1 NOT FOUND",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let (imweb, _) = connector(&server);
    let outcome = imweb
        .deliver(&Case::new(Status::Paid, ORDER_NO).delivery())
        .await;
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
    let outcome = build(base, deps)
        .deliver(&Case::new(Status::Paid, ORDER_NO).delivery())
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
