//! The single writer: group commit. Concurrent requests queue here; the writer takes
//! everything queued, applies it in one sled transaction, flushes (and fsyncs) once,
//! and only then answers each request. One writer means no transaction conflicts and
//! one flush per batch however many requests it carries.

use super::apply::{apply_op, Trees};
use super::ops::{Op, OpResult, Planning};
use super::records::Task;
use super::{Store, StoreError};
use crate::metrics::Metrics;
use sled::transaction::{TransactionError, Transactional};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Most operations one batch carries; bounds transaction size and latency.
const MAX_BATCH: usize = 512;
const QUEUE_DEPTH: usize = 8192;

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

/// `spawn_writer` that records each batch's size and flush time in `metrics`.
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
    let (committed, committed_rx) = mpsc::unbounded_channel();
    let handle = tokio::spawn(run(store, Arc::new(planning), queue, committed, metrics));
    (Writer { requests }, committed_rx, handle)
}

async fn run(
    store: Store,
    planning: Arc<Planning>,
    mut queue: mpsc::Receiver<(Op, Reply)>,
    committed: mpsc::UnboundedSender<Committed>,
    metrics: Option<Metrics>,
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
        let size = ops.len();
        let (batch_store, batch_planning) = (store.clone(), planning.clone());
        let outcome =
            tokio::task::spawn_blocking(move || batch_store.commit_batch(&batch_planning, &ops))
                .await
                .unwrap_or_else(|panic| {
                    Err(StoreError::Sled(sled::Error::ReportableBug(
                        panic.to_string(),
                    )))
                });
        match outcome {
            Ok((results, flushed)) => {
                if let Some(metrics) = &metrics {
                    metrics.writer_batch(size, flushed);
                }
                let due: Committed = results.iter().flat_map(due_tasks).cloned().collect();
                if !due.is_empty() {
                    let _ = committed.send(due);
                }
                for (reply, result) in replies.into_iter().zip(results) {
                    let _ = reply.send(Ok(result));
                }
            }
            Err(error) => {
                tracing::error!(error = %error, "store batch failed; answering 503 to its requests");
                let error = Arc::new(error);
                for reply in replies {
                    let _ = reply.send(Err(error.clone()));
                }
            }
        }
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
    /// Applies a batch in one transaction, then makes it durable; also says how long
    /// making it durable took.
    fn commit_batch(
        &self,
        planning: &Planning,
        ops: &[Op],
    ) -> Result<(Vec<OpResult>, std::time::Duration), StoreError> {
        let i = &self.inner;
        let trees = (
            &i.orders,
            &i.events,
            &i.event_times,
            &i.history,
            &i.outbox,
            &i.tokens,
        );
        let results = trees
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
            })?;
        let flush = std::time::Instant::now();
        self.sync()?;
        Ok((results, flush.elapsed()))
    }
}
