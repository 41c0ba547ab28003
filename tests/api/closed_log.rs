//! A daemon whose log can no longer be written (the reader of its stderr is gone) keeps
//! answering, delivering and stops cleanly on SIGTERM: a log line that cannot be written
//! is dropped, never a reason to fail. (tracing-subscriber reports a failed write with
//! `eprintln!`, which panics on a closed stderr: every request, delivery and the SIGTERM
//! handler that logged died with it, and the daemon never stopped.)

use crate::binary::Process;
use crate::daemon::free_port;
use crate::helpers::{event, now_secs, sign, SECRET};
use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn write_config(dir: &Path, port: u16, marketplace: &str) -> std::path::PathBuf {
    let config = dir.join("config.toml");
    let text = format!(
        r#"
[server]
listen = "127.0.0.1:{port}"
shutdown_grace = "2s"

[store]
path = "store"
durability = "flush"

[log]
level = "debug"

[sources.primary]
kind = "standard"
secret = "{SECRET}"

[channels.wiz]
kind = "wizcommerce"
base_url = "{marketplace}"
api_key = "wiz-key-closed-log"
"#
    );
    std::fs::write(&config, text).unwrap();
    config
}

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
    let config = write_config(dir.path(), port, &marketplace.uri());
    let mut daemon = Process::start_with_closed_log(&config, port);
    daemon.wait_until_serving().await;

    let mut body = event("5001", "paid", 0);
    body["data"]["links"] = json!([{ "channel": "wiz", "order_id": "W-1" }]);
    let bytes = serde_json::to_vec(&body).unwrap();
    let (id, ts) = ("msg_closed_log_1", now_secs());
    let response = reqwest::Client::new()
        .post(format!("{}/webhooks/primary", daemon.address))
        .header("webhook-id", id)
        .header("webhook-timestamp", ts.to_string())
        .header("webhook-signature", sign(SECRET, id, ts, &bytes))
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 202);

    let deadline = Instant::now() + Duration::from_secs(15);
    while marketplace.received_requests().await.unwrap().is_empty() {
        assert!(Instant::now() < deadline, "the delivery never arrived");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    daemon.sigterm();
    let status = daemon.exit_status(Duration::from_secs(15)).await;
    assert!(status.success(), "{status:?}");
}
