//! Fault matrix: what a marketplace (or the network in front of it) can do wrong, and
//! the outcome each must converge to through the whole daemon: `done` once the remote
//! recovers, `retry` while it has not, `auth`/dead letters kept when it never does. In
//! every case the task stays in the outbox until it has an outcome: none is lost.

use crate::channel_payco::{mount_token as mount_payco_token, ok as payco_ok};
use crate::channel_youcan::{GRANT, OK as YOUCAN_OK};
use crate::e2e_support::*;
use crate::faults_tcp::{Behaviour, FaultServer};
use crate::helpers::*;
use futures_util::future::{join_all, FutureExt};
use serde_json::{json, Value};
use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Shorter than the test's slow answers, long enough for a loaded CI machine.
const TIMEOUT: Duration = Duration::from_millis(1500);

const HTML_PAGE: &str = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>\
    <body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";

fn canceled(order_id: &str, channel: &str, remote: &str) -> Value {
    event_with(
        order_id,
        "canceled",
        0,
        json!({ "links": [{ "channel": channel, "order_id": remote }] }),
    )
}

async fn app_with(channel: &str, config: ordersync::config::ChannelConfig) -> TestApp {
    spawn_e2e(vec![(channel, config)], |config| {
        config.delivery.request_timeout = TIMEOUT;
    })
    .await
}

/// `channel` of the order ends `done` after `attempts` attempts, with nothing queued.
async fn converges_done(app: &TestApp, order_id: &str, channel: &str, attempts: u64) -> Value {
    let order = expect_sync(
        app,
        order_id,
        channel,
        ("canceled", "done"),
        "done",
        Value::Null,
        attempts,
    )
    .await;
    assert_outbox_empty(app).await;
    order
}

fn wiz_ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "data": {} }))
}

/// Answers with `fault` for the first `times` calls, then a WizCommerce success.
async fn wiz_failing(fault: ResponseTemplate, times: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .respond_with(fault)
        .up_to_n_times(times)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .respond_with(wiz_ok())
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_5xx_is_retried_until_the_remote_recovers() {
    let server = wiz_failing(ResponseTemplate::new(503), 2).await;
    let app = app_with(WIZ, wiz_channel(&server.uri())).await;
    post_accepted(&app, &canceled("f-5xx", WIZ, "W-1")).await;
    let order = converges_done(&app, "f-5xx", WIZ, 3).await;
    let outcomes: Vec<String> = delivery_history(&order, WIZ)
        .into_iter()
        .map(|(_, o)| o)
        .collect();
    assert_eq!(outcomes, ["retry", "retry", "done"]);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
    app.stop().await;
}

#[tokio::test]
async fn a_5xx_that_never_ends_leaves_a_dead_letter_not_a_lost_task() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(500).set_body_string(HTML_PAGE))
        .mount(&server)
        .await;
    let app = app_with(WIZ, wiz_channel(&server.uri())).await;
    post_accepted(&app, &canceled("f-dead", WIZ, "W-2")).await;
    let order = app.wait_for_channel_state("f-dead", WIZ, "dead").await;
    assert_eq!(order["channels"][WIZ]["attempts"], 3);
    assert_eq!(order["channels"][WIZ]["last_error"]["code"], "http_500");
    let dead = app.deliveries("?state=dead").await;
    assert_eq!(dead.len(), 1, "{dead:#?}");
    assert_eq!(dead[0]["order_id"], "f-dead");
    app.stop().await;
}

#[tokio::test]
async fn a_connection_reset_is_retried() {
    let server = FaultServer::start(vec![Behaviour::Reset, Behaviour::Reset]).await;
    let app = app_with(WIZ, wiz_channel(&server.url())).await;
    post_accepted(&app, &canceled("f-reset", WIZ, "W-3")).await;
    converges_done(&app, "f-reset", WIZ, 3).await;
    assert_eq!(server.requests(), 3, "two resets, then the answer");
    app.stop().await;
}

