//! Marketplace connectors, one module per marketplace behind the `Channel` trait.
//!
//! A connector turns one planned change ("bring this channel's copy of order X to S")
//! into the marketplace's calls, sends them in order and classifies each answer into an
//! `Outcome`. Classification is a pure function in each module, unit-tested on its own.

pub mod auth;
pub mod base;
#[cfg(test)]
mod fixtures;
pub mod http;
pub mod imweb;
pub mod oauth;
pub mod portone_payco;
mod redact;
pub mod registry;
#[cfg(test)]
mod responses;
pub mod wizcommerce;
pub mod youcan;

use crate::domain::{Change, ChannelKind, ChannelName, Link, Order, Outcome, Status};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Everything a connector needs to deliver one task, read fresh before each attempt.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    pub task_id: u64,
    pub change: &'a Change,
    /// The order as it stands now.
    pub order: &'a Order,
    /// This channel's link on the order.
    pub link: &'a Link,
    /// The last status this channel acknowledged, if any.
    pub acked: Option<Status>,
    /// 1 for the first attempt.
    pub attempt: u32,
}

#[async_trait]
pub trait Channel: Send + Sync {
    fn name(&self) -> &ChannelName;
    fn kind(&self) -> ChannelKind;
    /// Sends whatever the change needs and says how it went. Never panics on remote
    /// input; every answer maps to an outcome.
    async fn deliver(&self, delivery: &Delivery<'_>) -> Outcome;
}

/// Counters a connector keeps for operators (exported as metrics).
#[derive(Debug, Default)]
pub struct ChannelStats {
    /// Carrier names sent with a fallback code because the channel has no code for them.
    unmapped_carriers: Mutex<BTreeMap<String, u64>>,
    token_refreshes: AtomicU64,
}

impl ChannelStats {
    pub fn count_unmapped_carrier(&self, carrier: &str) {
        *self
            .unmapped_carriers
            .lock()
            .expect("stats lock")
            .entry(carrier.to_string())
            .or_default() += 1;
    }

    pub fn unmapped_carriers(&self) -> BTreeMap<String, u64> {
        self.unmapped_carriers.lock().expect("stats lock").clone()
    }

    pub fn count_token_refresh(&self) {
        self.token_refreshes.fetch_add(1, Ordering::Relaxed);
    }

    pub fn token_refreshes(&self) -> u64 {
        self.token_refreshes.load(Ordering::Relaxed)
    }
}

/// What every connector is built with.
#[derive(Clone)]
pub struct ConnectorDeps {
    pub http: http::ChannelHttp,
    pub tokens: std::sync::Arc<dyn auth::TokenStore>,
    pub stats: std::sync::Arc<ChannelStats>,
}
