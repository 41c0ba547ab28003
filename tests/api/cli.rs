//! The client commands of the real binary against a daemon running in-process, found
//! through a config file holding the daemon's actual port and admin token.

use crate::helpers::{
    channel_name, event, spawn_app_with, wiz_channel, TestApp, ADMIN_TOKEN, SECRET,
};
use ordersync::domain::ChannelKind;
use ordersync::sim::{self, Sims};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Output;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

async fn ordersync(args: &[&str]) -> Run {
    let output: Output = tokio::process::Command::new(env!("CARGO_BIN_EXE_ordersync"))
        .args(args)
        .env_remove("ORDERSYNC_CONFIG")
        .env_remove("RUST_LOG")
        .output()
        .await
        .expect("the binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `ordersync ARGS -c CONFIG`, expected to succeed.
async fn ok(config: &Path, args: &[&str]) -> String {
    let run = with_config(config, args).await;
    assert_eq!(run.code, 0, "{args:?} failed: {}", run.stderr);
    run.stdout
}

async fn with_config(config: &Path, args: &[&str]) -> Run {
    let mut all = args.to_vec();
    all.extend(["-c", config.to_str().unwrap()]);
    ordersync(&all).await
}

fn port(app: &TestApp) -> u16 {
    app.address.rsplit(':').next().unwrap().parse().unwrap()
}

/// A port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The config file the client commands read: the daemon's address and token.
fn client_config(dir: &Path, port: u16, token: &str) -> PathBuf {
    let path = dir.join("config.toml");
    let text = format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\n[store]\npath = \"store\"\n\
         [admin]\ntoken = \"{token}\"\n[sources.primary]\nkind = \"standard\"\nsecret = \"{SECRET}\"\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// A daemon with `wiz` on the WizCommerce sim and `wiz-down` on a closed port, plus the
/// client config file for it.
async fn daemon() -> (TestApp, Sims, PathBuf) {
    let sims = sim::start_all().await.unwrap();
    let wiz = sims.channel_config(ChannelKind::Wizcommerce);
    let down = wiz_channel(&format!("http://127.0.0.1:{}", closed_port()));
    let app = spawn_app_with(|config| {
        config.channels.insert(channel_name("wiz"), wiz);
        config.channels.insert(channel_name("wiz-down"), down);
    })
    .await;
    let config = client_config(app.store_dir.path(), port(&app), ADMIN_TOKEN);
    (app, sims, config)
}

fn paid(order_id: &str, links: Value) -> Value {
    let mut body = event(order_id, "paid", 1);
    body["data"]["items"] = json!([{ "id": "L1", "status": "paid" }]);
    body["data"]["links"] = links;
    body
}

#[tokio::test]
async fn orders_show_and_list() {
    let (app, sims, config) = daemon().await;
    sims.wiz.seed("w-1001");
    let links = json!([{ "channel": "wiz", "order_id": "w-1001" }]);
    let (status, _, _) = app.post_event(&paid("1001", links)).await;
    assert_eq!(status, 202);
    app.wait_for_channel_state("1001", "wiz", "done").await;

    let table = ok(&config, &["orders", "show", "1001"]).await;
    assert!(table.contains("order 1001  status paid"), "{table}");
    let wiz_row = table.lines().find(|l| l.starts_with("wiz ")).unwrap();
    assert!(
        wiz_row.contains("w-1001") && wiz_row.contains("done"),
        "{table}"
    );
    assert!(table.contains("wiz paid attempt 1: done"), "{table}");

    let json: Value =
        serde_json::from_str(&ok(&config, &["orders", "show", "1001", "--json"]).await).unwrap();
    assert_eq!(json["order_id"], "1001");
    assert_eq!(json["channels"]["wiz"]["state"], "done");
    assert_eq!(sims.wiz.status("w-1001"), Some("confirmed"));

    let list = ok(&config, &["orders", "list"]).await;
    let row = list.lines().find(|l| l.starts_with("1001 ")).unwrap();
    assert!(row.contains("paid"), "{list}");
    assert!(list.starts_with("ORDER"), "{list}");

    let missing = with_config(&config, &["orders", "show", "9999"]).await;
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("unknown_order"),
        "{}",
        missing.stderr
    );
    app.stop().await;
}

#[tokio::test]
async fn links_add_with_item_mapping() {
    let (app, sims, config) = daemon().await;
    sims.wiz.seed("w-1002");
    assert_eq!(app.post_event(&paid("1002", json!([]))).await.0, 202);

    let added = ok(
        &config,
        &["links", "add", "1002", "wiz", "w-1002", "--item", "L1=R1"],
    )
    .await;
    assert!(added.contains("order 1002"), "{added}");
    let row = added.lines().find(|l| l.starts_with("wiz ")).unwrap();
    assert!(row.contains("w-1002"), "{added}");
    let order = app.wait_for_channel_state("1002", "wiz", "done").await;
    assert_eq!(order["links"][0]["items"], json!({ "L1": "R1" }));
    assert_eq!(sims.wiz.status("w-1002"), Some("confirmed"));

    let unknown = with_config(&config, &["links", "add", "1002", "nope", "X"]).await;
    assert_eq!(unknown.code, 1);
    assert!(
        unknown.stderr.contains("unknown_channel"),
        "{}",
        unknown.stderr
    );
    let malformed = with_config(
        &config,
        &["links", "add", "1002", "wiz", "X", "--item", "L1"],
    )
    .await;
    assert_eq!(malformed.code, 1);
    assert!(
        malformed.stderr.contains("expected LINE=REMOTE_LINE"),
        "{}",
        malformed.stderr
    );
    app.stop().await;
}

#[tokio::test]
async fn deliveries_list_and_retry() {
    let (app, _sims, config) = daemon().await;
    let links = json!([{ "channel": "wiz-down", "order_id": "w-1003" }]);
    assert_eq!(app.post_event(&paid("1003", links)).await.0, 202);
    app.wait_for_channel_state("1003", "wiz-down", "dead").await;

    let dead = ok(&config, &["deliveries", "list", "--state", "dead"]).await;
    let row = dead
        .lines()
        .find(|l| l.contains(" 1003 "))
        .expect("a dead letter row");
    assert!(row.contains("wiz-down") && row.contains("dead"), "{dead}");
    assert!(row.contains("network"), "the last error is shown: {dead}");
    let listed: Value =
        serde_json::from_str(&ok(&config, &["deliveries", "list", "--json"]).await).unwrap();
    let id = listed["deliveries"][0]["id"].as_u64().unwrap().to_string();

    let retried = ok(&config, &["deliveries", "retry", &id]).await;
    assert_eq!(retried.trim(), "requeued 1 delivery");
    app.wait_for_order("1003", "a second round of attempts", |o| {
        o["channels"]["wiz-down"]["state"] == "dead"
            && o["history"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h["kind"] == "requeued")
    })
    .await;
    let all = ok(&config, &["deliveries", "retry", "--all-dead"]).await;
    assert_eq!(all.trim(), "requeued 1 delivery");

    let bad = with_config(&config, &["deliveries", "list", "--state", "bogus"]).await;
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("unknown state"), "{}", bad.stderr);
    app.stop().await;
}

/// The value of `name: value` in `sign`'s output.
fn header<'a>(printed: &'a str, name: &str) -> &'a str {
    printed
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        .unwrap_or_else(|| panic!("no {name} in {printed}"))
}

