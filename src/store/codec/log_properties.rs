//! Properties of the history log: whatever entries an order collects, appending them one
//! at a time and encoding them all at once give the same bytes, which read back as the
//! same entries; a log cut anywhere never reads as entries it did not hold.

use super::{HistoryLog, Record};
use crate::domain::{
    ChannelName, EventId, OutcomeKind, RemoteError, SourceName, Status, Timestamp,
};
use crate::store::records::{EventResult, HistoryEntry};
use proptest::prelude::*;

/// Every outcome a history entry can record: an attempt's, or `dead` when the last
/// attempt failed.
fn outcome() -> impl Strategy<Value = OutcomeKind> {
    let outcomes = crate::metrics::DELIVERY_OUTCOMES.iter().copied();
    proptest::sample::select(outcomes.chain([OutcomeKind::Dead]).collect::<Vec<_>>())
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    (0i64..4_000_000_000_000).prop_map(|millis| Timestamp::from_unix_millis(millis).unwrap())
}

fn channel() -> impl Strategy<Value = ChannelName> {
    "[a-z][a-z0-9_-]{0,15}".prop_map(|name| ChannelName::parse(name).unwrap())
}

fn status() -> impl Strategy<Value = Status> {
    proptest::sample::select(Status::ALL.to_vec())
}

fn error() -> impl Strategy<Value = Option<RemoteError>> {
    proptest::option::of(
        (proptest::option::of("[A-Z0-9]{1,8}"), "\\PC{0,40}")
            .prop_map(|(code, message)| RemoteError::new(code.as_deref(), message)),
    )
}

fn entry() -> impl Strategy<Value = HistoryEntry> {
    prop_oneof![
        (
            timestamp(),
            "[A-Za-z0-9_.-]{1,40}",
            "[a-z][a-z0-9_]{0,10}",
            status(),
            any::<bool>()
        )
            .prop_map(|(at, id, source, status, stale)| HistoryEntry::Event {
                at,
                event_id: EventId::parse(id).unwrap(),
                source: SourceName::parse(source).unwrap(),
                status,
                result: if stale {
                    EventResult::Stale
                } else {
                    EventResult::Accepted
                },
            }),
        (timestamp(), channel(), "[A-Za-z0-9-]{1,30}").prop_map(|(at, channel, order_id)| {
            HistoryEntry::Link {
                at,
                channel,
                order_id,
            }
        }),
        (
            timestamp(),
            channel(),
            any::<u64>(),
            status(),
            any::<u32>(),
            outcome(),
            error()
        )
            .prop_map(|(at, channel, task_id, status, attempt, outcome, error)| {
                HistoryEntry::Delivery {
                    at,
                    channel,
                    task_id,
                    status,
                    attempt,
                    outcome,
                    error,
                }
            }),
        (timestamp(), channel(), any::<u64>()).prop_map(|(at, channel, task_id)| {
            HistoryEntry::Requeued {
                at,
                channel,
                task_id,
            }
        }),
    ]
}

proptest! {
    #[test]
    fn appended_one_by_one_is_the_whole_log(entries in proptest::collection::vec(entry(), 0..12)) {
        let mut appended: Option<Vec<u8>> = None;
        for entry in &entries {
            appended = Some(HistoryLog::append(appended.as_deref(), entry));
        }
        let whole = HistoryLog(entries.clone()).to_bytes();
        if !entries.is_empty() {
            prop_assert_eq!(appended.as_deref(), Some(whole.as_slice()));
        }
        prop_assert_eq!(HistoryLog::from_bytes(&whole).unwrap(), HistoryLog(entries));
    }

    #[test]
    fn a_cut_log_never_reads_as_entries_it_did_not_hold(
        entries in proptest::collection::vec(entry(), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let whole = HistoryLog(entries.clone()).to_bytes();
        let cut = cut.index(whole.len());
        if let Ok(HistoryLog(read)) = HistoryLog::from_bytes(&whole[..cut]) {
            prop_assert!(read.len() < entries.len());
            prop_assert_eq!(&read[..], &entries[..read.len()]);
        }
    }
}
