//! YouCan store admin API: three status contexts (general, shipping, payment), each a
//! `PUT` with `{"status": <slug>}`, plus `PUT /orders/{id}/fulfill` for tracking.
//! Bearer tokens, refreshed through `/oauth/token` when refresh credentials are set.
//!
//! YouCan turns an unknown slug into a new status label instead of refusing it, so the
//! slugs are a closed enum here: nothing else can be sent.

mod classify;
mod plan;

pub use classify::{classify, classify_refresh};
pub use plan::{plan, slugs, Call, CallKind, Slug};

use super::http::HttpRequest;
use super::oauth::{OAuthSession, RefreshClient, SessionParts};
use super::{Channel, ConnectorDeps, Delivery};
use crate::domain::{ChannelKind, ChannelName, Outcome};
use crate::secret::Secret;
use async_trait::async_trait;
use reqwest::Method;
use std::time::SystemTime;

/// A YouCan channel's settings (`[channels.NAME]` with `kind = "youcan"`).
#[derive(Clone)]
pub struct YoucanConfig {
    pub access_token: Secret,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub refresh_token: Option<Secret>,
    pub tracking_via_fulfill: bool,
}

pub struct Youcan {
    name: ChannelName,
    base_url: String,
    tracking_via_fulfill: bool,
    session: OAuthSession,
}

impl Youcan {
    pub fn new(
        name: ChannelName,
        base_url: String,
        config: YoucanConfig,
        deps: ConnectorDeps,
    ) -> Self {
        let client = match (config.client_id, config.client_secret) {
            (Some(client_id), Some(client_secret)) => Some(RefreshClient {
                token_url: format!("{base_url}/oauth/token"),
                client_id,
                client_secret,
                extra_form: Vec::new(),
            }),
            _ => None,
        };
        let session = OAuthSession::new(SessionParts {
            channel: name.clone(),
            http: deps.http,
            store: deps.tokens,
            stats: deps.stats,
            config_access_token: Some(config.access_token),
            config_refresh_token: config.refresh_token,
            client,
            classify_refusal: classify_refresh,
        });
        Self {
            name,
            base_url,
            tracking_via_fulfill: config.tracking_via_fulfill,
            session,
        }
    }

    async fn send(&self, call: &Call) -> Outcome {
        let build = |token: &Secret| {
            HttpRequest::new(Method::PUT, call.url.clone())
                .header("Authorization", format!("Bearer {}", token.expose()))
                .header("Accept", "application/json")
                .json(call.body.clone())
        };
        match self.session.send(build, |r| r.status == 401).await {
            Ok(response) => classify(&call.kind, &response, SystemTime::now()),
            Err(outcome) => outcome,
        }
    }
}

#[async_trait]
impl Channel for Youcan {
    fn name(&self) -> &ChannelName {
        &self.name
    }

    fn kind(&self) -> ChannelKind {
        ChannelKind::Youcan
    }

    #[tracing::instrument(skip_all, fields(channel = %self.name, order_id = %delivery.order.order_id, task = delivery.task_id))]
    async fn deliver(&self, delivery: &Delivery<'_>) -> Outcome {
        let calls = match plan(delivery, &self.base_url, self.tracking_via_fulfill) {
            Ok(calls) => calls,
            Err(outcome) => return outcome,
        };
        let mut any_done = false;
        for call in &calls {
            match self.send(call).await {
                Outcome::Done => any_done = true,
                Outcome::AlreadyApplied => {}
                other => {
                    tracing::info!(call = ?call.kind, outcome = other.kind().as_str(), "YouCan call not accepted");
                    return other;
                }
            }
        }
        if any_done {
            Outcome::Done
        } else {
            Outcome::AlreadyApplied
        }
    }
}

#[cfg(test)]
mod tests;
