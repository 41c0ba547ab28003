//! The history entry record.

use super::{from_v2, to_v2, Record};
use crate::domain::{
    ChannelName, EventId, OutcomeKind, RemoteError, SourceName, Status, Timestamp,
};
use crate::store::records::{EventResult, HistoryEntry};
use crate::store::StoreError;
use serde::{Deserialize, Serialize};

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
