//! Version 1 → 2: JSON records to binary ones.

use super::CHUNK;
use crate::domain::Order;
use crate::store::codec::{Record, TaskGroup, FORMAT_V2};
use crate::store::keys::task_id;
use crate::store::records::{HistoryEntry, Task};
use crate::store::{decode_json, StoreError};

/// Version 1 → 2: orders, outbox tasks and history entries from JSON to `codec`'s
/// binary records, and each outbox task into a group of its own (`keys::GROUP_SLOTS`):
/// task n becomes task n × GROUP_SLOTS in group n (the same key), and the orders' and
/// history's references follow. Each chunk is one atomic batch; a record already
/// converted (by a run that was cut short) is left alone, so the migration can simply
/// run again.
pub(super) fn json_to_binary(db: &sled::Db) -> Result<(), StoreError> {
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
