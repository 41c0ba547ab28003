//! imweb shop API v2: `PATCH /v2/shop/orders/{order_no}/{status}`, one call per affected
//! `prod_order_no` for item-level changes, under an `access-token` from `GET /v2/auth`.

pub mod classify;
pub mod plan;

#[cfg(test)]
mod tests;

pub use classify::{classify, classify_token, Scope};
pub use plan::{plan, Call, ImwebOptions, FALLBACK_PARCEL_CODE};

use super::auth::{CachedToken, TokenCache};
use super::http::HttpRequest;
use super::{redact, Channel, ConnectorDeps, Delivery};
use crate::domain::{ChannelKind, ChannelName, Outcome, Timestamp};
use crate::secret::Secret;
use async_trait::async_trait;
use reqwest::Method;
use std::time::SystemTime;

pub struct Imweb {
    name: ChannelName,
    base_url: String,
    api_key: Secret,
    secret_key: Secret,
    options: ImwebOptions,
    deps: ConnectorDeps,
    token: TokenCache,
}

impl Imweb {
    pub fn new(
        name: ChannelName,
        base_url: String,
        api_key: Secret,
        secret_key: Secret,
        options: ImwebOptions,
        deps: ConnectorDeps,
    ) -> Self {
        Self {
            name,
            base_url,
            api_key,
            secret_key,
            options,
            deps,
            token: TokenCache::default(),
        }
    }

    fn secrets<'a>(&'a self, token: Option<&'a Secret>) -> Vec<&'a Secret> {
        let mut all = vec![&self.api_key, &self.secret_key];
        all.extend(token);
        all
    }

    /// The credentials travel in the query string, so this URL must never be logged or
    /// put in an error (`ChannelHttp` strips URLs from transport errors).
    async fn fetch_token(&self) -> Result<CachedToken, Outcome> {
        let query = serde_urlencoded::to_string([
            ("key", self.api_key.expose()),
            ("secret", self.secret_key.expose()),
        ])
        .unwrap_or_default();
        let request = HttpRequest::new(Method::GET, format!("{}/v2/auth?{query}", self.base_url))
            .header("Accept", "application/json");
        let answer = match self.deps.http.send(&request).await {
            Ok(response) => classify_token(&response, SystemTime::now()),
            Err(error) => Err(error.into_outcome()),
        };
        match answer {
            Ok(token) => {
                self.deps.stats.count_token_refresh();
                tracing::info!("fetched a new imweb access token");
                Ok(token)
            }
            Err(outcome) => Err(redact::scrub(outcome, &self.secrets(None))),
        }
    }

    /// Sends one call; a refused token (`-2` or HTTP 401) is dropped, replaced and the
    /// call repeated once.
    async fn send(&self, call: &Call) -> Outcome {
        let scope = Scope {
            order_no: &call.order_no,
            prod_order_no: call.prod_order_no.as_deref(),
        };
        let mut refreshed = false;
        loop {
            let now = Timestamp::from_datetime(time::OffsetDateTime::now_utc());
            let token = match self.token.get(now, || self.fetch_token()).await {
                Ok(token) => token,
                Err(outcome) => return outcome,
            };
            let request = HttpRequest::new(Method::PATCH, call.url.as_str())
                .header("access-token", token.expose())
                .header("Accept", "application/json")
                .json(call.body.clone());
            let outcome = match self.deps.http.send(&request).await {
                Ok(response) => classify(&response, scope, SystemTime::now()),
                Err(error) => error.into_outcome(),
            };
            let outcome = redact::scrub(outcome, &self.secrets(Some(&token)));
            match outcome {
                Outcome::Auth(_) if !refreshed => {
                    tracing::info!("imweb refused the access token; fetching a new one");
                    self.token.invalidate(&token).await;
                    refreshed = true;
                }
                outcome => return outcome,
            }
        }
    }
}

#[async_trait]
impl Channel for Imweb {
    fn name(&self) -> &ChannelName {
        &self.name
    }

    fn kind(&self) -> ChannelKind {
        ChannelKind::Imweb
    }

    #[tracing::instrument(skip_all, fields(channel = %self.name, order_id = %delivery.order.order_id, task = delivery.task_id))]
    async fn deliver(&self, delivery: &Delivery<'_>) -> Outcome {
        let calls = match plan(delivery, &self.base_url, &self.options) {
            Ok(calls) => calls,
            Err(outcome) => return outcome,
        };
        // In order, stopping at the first call that did not go through: the task is
        // retried or recorded as a whole, and imweb applies each item call on its own.
        for call in &calls {
            if let Some(carrier) = &call.unmapped_carrier {
                tracing::warn!(carrier = %carrier, "carrier has no imweb parcel_code; sending ETC");
                self.deps.stats.count_unmapped_carrier(carrier);
            }
            let outcome = self.send(call).await;
            if !outcome.is_success() {
                return outcome;
            }
        }
        Outcome::Done
    }
}
