//! Builds the configured channels' connectors.

use super::http::ChannelHttp;
use super::{auth::TokenStore, Channel, ChannelStats, ConnectorDeps};
use crate::config::{ChannelConfig, ChannelSettings};
use crate::delivery::rate_limit::RateLimiter;
use crate::domain::{ChannelKind, ChannelName};
use std::collections::BTreeMap;
use std::sync::Arc;

pub struct BuiltChannel {
    pub connector: Arc<dyn Channel>,
    pub stats: Arc<ChannelStats>,
}

/// Whether `build_channels` can build a connector of `kind` in this build. Code that
/// configures channels itself (the demo) asks first instead of meeting `build_one`'s
/// panic. Must list exactly the kinds `build_one` handles: a test checks that.
pub fn has_connector(kind: ChannelKind) -> bool {
    matches!(
        kind,
        ChannelKind::PortonePayco | ChannelKind::Imweb | ChannelKind::Wizcommerce
    )
}

pub fn build_channels(
    channels: &BTreeMap<ChannelName, ChannelConfig>,
    client: &reqwest::Client,
    tokens: Arc<dyn TokenStore>,
) -> BTreeMap<ChannelName, BuiltChannel> {
    channels
        .iter()
        .map(|(name, config)| {
            let limiter = RateLimiter::new(config.rate_limit_per_sec, config.rate_limit_per_hour);
            let stats = Arc::new(ChannelStats::default());
            let deps = ConnectorDeps {
                http: ChannelHttp::new(client.clone(), Arc::new(limiter)),
                tokens: tokens.clone(),
                stats: stats.clone(),
            };
            let connector = build_one(name.clone(), config, deps);
            (name.clone(), BuiltChannel { connector, stats })
        })
        .collect()
}

fn build_one(name: ChannelName, config: &ChannelConfig, deps: ConnectorDeps) -> Arc<dyn Channel> {
    let base_url = config.base_url.trim_end_matches('/').to_string();
    match &config.settings {
        ChannelSettings::Wizcommerce { api_key } => Arc::new(super::wizcommerce::WizCommerce::new(
            name,
            base_url,
            api_key.clone(),
            deps.http,
        )),
        ChannelSettings::PortonePayco {
            imp_key,
            imp_secret,
        } => Arc::new(super::portone_payco::PortonePayco::new(
            name,
            base_url,
            imp_key.clone(),
            imp_secret.clone(),
            deps,
        )),
        ChannelSettings::Imweb {
            api_key,
            secret_key,
            default_reason_code,
            deliv_fee_method,
        } => Arc::new(super::imweb::Imweb::new(
            name,
            base_url,
            api_key.clone(),
            secret_key.clone(),
            super::imweb::ImwebOptions {
                default_reason_code: default_reason_code.clone(),
                deliv_fee_method: deliv_fee_method.clone(),
            },
            deps,
        )),
        // Each connector module adds its own arm here; this arm goes once all five exist.
        _ => panic!("no connector for channel kind {} yet", config.kind),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::auth::MemoryTokenStore;
    use std::panic::{catch_unwind, AssertUnwindSafe};

    #[tokio::test]
    async fn has_connector_matches_build_one() {
        let sims = crate::sim::start_all().await.expect("sims start");
        let client = reqwest::Client::new();
        for kind in ChannelKind::ALL {
            let channels = sims.channel_configs([kind]);
            let built = catch_unwind(AssertUnwindSafe(|| {
                build_channels(&channels, &client, Arc::new(MemoryTokenStore::default()))
            }));
            assert_eq!(
                built.is_ok(),
                has_connector(kind),
                "has_connector({kind}) disagrees with build_one: update has_connector"
            );
        }
    }
}
