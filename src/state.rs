//! What request handlers share.

use crate::config::Config;
use crate::delivery::health::ChannelHealth;
use crate::domain::{ChannelKind, ChannelName, SourceName};
use crate::ingest::SourceAdapter;
use crate::metrics::Metrics;
use crate::store::{Store, Writer};
use std::collections::BTreeMap;
use std::sync::Arc;

pub struct AppState {
    pub config: Arc<Config>,
    pub store: Store,
    pub writer: Writer,
    pub sources: BTreeMap<SourceName, Box<dyn SourceAdapter>>,
    pub channel_kinds: BTreeMap<ChannelName, ChannelKind>,
    pub health: Arc<ChannelHealth>,
    pub metrics: Metrics,
}
