//! What the store keeps besides orders: outbox tasks and history entries.

use crate::domain::{
    Change, ChannelName, EventId, OrderId, OutcomeKind, RemoteError, SourceName, Status, Timestamp,
};
use serde::{Deserialize, Serialize};

/// Where a task stands. Finished tasks leave the outbox; their outcome stays on the
/// order (`channels`) and in its history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    Pending,
    Retrying,
    /// The channel refused our credentials; kept, retried with capped backoff.
    Auth,
    /// Out of attempts: a dead letter until replayed.
    Dead,
}

impl TaskState {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Pending => "pending",
            TaskState::Retrying => "retrying",
            TaskState::Auth => "auth",
            TaskState::Dead => "dead",
        }
    }

    pub fn parse(text: &str) -> Option<TaskState> {
        [
            TaskState::Pending,
            TaskState::Retrying,
            TaskState::Auth,
            TaskState::Dead,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// One change to deliver to one channel ("bring channel's copy of order X to S").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub id: u64,
    pub order_id: OrderId,
    pub change: Change,
    pub state: TaskState,
    /// Attempts that counted against the schedule.
    pub attempts: u32,
    /// Consecutive `auth` outcomes, for the capped auth backoff.
    #[serde(default)]
    pub auth_failures: u32,
    pub created_at: Timestamp,
    pub next_attempt_at: Timestamp,
    /// Set while a worker holds the task; a lease from a dead process is void at start.
    #[serde(default)]
    pub lease_until: Option<Timestamp>,
    #[serde(default)]
    pub last_outcome: Option<OutcomeKind>,
    #[serde(default)]
    pub last_error: Option<RemoteError>,
}

impl Task {
    pub fn channel(&self) -> &ChannelName {
        &self.change.channel
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventResult {
    Accepted,
    Stale,
}

/// The audit trail of an order, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HistoryEntry {
    Event {
        at: Timestamp,
        event_id: EventId,
        source: SourceName,
        status: Status,
        result: EventResult,
    },
    Link {
        at: Timestamp,
        channel: ChannelName,
        order_id: String,
    },
    Delivery {
        at: Timestamp,
        channel: ChannelName,
        task_id: u64,
        status: Status,
        attempt: u32,
        outcome: OutcomeKind,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<RemoteError>,
    },
    Requeued {
        at: Timestamp,
        channel: ChannelName,
        task_id: u64,
    },
}

impl HistoryEntry {
    pub fn at(&self) -> Timestamp {
        match self {
            HistoryEntry::Event { at, .. }
            | HistoryEntry::Link { at, .. }
            | HistoryEntry::Delivery { at, .. }
            | HistoryEntry::Requeued { at, .. } => *at,
        }
    }
}
