//! Forgetting what is older than `store.event_retention`: dedupe keys and history
//! entries. Orders and live tasks are kept.
//!
//! Both are full scans, once per pruning round (hourly): a time index would make them
//! cheaper, at one more key per event for as long as it is kept, and sled 0.34's memory
//! grows with the key count (BENCHMARKS.md).

use super::codec::{CodecError, HistoryLog};
use super::{decode, encode, Store, StoreError};
use crate::domain::Timestamp;
use sled::{CompareAndSwapError, IVec};

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub dedupe_keys: usize,
    pub history_entries: usize,
}

impl Store {
    pub fn prune(&self, before: Timestamp) -> Result<Pruned, StoreError> {
        let mut pruned = Pruned::default();
        for entry in self.inner.events.iter() {
            let (key, received) = entry?;
            if received_millis(&received)? < before.unix_millis() {
                self.inner.events.remove(&key)?;
                pruned.dedupe_keys += 1;
            }
        }
        for entry in self.inner.history.iter() {
            let (key, log) = entry?;
            pruned.history_entries += self.prune_log(&key, log, before)?;
        }
        self.sync()?;
        Ok(pruned)
    }

    /// Drops the entries older than `before` from one order's log; a log left empty goes.
    /// The writer may append to the same log meanwhile, so the new log replaces the one
    /// read only if that is still there (compare-and-swap), else it is read again.
    fn prune_log(&self, key: &[u8], mut log: IVec, before: Timestamp) -> Result<usize, StoreError> {
        loop {
            let entries = decode::<HistoryLog>(&log)?.0;
            let kept: Vec<_> = entries
                .iter()
                .filter(|e| e.at() >= before)
                .cloned()
                .collect();
            let dropped = entries.len() - kept.len();
            if dropped == 0 {
                return Ok(0);
            }
            let replacement = (!kept.is_empty()).then(|| encode(&HistoryLog(kept)));
            match self
                .inner
                .history
                .compare_and_swap(key, Some(&log), replacement)?
            {
                Ok(()) => return Ok(dropped),
                Err(CompareAndSwapError {
                    current: Some(current),
                    ..
                }) => log = current,
                Err(CompareAndSwapError { current: None, .. }) => return Ok(0),
            }
        }
    }
}

/// What a dedupe key holds: when its event was received, in Unix millis (big-endian).
fn received_millis(value: &[u8]) -> Result<i64, StoreError> {
    let bytes = value.try_into().map_err(|_| StoreError::Corrupt {
        what: "dedupe time",
        source: CodecError::Malformed(value.to_vec()),
    })?;
    Ok(i64::from_be_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Durability;
    use crate::store::codec::tests::{at, history};
    use crate::store::codec::Record;

    /// The writer appended to the log after pruning read it: the appended entry survives.
    #[test]
    fn an_entry_appended_while_pruning_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store"), Durability::None, 1 << 20).unwrap();
        let entries = history();
        let tree = &store.inner.history;
        tree.insert("o1", HistoryLog(entries[..2].to_vec()).to_bytes())
            .unwrap();
        let read_by_pruning = tree.get("o1").unwrap().unwrap();
        tree.insert("o1", HistoryLog(entries[..3].to_vec()).to_bytes())
            .unwrap();

        let dropped = store.prune_log(b"o1", read_by_pruning, at(3)).unwrap();

        assert_eq!(dropped, 2);
        let log = HistoryLog::from_bytes(&tree.get("o1").unwrap().unwrap()).unwrap();
        assert_eq!(log, HistoryLog(entries[2..3].to_vec()));
    }

    #[test]
    fn a_log_with_nothing_left_is_removed_and_a_bad_time_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store"), Durability::None, 1 << 20).unwrap();
        let tree = &store.inner.history;
        tree.insert("o1", HistoryLog(history()).to_bytes()).unwrap();
        let pruned = store.prune(at(100)).unwrap();
        assert_eq!(pruned.history_entries, 4);
        assert_eq!(tree.get("o1").unwrap(), None);

        store
            .inner
            .events
            .insert("primary\0e1", &[1u8, 2][..])
            .unwrap();
        let error = store.prune(at(100)).unwrap_err().to_string();
        assert_eq!(
            error,
            "stored dedupe time is unreadable: malformed bytes [1, 2]"
        );
    }
}
