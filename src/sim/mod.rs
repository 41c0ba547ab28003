//! Simulated marketplaces for the demo, tests and benchmarks: local HTTP servers that
//! behave like the five real APIs of CHANNELS.md, auth endpoints included, keep each
//! order's remote state, refuse what the real ones refuse, and record every call.
//!
//! Nothing on the production path (`serve`) uses this module. The sims are written from
//! the spec, not from the connectors, so that they can catch a connector that drifted.

pub mod base;
pub mod imweb;
pub mod payco;
pub mod recorder;
pub mod server;
pub mod wizcommerce;
pub mod youcan;

pub use recorder::{RecordedCall, Recorder, SENT_AT_HEADER};

use crate::config::{
    default_rate_limits, ChannelConfig, ChannelSettings, DEFAULT_COMMENT_TEMPLATE,
    DEFAULT_REASON_CODE,
};
use crate::domain::{ChannelKind, ChannelName, PaymentMethod};
use crate::secret::Secret;
use server::{Marketplace, Running};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The five sims, running, and the recorder they share.
pub struct Sims {
    pub recorder: Recorder,
    pub payco: Arc<payco::PaycoSim>,
    pub imweb: Arc<imweb::ImwebSim>,
    pub youcan: Arc<youcan::YoucanSim>,
    pub base: Arc<base::BaseSim>,
    pub wiz: Arc<wizcommerce::WizSim>,
    running: Vec<Running>,
}

/// Starts all five sims on free loopback ports. Needs a tokio runtime.
pub async fn start_all() -> std::io::Result<Sims> {
    let recorder = Recorder::default();
    let payco = Arc::new(payco::PaycoSim::default());
    let imweb = Arc::new(imweb::ImwebSim::default());
    let youcan = Arc::new(youcan::YoucanSim::default());
    let base = Arc::new(base::BaseSim::default());
    let wiz = Arc::new(wizcommerce::WizSim::default());
    let models: [(ChannelKind, Arc<dyn Marketplace>); 5] = [
        (ChannelKind::PortonePayco, payco.clone()),
        (ChannelKind::Imweb, imweb.clone()),
        (ChannelKind::Youcan, youcan.clone()),
        (ChannelKind::Base, base.clone()),
        (ChannelKind::Wizcommerce, wiz.clone()),
    ];
    let mut running = Vec::with_capacity(models.len());
    for (kind, model) in models {
        running.push(server::serve(kind, model, recorder.clone())?);
    }
    Ok(Sims {
        recorder,
        payco,
        imweb,
        youcan,
        base,
        wiz,
        running,
    })
}

/// The channel name the sims' config uses for each kind (the names of INGEST.md's
/// example).
pub fn channel_name(kind: ChannelKind) -> ChannelName {
    let name = match kind {
        ChannelKind::PortonePayco => "payco",
        ChannelKind::Imweb => "imweb-kr",
        ChannelKind::Youcan => "youcan-ma",
        ChannelKind::Base => "base-jp",
        ChannelKind::Wizcommerce => "wiz",
    };
    ChannelName::parse(name).expect("valid channel name")
}

fn secret(value: &str) -> Secret {
    Secret::new(value)
}

impl Sims {
    pub fn base_url(&self, kind: ChannelKind) -> &str {
        self.running
            .iter()
            .find(|r| r.kind == kind)
            .map(|r| r.base_url.as_str())
            .expect("every kind has a sim")
    }

    /// A `[channels.*]` entry pointing at the sim of `kind`, with its credentials and
    /// the config loader's defaults for everything else.
    pub fn channel_config(&self, kind: ChannelKind) -> ChannelConfig {
        let settings = match kind {
            ChannelKind::PortonePayco => ChannelSettings::PortonePayco {
                imp_key: secret(payco::IMP_KEY),
                imp_secret: secret(payco::IMP_SECRET),
            },
            ChannelKind::Imweb => ChannelSettings::Imweb {
                api_key: secret(imweb::API_KEY),
                secret_key: secret(imweb::SECRET_KEY),
                default_reason_code: DEFAULT_REASON_CODE.to_string(),
                deliv_fee_method: None,
            },
            ChannelKind::Youcan => ChannelSettings::Youcan {
                access_token: secret(youcan::ACCESS_TOKEN),
                client_id: Some(youcan::CLIENT_ID.to_string()),
                client_secret: Some(secret(youcan::CLIENT_SECRET)),
                refresh_token: Some(secret(youcan::REFRESH_TOKEN)),
                tracking_via_fulfill: false,
            },
            ChannelKind::Base => ChannelSettings::Base {
                client_id: base::CLIENT_ID.to_string(),
                client_secret: secret(base::CLIENT_SECRET),
                refresh_token: secret(base::REFRESH_TOKEN),
                redirect_uri: base::REDIRECT_URI.to_string(),
                access_token: None,
                comment_template: DEFAULT_COMMENT_TEMPLATE.to_string(),
                delivery_company_ids: BTreeMap::new(),
            },
            ChannelKind::Wizcommerce => ChannelSettings::Wizcommerce {
                api_key: secret(wizcommerce::API_KEY),
            },
        };
        let (per_sec, per_hour) = default_rate_limits(kind);
        ChannelConfig {
            kind,
            base_url: self.base_url(kind).to_string(),
            rate_limit_per_sec: per_sec,
            rate_limit_per_hour: per_hour,
            settings,
        }
    }

    /// `[channels.*]` for `kinds`, named by `channel_name`.
    pub fn channel_configs(
        &self,
        kinds: impl IntoIterator<Item = ChannelKind>,
    ) -> BTreeMap<ChannelName, ChannelConfig> {
        kinds
            .into_iter()
            .map(|kind| (channel_name(kind), self.channel_config(kind)))
            .collect()
    }

    /// Creates the marketplace's copy of an order: `remote_items` are imweb
    /// `prod_order_no`s or BASE `order_item_id`s (numbers) and are ignored by the
    /// order-level marketplaces; `payment` only matters to BASE.
    pub fn seed(
        &self,
        kind: ChannelKind,
        remote_id: &str,
        remote_items: &[&str],
        payment: Option<PaymentMethod>,
    ) -> Result<(), String> {
        match kind {
            ChannelKind::PortonePayco => self.payco.seed(remote_id),
            ChannelKind::Imweb => self.imweb.seed(remote_id, remote_items),
            ChannelKind::Youcan => self.youcan.seed(remote_id),
            ChannelKind::Wizcommerce => self.wiz.seed(remote_id),
            ChannelKind::Base => {
                let ids = remote_items
                    .iter()
                    .map(|item| {
                        item.parse::<u64>()
                            .map_err(|_| format!("BASE order_item_id {item:?} is not a number"))
                    })
                    .collect::<Result<Vec<u64>, String>>()?;
                self.base.seed(remote_id, base::payment_code(payment), &ids);
            }
        }
        Ok(())
    }

    /// Stops the servers (the models and the recorder stay readable).
    pub async fn stop(&mut self) {
        for running in self.running.drain(..) {
            running.stop().await;
        }
    }
}

#[cfg(test)]
mod tests;
