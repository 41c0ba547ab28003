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
    let (applied, applied_rx) = mpsc::channel(APPLIED_DEPTH);
    let (committed, committed_rx) = mpsc::unbounded_channel();
    tokio::spawn(apply_batches(
        store.clone(),
        Arc::new(planning),
        queue,
        applied,
    ));
    // The syncer ends after the applier (it drops `applied`), so this handle covers both.
    let handle = tokio::spawn(sync_batches(store, applied_rx, committed, metrics));
    (Writer { requests }, committed_rx, handle)
}

/// A batch whose transaction has run (or failed), waiting to be made durable.
struct AppliedBatch {
    results: Result<Vec<OpResult>, StoreError>,
    replies: Vec<Reply>,
}

async fn apply_batches(
    store: Store,
    planning: Arc<Planning>,
    mut queue: mpsc::Receiver<(Op, Reply)>,
    applied: mpsc::Sender<AppliedBatch>,
) {
    while let Some(first) = queue.recv().await {
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
        let (batch_store, batch_planning) = (store.clone(), planning.clone());
        let results =
            tokio::task::spawn_blocking(move || batch_store.apply_batch(&batch_planning, &ops))
                .await
                .unwrap_or_else(|panic| {
                    Err(StoreError::Sled(sled::Error::ReportableBug(
                        panic.to_string(),
                    )))
                });
        if applied
            .send(AppliedBatch { results, replies })
            .await
            .is_err()
        {
            break;
        }
    }
}

async fn sync_batches(
    store: Store,
    mut applied: mpsc::Receiver<AppliedBatch>,
    committed: mpsc::UnboundedSender<Committed>,
    metrics: Option<Metrics>,
) {
    while let Some(first) = applied.recv().await {
        let mut batches = vec![first];
        while let Ok(batch) = applied.try_recv() {
            batches.push(batch);
        }
        let sync_store = store.clone();
        let synced = tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            sync_store.sync().map(|()| started.elapsed())
        })
        .await
        .unwrap_or_else(|panic| {
            Err(StoreError::Sled(sled::Error::ReportableBug(
                panic.to_string(),
            )))
        })
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
        let trees = (
            &i.orders,
            &i.events,
            &i.event_times,
            &i.history,
            &i.outbox,
            &i.tokens,
        );
        trees
            .transaction(|(orders, events, event_times, history, outbox, tokens)| {
                let t = Trees {
                    orders,
                    events,
                    event_times,
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
