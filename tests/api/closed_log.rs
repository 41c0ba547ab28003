//! A daemon whose log can no longer be written (the reader of its stderr is gone) keeps
//! answering, delivering and stops cleanly on SIGTERM: a log line that cannot be written
//! is dropped, never a reason to fail. (tracing-subscriber reports a failed write with
//! `eprintln!`, which panics on a closed stderr: every request, delivery and the SIGTERM
//! handler that logged died with it, and the daemon never stopped.)

use crate::binary::Process;
use crate::daemon::{free_port, post, write_config};
use crate::helpers::event;
use serde_json::json;
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn a_closed_log_changes_nothing_and_sigterm_still_stops_the_daemon() {
    let marketplace = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/v1/orders/W-1/status"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {}})))
        .expect(1)
        .mount(&marketplace)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let wiz = format!(
        "[channels.wiz]\nkind = \"wizcommerce\"\nbase_url = \"{}\"\napi_key = \"wiz-key\"",
        marketplace.uri()
    );
    let config = write_config(dir.path(), port, &wiz);
    // Every request and delivery logs at debug: each line is a failed write.
    let mut daemon =
        Process::start_with_closed_log(&config, port, &[("RUST_LOG", "debug".as_ref())]);
    daemon.wait_until_serving().await;

    let mut body = event("5001", "paid", 0);
    body["data"]["links"] = json!([{ "channel": "wiz", "order_id": "W-1" }]);
    let client = reqwest::Client::new();
    assert_eq!(
        post(&client, &daemon.address, "msg_closed_log_1", &body).await,
        202
    );

    let deadline = Instant::now() + Duration::from_secs(15);
    while marketplace.received_requests().await.unwrap().is_empty() {
        assert!(Instant::now() < deadline, "the delivery never arrived");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    daemon.sigterm();
    let status = daemon.exit_status(Duration::from_secs(15)).await;
    assert!(status.success(), "{status:?}");
}
