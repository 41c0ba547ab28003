//! What the daemon logs, read from the real binary's stderr: JSON lines with the fields
//! operators filter on, `RUST_LOG` over `log.level`, and not one secret or token in any
//! line, through a full flow with deliveries, a refused key and a refused token.
//!
//! The binary rather than an in-process subscriber: a global subscriber can be set once
//! per test process, a scoped one does not follow actix's worker threads, and only the
//! binary runs the exact subscriber, config loading and credential files of production.

use crate::binary::Process;
use crate::daemon::free_port;
use crate::helpers::{event, now_secs, sign, SECRET};
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ADMIN_TOKEN: &str = "adm-7Qx2c9-log-test";
const WIZ_KEY: &str = "wiz-key-5f1c2d9e";
const IMP_KEY: &str = "imp-key-83kd02";
const IMP_SECRET: &str = "imp-secret-Lq81vZ";
const PAYCO_TOKEN: &str = "payco-token-Zr81Xy";
const WRONG_ADMIN_TOKEN: &str = "wrong-admin-Hq93";

fn write_config(dir: &Path, port: u16, marketplace: &str) -> std::path::PathBuf {
    // The same shape as in production: secrets in files, as LoadCredential= leaves them.
    let credentials = dir.join("credentials");
    std::fs::create_dir(&credentials).unwrap();
    for (name, value) in [
        ("admin-token", ADMIN_TOKEN),
        ("primary-secret", SECRET),
        ("wizcommerce-api-key", WIZ_KEY),
        ("portone-imp-key", IMP_KEY),
        ("portone-imp-secret", IMP_SECRET),
    ] {
        std::fs::write(credentials.join(name), format!("{value}\n")).unwrap();
    }
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
level = "warn"
format = "json"

[admin]
token_file = "credentials/admin-token"

[delivery]
schedule = ["0s", "100ms", "200ms"]

[sources.primary]
kind = "standard"
secret_file = "credentials/primary-secret"

[channels.wiz]
kind = "wizcommerce"
base_url = "{marketplace}"
api_key_file = "credentials/wizcommerce-api-key"

[channels.payco]
kind = "portone_payco"
base_url = "{marketplace}"
imp_key_file = "credentials/portone-imp-key"
imp_secret_file = "credentials/portone-imp-secret"
"#
    );
    std::fs::write(&config, text).unwrap();
    config
}

async fn marketplace() -> MockServer {
    let mock = MockServer::start().await;
    let answer = |status: u16, body: Value| ResponseTemplate::new(status).set_body_json(body);
    let wiz_ok = answer(200, json!({"data": {}}));
    let refused = json!({"code": "UNAUTHORIZED", "message": format!("bad key {WIZ_KEY}")});
    let token = json!({"code": 0, "message": null, "response": {"access_token": PAYCO_TOKEN,
        "now": 1_700_000_000, "expired_at": 1_700_001_800}});
    // The refresh is refused with a message that quotes our credentials back.
    let token_refused = json!({"code": -1, "response": null,
        "message": format!("imp_key {IMP_KEY} / imp_secret {IMP_SECRET} rejected")});
    let status_refused = json!({"code": -1, "message": format!("token {PAYCO_TOKEN} expired")});
    for (verb, route, response, priority) in [
        ("PATCH", "/v1/orders/W-ok/status", wiz_ok, 5),
        ("PATCH", "/v1/orders/W-401/status", answer(401, refused), 5),
        ("POST", "/users/getToken", answer(200, token), 1),
        ("POST", "/users/getToken", answer(401, token_refused), 5),
        (
            "POST",
            "/payco/orders/status/imp_3003",
            answer(401, status_refused),
            5,
        ),
    ] {
        let mock_for = Mock::given(method(verb)).and(path(route));
        let mock_for = if priority == 1 {
            mock_for.respond_with(response).up_to_n_times(1)
        } else {
            mock_for.respond_with(response)
        };
        mock_for.with_priority(priority).mount(&mock).await;
    }
    mock
}

struct Client {
    http: reqwest::Client,
    address: String,
    signatures: Vec<String>,
}

impl Client {
    async fn post(&mut self, body: &Value) -> u16 {
        let bytes = serde_json::to_vec(body).unwrap();
        let (id, ts) = (format!("msg_log_{}", self.signatures.len()), now_secs());
        let signature = sign(SECRET, &id, ts, &bytes);
        self.signatures.push(signature.clone());
        let response = self
            .http
            .post(format!("{}/webhooks/primary", self.address))
            .header("webhook-id", id)
            .header("webhook-timestamp", ts.to_string())
            .header("webhook-signature", signature)
            .body(bytes)
            .send()
            .await
            .unwrap();
        response.status().as_u16()
    }

