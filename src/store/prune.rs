//! Forgetting what is older than `store.event_retention`: dedupe keys (through their
//! time index) and history entries. Orders and live tasks are kept.

use super::keys::{event_time_key, millis_of_time_key};
use super::records::HistoryEntry;
use super::{decode, Store, StoreError};
use crate::domain::Timestamp;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub dedupe_keys: usize,
    pub history_entries: usize,
}

impl Store {
    pub fn prune(&self, before: Timestamp) -> Result<Pruned, StoreError> {
        let mut pruned = Pruned::default();
        let end = event_time_key(before.unix_millis(), &[]);
        for entry in self.inner.event_times.range(..end) {
            let (time_key, _) = entry?;
            if millis_of_time_key(&time_key).is_some() {
                self.inner.events.remove(&time_key[8..])?;
                self.inner.event_times.remove(&time_key)?;
                pruned.dedupe_keys += 1;
            }
        }
        for entry in self.inner.history.iter() {
            let (key, bytes) = entry?;
            let record: HistoryEntry = decode::<HistoryEntry>(&bytes)?;
            if record.at() < before {
                self.inner.history.remove(&key)?;
                pruned.history_entries += 1;
            }
        }
        self.sync()?;
        Ok(pruned)
    }
}
