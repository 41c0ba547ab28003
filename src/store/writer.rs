//! The single writer: group commit. Concurrent requests queue here; the writer takes
//! everything queued and applies it in one sled transaction; a syncer then flushes (and
//! fsyncs) once for every batch applied meanwhile, and only then answers each request.
//! One writer means no transaction conflicts and one flush per batch however many
//! requests it carries. The two stages overlap: the next batch is applied while the
//! previous one is being made durable, so the CPU does not sit idle during an fsync.

use super::apply::{apply_op, Trees};
use super::ops::{Op, OpResult, Planning};
use super::records::Task;
use super::{Store, StoreError};
use crate::metrics::Metrics;
use sled::transaction::{TransactionError, Transactional};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// Most operations one batch carries; bounds transaction size and latency.
const MAX_BATCH: usize = 512;
const QUEUE_DEPTH: usize = 8192;
/// Applied batches waiting for the syncer; past this the writer waits, and requests
/// wait in the queue (back-pressure to the HTTP handlers).
const APPLIED_DEPTH: usize = 4;

type Reply = oneshot::Sender<Result<OpResult, Arc<StoreError>>>;

#[derive(Clone)]
pub struct Writer {
    requests: mpsc::Sender<(Op, Reply)>,
}

/// Tasks that became due through a committed batch (new, linked or requeued), for the
/// delivery scheduler.
pub type Committed = Vec<Task>;

impl Writer {
    /// A writer whose store has stopped: every `submit` answers `WriterGone` (what
    /// requests see once the store cannot be written; for tests of that path).
    pub fn stopped() -> Writer {
        let (requests, _) = mpsc::channel(1);
        Writer { requests }
    }

    /// Applies `op` and returns once it is durable.
    pub async fn submit(&self, op: Op) -> Result<OpResult, Arc<StoreError>> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send((op, reply))
            .await
            .map_err(|_| Arc::new(StoreError::WriterGone))?;
        answer.await.map_err(|_| Arc::new(StoreError::WriterGone))?
    }
}

/// Starts the writer. It stops once every `Writer` handle is dropped and the queue
/// is drained.
pub fn spawn_writer(
    store: Store,
    planning: Planning,
) -> (
    Writer,
    mpsc::UnboundedReceiver<Committed>,
    tokio::task::JoinHandle<()>,
) {
    spawn_measured_writer(store, planning, None)
}

/// `spawn_writer` that records each sync's size and flush time in `metrics`.
pub fn spawn_measured_writer(
    store: Store,
    planning: Planning,
    metrics: Option<Metrics>,
) -> (
    Writer,
    mpsc::UnboundedReceiver<Committed>,
    tokio::task::JoinHandle<()>,
) {
    let (requests, queue) = mpsc::channel(QUEUE_DEPTH);
    let (applied, applied_rx) = std::sync::mpsc::sync_channel(APPLIED_DEPTH);
    let (committed, committed_rx) = mpsc::unbounded_channel();
    let (done, finished) = oneshot::channel::<()>();
    // Two threads of their own rather than tasks hopping on and off the blocking pool:
    // each hop is a thread wake-up, and under load those context switches were a
    // sixth of the daemon's CPU (perf).
    let apply_store = store.clone();
    std::thread::Builder::new()
        .name("store-apply".into())
        .spawn(move || {
            apply_batches(apply_store, &planning, queue, &applied);
            // Only now (the store handle is gone) may the syncer see the end and report
            // the writer finished: whoever waits for that may reopen the store.
            drop(applied);
        })
        .expect("the store-apply thread starts");
    std::thread::Builder::new()
        .name("store-sync".into())
        .spawn(move || {
            sync_batches(store, applied_rx, committed, metrics);
            let _ = done.send(());
        })
        .expect("the store-sync thread starts");
    // The syncer ends after the applier (it drops `applied`), so this handle covers both.
    let handle = tokio::spawn(async move {
        let _ = finished.await;
    });
    (Writer { requests }, committed_rx, handle)
}