    async fn order(&self, order_id: &str, token: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{}/admin/orders/{order_id}", self.address))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn wait_for(&self, order_id: &str, channel: &str, state: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let (_, order) = self.order(order_id, ADMIN_TOKEN).await;
            if order["channels"][channel]["state"] == state {
                return;
            }
            assert!(Instant::now() < deadline, "{order_id} {channel}: {order:#}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

fn linked(order_id: &str, status: &str, channel: &str, remote: &str) -> Value {
    let mut body = event(order_id, status, 0);
    body["data"]["links"] = json!([{ "channel": channel, "order_id": remote }]);
    body["data"]["shipment"] = json!({ "carrier": "cj", "tracking_number": "6123" });
    body
}

/// The JSON lines whose `message` is `message`.
fn lines_saying<'a>(lines: &'a [Value], message: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["message"] == message).collect()
}

#[tokio::test]
async fn json_lines_carry_ids_and_never_a_secret() {
    let mock = marketplace().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = write_config(dir.path(), port, &mock.uri());
    // `log.level = "warn"` in the file; RUST_LOG wins, at the most verbose level.
    let mut daemon = Process::start(&config, port, &[("RUST_LOG", "trace".as_ref())]);
    daemon.wait_until_serving().await;
    let mut client = Client {
        http: reqwest::Client::new(),
        address: daemon.address.clone(),
        signatures: Vec::new(),
    };
    assert_eq!(
        client.post(&linked("3001", "paid", "wiz", "W-ok")).await,
        202
    );
    assert_eq!(
        client.post(&linked("3002", "paid", "wiz", "W-401")).await,
        202
    );
    let payco = linked("3003", "dispatched", "payco", "imp_3003");
    assert_eq!(client.post(&payco).await, 202);
    assert_eq!(client.order("3001", WRONG_ADMIN_TOKEN).await.0, 401);
    client.wait_for("3001", "wiz", "done").await;
    client.wait_for("3002", "wiz", "auth").await;
    client.wait_for("3003", "payco", "auth").await;
    let (_, refused) = client.order("3002", ADMIN_TOKEN).await;
    let error = &refused["channels"]["wiz"]["last_error"];
    assert_eq!(error["message"], "bad key [redacted]", "{refused:#}");
    let forged = client
        .http
        .post(format!("{}/webhooks/primary", client.address))
        .header("webhook-id", "msg_forged")
        .header("webhook-timestamp", now_secs().to_string())
        .header("webhook-signature", "v1,Zm9yZ2Vk")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    daemon.sigterm();
    assert_eq!(
        daemon.exit_status(Duration::from_secs(15)).await.code(),
        Some(0)
    );

    let log = daemon.log();
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(lines.len() > 20, "{log}");
    for line in &lines {
        assert!(
            line["timestamp"].is_string() && line["level"].is_string(),
            "{line}"
        );
        assert_ne!(
            line["target"], "log",
            "records of the log crate keep their target"
        );
    }
    assert!(lines
        .iter()
        .any(|l| l["target"].as_str().unwrap().starts_with("sled::")));
    let accepted = lines_saying(&lines, "event accepted");
    assert_eq!(accepted.len(), 3, "{log}");
    assert!(accepted
        .iter()
        .all(|l| l["event_id"].as_str().unwrap().starts_with("msg_log_")));
    assert_eq!(accepted[0]["order_id"], "3001");
    assert_eq!(accepted[0]["source"], "primary", "from the handler's span");
    let finished = lines_saying(&lines, "delivery finished");
    assert!(
        finished
            .iter()
            .any(|l| l["order_id"] == "3001" && l["channel"] == "wiz"),
        "order and channel come from the delivery span: {finished:?}"
    );
    let refusing = lines_saying(&lines, "channel refuses our credentials");
    let channels: Vec<_> = refusing
        .iter()
        .map(|l| l["channel"].as_str().unwrap())
        .collect();
    assert!(
        channels.contains(&"wiz") && channels.contains(&"payco"),
        "{refusing:?}"
    );

    let base64_key = SECRET.strip_prefix("whsec_").unwrap();
    let mut secrets = vec![SECRET, base64_key, ADMIN_TOKEN, WRONG_ADMIN_TOKEN];
    secrets.extend([WIZ_KEY, IMP_KEY, IMP_SECRET, PAYCO_TOKEN]);
    secrets.extend(client.signatures.iter().map(String::as_str));
    for secret in secrets {
        let leaks: Vec<&str> = log.lines().filter(|l| l.contains(secret)).collect();
        assert!(
            leaks.is_empty(),
            "{secret:?} is logged:\n{}",
            leaks.join("\n")
        );
    }
}
