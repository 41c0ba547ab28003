//! Prometheus metrics, rendered by our own `GET /metrics` route.
//!
//! Each `Application` owns its own `PrometheusRecorder` and records through it
//! directly (`Recorder::register_*`), instead of installing it as the process-global
//! `metrics` recorder: a global recorder can be installed once per process, and the
//! integration tests run many apps in one process, each of which must count only its
//! own traffic for "this counter moved by exactly N" to mean anything.

mod scrape;

pub use scrape::{render, Scrape};

use crate::domain::{ChannelName, OutcomeKind};
use ::metrics::{Counter, Gauge, Histogram, Key, Label, Level, Metadata, Recorder, Unit};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusRecorder};
use std::sync::Arc;
use std::time::Duration;

pub const WEBHOOKS: &str = "ordersync_webhooks_total";
pub const INGEST_DURATION: &str = "ordersync_ingest_duration_seconds";
pub const WRITER_BATCH_SIZE: &str = "ordersync_writer_batch_size";
pub const WRITER_FLUSH_DURATION: &str = "ordersync_writer_flush_duration_seconds";
pub const DELIVERIES: &str = "ordersync_deliveries_total";
pub const DELIVERY_LATENCY: &str = "ordersync_delivery_latency_seconds";
pub const DEAD_LETTERS_TOTAL: &str = "ordersync_dead_letters_total";
pub const DEAD_LETTERS: &str = "ordersync_dead_letters";
pub const OUTBOX_DEPTH: &str = "ordersync_outbox_depth";
pub const OUTBOX_OLDEST_DUE_AGE: &str = "ordersync_outbox_oldest_due_age_seconds";
pub const UNMAPPED_CARRIERS: &str = "ordersync_unmapped_carriers_total";
pub const TOKEN_REFRESHES: &str = "ordersync_token_refreshes_total";
pub const CHANNEL_AUTH_FAILED: &str = "ordersync_channel_auth_failed";

/// The `source` label of webhooks to a source that is not configured. The path segment
/// is attacker-chosen: using it as a label would let anyone grow the registry without
/// bound. Parentheses cannot occur in a source name, so this never collides.
pub const UNKNOWN_SOURCE: &str = "(unknown)";

/// Webhook results besides the rejection codes.
pub const WEBHOOK_RESULTS: [&str; 5] = ["accepted", "duplicate", "stale", "ignored", "ping"];

/// `IngestError::code()` of every variant (a test keeps the list complete).
pub const REJECTION_CODES: [&str; 9] = [
    "unknown_source",
    "missing_signature",
    "invalid_signature",
    "timestamp_out_of_tolerance",
    "payload_too_large",
    "malformed_json",
    "invalid_event",
    "invalid_transition",
    "unavailable",
];

/// Outcomes a delivery attempt can have (`Outcome::kind`; `dead` is a disposition).
pub const DELIVERY_OUTCOMES: [OutcomeKind; 7] = [
    OutcomeKind::Done,
    OutcomeKind::AlreadyApplied,
    OutcomeKind::Unsupported,
    OutcomeKind::Rejected,
    OutcomeKind::Retry,
    OutcomeKind::Auth,
    OutcomeKind::Superseded,
];

const FAST_SECONDS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Task creation to remote acknowledgement spans milliseconds (first try) to a day
/// (the end of the retry schedule).
const DELIVERY_SECONDS: &[f64] = &[
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 14400.0, 86400.0,
];
/// Powers of two up to the writer's largest batch (512).
const BATCH_SIZES: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];

static METADATA: Metadata<'static> =
    Metadata::new(module_path!(), Level::INFO, Some(module_path!()));

