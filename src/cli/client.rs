//! The admin API client the CLI commands use: same config as the daemon
//! (`server.listen`, `admin.token`), clear errors when the daemon is not there.

use crate::config::Config;
use anyhow::{anyhow, bail, Context};
use serde_json::Value;
use std::net::SocketAddr;

pub struct AdminClient {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl AdminClient {
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let token = config.admin.token.as_ref().ok_or_else(|| {
            anyhow!(
                "no admin token in the config ([admin] token or token_file): the admin API is off"
            )
        })?;
        Ok(Self {
            base: format!("http://{}", reachable(config.server.listen)),
            token: token.expose().to_string(),
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .build()
                .context("building the HTTP client")?,
        })
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<Value> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|error| {
            if error.is_connect() {
                anyhow!("the daemon is not running at {} (connection refused); start it with `ordersync serve`", self.base)
            } else {
                anyhow!("the daemon at {} did not answer: {}", self.base, error.without_url())
            }
        })?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status.as_u16() == 401 {
            bail!("the daemon refused the admin token: check [admin] token in the config it runs with");
        }
        if !status.is_success() {
            let code = body["error"].as_str().unwrap_or("error");
            let message = body["message"].as_str().unwrap_or("");
            bail!("{code}: {message} (HTTP {})", status.as_u16());
        }
        Ok(body)
    }
}

/// A wildcard listen address is reached on loopback.
fn reachable(listen: SocketAddr) -> SocketAddr {
    match listen {
        SocketAddr::V4(v4) if v4.ip().is_unspecified() => {
            SocketAddr::from(([127, 0, 0, 1], v4.port()))
        }
        SocketAddr::V6(v6) if v6.ip().is_unspecified() => {
            SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, v6.port()))
        }
        other => other,
    }
}
