//! How orders, tasks and history entries lie on disk (schema version 2): one format byte,
//! then postcard (a compact binary serde format with a written specification) of the
//! store's own record shapes below.
//!
//! Why not the domain types' own serde? Their shapes are made for JSON (the admin API):
//! they leave out empty fields and tag enums by name, which a binary format without field
//! names cannot read back. The mirror here lists every field, in a fixed order. Binary was
//! chosen over JSON for speed: decoding and encoding orders was ~15% of the daemon's CPU
//! under load, and sled 0.34 keeps values inside its tree nodes, so every byte saved is
//! also copied less on each write (BENCHMARKS.md).
//!
//! postcard writes enum variants by position: never reorder the variants of a stored enum
//! (`Status`, `OutcomeKind`, `SyncState`, `TaskState`, `PaymentMethod`, ...) or the fields
//! below; add new ones at the end, behind a schema migration. `pinned_bytes` fails if the
//! layout moves.

use super::records::{EventResult, HistoryEntry, Task, TaskState};
use super::StoreError;
use crate::domain::{
    Cancel, Change, ChannelName, ChannelSync, EventId, Item, LineId, Link, Order, OrderId,
    OutcomeKind, PaymentMethod, RemoteError, RemoteId, Shipment, SourceName, Status, Timestamp,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The first byte of every version-2 record. JSON records (version 1) start with `{`.
pub(super) const FORMAT_V2: u8 = 2;

#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Binary(#[from] postcard::Error),
    #[error("unknown record format (first byte {0:#04x})")]
    Format(u8),
    #[error("the record is empty")]
    Empty,
}

/// A value the store keeps in one of its trees.
pub(super) trait Record: Sized {
    const WHAT: &'static str;
    fn to_bytes(&self) -> Vec<u8>;
    fn from_bytes(bytes: &[u8]) -> Result<Self, StoreError>;
}

fn to_v2<T: Serialize>(record: &T) -> Vec<u8> {
    let mut bytes =
        postcard::to_extend(record, vec![FORMAT_V2]).expect("store records always serialize");
    bytes.shrink_to_fit();
    bytes
}

fn from_v2<'a, T: Deserialize<'a>>(what: &'static str, bytes: &'a [u8]) -> Result<T, StoreError> {
    let corrupt = |source: CodecError| StoreError::Corrupt { what, source };
    match bytes.split_first() {
        None => Err(corrupt(CodecError::Empty)),
        Some((&FORMAT_V2, body)) => postcard::from_bytes(body).map_err(|e| corrupt(e.into())),
        Some((&other, _)) => Err(corrupt(CodecError::Format(other))),
    }
}

#[derive(Serialize, Deserialize)]
struct OrderRecord {
    order_id: OrderId,
    status: Status,
    updated_at: Timestamp,
    payment_method: Option<PaymentMethod>,
    items: Vec<ItemRecord>,
    shipment: Option<Shipment>,
    return_shipment: Option<Shipment>,
    cancel: Option<CancelRecord>,
    links: Vec<LinkRecord>,
    channels: BTreeMap<ChannelName, ChannelSync>,
}

#[derive(Serialize, Deserialize)]
struct ItemRecord {
    id: LineId,
    quantity: Option<u32>,
    status: Status,
    shipment: Option<Shipment>,
}

#[derive(Serialize, Deserialize)]
struct CancelRecord {
    reason: Option<String>,
    note: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct LinkRecord {
    channel: ChannelName,
    order_id: RemoteId,
    items: BTreeMap<LineId, RemoteId>,
}

impl Record for Order {
    const WHAT: &'static str = "order";

