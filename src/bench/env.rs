//! What every scenario shares: the daemon binary and its CPU, a work folder, the five
//! simulated marketplaces (hosted by this process, on the generator's CPU), and the
//! secrets the config files carry.

use super::daemon::{free_port, write_config, Daemon, DaemonSpec, Settings};
use crate::config::{ChannelConfig, ChannelSettings, Durability};
use crate::domain::ChannelKind;
use crate::domain::ChannelName;
use crate::secret::Secret;
use crate::sim::Sims;
use hdrhistogram::Histogram;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Duration;

pub struct Env {
    pub spec: DaemonSpec,
    pub work: tempfile::TempDir,
    pub sims: Sims,
    pub secret: Secret,
    pub admin_token: Secret,
    /// `store.cache_capacity` for every daemon run.
    pub cache_capacity: u64,
    runs: u32,
    orders: u64,
    /// The channels each store's daemon was first configured with: restarts keep the
    /// same config file, as a real deployment's would across a crash.
    configured: HashMap<PathBuf, BTreeMap<ChannelName, ChannelConfig>>,
}

/// How one daemon run is configured.
#[derive(Debug, Clone)]
pub struct Run {
    pub durability: Durability,
    /// `delivery.schedule`: `["1h"]` keeps tasks queued (ingest alone is measured).
    pub schedule: Vec<String>,
    pub concurrency: usize,
    /// An existing store folder to reuse (restart, bulk-loaded store).
    pub store: Option<PathBuf>,
}

impl Run {
    pub fn ingest_only(durability: Durability) -> Run {
        Run {
            durability,
            schedule: vec!["1h".into()],
            concurrency: 32,
            store: None,
        }
    }

    pub fn delivering() -> Run {
        Run {
            durability: Durability::Fsync,
            schedule: vec!["0s".into(), "1s".into(), "5s".into(), "30s".into()],
            concurrency: 32,
            store: None,
        }
    }
}

impl Env {
    pub async fn new(
        spec: DaemonSpec,
        work: Option<PathBuf>,
        cache_capacity: u64,
    ) -> anyhow::Result<Env> {
        let work = match work {
            Some(dir) => {
                std::fs::create_dir_all(&dir)?;
                tempfile::Builder::new()
                    .prefix("ordersync-bench-")
                    .tempdir_in(dir)?
            }
            None => tempfile::Builder::new()
                .prefix("ordersync-bench-")
                .tempdir()?,
        };
        Ok(Env {
            spec,
            work,
            sims: crate::sim::start_all().await?,
            secret: crate::demo::generate_whsec(),
            admin_token: crate::demo::generate_admin_token(),
            cache_capacity,
            runs: 0,
            orders: 0,
            configured: HashMap::new(),
        })
    }

    /// The first of `count` order numbers no earlier run of this process used (the
    /// sims keep every order they were seeded with).
    pub fn next_orders(&mut self, count: u64) -> u64 {
        let first = self.orders;
        self.orders += count;
        first
    }

    /// A fresh store folder inside the work folder.
    pub fn new_store(&mut self) -> PathBuf {
        self.runs += 1;
        self.work.path().join(format!("store-{}", self.runs))
    }

    /// The sims' channels with the refresh tokens BASE and YouCan accept now: both
    /// rotate them on every refresh, and the sims outlive each daemon, so a daemon on a
    /// fresh store must be configured the way a seller re-authorizing would be.
    fn channels(&self) -> BTreeMap<ChannelName, ChannelConfig> {
        let mut channels = self.sims.channel_configs(ChannelKind::ALL);
        for channel in channels.values_mut() {
            match &mut channel.settings {
                ChannelSettings::Base { refresh_token, .. } => {
                    *refresh_token = Secret::new(self.sims.base.refresh_token());
                }
                ChannelSettings::Youcan { refresh_token, .. } => {
                    *refresh_token = Some(Secret::new(self.sims.youcan.refresh_token()));
                }
                _ => {}
            }
        }
        channels
    }

    /// Writes the config and starts the daemon; returns once it is ready.
    pub async fn start(&mut self, run: &Run) -> anyhow::Result<(Daemon, PathBuf)> {
        let store = match &run.store {
            Some(store) => store.clone(),
            None => self.new_store(),
        };
        let port = free_port();
        let settings = Settings {
            port,
            store: store.clone(),
            durability: run.durability,
            cache_capacity: self.cache_capacity,
            schedule: run.schedule.clone(),
            concurrency: run.concurrency,
            // The config loader's default; BENCH_LOG_LEVEL shows what logging costs.
            log_level: std::env::var("BENCH_LOG_LEVEL").unwrap_or_else(|_| "info".into()),
            secret: self.secret.clone(),
            admin_token: self.admin_token.clone(),
            channels: match self.configured.get(&store) {
                Some(channels) => channels.clone(),
                None => {
                    let channels = self.channels();
                    self.configured.insert(store.clone(), channels.clone());
                    channels
                }
            },
        };
        let config_dir = self.work.path().join(format!("config-{port}"));
        std::fs::create_dir_all(&config_dir)?;
        let config = write_config(&config_dir, &settings)?;
        let mut daemon = Daemon::spawn(&self.spec, &config, port)?;
        eprintln!(
            "daemon pid {} on port {port}, store {}",
            daemon.pid,
            store.display()
        );
        daemon.wait_ready(Duration::from_secs(120)).await?;
        Ok((daemon, store))
    }
}

/// p50 / p99 / p99.9 of a histogram in microseconds, as milliseconds.
pub fn percentiles(h: &Histogram<u64>) -> String {
    if h.is_empty() {
        return "no samples".into();
    }
    let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    format!("{:.2} / {:.2} / {:.2} ms", ms(0.5), ms(0.99), ms(0.999))
}

pub fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// Samples a process's RSS every `every` until told to stop; returns the samples.
pub fn sample_rss(
    pid: u32,
    every: Duration,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<Vec<u64>>,
) {
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(async move {
        let mut samples = Vec::new();
        let mut tick = tokio::time::interval(every);
        loop {
            tokio::select! {
                _ = tick.tick() => samples.push(super::daemon::rss_kib(pid)),
                _ = &mut stopped => break,
            }
        }
        samples.push(super::daemon::rss_kib(pid));
        samples
    });
    (stop, handle)
}
