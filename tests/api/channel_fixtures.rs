//! Shared by the connector tests: a connector's dependencies pointed at wiremock, token
//! stores, and hand-built orders, changes and links.

use async_trait::async_trait;
use ordersync::channels::auth::{MemoryTokenStore, StoredToken, TokenStore, TokenStoreError};
use ordersync::channels::http::ChannelHttp;
use ordersync::channels::{Channel, ChannelStats, ConnectorDeps};
use ordersync::delivery::rate_limit::RateLimiter;
use ordersync::domain::{Cancel, ChannelName, Outcome, PaymentMethod};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wiremock::MockServer;

/// The lib's own delivery builder, `src/channels/fixtures.rs`, compiled here too: the
/// file names `super::Delivery` and `super::super::domain`, as this copy of the lib's
/// module tree provides them.
mod lib {
    pub use ordersync::domain;
    pub mod channels {
        pub use ordersync::channels::Delivery;
        pub mod fixtures {
            include!("../../src/channels/fixtures.rs");
        }
    }
}

pub use lib::channels::fixtures::{channel, line, shipment, Fixture as Case};

impl Case {
    pub fn with_shipment(mut self, carrier: &str, tracking: &str) -> Self {
        self.order.shipment = Some(shipment(carrier, tracking));
        self.change.tracking = Some(tracking.to_string());
        self
    }

    pub fn with_payment(mut self, payment: PaymentMethod) -> Self {
        self.order.payment_method = Some(payment);
        self
    }

    /// Scopes the change to these lines.
    pub fn scoped_to(mut self, ids: &[&str]) -> Self {
        self.change.items = Some(ids.iter().map(|id| line(id)).collect());
        self
    }

    pub async fn deliver(&self, connector: &dyn Channel) -> Outcome {
        connector.deliver(&self.delivery()).await
    }
}

pub fn cancel(reason: Option<&str>) -> Option<Cancel> {
    Some(Cancel {
        reason: reason.map(str::to_string),
        note: None,
    })
}

pub fn memory() -> Arc<dyn TokenStore> {
    Arc::new(MemoryTokenStore::default())
}

/// No rate limit, this request timeout, tokens kept in `tokens`.
pub fn deps_with(
    timeout: Duration,
    tokens: Arc<dyn TokenStore>,
) -> (ConnectorDeps, Arc<ChannelStats>) {
    let stats = Arc::new(ChannelStats::default());
    let deps = ConnectorDeps {
        http: ChannelHttp::new(
            ChannelHttp::client(timeout),
            Arc::new(RateLimiter::unlimited()),
        ),
        tokens,
        stats: stats.clone(),
    };
    (deps, stats)
}

pub fn deps_with_timeout(timeout: Duration) -> (ConnectorDeps, Arc<ChannelStats>) {
    deps_with(timeout, memory())
}

pub fn deps() -> (ConnectorDeps, Arc<ChannelStats>) {
    deps_with_timeout(Duration::from_secs(5))
}

/// A slow token store recording, for each save, how many requests the mock had seen
/// when the save returned: a connector that used a token before it was stored shows.
pub struct RecordingStore {
    inner: MemoryTokenStore,
    server: Arc<MockServer>,
    saves: Mutex<Vec<(usize, StoredToken)>>,
}

impl RecordingStore {
    pub fn new(server: Arc<MockServer>) -> Arc<Self> {
        Arc::new(Self {
            inner: MemoryTokenStore::default(),
            server,
            saves: Mutex::default(),
        })
    }

    pub fn saves(&self) -> Vec<(usize, StoredToken)> {
        self.saves.lock().unwrap().clone()
    }
}

#[async_trait]
impl TokenStore for RecordingStore {
    async fn load(&self, channel: &ChannelName) -> Result<Option<StoredToken>, TokenStoreError> {
        self.inner.load(channel).await
    }

    async fn save(
        &self,
        channel: &ChannelName,
        token: &StoredToken,
    ) -> Result<(), TokenStoreError> {
        tokio::time::sleep(Duration::from_millis(50)).await;
        self.inner.save(channel, token).await?;
        let seen = self.server.received_requests().await.unwrap().len();
        self.saves.lock().unwrap().push((seen, token.clone()));
        Ok(())
    }
}