#[tokio::test]
async fn a_timeout_is_retried() {
    let slow = wiz_ok().set_delay(TIMEOUT * 4);
    let server = wiz_failing(slow, 1).await;
    let app = app_with(WIZ, wiz_channel(&server.uri())).await;
    post_accepted(&app, &canceled("f-timeout", WIZ, "W-4")).await;
    let order = converges_done(&app, "f-timeout", WIZ, 2).await;
    let retry = first_retry(&order);
    assert_eq!(retry["error"]["code"], "timeout", "{retry}");
    app.stop().await;
}

#[tokio::test]
async fn a_body_that_trickles_past_the_timeout_is_retried() {
    // Headers at once, then one byte of the body at a time, slower than the timeout.
    let trickle = Behaviour::Trickle {
        every: TIMEOUT / 2,
        bytes: 40,
    };
    let server = FaultServer::start(vec![trickle]).await;
    let app = app_with(WIZ, wiz_channel(&server.url())).await;
    post_accepted(&app, &canceled("f-trickle", WIZ, "W-5")).await;
    let order = converges_done(&app, "f-trickle", WIZ, 2).await;
    assert_eq!(
        delivery_history(&order, WIZ),
        [(1, "retry".to_string()), (2, "done".to_string())]
    );
    app.stop().await;
}

#[tokio::test]
async fn a_429_waits_for_retry_after_and_does_not_use_up_an_attempt() {
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let seen = arrivals.clone();
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .respond_with(move |_: &wiremock::Request| {
            let mut seen = seen.lock().unwrap();
            seen.push(Instant::now());
            match seen.len() {
                1 => ResponseTemplate::new(429)
                    .insert_header("retry-after", "1")
                    .set_body_json(json!({ "code": "rate_limited", "message": "slow down" })),
                _ => wiz_ok(),
            }
        })
        .mount(&server)
        .await;
    let app = app_with(WIZ, wiz_channel(&server.uri())).await;
    post_accepted(&app, &canceled("f-429", WIZ, "W-6")).await;
    converges_done(&app, "f-429", WIZ, 1).await;
    let arrivals = arrivals.lock().unwrap().clone();
    assert_eq!(arrivals.len(), 2);
    // Behaviour, not speed: the second call must not come before the remote allowed it.
    let apart = arrivals[1] - arrivals[0];
    assert!(
        apart >= Duration::from_millis(900),
        "Retry-After: 1 honoured, calls {apart:?} apart"
    );
    app.stop().await;
}

async fn youcan_server(refresh: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(header("authorization", "Bearer cfg-access"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "status": 401, "detail": "Unauthenticated.", "meta": []
        })))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(header("authorization", "Bearer new-access"))
        .respond_with(ResponseTemplate::new(200).set_body_string(YOUCAN_OK))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(refresh)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_401_refreshes_the_token_and_the_change_goes_through() {
    let server = youcan_server(ResponseTemplate::new(200).set_body_string(GRANT)).await;
    let app = app_with(YOUCAN, youcan_channel(&server.uri(), false)).await;
    post_accepted(&app, &canceled("f-401", YOUCAN, "yc-1")).await;
    converges_done(&app, "f-401", YOUCAN, 1).await;
    let requests = server.received_requests().await.unwrap();
    let refreshes = requests
        .iter()
        .filter(|r| r.url.path() == "/oauth/token")
        .count();
    assert_eq!(refreshes, 1, "one refresh serves every later call");
    let last = requests.last().unwrap();
    assert_eq!(last.headers["authorization"], "Bearer new-access");
    app.stop().await;
}

#[tokio::test]
async fn a_401_whose_refresh_is_refused_holds_the_task_in_auth() {
    let refused = ResponseTemplate::new(400).set_body_json(json!({
        "error": "invalid_grant", "error_description": "The refresh token is invalid."
    }));
    let server = youcan_server(refused).await;
    let app = app_with(YOUCAN, youcan_channel(&server.uri(), false)).await;
    post_accepted(&app, &canceled("f-auth", YOUCAN, "yc-2")).await;
    app.wait_for_channel_state("f-auth", YOUCAN, "auth").await;
    let queued = app.deliveries("").await;
    assert_eq!(
        queued.len(),
        1,
        "the task waits for new credentials: {queued:#?}"
    );
    assert_eq!(queued[0]["state"], "auth");
    let ready = app
        .client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503, "an auth-failed channel is not ready");
    app.stop().await;
}

