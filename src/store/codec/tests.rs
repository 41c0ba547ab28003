use super::*;
use crate::domain::{
    Cancel, Change, ChannelName, ChannelSync, EventId, Item, LineId, Link, Order, OrderId,
    OutcomeKind, PaymentMethod, RemoteError, RemoteId, Shipment, SourceName, Status, Timestamp,
};
use crate::store::records::{EventResult, HistoryEntry, Task, TaskState};
use std::collections::BTreeMap;

pub(in crate::store) fn at(seconds: i64) -> Timestamp {
    Timestamp::from_unix_millis(1_800_000_000_000 + seconds * 1000 + 123).unwrap()
}

pub(in crate::store) fn name(text: &str) -> ChannelName {
    ChannelName::parse(text).unwrap()
}

pub(in crate::store) fn shipment(number: &str) -> Shipment {
    Shipment {
        carrier: "sagawa".into(),
        tracking_number: number.into(),
    }
}

pub(in crate::store) fn error() -> RemoteError {
    RemoteError::new(Some("E42"), "the marketplace said no")
}

/// Every optional field set, so a field lost on the way shows up.
pub(in crate::store) fn full_order() -> Order {
    let line = |id: &str| LineId::parse(id).unwrap();
    let sync = ChannelSync {
        state: crate::domain::SyncState::Retrying,
        status: Status::Dispatched,
        acked: Some(Status::Paid),
        attempts: 3,
        last_outcome: Some(OutcomeKind::Retry),
        last_error: Some(error()),
        updated_at: at(9),
        latest_task: 77,
    };
    Order {
        order_id: OrderId::parse("1001").unwrap(),
        status: Status::Dispatched,
        updated_at: at(1),
        payment_method: Some(PaymentMethod::Card),
        items: vec![
            Item {
                id: line("L1"),
                quantity: Some(2),
                status: Status::Dispatched,
                shipment: Some(shipment("111")),
            },
            Item {
                id: line("L2"),
                quantity: None,
                status: Status::Paid,
                shipment: None,
            },
        ],
        shipment: Some(shipment("111")),
        return_shipment: Some(shipment("999")),
        cancel: Some(Cancel {
            reason: Some("sold_out".into()),
            note: None,
        }),
        links: BTreeMap::from([(
            name("base-jp"),
            Link {
                channel: name("base-jp"),
                order_id: RemoteId::parse("154D88A39E454289").unwrap(),
                items: BTreeMap::from([(line("L1"), RemoteId::parse("123").unwrap())]),
            },
        )]),
        channels: BTreeMap::from([(name("base-jp"), sync)]),
    }
}

pub(in crate::store) fn task() -> Task {
    Task {
        id: 7,
        order_id: OrderId::parse("1001").unwrap(),
        change: Change {
            channel: name("wiz"),
            target: Status::Dispatched,
            items: Some(vec![LineId::parse("L1").unwrap()]),
            tracking: Some("111".into()),
        },
        state: TaskState::Retrying,
        attempts: 2,
        auth_failures: 1,
        created_at: at(0),
        next_attempt_at: at(5),
        lease_until: Some(at(6)),
        last_outcome: Some(OutcomeKind::Retry),
        last_error: Some(error()),
    }
}

pub(in crate::store) fn history() -> Vec<HistoryEntry> {
    vec![
        HistoryEntry::Event {
            at: at(1),
            event_id: EventId::parse("msg_1").unwrap(),
            source: SourceName::parse("primary").unwrap(),
            status: Status::Paid,
            result: EventResult::Stale,
        },
        HistoryEntry::Link {
            at: at(2),
            channel: name("wiz"),
            order_id: "W1".into(),
        },
        HistoryEntry::Delivery {
            at: at(3),
            channel: name("wiz"),
            task_id: 7,
            status: Status::Dispatched,
            attempt: 2,
            outcome: OutcomeKind::Rejected,
            error: Some(error()),
        },
        HistoryEntry::Requeued {
            at: at(4),
            channel: name("wiz"),
            task_id: 7,
        },
    ]
}

