//! History: an order's log (schema 3), and the one-entry record of schema 2 that the
//! migrations read.

use super::{from_v2, to_v2, CodecError, Record, FORMAT_V2};
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

/// One order's history, oldest entry first: the format byte, then the entries' postcard
/// records back to back (a postcard record delimits itself). One sled key per order
/// instead of one per entry: sled 0.34 keeps metadata for every page in memory and a
/// page holds at most 16 keys, so the key count is what the store's memory grows with
/// (BENCHMARKS.md).
#[derive(Debug, Clone, Default, PartialEq)]
pub(in crate::store) struct HistoryLog(pub Vec<HistoryEntry>);

impl HistoryLog {
    /// `log` with `entry` added at the end, without decoding the entries already there.
    pub fn append(log: Option<&[u8]>, entry: &HistoryEntry) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(log.map_or(1, <[u8]>::len) + 96);
        match log {
            Some(log) if !log.is_empty() => bytes.extend_from_slice(log),
            _ => bytes.push(FORMAT_V2),
        }
        let record = convert!(entry.clone(), HistoryEntry => HistoryRecord);
        postcard::to_extend(&record, bytes).expect("store records always serialize")
    }
}

impl Record for HistoryLog {
    const WHAT: &'static str = "order history";

    fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = vec![FORMAT_V2];
        for entry in &self.0 {
            let record = convert!(entry.clone(), HistoryEntry => HistoryRecord);
            bytes = postcard::to_extend(&record, bytes).expect("store records always serialize");
        }
        bytes
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self, StoreError> {
        let corrupt = |source: CodecError| StoreError::Corrupt {
            what: Self::WHAT,
            source,
        };
        let mut rest = match bytes.split_first() {
            None => return Err(corrupt(CodecError::Empty)),
            Some((&FORMAT_V2, rest)) => rest,
            Some((&other, _)) => return Err(corrupt(CodecError::Format(other))),
        };
        let mut entries = Vec::new();
        while !rest.is_empty() {
            let (record, tail) =
                postcard::take_from_bytes::<HistoryRecord>(rest).map_err(|e| corrupt(e.into()))?;
            entries.push(convert!(record, HistoryRecord => HistoryEntry));
            rest = tail;
        }
        Ok(HistoryLog(entries))
    }
}
