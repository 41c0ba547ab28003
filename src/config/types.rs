//! The typed configuration (CONFIG.md). Built and validated by `config::load`.

use crate::domain::{ChannelKind, ChannelName, SourceName};
use crate::secret::Secret;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Config {
    pub server: ServerConfig,
    pub store: StoreConfig,
    pub log: LogConfig,
    pub admin: AdminConfig,
    pub delivery: DeliveryConfig,
    pub sources: BTreeMap<SourceName, SourceConfig>,
    pub channels: BTreeMap<ChannelName, ChannelConfig>,
}

#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// default 127.0.0.1:8080
    pub listen: SocketAddr,
    /// default 1048576
    pub max_body_bytes: usize,
    /// default 30s
    pub shutdown_grace: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// sled flush + fsync of the store files (default).
    Fsync,
    /// sled flush only.
    Flush,
    /// nothing before answering: tests and benchmarks only.
    None,
}

#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// default /var/lib/ordersync; relative paths are relative to the config file's folder.
    pub path: PathBuf,
    /// default 30d
    pub event_retention: Duration,
    /// default Fsync
    pub durability: Durability,
    /// sled page cache bound in bytes (`cache_capacity`, default 8 MiB).
    pub cache_capacity: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct LogConfig {
    /// default "info"; RUST_LOG overrides.
    pub level: String,
    pub format: LogFormat,
}

#[derive(Debug, Clone, Default)]
pub struct AdminConfig {
    /// `token` / `token_file`; `None` turns the admin API off (404).
    pub token: Option<Secret>,
}

#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// default 32
    pub concurrency: usize,
    /// default 15s
    pub request_timeout: Duration,
    /// wait before attempt n; default 0s 5s 30s 2m 10m 30m 1h 2h 4h 8h 12h 24h
    pub schedule: Vec<Duration>,
    /// default 1h
    pub max_retry_after: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Standard,
    Shopify,
    Woocommerce,
    Youcan,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Standard => "standard",
            SourceKind::Shopify => "shopify",
            SourceKind::Woocommerce => "woocommerce",
            SourceKind::Youcan => "youcan",
        }
    }
}

/// What WooCommerce's `completed` means for this seller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletedMeans {
    Dispatched,
    Delivered,
}

/// Reads a link id for `channel` from a native payload (issue 5): e.g. a Shopify note
/// attribute named `base_unique_key` holds the BASE order's unique_key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRule {
    pub channel: ChannelName,
    /// Shopify: `note_attributes.<name>` or `tags.<prefix>`; WooCommerce: `meta_data.<key>`.
    pub from: String,
}

#[derive(Debug, Clone)]
pub struct SourceConfig {
    pub kind: SourceKind,
    /// `secret` or `secrets` (rotation), each inline or `_file`. At least one.
    pub secrets: Vec<Secret>,
    /// default 300; for shopify the replay window on X-Shopify-Triggered-At.
    pub tolerance_secs: u64,
    /// woocommerce only, default Dispatched.
    pub completed_means: CompletedMeans,
    pub link_rules: Vec<LinkRule>,
}

#[derive(Debug, Clone)]
pub struct ChannelConfig {
    pub kind: ChannelKind,
    /// default per kind (CHANNELS.md), no trailing slash.
    pub base_url: String,
    /// imweb default 5, others none.
    pub rate_limit_per_sec: Option<u32>,
    /// base default 5000, others none.
    pub rate_limit_per_hour: Option<u32>,
    pub settings: ChannelSettings,
}

#[derive(Debug, Clone)]
pub enum ChannelSettings {
    PortonePayco {
        imp_key: Secret,
        imp_secret: Secret,
    },
    Imweb {
        api_key: Secret,
        secret_key: Secret,
        /// default "INTENT_CHANGED"
        default_reason_code: String,
        /// `REFUND`, `CASH` or `BOX`, sent with returns when set.
        deliv_fee_method: Option<String>,
    },
    Youcan {
        access_token: Secret,
        client_id: Option<String>,
        client_secret: Option<Secret>,
        refresh_token: Option<Secret>,
        /// default false
        tracking_via_fulfill: bool,
    },
    Base {
        client_id: String,
        client_secret: Secret,
        refresh_token: Secret,
        redirect_uri: String,
        access_token: Option<Secret>,
        /// default "[配送業者]{carrier} [送り状番号]{tracking}"
        comment_template: String,
        /// canonical carrier id -> BASE delivery_company_id, overriding the name match.
        delivery_company_ids: BTreeMap<String, u64>,
    },
    Wizcommerce {
        api_key: Secret,
    },
}

impl ChannelSettings {
    /// Every secret in the settings, so tests and log scrubbers can check none leaks.
    pub fn secrets(&self) -> Vec<&Secret> {
        match self {
            ChannelSettings::PortonePayco {
                imp_key,
                imp_secret,
            } => vec![imp_key, imp_secret],
            ChannelSettings::Imweb {
                api_key,
                secret_key,
                ..
            } => vec![api_key, secret_key],
            ChannelSettings::Youcan {
                access_token,
                client_secret,
                refresh_token,
                ..
            } => {
                let mut all = vec![access_token];
                all.extend(client_secret.iter());
                all.extend(refresh_token.iter());
                all
            }
            ChannelSettings::Base {
                client_secret,
                refresh_token,
                access_token,
                ..
            } => {
                let mut all = vec![client_secret, refresh_token];
                all.extend(access_token.iter());
                all
            }
            ChannelSettings::Wizcommerce { api_key } => vec![api_key],
        }
    }
}
