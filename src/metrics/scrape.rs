//! `GET /metrics`: gauges and the connectors' own counters are read at scrape time
//! (from memory: the scheduler's lanes, `ChannelStats`, `ChannelHealth`), then
//! everything is rendered in the Prometheus text format.

use super::{
    Metrics, CHANNEL_AUTH_FAILED, DEAD_LETTERS, OUTBOX_DEPTH, OUTBOX_OLDEST_DUE_AGE,
    TOKEN_REFRESHES, UNMAPPED_CARRIERS,
};
use crate::channels::ChannelStats;
use crate::delivery::health::ChannelHealth;
use crate::delivery::probe::OutboxProbe;
use crate::domain::ChannelName;
use actix_web::{web, HttpResponse};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

/// How long a scrape waits for the scheduler before rendering the last known outbox
/// gauges (Prometheus' own scrape timeout is 10 s by default).
const PROBE_WAIT: Duration = Duration::from_secs(2);

pub struct Scrape {
    pub metrics: Metrics,
    pub channel_stats: BTreeMap<ChannelName, Arc<ChannelStats>>,
    pub health: Arc<ChannelHealth>,
    pub outbox: OutboxProbe,
}

impl Scrape {
    pub async fn refresh(&self) {
        let metrics = &self.metrics;
        let auth_failed = self.health.auth_failed();
        for (channel, stats) in &self.channel_stats {
            let label = [("channel", channel.as_str())];
            let failed = if auth_failed.contains_key(channel) {
                1.0
            } else {
                0.0
            };
            metrics.gauge(CHANNEL_AUTH_FAILED, &label).set(failed);
            metrics
                .counter(TOKEN_REFRESHES, &label)
                .absolute(stats.token_refreshes());
            for (carrier, count) in stats.unmapped_carriers() {
                metrics
                    .counter(
                        UNMAPPED_CARRIERS,
                        &[("channel", channel.as_str()), ("carrier", &carrier)],
                    )
                    .absolute(count);
            }
        }
        let Some(outbox) = self.outbox.snapshot(PROBE_WAIT).await else {
            tracing::warn!("the delivery scheduler did not answer; outbox gauges are stale");
            return;
        };
        // Tasks can outlive their channel's config; they still count.
        let channels: BTreeSet<&ChannelName> =
            self.channel_stats.keys().chain(outbox.keys()).collect();
        for channel in channels {
            let now = outbox.get(channel).cloned().unwrap_or_default();
            let label = [("channel", channel.as_str())];
            metrics.gauge(OUTBOX_DEPTH, &label).set(now.depth as f64);
            metrics
                .gauge(OUTBOX_OLDEST_DUE_AGE, &label)
                .set(now.oldest_due_age.as_secs_f64());
            metrics.gauge(DEAD_LETTERS, &label).set(now.dead as f64);
        }
    }
}

pub async fn render(scrape: web::Data<Scrape>) -> HttpResponse {
    scrape.refresh().await;
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(scrape.metrics.render_text())
}
