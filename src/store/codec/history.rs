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

/// Moves an entry between `HistoryEntry` and `HistoryRecord`: the variants and fields are
/// the same, only the serde shape differs, so one list serves both directions.
macro_rules! convert {
    ($value:expr, $from:ident => $to:ident) => {
        match $value {
            $from::Event {
                at,
                event_id,
                source,
                status,
                result,
            } => $to::Event {
                at,
                event_id,
                source,
                status,
                result,
            },
            $from::Link {
                at,
                channel,
                order_id,
            } => $to::Link {
                at,
                channel,
                order_id,
            },
            $from::Delivery {
                at,
                channel,
                task_id,
                status,
                attempt,
                outcome,
                error,
            } => $to::Delivery {
                at,
                channel,
                task_id,
                status,
                attempt,
                outcome,
                error,
            },
            $from::Requeued {
                at,
                channel,
                task_id,
            } => $to::Requeued {
                at,
                channel,
                task_id,
            },
        }
    };
}

impl Record for HistoryEntry {
    const WHAT: &'static str = "history entry";

    fn to_bytes(&self) -> Vec<u8> {
        to_v2(&convert!(self.clone(), HistoryEntry => HistoryRecord))
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self, StoreError> {
        let record: HistoryRecord = from_v2(Self::WHAT, bytes)?;
        Ok(convert!(record, HistoryRecord => HistoryEntry))
    }
}
