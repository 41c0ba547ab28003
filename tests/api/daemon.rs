//! The real `ordersync` binary as a child process, for crash tests: start it on a
//! config file, wait until it serves, kill -9 it, start it again on the same store.

use crate::helpers::{now_secs, sign, SECRET};
use serde_json::Value;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Daemon {
    child: Child,
    pub address: String,
}

/// A free loopback port (the daemon binds it right after; tests run on one machine).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Signs and posts `body` as event `id` from the `primary` source; the answer's status,
/// or 0 when there was none (the daemon was killed meanwhile).
pub async fn post(client: &reqwest::Client, address: &str, id: &str, body: &Value) -> u16 {
    let bytes = serde_json::to_vec(body).unwrap();
    let ts = now_secs();
    client
        .post(format!("{address}/webhooks/primary"))
        .header("webhook-id", id)
        .header("webhook-timestamp", ts.to_string())
        .header("webhook-signature", sign(SECRET, id, ts, &bytes))
        .body(bytes)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

pub fn write_config(dir: &Path, port: u16, extra: &str) -> PathBuf {
    let path = dir.join("config.toml");
    let text = format!(
        r#"
[server]
listen = "127.0.0.1:{port}"
shutdown_grace = "2s"

[store]
path = "store"
durability = "fsync"

[log]
level = "warn"

[admin]
token = "{admin}"

[sources.primary]
kind = "standard"
secret = "{secret}"

{extra}
"#,
        admin = crate::helpers::ADMIN_TOKEN,
        secret = crate::helpers::SECRET,
    );
    std::fs::write(&path, text).unwrap();
    path
}

impl Daemon {
    pub async fn start(config: &Path, port: u16) -> Daemon {
        let child = Command::new(env!("CARGO_BIN_EXE_ordersync"))
            .args(["serve", "-c"])
            .arg(config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let address = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(response) = client.get(format!("{address}/healthz")).send().await {
                if response.status().is_success() {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "the daemon did not come up");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Daemon { child, address }
    }

    /// SIGKILL: no shutdown code runs.
    pub fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