/// A PAYCO status call answered once with a 200 whose body is not PAYCO's JSON, then
/// with PAYCO's success.
struct PaycoCase {
    name: &'static str,
    order_id: &'static str,
    imp_uid: &'static str,
    content_type: &'static str,
    body: &'static str,
    /// What the order shows at the end: attempts, and (attempt, outcome) per delivery.
    attempts: u64,
    history: &'static [(u64, &'static str)],
}

async fn run_payco_case(case: &PaycoCase) {
    let server = MockServer::start().await;
    mount_payco_token(&server, "tok-1", 1).await;
    let status_path = format!("/payco/orders/status/{}", case.imp_uid);
    Mock::given(method("POST"))
        .and(path(status_path.clone()))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", case.content_type)
                .set_body_string(case.body),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(status_path))
        .respond_with(payco_ok("CANCELED"))
        .mount(&server)
        .await;
    let app = app_with(PAYCO, payco_channel(&server.uri())).await;
    post_accepted(&app, &canceled(case.order_id, PAYCO, case.imp_uid)).await;
    let order = converges_done(&app, case.order_id, PAYCO, case.attempts).await;
    let history = delivery_history(&order, PAYCO);
    let history: Vec<(u64, &str)> = history.iter().map(|(n, o)| (*n, o.as_str())).collect();
    assert_eq!(history, case.history);
    app.stop().await;
}

/// PAYCO's answer carries its own result code: a 200 whose body is cut off, or an
/// HTML page, says nothing about the change, so it is retried, never taken as done.
#[tokio::test]
async fn a_payco_200_without_its_json_is_retried_not_taken_as_success() {
    let retried_then_done: &[(u64, &str)] = &[(1, "retry"), (2, "done")];
    let cases = [
        PaycoCase {
            name: "malformed JSON",
            order_id: "f-json",
            imp_uid: "imp_1",
            content_type: "application/json",
            body: r#"{"code":0,"message":null,"respo"#,
            attempts: 2,
            history: retried_then_done,
        },
        PaycoCase {
            name: "HTML page",
            order_id: "f-html200",
            imp_uid: "imp_2",
            content_type: "text/html",
            body: HTML_PAGE,
            attempts: 2,
            history: retried_then_done,
        },
    ];
    let runs = cases.iter().map(|case| async move {
        let run = AssertUnwindSafe(run_payco_case(case)).catch_unwind().await;
        run.err()
            .map(|panic| format!("case `{}`: {}", case.name, panic_text(&*panic)))
    });
    let failed: Vec<String> = join_all(runs).await.into_iter().flatten().collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// The message of a caught panic.
fn panic_text(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)")
}

#[tokio::test]
async fn an_html_error_page_is_retried_with_its_text_shown() {
    let page = ResponseTemplate::new(502)
        .insert_header("content-type", "text/html")
        .set_body_string(HTML_PAGE);
    let server = wiz_failing(page, 1).await;
    let app = app_with(WIZ, wiz_channel(&server.uri())).await;
    post_accepted(&app, &canceled("f-html", WIZ, "W-7")).await;
    let order = converges_done(&app, "f-html", WIZ, 2).await;
    let retry = first_retry(&order);
    assert_eq!(retry["error"]["code"], "http_502");
    let message = retry["error"]["message"].as_str().unwrap();
    assert!(message.contains("502 Bad Gateway"), "{message}");
    app.stop().await;
}

/// The order's first delivery attempt that ended in `retry`.
fn first_retry(order: &Value) -> Value {
    order["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["kind"] == "delivery" && h["outcome"] == "retry")
        .cloned()
        .unwrap_or_else(|| panic!("no retry in {order:#}"))
}
