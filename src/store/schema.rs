//! The store's schema version, checked at open. Migrations run in order from the
//! stored version to `SCHEMA_VERSION`; a store written by a newer build is refused.

use super::codec::{Record, TaskGroup, FORMAT_V2};
use super::keys::task_id;
use super::records::{HistoryEntry, Task};
use super::{decode_json, StoreError};
use crate::domain::Order;
use std::path::Path;

/// 1: JSON records. 2: binary records (`codec`).
pub const SCHEMA_VERSION: u32 = 2;
const KEY: &[u8] = b"schema_version";

/// `MIGRATIONS[n]` upgrades a store from version n+1 to n+2.
type Migration = fn(&sled::Db) -> Result<(), StoreError>;
const MIGRATIONS: &[Migration] = &[json_to_binary];

pub fn check_and_migrate(db: &sled::Db, meta: &sled::Tree, path: &Path) -> Result<(), StoreError> {
    let found = match meta.get(KEY)? {
        Some(bytes) => u32::from_be_bytes(bytes.as_ref().try_into().map_err(|_| {
            StoreError::SchemaMismatch {
                path: path.to_path_buf(),
                found: 0,
                expected: SCHEMA_VERSION,
                hint: " (the version record is damaged)",
            }
        })?),
        None => {
            meta.insert(KEY, &SCHEMA_VERSION.to_be_bytes())?;
            return Ok(());
        }
    };
    if found > SCHEMA_VERSION || found == 0 {
        return Err(StoreError::SchemaMismatch {
            path: path.to_path_buf(),
            found,
            expected: SCHEMA_VERSION,
            hint: " (written by a newer ordersync: upgrade ordersync, or restore a backup)",
        });
    }
    for version in found..SCHEMA_VERSION {
        MIGRATIONS[(version - 1) as usize](db)?;
        meta.insert(KEY, &(version + 1).to_be_bytes())?;
    }
    Ok(())
}

/// Records converted per sled batch: bounds memory on a big store.
const CHUNK: usize = 4096;

/// Version 1 → 2: orders, outbox tasks and history entries from JSON to `codec`'s
/// binary records, and each outbox task into a group of its own (`keys::GROUP_SLOTS`):
/// task n becomes task n × GROUP_SLOTS in group n (the same key), and the orders' and
/// history's references follow. Each chunk is one atomic batch; a record already
/// converted (by a run that was cut short) is left alone, so the migration can simply
/// run again.
fn json_to_binary(db: &sled::Db) -> Result<(), StoreError> {
    convert_tree(&db.open_tree("orders")?, |bytes| {
        let mut order: Order = decode_json(Order::WHAT, bytes)?;
        for sync in order.channels.values_mut() {
            sync.latest_task = v2_task_id(sync.latest_task);
        }
        Ok(order.to_bytes())
    })?;
    convert_tree(&db.open_tree("outbox")?, |bytes| {
        let mut task: Task = decode_json("task", bytes)?;
        task.id = v2_task_id(task.id);
        Ok(TaskGroup {
            slots: vec![Some(task)],
        }
        .to_bytes())
    })?;
    convert_tree(&db.open_tree("history")?, |bytes| {
        let mut entry: HistoryEntry = decode_json(HistoryEntry::WHAT, bytes)?;
        if let HistoryEntry::Delivery { task_id, .. } | HistoryEntry::Requeued { task_id, .. } =
            &mut entry
        {
            *task_id = v2_task_id(*task_id);
        }
        Ok(entry.to_bytes())
    })?;
    Ok(())
}

fn v2_task_id(v1: u64) -> u64 {
    task_id(v1, 0)
}

fn convert_tree(
    tree: &sled::Tree,
    convert: impl Fn(&[u8]) -> Result<Vec<u8>, StoreError>,
) -> Result<(), StoreError> {
    let mut batch = sled::Batch::default();
    let mut pending = 0;
    for entry in tree.iter() {
        let (key, value) = entry?;
        if value.first() == Some(&FORMAT_V2) {
            continue;
        }
        batch.insert(key, convert(&value)?);
        pending += 1;
        if pending == CHUNK {
            tree.apply_batch(std::mem::take(&mut batch))?;
            pending = 0;
        }
    }
    tree.apply_batch(batch)?;
    Ok(())
}
