//! Builds the whole daemon from a config (so tests can run it on port 0 with a
//! temporary store) and runs it until told to stop.

use crate::admin;
use crate::channels::http::ChannelHttp;
use crate::channels::registry::build_channels;
use crate::config::Config;
use crate::delivery::engine::{self, EngineConfig};
use crate::delivery::health::ChannelHealth;
use crate::delivery::probe::probe_channel;
use crate::delivery::retry::RetryPolicy;
use crate::delivery::worker::WorkerContext;
use crate::domain::{ChannelKind, ChannelName};
use crate::health;
use crate::http_error::error_response;
use crate::ingest;
use crate::metrics::{Metrics, Scrape};
use crate::notify::{self, Liveness};
use crate::state::AppState;
use crate::store::{spawn_measured_writer, Planning, SledTokenStore, Store, StoreError};
use actix_web::http::StatusCode;
use actix_web::{web, App, HttpRequest, HttpServer};
use std::collections::BTreeMap;
use std::future::Future;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

const PRUNE_EVERY: Duration = Duration::from_secs(3600);

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("the HTTP server failed: {0}")]
    Server(std::io::Error),
}

pub struct Application {
    port: u16,
    server: actix_web::dev::Server,
    store: Store,
    shutdown: watch::Sender<bool>,
    engine: JoinHandle<()>,
    writer: JoinHandle<()>,
    pruner: JoinHandle<()>,
    metrics_upkeep: JoinHandle<()>,
    liveness: Liveness,
}

