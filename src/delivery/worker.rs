//! One delivery attempt: claim (counts the attempt durably), re-read the order, check
//! the task still matters, call the connector, decide by the retry policy, record.

use super::health::ChannelHealth;
use super::retry::{Decision, RetryPolicy};
use crate::channels::{Channel, Delivery};
use crate::domain::{superseded_by, ChannelName, Order, Outcome, RemoteError, Timestamp};
use crate::ingest::handler::now;
use crate::metrics::Metrics;
use crate::store::{Disposition, Op, OpResult, Task, TaskUpdate, Writer};
use rand::Rng;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

pub struct WorkerContext {
    pub writer: Writer,
    pub channels: BTreeMap<ChannelName, Arc<dyn Channel>>,
    pub health: Arc<ChannelHealth>,
    pub policy: RetryPolicy,
    /// How long a claim holds a task: longer than any attempt (several calls, each
    /// with the request timeout, plus rate-limit waits).
    pub lease: Duration,
    pub metrics: Metrics,
}

pub enum WorkerResult {
    Finished,
    Rescheduled(Box<Task>),
    Dead,
    /// The task left the outbox (or was dead) before we could claim it.
    Gone,
    StoreFailed,
    /// The attempt panicked (a bug): its outcome is unknown, so the task stays queued.
    Panicked,
}

#[tracing::instrument(skip(context), fields(order_id, channel))]
pub async fn attempt(context: &WorkerContext, task_id: u64) -> WorkerResult {
    let lease_until = now().plus(context.lease);
    let (task, order) = match context
        .writer
        .submit(Op::Claim {
            task_id,
            lease_until,
        })
        .await
    {
        Ok(OpResult::Claim(Some((task, order)))) => (task, order),
        Ok(_) => return WorkerResult::Gone,
        Err(error) => {
            tracing::error!(error = %error, "could not claim a delivery");
            return WorkerResult::StoreFailed;
        }
    };
    let span = tracing::Span::current();
    span.record("order_id", tracing::field::display(&task.order_id));
    span.record("channel", tracing::field::display(task.channel()));
    let outcome = run_attempt(context, &task, &order).await;
    record(context, &task, outcome).await
}

async fn run_attempt(context: &WorkerContext, task: &Task, order: &Order) -> Outcome {
    if let Some(reason) = superseded_by(&task.change, order) {
        return Outcome::Superseded { reason };
    }
    let Some(channel) = context.channels.get(task.channel()) else {
        return Outcome::Rejected(RemoteError::new(
            Some("unknown_channel"),
            format!("channel {} is no longer configured", task.channel()),
        ));
    };
    let Some(link) = order.links.get(task.channel()) else {
        return Outcome::Rejected(RemoteError::new(
            Some("no_link"),
            format!("the order has no link to {}", task.channel()),
        ));
    };
    let acked = order
        .channels
        .get(task.channel())
        .and_then(|sync| sync.acked);
    let delivery = Delivery {
        task_id: task.id,
        change: &task.change,
        order,
        link,
        acked,
        attempt: task.attempts,
    };
    let outcome = channel.deliver(&delivery).await;
    match &outcome {
        Outcome::Auth(error) => context
            .health
            .mark_auth_failed(task.channel(), &error.message),
        outcome if outcome.is_success() => context.health.mark_healthy(task.channel()),
        _ => {}
    }
    outcome
}

async fn record(context: &WorkerContext, task: &Task, outcome: Outcome) -> WorkerResult {
    let at = now();
    let jitter = rand::thread_rng().gen_range(-1.0..=1.0);
    let decision = context
        .policy
        .decide(&outcome, task.attempts, task.auth_failures, jitter);
    log_outcome(task, &outcome, &decision);
    let acked_after = outcome.is_success().then(|| at.since(task.created_at));
    let dead = matches!(decision, Decision::Dead);
    context
        .metrics
        .delivery(task.channel(), outcome.kind(), acked_after, dead);
    let disposition = match decision {
        Decision::Finished => Disposition::Finished,
        Decision::Dead => Disposition::Dead,
        Decision::Retry {
            wait,
            state,
            attempts,
            auth_failures,
        } => Disposition::Reschedule {
            at: Timestamp::plus(at, wait),
            state,
            attempts,
            auth_failures,
        },
    };
    let update = TaskUpdate {
        at,
        outcome: outcome.kind(),
        error: outcome.error(),
        disposition: disposition.clone(),
    };
    match context
        .writer
        .submit(Op::Finish {
            task_id: task.id,
            update,
        })
        .await
    {
        Ok(OpResult::Finish(Some(task)))
            if matches!(disposition, Disposition::Reschedule { .. }) =>
        {
            WorkerResult::Rescheduled(Box::new(task))
        }
        Ok(_) if disposition == Disposition::Dead => WorkerResult::Dead,
        Ok(_) => WorkerResult::Finished,
        Err(error) => {
            tracing::error!(error = %error, "could not record a delivery outcome");
            WorkerResult::StoreFailed
        }
    }
}

fn log_outcome(task: &Task, outcome: &Outcome, decision: &Decision) {
    let kind = outcome.kind().as_str();
    let error = outcome
        .error()
        .map(|e| format!("{}: {}", e.code.unwrap_or_default(), e.message));
    match decision {
        Decision::Dead => {
            tracing::error!(task = task.id, status = %task.change.target, outcome = kind, error, "delivery is dead: out of attempts")
        }
        Decision::Retry { wait, .. } => {
            tracing::warn!(task = task.id, status = %task.change.target, outcome = kind, error, retry_in = ?wait, "delivery will be retried")
        }
        Decision::Finished => {
            tracing::info!(task = task.id, status = %task.change.target, outcome = kind, error, "delivery finished")
        }
    }
}
