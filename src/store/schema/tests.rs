use super::v2_history_key;
use crate::config::Durability;
use crate::domain::{EventId, OrderId, SourceName, Status};
use crate::store::codec::tests::{at, full_order, history, task};
use crate::store::codec::{HistoryLog, Record, TaskGroup};
use crate::store::keys::event_key;
use crate::store::records::{EventResult, HistoryEntry, Task};
use crate::store::{Store, SCHEMA_VERSION};
use std::path::Path;

/// A sled database at `path` that says it has schema `version`.
fn old_store(path: &Path, version: u32) -> sled::Db {
    let db = sled::open(path).unwrap();
    db.open_tree("meta")
        .unwrap()
        .insert("schema_version", &version.to_be_bytes())
        .unwrap();
    db
}

/// A version-1 store (JSON records, a record per task), half converted by a run that was
/// cut short, opens with every record intact and task ids moved to groups.
#[test]
fn a_json_store_is_migrated_to_binary_records() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let (mut order, task, mut history) = (full_order(), task(), history());
    {
        let db = old_store(&path, 1);
        let orders = db.open_tree("orders").unwrap();
        orders
            .insert("1001", serde_json::to_vec(&order).unwrap())
            .unwrap();
        let outbox = db.open_tree("outbox").unwrap();
        outbox
            .insert(7u64.to_be_bytes(), serde_json::to_vec(&task).unwrap())
            .unwrap();
        // Already converted before the cut.
        let converted = TaskGroup {
            slots: vec![Some(Task {
                id: 8 * 256,
                ..task.clone()
            })],
        };
        outbox
            .insert(8u64.to_be_bytes(), converted.to_bytes())
            .unwrap();
        let tree = db.open_tree("history").unwrap();
        for (seq, entry) in history.iter().enumerate() {
            let key = v2_history_key(&order.order_id, seq as u64);
            tree.insert(key, serde_json::to_vec(entry).unwrap())
                .unwrap();
        }
        db.flush().unwrap();
    }
    let store = Store::open(&path, Durability::Flush, 1 << 20).unwrap();

    order
        .channels
        .values_mut()
        .for_each(|s| s.latest_task = 77 * 256);
    assert_eq!(store.order(&order.order_id).unwrap(), Some(order.clone()));
    assert_eq!(store.task(7).unwrap(), None);
    assert_eq!(
        store.task(7 * 256).unwrap(),
        Some(Task {
            id: 7 * 256,
            ..task.clone()
        })
    );
    assert_eq!(
        store.task(8 * 256).unwrap(),
        Some(Task {
            id: 8 * 256,
            ..task
        })
    );
    for entry in &mut history {
        if let HistoryEntry::Delivery { task_id, .. } | HistoryEntry::Requeued { task_id, .. } =
            entry
        {
            *task_id *= 256;
        }
    }
    assert_eq!(store.history(&order.order_id).unwrap(), history);
    let version = store.inner.meta.get("schema_version").unwrap().unwrap();
    assert_eq!(version.as_ref(), &SCHEMA_VERSION.to_be_bytes());
}

/// A version-2 store (a key per history entry, a time index of dedupe keys), half moved
/// by a run that was cut short, opens with each order's entries in order in its log, the
/// old trees gone and its dedupe keys still answering.
#[test]
fn a_version_2_store_gets_one_history_log_per_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let (a, b) = (OrderId::parse("A-1").unwrap(), OrderId::parse("B").unwrap());
    let of_b = |n: i64| HistoryEntry::Event {
        at: at(10 + n),
        event_id: EventId::parse(format!("b{n}")).unwrap(),
        source: SourceName::parse("primary").unwrap(),
        status: Status::Paid,
        result: EventResult::Accepted,
    };
    let source = SourceName::parse("primary").unwrap();
    let dedupe = event_key(&source, &EventId::parse("msg_1").unwrap());
    {
        let db = old_store(&path, 2);
        let entries = db.open_tree("history").unwrap();
        // Moved before the cut: A's first two entries.
        let logs = db.open_tree("order_history").unwrap();
        logs.insert("A-1", HistoryLog(history()[..2].to_vec()).to_bytes())
            .unwrap();
        for (seq, entry) in history().iter().enumerate().skip(2) {
            entries
                .insert(v2_history_key(&a, seq as u64), entry.to_bytes())
                .unwrap();
        }
        for n in 0..3 {
            entries
                .insert(v2_history_key(&b, 100 + n as u64), of_b(n).to_bytes())
                .unwrap();
        }
        let events = db.open_tree("events").unwrap();
        events
            .insert(dedupe.as_slice(), &at(1).unix_millis().to_be_bytes())
            .unwrap();
        let mut time_key = at(1).unix_millis().to_be_bytes().to_vec();
        time_key.extend_from_slice(&dedupe);
        db.open_tree("event_times")
            .unwrap()
            .insert(time_key, &[])
            .unwrap();
        db.flush().unwrap();
    }
    let store = Store::open(&path, Durability::Flush, 1 << 20).unwrap();

    assert_eq!(store.history(&a).unwrap(), history());
    assert_eq!(
        store.history(&b).unwrap(),
        (0..3).map(of_b).collect::<Vec<_>>()
    );
    let trees = store.inner.db.tree_names();
    let gone = |name: &[u8]| !trees.iter().any(|tree| tree.as_ref() == name);
    assert!(gone(b"history") && gone(b"event_times"), "{trees:?}");
    let version = store.inner.meta.get("schema_version").unwrap().unwrap();
    assert_eq!(version.as_ref(), &3u32.to_be_bytes());
    let pruned = store.prune(at(5)).unwrap();
    assert_eq!(
        (pruned.dedupe_keys, pruned.history_entries),
        (1, 4),
        "the dedupe key's time and every entry's are read"
    );
    assert_eq!(store.history(&a).unwrap(), Vec::new());
    assert_eq!(store.history(&b).unwrap().len(), 3);
}

/// A malformed old key stops the migration with an error that names it, and the store is
/// left at version 2, as it was.
#[test]
fn a_malformed_version_2_history_key_is_named_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    {
        let db = old_store(&path, 2);
        let entries = db.open_tree("history").unwrap();
        entries
            .insert(
                v2_history_key(&OrderId::parse("A").unwrap(), 1),
                history()[0].to_bytes(),
            )
            .unwrap();
        entries
            .insert([0u8, 9, b'x'], history()[1].to_bytes())
            .unwrap();
        db.flush().unwrap();
    }
    let error = Store::open(&path, Durability::Flush, 1 << 20)
        .err()
        .expect("the migration fails")
        .to_string();
    assert_eq!(
        error,
        "stored version-2 history key is unreadable: malformed bytes [0, 9, 120]"
    );
    let db = sled::open(&path).unwrap();
    let version = db
        .open_tree("meta")
        .unwrap()
        .get("schema_version")
        .unwrap()
        .unwrap();
    assert_eq!(version.as_ref(), &2u32.to_be_bytes());
    assert_eq!(db.open_tree("history").unwrap().len(), 2);
    assert_eq!(db.open_tree("order_history").unwrap().len(), 0);
}