    fn to_bytes(&self) -> Vec<u8> {
        let o = self.clone();
        to_v2(&OrderRecord {
            order_id: o.order_id,
            status: o.status,
            updated_at: o.updated_at,
            payment_method: o.payment_method,
            items: o.items.into_iter().map(ItemRecord::from).collect(),
            shipment: o.shipment,
            return_shipment: o.return_shipment,
            cancel: o.cancel.map(|c| CancelRecord {
                reason: c.reason,
                note: c.note,
            }),
            links: o.links.into_values().map(LinkRecord::from).collect(),
            channels: o.channels,
        })
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self, StoreError> {
        let r: OrderRecord = from_v2(Self::WHAT, bytes)?;
        Ok(Order {
            order_id: r.order_id,
            status: r.status,
            updated_at: r.updated_at,
            payment_method: r.payment_method,
            items: r.items.into_iter().map(Item::from).collect(),
            shipment: r.shipment,
            return_shipment: r.return_shipment,
            cancel: r.cancel.map(|c| Cancel {
                reason: c.reason,
                note: c.note,
            }),
            links: r
                .links
                .into_iter()
                .map(|l| (l.channel.clone(), Link::from(l)))
                .collect(),
            channels: r.channels,
        })
    }
}

impl From<Item> for ItemRecord {
    fn from(i: Item) -> Self {
        ItemRecord {
            id: i.id,
            quantity: i.quantity,
            status: i.status,
            shipment: i.shipment,
        }
    }
}

impl From<ItemRecord> for Item {
    fn from(i: ItemRecord) -> Self {
        Item {
            id: i.id,
            quantity: i.quantity,
            status: i.status,
            shipment: i.shipment,
        }
    }
}

impl From<Link> for LinkRecord {
    fn from(l: Link) -> Self {
        LinkRecord {
            channel: l.channel,
            order_id: l.order_id,
            items: l.items,
        }
    }
}

impl From<LinkRecord> for Link {
    fn from(l: LinkRecord) -> Self {
        Link {
            channel: l.channel,
            order_id: l.order_id,
            items: l.items,
        }
    }
}

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
pub(super) struct TaskGroup {
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

/// `HistoryEntry` is tagged by a `kind` field in JSON; here by variant position.
#[derive(Serialize, Deserialize)]
enum HistoryRecord {
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
        error: Option<RemoteError>,
    },
    Requeued {
        at: Timestamp,
        channel: ChannelName,
        task_id: u64,
    },
}

impl Record for HistoryEntry {
    const WHAT: &'static str = "history entry";

    fn to_bytes(&self) -> Vec<u8> {
        to_v2(&match self.clone() {
            HistoryEntry::Event {
                at,
                event_id,
                source,
                status,
                result,
            } => HistoryRecord::Event {
                at,
                event_id,
                source,
                status,
                result,
            },
            HistoryEntry::Link {
                at,
                channel,
                order_id,
            } => HistoryRecord::Link {
                at,
                channel,
                order_id,
            },
            HistoryEntry::Delivery {
                at,
                channel,
                task_id,
                status,
                attempt,
                outcome,
                error,
            } => HistoryRecord::Delivery {
                at,
                channel,
                task_id,
                status,
                attempt,
                outcome,
                error,
            },
            HistoryEntry::Requeued {
                at,
                channel,
                task_id,
            } => HistoryRecord::Requeued {
                at,
                channel,
                task_id,
            },
        })
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self, StoreError> {
        Ok(match from_v2(Self::WHAT, bytes)? {
            HistoryRecord::Event {
                at,
                event_id,
                source,
                status,
                result,
            } => HistoryEntry::Event {
                at,
                event_id,
                source,
                status,
                result,
            },
            HistoryRecord::Link {
                at,
                channel,
                order_id,
            } => HistoryEntry::Link {
                at,
                channel,
                order_id,
            },
            HistoryRecord::Delivery {
                at,
                channel,
                task_id,
                status,
                attempt,
                outcome,
                error,
            } => HistoryEntry::Delivery {
                at,
                channel,
                task_id,
                status,
                attempt,
                outcome,
                error,
            },
            HistoryRecord::Requeued {
                at,
                channel,
                task_id,
            } => HistoryEntry::Requeued {
                at,
                channel,
                task_id,
            },
        })
    }
}

#[cfg(test)]
#[path = "codec_tests.rs"]
mod tests;