/// A cheap handle (one `Arc`) to one app's metrics.
#[derive(Clone)]
pub struct Metrics {
    recorder: Arc<PrometheusRecorder>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

fn labels(pairs: &[(&'static str, &str)]) -> Vec<Label> {
    pairs
        .iter()
        .map(|(name, value)| Label::new(*name, value.to_string()))
        .collect()
}

impl Metrics {
    pub fn new() -> Metrics {
        let buckets = [
            (INGEST_DURATION, FAST_SECONDS),
            (WRITER_FLUSH_DURATION, FAST_SECONDS),
            (DELIVERY_LATENCY, DELIVERY_SECONDS),
            (WRITER_BATCH_SIZE, BATCH_SIZES),
        ];
        let builder =
            buckets
                .into_iter()
                .fold(PrometheusBuilder::new(), |builder, (name, values)| {
                    builder
                        .set_buckets_for_metric(Matcher::Full(name.to_string()), values)
                        .expect("bucket lists are constant and non-empty")
                });
        let metrics = Metrics {
            recorder: Arc::new(builder.build_recorder()),
        };
        metrics.describe();
        metrics
    }

    fn describe(&self) {
        let r = &self.recorder;
        let text = |name: &'static str, unit, help: &'static str| (name, unit, help);
        for (name, unit, help) in [
            text(WEBHOOKS, None, "Webhooks received, by source and result (accepted, duplicate, stale, ignored, ping, or the rejection code)."),
            text(DELIVERIES, None, "Delivery attempts, by channel and outcome."),
            text(DEAD_LETTERS_TOTAL, None, "Tasks that ran out of attempts and became dead letters, by channel."),
            text(UNMAPPED_CARRIERS, None, "Shipments sent with a fallback carrier code because the channel has no code for the carrier."),
            text(TOKEN_REFRESHES, None, "Access tokens fetched from a channel's auth endpoint."),
        ] {
            r.describe_counter(name.into(), unit, help.into());
        }
        for (name, unit, help) in [
            text(INGEST_DURATION, Some(Unit::Seconds), "Webhook handling time, request start to response (includes the durable write)."),
            text(WRITER_BATCH_SIZE, Some(Unit::Count), "Operations per group-commit batch."),
            text(WRITER_FLUSH_DURATION, Some(Unit::Seconds), "Time to make one batch durable (sled flush, plus fsync when durability = fsync)."),
            text(DELIVERY_LATENCY, Some(Unit::Seconds), "Task creation to the channel's acknowledgement (done or already applied), by channel."),
        ] {
            r.describe_histogram(name.into(), unit, help.into());
        }
        for (name, unit, help) in [
            text(OUTBOX_DEPTH, Some(Unit::Count), "Tasks waiting or in flight (not dead), by channel."),
            text(OUTBOX_OLDEST_DUE_AGE, Some(Unit::Seconds), "How long the longest-overdue task has been due without finishing (0 when none is due), by channel."),
            text(DEAD_LETTERS, Some(Unit::Count), "Dead letters currently in the outbox, by channel."),
            text(CHANNEL_AUTH_FAILED, None, "1 while the channel refuses our credentials, else 0."),
        ] {
            r.describe_gauge(name.into(), unit, help.into());
        }
    }

    pub(crate) fn counter(&self, name: &'static str, pairs: &[(&'static str, &str)]) -> Counter {
        self.recorder
            .register_counter(&Key::from_parts(name, labels(pairs)), &METADATA)
    }

    pub(crate) fn gauge(&self, name: &'static str, pairs: &[(&'static str, &str)]) -> Gauge {
        self.recorder
            .register_gauge(&Key::from_parts(name, labels(pairs)), &METADATA)
    }

    fn histogram(&self, name: &'static str, pairs: &[(&'static str, &str)]) -> Histogram {
        self.recorder
            .register_histogram(&Key::from_parts(name, labels(pairs)), &METADATA)
    }

    /// Registers every series whose label values are known up front, at zero, so they
    /// are scraped (and `rate()` works) before the first event. Registering is what makes
    /// a series render; the zero increments only spell that out.
    pub fn register_known(&self, sources: &[&str], channels: &[&str]) {
        for &source in sources.iter().chain([&UNKNOWN_SOURCE]) {
            for result in WEBHOOK_RESULTS.iter().chain(&REJECTION_CODES) {
                self.counter(WEBHOOKS, &[("source", source), ("result", result)])
                    .increment(0);
            }
            let _ = self.histogram(INGEST_DURATION, &[("source", source)]);
        }
        let _ = self.histogram(WRITER_BATCH_SIZE, &[]);
        let _ = self.histogram(WRITER_FLUSH_DURATION, &[]);
        for &channel in channels {
            let label = [("channel", channel)];
            for outcome in DELIVERY_OUTCOMES {
                let outcome = outcome.as_str();
                self.counter(DELIVERIES, &[("channel", channel), ("outcome", outcome)])
                    .increment(0);
            }
            let _ = self.histogram(DELIVERY_LATENCY, &label);
            self.counter(DEAD_LETTERS_TOTAL, &label).increment(0);
            self.counter(TOKEN_REFRESHES, &label).increment(0);
            for gauge in [
                OUTBOX_DEPTH,
                OUTBOX_OLDEST_DUE_AGE,
                DEAD_LETTERS,
                CHANNEL_AUTH_FAILED,
            ] {
                self.gauge(gauge, &label).set(0.0);
            }
        }
    }

    /// One webhook answered: `source` must be a configured source or `UNKNOWN_SOURCE`.
    pub fn webhook(&self, source: &str, result: &str, took: Duration) {
        self.counter(WEBHOOKS, &[("source", source), ("result", result)])
            .increment(1);
        self.histogram(INGEST_DURATION, &[("source", source)])
            .record(took.as_secs_f64());
    }

    /// One group-commit batch made durable.
    pub fn writer_batch(&self, operations: usize, flush: Duration) {
        self.histogram(WRITER_BATCH_SIZE, &[])
            .record(operations as f64);
        self.histogram(WRITER_FLUSH_DURATION, &[])
            .record(flush.as_secs_f64());
    }

    /// One delivery attempt recorded. `acked_after` is the time from the task's creation
    /// when the channel acknowledged it; `dead` when the attempt used up the schedule.
    pub fn delivery(
        &self,
        channel: &ChannelName,
        outcome: OutcomeKind,
        acked_after: Option<Duration>,
        dead: bool,
    ) {
        let channel = channel.as_str();
        self.counter(
            DELIVERIES,
            &[("channel", channel), ("outcome", outcome.as_str())],
        )
        .increment(1);
        if let Some(latency) = acked_after {
            self.histogram(DELIVERY_LATENCY, &[("channel", channel)])
                .record(latency.as_secs_f64());
        }
        if dead {
            self.counter(DEAD_LETTERS_TOTAL, &[("channel", channel)])
                .increment(1);
        }
    }

    /// Moves recorded histogram samples into their buckets. Without it, samples pile up
    /// in memory until the next scrape, and nothing may ever scrape.
    pub fn upkeep(&self) {
        self.recorder.handle().run_upkeep();
    }

    pub fn render_text(&self) -> String {
        self.recorder.handle().render()
    }

    /// Runs `upkeep` every few seconds, forever.
    pub async fn upkeep_forever(self) {
        let mut every = tokio::time::interval(Duration::from_secs(5));
        loop {
            every.tick().await;
            self.upkeep();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::IngestError;

    /// Fails to compile when a variant is added, and fails when its code is not listed.
    fn code_of_every_variant(error: &IngestError) -> &'static str {
        match error {
            IngestError::UnknownSource(_)
            | IngestError::MissingSignature(_)
            | IngestError::InvalidSignature(_)
            | IngestError::TimestampOutOfTolerance(_)
            | IngestError::PayloadTooLarge { .. }
            | IngestError::MalformedJson(_)
            | IngestError::InvalidEvent(_)
            | IngestError::InvalidTransition(_)
            | IngestError::Unavailable(_) => error.code(),
        }
    }

    #[test]
    fn every_rejection_code_is_preregistered() {
        let s = String::new;
        let all = [
            IngestError::UnknownSource(s()),
            IngestError::MissingSignature(s()),
            IngestError::InvalidSignature(s()),
            IngestError::TimestampOutOfTolerance(s()),
            IngestError::PayloadTooLarge { limit: 1 },
            IngestError::MalformedJson(s()),
            IngestError::InvalidEvent(s()),
            IngestError::InvalidTransition(s()),
            IngestError::Unavailable(s()),
        ];
        let codes: Vec<_> = all.iter().map(code_of_every_variant).collect();
        assert_eq!(codes, REJECTION_CODES);
    }

    #[test]
    fn two_apps_count_apart() {
        let (a, b) = (Metrics::new(), Metrics::new());
        a.webhook("primary", "accepted", Duration::from_millis(3));
        a.webhook("primary", "accepted", Duration::from_millis(3));
        b.webhook("primary", "accepted", Duration::from_millis(3));
        let line = "ordersync_webhooks_total{source=\"primary\",result=\"accepted\"}";
        assert!(a.render_text().contains(&format!("{line} 2")));
        assert!(b.render_text().contains(&format!("{line} 1")));
    }

    #[test]
    fn histograms_render_as_buckets_with_help() {
        let m = Metrics::new();
        m.writer_batch(3, Duration::from_millis(2));
        let text = m.render_text();
        assert!(
            text.contains("# TYPE ordersync_writer_batch_size histogram"),
            "{text}"
        );
        assert!(
            text.contains("ordersync_writer_batch_size_bucket{le=\"4\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("# HELP ordersync_writer_flush_duration_seconds"),
            "{text}"
        );
    }
}
