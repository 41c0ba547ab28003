//! Inbound webhooks: signature schemes, one adapter per source kind, the HTTP handler.

pub mod canonical;
mod direct;
pub mod error;
pub mod handler;
pub mod links;
pub mod shopify;
mod signature;
pub mod source;
pub mod standard;
mod vendor;
mod wire;
pub mod woocommerce;
pub mod youcan;

#[cfg(test)]
mod tests;

pub use canonical::parse_canonical;
pub use error::IngestError;
pub use links::{check_rule, LinkRuleError, LinkSource};
pub use shopify::ShopifySource;
pub use source::{RawRequest, SourceAdapter, Translated};
pub use standard::{decode_secret, sign, InvalidSecret, StandardSource};
pub use woocommerce::WoocommerceSource;
pub use youcan::YoucanSource;

use crate::config::{SourceConfig, SourceKind};

/// The adapter for a configured source, chosen by its `kind`.
pub fn build_adapter(config: &SourceConfig) -> Box<dyn SourceAdapter> {
    match config.kind {
        SourceKind::Standard => Box::new(StandardSource::from_config(config)),
        SourceKind::Shopify => Box::new(ShopifySource::new(config)),
        SourceKind::Woocommerce => Box::new(WoocommerceSource::new(config)),
        SourceKind::Youcan => Box::new(YoucanSource::new(config)),
    }
}