#[tokio::test]
async fn sign_prints_headers_the_daemon_accepts() {
    let app = spawn_app_with(|_| {}).await;
    let config = client_config(app.store_dir.path(), port(&app), ADMIN_TOKEN);
    let file = app.store_dir.path().join("event.json");
    let body = serde_json::to_vec(&event("1004", "paid", 1)).unwrap();
    std::fs::write(&file, &body).unwrap();

    let printed = ok(&config, &["sign", "-s", "primary", file.to_str().unwrap()]).await;
    let url = format!("{}/webhooks/primary", app.address);
    assert!(
        printed.contains(&format!("curl -sS -X POST {url}")),
        "{printed}"
    );
    let response = app
        .client
        .post(&url)
        .header("content-type", "application/json")
        .header("webhook-id", header(&printed, "webhook-id"))
        .header("webhook-timestamp", header(&printed, "webhook-timestamp"))
        .header("webhook-signature", header(&printed, "webhook-signature"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    assert_eq!(response.json::<Value>().await.unwrap()["order_id"], "1004");

    let unknown = with_config(&config, &["sign", "-s", "nope", file.to_str().unwrap()]).await;
    assert_eq!(unknown.code, 1);
    assert!(
        unknown.stderr.contains("no [sources.nope]"),
        "{}",
        unknown.stderr
    );
    app.stop().await;
}

#[tokio::test]
async fn check_config_summarises_or_lists_every_problem() {
    let dir = tempfile::tempdir().unwrap();
    let good = client_config(dir.path(), 8080, "t");
    let run = ordersync(&["check-config", good.to_str().unwrap()]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("config.toml: OK"), "{}", run.stdout);
    assert!(
        run.stdout.contains("primary: standard, 1 secret"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains(SECRET), "the summary holds no secret");

    let bad = dir.path().join("bad.toml");
    let text = "[server]\nlisten = \"nowhere\"\n[delivery]\nconcurrency = 0\n\
                [channels.wiz]\nkind = \"wizcommerce\"\n";
    std::fs::write(&bad, text).unwrap();
    let run = with_config(&bad, &["check-config"]).await;
    assert_eq!(run.code, 2, "{}", run.stdout);
    let problems: Vec<&str> = run.stderr.lines().skip(1).collect();
    assert_eq!(problems.len(), 3, "{}", run.stderr);
    for key in [
        "server.listen",
        "delivery.concurrency",
        "channels.wiz.api_key",
    ] {
        assert!(
            problems.iter().any(|p| p.starts_with(&format!("{key}: "))),
            "{key} missing from {}",
            run.stderr
        );
    }
}

#[tokio::test]
async fn a_missing_daemon_or_a_wrong_token_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let port = closed_port();
    let nowhere = client_config(dir.path(), port, ADMIN_TOKEN);
    let down = with_config(&nowhere, &["orders", "list"]).await;
    assert_eq!(down.code, 1);
    let expected = format!("the daemon is not running at http://127.0.0.1:{port}");
    assert!(down.stderr.contains(&expected), "{}", down.stderr);
    assert!(down.stderr.contains("ordersync serve"), "{}", down.stderr);
    assert!(down.stdout.is_empty());

    let app = spawn_app_with(|_| {}).await;
    let wrong = client_config(dir.path(), self::port(&app), "not-the-token");
    let refused = with_config(&wrong, &["deliveries", "list"]).await;
    assert_eq!(refused.code, 1);
    assert!(
        refused
            .stderr
            .contains("the daemon refused the admin token"),
        "{}",
        refused.stderr
    );
    assert!(
        !refused.stderr.contains("not-the-token"),
        "the token is not echoed"
    );
    app.stop().await;
}

/// `ordersync check-config | head -0`: the reader is gone before anything is printed. The
/// command ends by SIGPIPE, as `ls | head` does, and does not panic.
#[test]
fn a_closed_stdout_ends_a_client_command_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let config = client_config(dir.path(), closed_port(), ADMIN_TOKEN);
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ordersync"))
        .args(["check-config", config.to_str().unwrap()])
        .env_remove("RUST_LOG")
        .stdout(writer)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.signal(), Some(libc::SIGPIPE), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
