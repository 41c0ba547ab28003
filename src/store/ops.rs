//! The operations the writer applies, and what each one answers.

use super::records::{Task, TaskState};
use crate::channels::auth::StoredToken;
use crate::domain::{
    ChannelKind, ChannelName, Link, Order, OrderEvent, OrderId, OutcomeKind, Rejection,
    RemoteError, SourceName, Status, Timestamp,
};
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub enum Op {
    Ingest {
        source: SourceName,
        event: Box<OrderEvent>,
        at: Timestamp,
    },
    AddLink {
        order_id: OrderId,
        link: Link,
        at: Timestamp,
    },
    /// A worker takes a task: the attempt is counted before the call, so a call that
    /// takes the process down still uses up an attempt.
    Claim {
        task_id: u64,
        lease_until: Timestamp,
    },
    Finish {
        task_id: u64,
        update: TaskUpdate,
    },
    Requeue {
        task_ids: Vec<u64>,
        at: Timestamp,
    },
    SaveToken {
        channel: ChannelName,
        token: StoredToken,
    },
}

/// What the worker decided after an attempt (by the pure retry policy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskUpdate {
    pub at: Timestamp,
    pub outcome: OutcomeKind,
    pub error: Option<RemoteError>,
    pub disposition: Disposition,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    /// Nothing more to send: the task leaves the outbox.
    Finished,
    /// Try again at `at`; `attempts` is the count after this attempt.
    Reschedule {
        at: Timestamp,
        state: TaskState,
        attempts: u32,
        auth_failures: u32,
    },
    /// Out of attempts: kept as a dead letter.
    Dead,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestOutcome {
    Accepted { order_id: OrderId, tasks: Vec<Task> },
    Duplicate,
    Stale { order_id: OrderId, status: Status },
    Rejected(Rejection),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("no order {0} is stored")]
    UnknownOrder(OrderId),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpResult {
    Ingest(IngestOutcome),
    AddLink(LinkResult),
    Claim(Claimed),
    Finish(Option<Task>),
    Requeue(Vec<Task>),
    SaveToken,
}

/// What the writer needs to plan deliveries: each channel's kind, and the wait before
/// a task's first attempt (`delivery.schedule[0]`).
#[derive(Debug, Clone, Default)]
pub struct Planning {
    pub kinds: BTreeMap<ChannelName, ChannelKind>,
    pub first_delay: std::time::Duration,
}

/// The order with the link merged, and what it enqueued.
pub type LinkResult = Result<(Box<Order>, Vec<Task>), LinkError>;

/// A claimed task and the order as it stands.
pub type Claimed = Option<(Box<Task>, Box<Order>)>;
