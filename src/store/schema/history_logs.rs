//! Version 2 → 3: an order's history entries, one sled key each in `history` (the
//! order id, then a sequence number), become one log per order in `order_history`
//! (`codec::HistoryLog`); the time index of dedupe keys (`event_times`) is dropped, as
//! pruning now reads the time each dedupe key holds. Both cut the keys the store keeps
//! per event, which sled 0.34's memory grows with.
//!
//! Each chunk of entries moves in one transaction (appended to its log, removed from
//! `history`), oldest first, so a run cut short leaves every entry in exactly one place
//! and the next run carries on where it stopped.

use super::CHUNK;
use crate::store::codec::{CodecError, HistoryLog, Record};
use crate::store::records::HistoryEntry;
use crate::store::{StoreError, ORDER_HISTORY};
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::{IVec, Transactional};

pub(super) fn history_logs(db: &sled::Db) -> Result<(), StoreError> {
    let entries = db.open_tree("history")?;
    let logs = db.open_tree(ORDER_HISTORY)?;
    loop {
        let chunk = entries
            .iter()
            .take(CHUNK)
            .collect::<Result<Vec<(IVec, IVec)>, _>>()?;
        if chunk.is_empty() {
            break;
        }
        move_to_logs(&entries, &logs, &chunk)?;
    }
    db.drop_tree("history")?;
    db.drop_tree("event_times")?;
    Ok(())
}

fn move_to_logs(
    entries: &sled::Tree,
    logs: &sled::Tree,
    chunk: &[(IVec, IVec)],
) -> Result<(), StoreError> {
    (entries, logs)
        .transaction(|(entries, logs)| {
            for (key, bytes) in chunk {
                let order_key = order_key_of(key).map_err(ConflictableTransactionError::Abort)?;
                let entry =
                    HistoryEntry::from_bytes(bytes).map_err(ConflictableTransactionError::Abort)?;
                let log = logs.get(order_key)?;
                logs.insert(order_key, HistoryLog::append(log.as_deref(), &entry))?;
                entries.remove(key)?;
            }
            Ok(())
        })
        .map_err(|error| match error {
            TransactionError::Abort(error) => error,
            TransactionError::Storage(error) => StoreError::Sled(error),
        })
}

/// The order id inside a version-2 history key: its length (u16, big-endian), the id,
/// then the entry's sequence number (u64).
fn order_key_of(key: &[u8]) -> Result<&[u8], StoreError> {
    let malformed = || StoreError::Corrupt {
        what: "version-2 history key",
        source: CodecError::Malformed(key.to_vec()),
    };
    let (len, rest) = key.split_first_chunk::<2>().ok_or_else(malformed)?;
    let len = u16::from_be_bytes(*len) as usize;
    match rest.len().checked_sub(len) {
        Some(8) => Ok(&rest[..len]),
        _ => Err(malformed()),
    }
}

/// A version-2 history key, for the tests that build an old store.
#[cfg(test)]
pub(in crate::store) fn v2_history_key(order_id: &crate::domain::OrderId, seq: u64) -> Vec<u8> {
    let id = order_id.as_str().as_bytes();
    let mut key = (id.len() as u16).to_be_bytes().to_vec();
    key.extend_from_slice(id);
    key.extend_from_slice(&seq.to_be_bytes());
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::OrderId;

    #[test]
    fn the_order_id_is_read_back_from_an_old_key_and_a_malformed_key_is_named() {
        let key = v2_history_key(&OrderId::parse("A-1").unwrap(), 9);
        assert_eq!(order_key_of(&key).unwrap(), b"A-1");
        for bad in [&key[..1], &key[..key.len() - 1], &[0, 200, b'x'][..]] {
            let error = order_key_of(bad).unwrap_err().to_string();
            assert!(
                error.starts_with("stored version-2 history key is unreadable: malformed bytes"),
                "{error}"
            );
        }
    }
}
