//! The scheduler: one loop owns the lanes, hands due lane heads to workers (bounded
//! by `delivery.concurrency`), and takes them back when a worker is done. It wakes on
//! new tasks from the writer, on finished workers and on the next due time: no polling.

use super::lanes::{LaneKey, Lanes};
use super::probe::{ChannelOutbox, OutboxSnapshot, ProbeRequest};
use super::retry::RetryPolicy;
use super::slots::ChannelSlots;
use super::worker::{attempt, WorkerContext, WorkerResult};
use crate::domain::ChannelName;
use crate::store::{Committed, Store, StoreError, Task, TaskState};
use futures_util::FutureExt;
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;

/// How long a task whose attempt panicked waits before it is tried again.
const PANIC_BACKOFF: Duration = Duration::from_secs(60);

pub struct EngineConfig {
    pub concurrency: usize,
    pub policy: RetryPolicy,
    pub shutdown_grace: Duration,
}

/// Loads every live task (a lease held by a process that died is simply void: the
/// task is due again) and starts the scheduler.
pub fn start(
    store: &Store,
    context: WorkerContext,
    committed: mpsc::UnboundedReceiver<Committed>,
    config: EngineConfig,
    shutdown: watch::Receiver<bool>,
    probes: mpsc::Receiver<ProbeRequest>,
) -> Result<tokio::task::JoinHandle<()>, StoreError> {
    let mut lanes = Lanes::default();
    let mut dead = HashMap::new();
    store.for_each_task(|task| {
        if task.state == TaskState::Dead {
            dead.insert(task.id, task.channel().clone());
        } else {
            lanes.insert(lane_of(&task), task.id, due_instant(&task));
        }
    })?;
    let slots = ChannelSlots::new(config.concurrency, context.channels.len());
    tracing::info!(
        tasks = lanes.len(),
        slots_per_channel = slots.share(),
        "delivery engine started"
    );
    let scheduler = Scheduler {
        lanes,
        slots,
        context: Arc::new(context),
        config,
        committed,
        shutdown,
        probes,
        dead,
    };
    Ok(tokio::spawn(scheduler.run()))
}

fn lane_of(task: &Task) -> LaneKey {
    (task.order_id.clone(), task.channel().clone())
}

fn due_instant(task: &Task) -> Instant {
    let now = crate::ingest::handler::now();
    Instant::now() + task.next_attempt_at.since(now)
}

struct Scheduler {
    lanes: Lanes,
    slots: ChannelSlots,
    context: Arc<WorkerContext>,
    config: EngineConfig,
    committed: mpsc::UnboundedReceiver<Committed>,
    shutdown: watch::Receiver<bool>,
    probes: mpsc::Receiver<ProbeRequest>,
    /// Dead letters by task id: they leave the lanes, but metrics still count them
    /// until a replay brings them back through `committed`.
    dead: HashMap<u64, ChannelName>,
}

impl Scheduler {
    async fn run(mut self) {
        let permits = Arc::new(Semaphore::new(self.config.concurrency.max(1)));
        let mut workers: JoinSet<(LaneKey, u64, WorkerResult)> = JoinSet::new();
        loop {
            self.dispatch(&permits, &mut workers);
            let next_due = next_wake(&self.lanes, permits.available_permits());
            tokio::select! {
                batch = self.committed.recv() => match batch {
                    Some(tasks) => tasks.iter().for_each(|t| {
                        self.dead.remove(&t.id);
                        self.lanes.insert(lane_of(t), t.id, due_instant(t))
                    }),
                    None => break,
                },
                Some(reply) = self.probes.recv() => {
                    let _ = reply.send(self.snapshot());
                }
                Some(joined) = workers.join_next() => match joined {
                    Ok((lane, task_id, result)) => self.take_back(lane, task_id, result),
                    Err(error) => tracing::error!(error = %error, "delivery worker panicked"),
                },
                _ = sleep_until(next_due) => {}
                _ = self.shutdown.changed() => break,
            }
        }
        self.drain(workers).await;
    }

