//! Builds the configured channels' connectors.

use super::http::ChannelHttp;
use super::{auth::TokenStore, Channel, ChannelStats, ConnectorDeps};
use crate::config::{ChannelConfig, ChannelSettings};
use crate::delivery::rate_limit::RateLimiter;
use crate::domain::ChannelName;
use std::collections::BTreeMap;
use std::sync::Arc;

pub struct BuiltChannel {
    pub connector: Arc<dyn Channel>,
    pub stats: Arc<ChannelStats>,
}

/// Whether `build_channels` can build a connector of `kind` in this build. Code that
/// configures channels itself (the demo) asks first instead of meeting `build_one`'s
/// panic. Must list exactly the kinds `build_one` handles: a test checks that.
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
        ChannelSettings::Youcan {
            access_token,
            client_id,
            client_secret,
            refresh_token,
            tracking_via_fulfill,
        } => Arc::new(super::youcan::Youcan::new(
            name,
            base_url,
            super::youcan::YoucanConfig {
                access_token: access_token.clone(),
                client_id: client_id.clone(),
                client_secret: client_secret.clone(),
                refresh_token: refresh_token.clone(),
                tracking_via_fulfill: *tracking_via_fulfill,
            },
            deps,
        )),
        ChannelSettings::Base {
            client_id,
            client_secret,
            refresh_token,
            redirect_uri,
            access_token,
            comment_template,
            delivery_company_ids,
        } => Arc::new(super::base::Base::new(
            name,
            base_url,
            super::base::BaseConfig {
                client_id: client_id.clone(),
                client_secret: client_secret.clone(),
                refresh_token: refresh_token.clone(),
                redirect_uri: redirect_uri.clone(),
                access_token: access_token.clone(),
                comment_template: comment_template.clone(),
                delivery_company_ids: delivery_company_ids.clone(),
            },
            deps,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::auth::MemoryTokenStore;
    use crate::domain::ChannelKind;

    #[tokio::test]
    async fn every_kind_builds_a_connector_of_that_kind() {
        let sims = crate::sim::start_all().await.expect("sims start");
        let client = reqwest::Client::new();
        let channels = sims.channel_configs(ChannelKind::ALL);
        let built = build_channels(&channels, &client, Arc::new(MemoryTokenStore::default()));
        assert_eq!(built.len(), ChannelKind::ALL.len());
        for (name, channel) in &built {
            assert_eq!(channel.connector.name(), name);
            assert_eq!(channel.connector.kind(), channels[name].kind);
        }
    }
}
