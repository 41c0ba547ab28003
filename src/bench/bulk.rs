//! Bulk loading a store for the "after 1M orders" and "100k queued tasks" figures,
//! without HTTP: the same events the load generator sends, parsed by the canonical
//! parser and applied by the real writer (same transaction, same records, same keys),
//! many batches in flight. Signatures are skipped: their cost is measured elsewhere,
//! and a million HTTP requests would take longer than the whole suite.

use super::events::{body, Mix};
use crate::config::Durability;
use crate::domain::{ChannelKind, ChannelName, EventId, SourceName, Timestamp};
use crate::store::{spawn_writer, IngestOutcome, Op, OpResult, Planning, Store};
use anyhow::{bail, Context};
use futures_util::StreamExt;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Loaded {
    pub events: u64,
    pub tasks: u64,
    pub raw_bytes: u64,
    pub took: Duration,
}

/// Applies events `0..count` of `mix` to the store at `path`. With `queue_tasks`, the
/// five sim channels are known to the planner and each accepted event enqueues its
/// tasks (due after `first_delay`); without, orders keep their links but nothing is
/// queued, as once every delivery is done.
pub async fn load(
    path: &Path,
    mix: Mix,
    count: u64,
    queue_tasks: bool,
    first_delay: Duration,
) -> anyhow::Result<Loaded> {
    let store_path = path.to_path_buf();
    // Flush, not fsync: the loader flushes once per batch and a crash just means a
    // rerun. The cache is small so the loader itself fits beside the builds.
    let store =
        tokio::task::spawn_blocking(move || Store::open(&store_path, Durability::Flush, 16 << 20))
            .await??;
    let kinds: BTreeMap<ChannelName, ChannelKind> = if queue_tasks {
        ChannelKind::ALL
            .into_iter()
            .map(|kind| (crate::sim::channel_name(kind), kind))
            .collect()
    } else {
        BTreeMap::new()
    };
    let (writer, mut committed, writer_task) =
        spawn_writer(store.clone(), Planning { kinds, first_delay });
    // The writer hands committed tasks to a scheduler; here there is none.
    let drain = tokio::spawn(async move { while committed.recv().await.is_some() {} });
    let source = SourceName::parse(super::daemon::SOURCE).expect("valid source");
    let started = Instant::now();
    let mut outcomes = futures_util::stream::iter(0..count)
        .map(|i| {
            let (writer, source) = (writer.clone(), source.clone());
            async move {
                let bytes = body(mix.plan(i));
                let size = bytes.len() as u64;
                let id = EventId::parse(format!("bulk-{i}")).expect("valid id");
                let event = crate::ingest::parse_canonical(id, &bytes)
                    .map_err(|e| anyhow::anyhow!("event {i}: {e}"))?;
                let op = Op::Ingest {
                    source,
                    event: Box::new(event),
                    at: Timestamp::from_datetime(time::OffsetDateTime::now_utc()),
                };
                let result = writer
                    .submit(op)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                anyhow::Ok((size, result))
            }
        })
        .buffer_unordered(2048);
    let mut loaded = Loaded {
        events: 0,
        tasks: 0,
        raw_bytes: 0,
        took: Duration::ZERO,
    };
    while let Some(outcome) = outcomes.next().await {
        let (size, result) = outcome?;
        match result {
            OpResult::Ingest(IngestOutcome::Accepted { tasks, .. }) => {
                loaded.tasks += tasks.len() as u64;
            }
            other => bail!("a bulk event was not accepted: {other:?}"),
        }
        loaded.events += 1;
        loaded.raw_bytes += size;
    }
    drop(outcomes);
    drop(writer);
    writer_task.await.context("the writer")?;
    drain.await.context("the task drain")?;
    tokio::task::spawn_blocking(move || store.sync()).await??;
    loaded.took = started.elapsed();
    Ok(loaded)
}