    fn dispatch(
        &mut self,
        permits: &Arc<Semaphore>,
        workers: &mut JoinSet<(LaneKey, u64, WorkerResult)>,
    ) {
        while permits.available_permits() > 0 {
            let (lane, task_id) = match self.slots.next_held() {
                Some(held) => held,
                None => {
                    let Some((lane, task_id)) = self.lanes.pop_due(Instant::now()) else {
                        return;
                    };
                    match self.slots.admit(lane, task_id) {
                        Some(admitted) => admitted,
                        None => continue,
                    }
                }
            };
            let permit = permits
                .clone()
                .try_acquire_owned()
                .expect("a permit was available");
            let context = self.context.clone();
            workers.spawn(async move {
                // A panic must not strand the lane: it comes back like any other result.
                let result = AssertUnwindSafe(attempt(&context, task_id))
                    .catch_unwind()
                    .await
                    .unwrap_or(WorkerResult::Panicked);
                drop(permit);
                (lane, task_id, result)
            });
        }
    }

    fn take_back(&mut self, lane: LaneKey, task_id: u64, result: WorkerResult) {
        self.slots.finished(&lane.1);
        match result {
            WorkerResult::Rescheduled(task) => {
                self.lanes.insert(lane.clone(), task_id, due_instant(&task));
                self.lanes.release(&lane);
            }
            WorkerResult::Dead => {
                self.dead.insert(task_id, lane.1.clone());
                self.lanes.remove(&lane, task_id)
            }
            WorkerResult::Finished | WorkerResult::Gone => self.lanes.remove(&lane, task_id),
            WorkerResult::StoreFailed => {
                // The store refused the claim or the outcome: keep the task, try later.
                self.lanes.insert(
                    lane.clone(),
                    task_id,
                    Instant::now() + Duration::from_secs(1),
                );
                self.lanes.release(&lane);
            }
            WorkerResult::Panicked => {
                tracing::error!(
                    task = task_id,
                    "a delivery attempt panicked; the task is retried in a minute"
                );
                self.lanes
                    .insert(lane.clone(), task_id, Instant::now() + PANIC_BACKOFF);
                self.lanes.release(&lane);
            }
        }
    }

    fn snapshot(&self) -> OutboxSnapshot {
        let now = Instant::now();
        let mut snapshot = OutboxSnapshot::new();
        for (channel, (depth, earliest)) in self.lanes.per_channel() {
            let entry: &mut ChannelOutbox = snapshot.entry(channel).or_default();
            entry.depth = depth;
            entry.oldest_due_age = now.saturating_duration_since(earliest);
        }
        for channel in self.dead.values() {
            snapshot.entry(channel.clone()).or_default().dead += 1;
        }
        snapshot
    }

    /// Stops claiming; lets in-flight calls finish and record their outcome within the
    /// grace period. Anything cut off is still in the outbox for the next start.
    async fn drain(self, mut workers: JoinSet<(LaneKey, u64, WorkerResult)>) {
        let in_flight = workers.len();
        tracing::info!(in_flight, "delivery engine stopping");
        let finished = tokio::time::timeout(self.config.shutdown_grace, async {
            while workers.join_next().await.is_some() {}
        })
        .await;
        if finished.is_err() {
            tracing::warn!(
                left = workers.len(),
                "shutdown grace ran out; unfinished deliveries resume at next start"
            );
            workers.abort_all();
        }
    }
}

/// When the timer should wake the scheduler. With every permit taken, a due lane head
/// can only start once a worker is done, and that wakes the loop anyway: waiting on
/// its (past) due time would spin the loop until then, starving the workers and the
/// writer of the CPU they need to finish.
fn next_wake(lanes: &Lanes, free_permits: usize) -> Option<Instant> {
    if free_permits == 0 {
        return None;
    }
    lanes.next_due()
}

async fn sleep_until(due: Option<Instant>) {
    match due {
        Some(due) => tokio::time::sleep_until(due).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ChannelName, OrderId};

    #[test]
    fn a_saturated_scheduler_waits_for_a_worker_not_for_the_clock() {
        let mut lanes = Lanes::default();
        let lane = (
            OrderId::parse("1").unwrap(),
            ChannelName::parse("wiz").unwrap(),
        );
        let overdue = Instant::now() - Duration::from_secs(1);
        lanes.insert(lane, 7, overdue);
        assert_eq!(next_wake(&lanes, 1), Some(overdue));
        assert_eq!(next_wake(&lanes, 0), None);
        assert_eq!(next_wake(&Lanes::default(), 4), None);
    }
}
