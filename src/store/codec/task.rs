//! The outbox record: the tasks one enqueue wrote.

use super::{from_v2, to_v2, Record};
use crate::domain::{
    Change, ChannelName, LineId, OrderId, OutcomeKind, RemoteError, Status, Timestamp,
};
use crate::store::records::{Task, TaskState};
use crate::store::StoreError;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct TaskRecord {
    id: u64,
    order_id: OrderId,
    channel: ChannelName,
    target: Status,
    items: Option<Vec<LineId>>,
    tracking: Option<String>,
    state: TaskState,
    attempts: u32,
    auth_failures: u32,
    created_at: Timestamp,
    next_attempt_at: Timestamp,
    lease_until: Option<Timestamp>,
    last_outcome: Option<OutcomeKind>,
    last_error: Option<RemoteError>,
}

/// The tasks one enqueue wrote, by slot (see `keys::GROUP_SLOTS`); a finished task's
/// slot is empty, and the record goes once all are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(in crate::store) struct TaskGroup {
    pub slots: Vec<Option<Task>>,
}

impl Record for TaskGroup {
    const WHAT: &'static str = "outbox record";

    fn to_bytes(&self) -> Vec<u8> {
        let slots: Vec<Option<TaskRecord>> = self
            .slots
            .iter()
            .map(|slot| slot.clone().map(TaskRecord::from))
            .collect();
        to_v2(&slots)
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self, StoreError> {
        let slots: Vec<Option<TaskRecord>> = from_v2(Self::WHAT, bytes)?;
        Ok(TaskGroup {
            slots: slots.into_iter().map(|s| s.map(Task::from)).collect(),
        })
    }
}

impl From<Task> for TaskRecord {
    fn from(t: Task) -> Self {
        TaskRecord {
            id: t.id,
            order_id: t.order_id,
            channel: t.change.channel,
            target: t.change.target,
            items: t.change.items,
            tracking: t.change.tracking,
            state: t.state,
            attempts: t.attempts,
            auth_failures: t.auth_failures,
            created_at: t.created_at,
            next_attempt_at: t.next_attempt_at,
            lease_until: t.lease_until,
            last_outcome: t.last_outcome,
            last_error: t.last_error,
        }
    }
}

impl From<TaskRecord> for Task {
    fn from(r: TaskRecord) -> Self {
        Task {
            id: r.id,
            order_id: r.order_id,
            change: Change {
                channel: r.channel,
                target: r.target,
                items: r.items,
                tracking: r.tracking,
            },
            state: r.state,
            attempts: r.attempts,
            auth_failures: r.auth_failures,
            created_at: r.created_at,
            next_attempt_at: r.next_attempt_at,
            lease_until: r.lease_until,
            last_outcome: r.last_outcome,
            last_error: r.last_error,
        }
    }
}