#[test]
fn every_record_reads_back_as_written() {
    let order = full_order();
    assert_eq!(Order::from_bytes(&order.to_bytes()).unwrap(), order);
    let group = TaskGroup {
        slots: vec![None, Some(task()), Some(Task { id: 9, ..task() })],
    };
    assert_eq!(TaskGroup::from_bytes(&group.to_bytes()).unwrap(), group);
    for entry in history() {
        assert_eq!(HistoryEntry::from_bytes(&entry.to_bytes()).unwrap(), entry);
    }
    let log = HistoryLog(history());
    assert_eq!(HistoryLog::from_bytes(&log.to_bytes()).unwrap(), log);
    assert_eq!(
        HistoryLog::from_bytes(&[FORMAT_V2]).unwrap(),
        HistoryLog::default()
    );
}

/// A log is the format byte and its entries' records back to back: appending one entry
/// at a time gives the bytes of the whole, and a version-2 entry record is a log of one.
#[test]
fn a_history_log_is_its_entry_records_back_to_back() {
    let mut appended: Option<Vec<u8>> = None;
    let mut concatenated = vec![FORMAT_V2];
    for entry in history() {
        appended = Some(HistoryLog::append(appended.as_deref(), &entry));
        concatenated.extend_from_slice(&entry.to_bytes()[1..]);
        let one = HistoryLog::from_bytes(&entry.to_bytes()).unwrap();
        assert_eq!(one, HistoryLog(vec![entry]));
    }
    assert_eq!(appended.as_deref(), Some(concatenated.as_slice()));
    assert_eq!(concatenated, HistoryLog(history()).to_bytes());
}

#[test]
fn binary_records_are_much_smaller_than_json() {
    let order = full_order();
    let (binary, json) = (
        order.to_bytes().len(),
        serde_json::to_vec(&order).unwrap().len(),
    );
    assert!(binary * 2 < json, "binary {binary} B, JSON {json} B");
}

/// The on-disk layout of an outbox record. If this fails, a stored enum's variants or a record's
/// fields moved: existing stores would be misread. Add a schema migration instead.
#[test]
fn pinned_bytes() {
    let bytes = TaskGroup {
        slots: vec![None, Some(task())],
    }
    .to_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, PINNED_OUTBOX_RECORD);
}

const PINNED_OUTBOX_RECORD: &str = "020200010704313030310377697a030101024c31010331313101020180d3c6b0d39df1fa31809bf6d0f89df1fa310180c3cc8a809ef1fa31010401010345343217746865206d61726b6574706c6163652073616964206e6f";

#[test]
fn unreadable_records_name_what_is_wrong() {
    let text = |bytes: &[u8]| Order::from_bytes(bytes).unwrap_err().to_string();
    assert_eq!(text(b""), "stored order is unreadable: the record is empty");
    assert_eq!(
        text(b"{\"order_id\":\"1\"}"),
        "stored order is unreadable: unknown record format (first byte 0x7b)"
    );
    let mut cut = full_order().to_bytes();
    cut.truncate(cut.len() / 2);
    assert!(
        text(&cut).starts_with("stored order is unreadable: "),
        "{}",
        text(&cut)
    );
    let mut bad_status = TaskGroup {
        slots: vec![Some(task())],
    }
    .to_bytes();
    // Format, slot count, Some, id 7, order id "1001" (length + 4), channel "wiz"
    // (length + 3), then the status.
    bad_status[1 + 1 + 1 + 1 + 5 + 4] = 200;
    let error = TaskGroup::from_bytes(&bad_status).unwrap_err().to_string();
    assert!(
        error.starts_with("stored outbox record is unreadable: "),
        "{error}"
    );
    let mut cut_log = HistoryLog(history()).to_bytes();
    cut_log.pop();
    let error = HistoryLog::from_bytes(&cut_log).unwrap_err().to_string();
    assert!(
        error.starts_with("stored order history is unreadable: "),
        "{error}"
    );
}