/// A batch whose transaction has run (or failed), waiting to be made durable.
struct AppliedBatch {
    results: Result<Vec<OpResult>, StoreError>,
    replies: Vec<Reply>,
}

fn apply_batches(
    store: Store,
    planning: &Planning,
    mut queue: mpsc::Receiver<(Op, Reply)>,
    applied: &std::sync::mpsc::SyncSender<AppliedBatch>,
) {
    while let Some(first) = queue.blocking_recv() {
        let mut ops = vec![first.0];
        let mut replies = vec![first.1];
        while ops.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok((op, reply)) => {
                    ops.push(op);
                    replies.push(reply);
                }
                Err(_) => break,
            }
        }
        let results =
            std::panic::catch_unwind(AssertUnwindSafe(|| store.apply_batch(planning, &ops)))
                .unwrap_or_else(|panic| Err(panicked(panic)));
        if applied.send(AppliedBatch { results, replies }).is_err() {
            break;
        }
    }
}

fn panicked(panic: Box<dyn std::any::Any + Send>) -> StoreError {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a store batch panicked".into());
    StoreError::Sled(sled::Error::ReportableBug(text))
}

fn sync_batches(
    store: Store,
    applied: std::sync::mpsc::Receiver<AppliedBatch>,
    committed: mpsc::UnboundedSender<Committed>,
    metrics: Option<Metrics>,
) {
    while let Ok(first) = applied.recv() {
        let mut batches = vec![first];
        while let Ok(batch) = applied.try_recv() {
            batches.push(batch);
        }
        let started = Instant::now();
        let synced = std::panic::catch_unwind(AssertUnwindSafe(|| store.sync()))
            .unwrap_or_else(|panic| Err(panicked(panic)))
            .map(|()| started.elapsed())
            .map_err(Arc::new);
        if let (Some(metrics), Ok(took)) = (&metrics, &synced) {
            let operations = batches.iter().map(|b| b.replies.len()).sum();
            metrics.writer_batch(operations, *took);
        }
        for batch in batches {
            answer(batch, &synced, &committed);
        }
    }
}

/// Answers a batch's requests once the sync covering it is done, and hands the tasks
/// it made due to the scheduler (only now: a task is never delivered before it is durable).
fn answer(
    batch: AppliedBatch,
    synced: &Result<Duration, Arc<StoreError>>,
    committed: &mpsc::UnboundedSender<Committed>,
) {
    let error = match (batch.results, synced) {
        (Ok(results), Ok(_)) => {
            let due: Committed = results.iter().flat_map(due_tasks).cloned().collect();
            if !due.is_empty() {
                let _ = committed.send(due);
            }
            for (reply, result) in batch.replies.into_iter().zip(results) {
                let _ = reply.send(Ok(result));
            }
            return;
        }
        (Err(error), _) => Arc::new(error),
        (Ok(_), Err(error)) => error.clone(),
    };
    tracing::error!(error = %error, "store batch failed; answering 503 to its requests");
    for reply in batch.replies {
        let _ = reply.send(Err(error.clone()));
    }
}

fn due_tasks(result: &OpResult) -> &[Task] {
    match result {
        OpResult::Ingest(super::IngestOutcome::Accepted { tasks, .. }) => tasks,
        OpResult::AddLink(Ok((_, tasks))) => tasks,
        OpResult::Requeue(tasks) => tasks,
        _ => &[],
    }
}

impl Store {
    /// Applies a batch in one transaction (in memory and in sled's log; durable only
    /// after the next `sync`).
    fn apply_batch(&self, planning: &Planning, ops: &[Op]) -> Result<Vec<OpResult>, StoreError> {
        let i = &self.inner;
        let trees = (&i.orders, &i.events, &i.history, &i.outbox, &i.tokens);
        trees
            .transaction(|(orders, events, history, outbox, tokens)| {
                let t = Trees {
                    orders,
                    events,
                    history,
                    outbox,
                    tokens,
                };
                ops.iter()
                    .map(|op| apply_op(&t, planning, op))
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(|error| match error {
                TransactionError::Abort(error) => error,
                TransactionError::Storage(error) => StoreError::Sled(error),
            })
    }
}