impl Application {
    pub async fn build(config: Config) -> Result<Application, StartupError> {
        let config = Arc::new(config);
        let store = {
            let store_config = config.store.clone();
            tokio::task::spawn_blocking(move || {
                Store::open(
                    &store_config.path,
                    store_config.durability,
                    store_config.cache_capacity,
                )
            })
            .await
            .expect("opening the store panicked")?
        };
        let kinds: BTreeMap<ChannelName, ChannelKind> = config
            .channels
            .iter()
            .map(|(name, channel)| (name.clone(), channel.kind))
            .collect();
        let planning = Planning {
            kinds: kinds.clone(),
            first_delay: config
                .delivery
                .schedule
                .first()
                .copied()
                .unwrap_or_default(),
        };
        let metrics = Metrics::new();
        let source_names: Vec<&str> = config.sources.keys().map(|s| s.as_str()).collect();
        let channel_names: Vec<&str> = kinds.keys().map(|c| c.as_str()).collect();
        metrics.register_known(&source_names, &channel_names);
        let (writer, committed, writer_task) =
            spawn_measured_writer(store.clone(), planning, Some(metrics.clone()));
        let client = ChannelHttp::client(config.delivery.request_timeout);
        let tokens = Arc::new(SledTokenStore::new(store.clone(), writer.clone()));
        let channels = build_channels(&config.channels, &client, tokens);
        let health = Arc::new(ChannelHealth::default());
        let policy = RetryPolicy {
            schedule: config.delivery.schedule.clone(),
            max_retry_after: config.delivery.max_retry_after,
        };
        let context = WorkerContext {
            writer: writer.clone(),
            channels: channels
                .iter()
                .map(|(name, built)| (name.clone(), built.connector.clone()))
                .collect(),
            health: health.clone(),
            policy: policy.clone(),
            lease: config.delivery.request_timeout * 10 + Duration::from_secs(60),
            metrics: metrics.clone(),
        };
        let (outbox, probes) = probe_channel();
        let (shutdown, shutdown_rx) = watch::channel(false);
        let engine_config = EngineConfig {
            concurrency: config.delivery.concurrency,
            policy,
            shutdown_grace: config.server.shutdown_grace,
        };
        let engine = {
            let store = store.clone();
            tokio::task::spawn_blocking(move || {
                engine::start(
                    &store,
                    context,
                    committed,
                    engine_config,
                    shutdown_rx,
                    probes,
                )
            })
            .await
            .expect("loading the outbox panicked")?
        };
        let state = web::Data::new(AppState {
            sources: config
                .sources
                .iter()
                .map(|(name, source)| (name.clone(), ingest::build_adapter(source)))
                .collect(),
            channel_kinds: kinds,
            config: config.clone(),
            store: store.clone(),
            writer: writer.clone(),
            health: health.clone(),
            metrics: metrics.clone(),
        });
        let scrape = web::Data::new(Scrape {
            metrics: metrics.clone(),
            channel_stats: channels
                .iter()
                .map(|(name, built)| (name.clone(), built.stats.clone()))
                .collect(),
            health,
            outbox: outbox.clone(),
        });
        let addr = config.server.listen;
        let bind_error = |source| StartupError::Bind {
            addr: addr.to_string(),
            source,
        };
        let listener = TcpListener::bind(addr).map_err(bind_error)?;
        let port = listener.local_addr().map_err(bind_error)?.port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(scrape.clone())
                .app_data(web::PayloadConfig::new(state.config.server.max_body_bytes))
                .route(
                    "/webhooks/{source}",
                    web::post().to(ingest::handler::receive),
                )
                .route("/healthz", web::get().to(health::healthz))
                .route("/readyz", web::get().to(health::readyz))
                .route("/metrics", web::get().to(crate::metrics::render))
                .configure(admin::routes)
                .default_service(web::to(not_found))
        })
        .listen(listener)
        .map_err(bind_error)?
        .disable_signals()
        .shutdown_timeout(config.server.shutdown_grace.as_secs().max(1))
        .run();
        let pruner = tokio::spawn(prune_forever(store.clone(), config.store.event_retention));
        tracing::info!(%addr, port, store = %store.path().display(), "ordersync is serving");
        Ok(Application {
            port,
            server,
            store: store.clone(),
            shutdown,
            engine,
            writer: writer_task,
            pruner,
            metrics_upkeep: tokio::spawn(metrics.upkeep_forever()),
            liveness: Liveness {
                store,
                writer,
                outbox,
            },
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until `stop` resolves, then shuts down in order: stop accepting and finish
    /// in-flight requests, let in-flight deliveries finish within the grace period, drain
    /// the writer, make the store durable.
    pub async fn run_until(
        self,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartupError> {
        let handle = self.server.handle();
        notify::ready(&format!("serving on port {}", self.port));
        let watchdog = notify::spawn_watchdog(self.liveness);
        let watchdog_abort = watchdog.as_ref().map(JoinHandle::abort_handle);
        let stopper = tokio::spawn(async move {
            stop.await;
            notify::stopping();
            // Stopping is not a reason for systemd to kill us; TimeoutStopSec is.
            if let Some(watchdog) = watchdog_abort {
                watchdog.abort();
            }
            tracing::info!("shutting down: no new requests");
            handle.stop(true).await;
        });
        let served = self.server.await;
        stopper.abort();
        if let Some(watchdog) = watchdog {
            // It holds a writer handle: it must be gone before we wait for the writer.
            watchdog.abort();
            let _ = watchdog.await;
        }
        let _ = self.shutdown.send(true);
        let _ = self.engine.await;
        self.pruner.abort();
        self.metrics_upkeep.abort();
        // The writer ends once its last handle (held by the server's state and the
        // engine's workers, both gone now) is dropped and its queue is drained.
        let _ = self.writer.await;
        let synced = tokio::task::spawn_blocking({
            let store = self.store.clone();
            move || store.sync()
        })
        .await
        .expect("the final sync panicked");
        served.map_err(StartupError::Server)?;
        synced?;
        tracing::info!("stopped cleanly");
        Ok(())
    }
}

async fn not_found(request: HttpRequest) -> actix_web::HttpResponse {
    error_response(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no endpoint {} {}", request.method(), request.path()),
    )
}

async fn prune_forever(store: Store, retention: Duration) {
    let mut every = tokio::time::interval(PRUNE_EVERY);
    loop {
        every.tick().await;
        let before = ingest::handler::now().minus(retention);
        match store.run(move |store| store.prune(before)).await {
            Ok(pruned) => tracing::info!(
                dedupe_keys = pruned.dedupe_keys,
                history = pruned.history_entries,
                "pruned old records"
            ),
            Err(error) => tracing::error!(error = %error, "pruning failed"),
        }
    }
}
