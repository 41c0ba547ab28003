//! Key encodings. Numbers are big-endian so sled's byte order is numeric order;
//! variable-length parts are length-prefixed so one order's keys never run into
//! another's.

use crate::domain::{EventId, OrderId, SourceName};

/// Tasks enqueued together (one event's changes for one order) share one outbox record,
/// a group: a task id is its group's id times `GROUP_SLOTS` plus its slot. One record per
/// event instead of one per channel is most of what ingest writes (BENCHMARKS.md).
pub const GROUP_SLOTS: usize = 256;

pub fn task_id(group: u64, slot: usize) -> u64 {
    group * GROUP_SLOTS as u64 + slot as u64
}

pub fn group_of(task_id: u64) -> u64 {
    task_id / GROUP_SLOTS as u64
}

pub fn slot_of(task_id: u64) -> usize {
    (task_id % GROUP_SLOTS as u64) as usize
}

pub fn group_key(group: u64) -> [u8; 8] {
    group.to_be_bytes()
}

/// The key of an order in `orders` and of its log in `order_history`.
pub fn order_key(order_id: &OrderId) -> Vec<u8> {
    order_id.as_str().as_bytes().to_vec()
}

/// Dedupe key: event ids are unique per sender, not across senders.
pub fn event_key(source: &SourceName, event_id: &EventId) -> Vec<u8> {
    let mut key = Vec::with_capacity(source.as_str().len() + 1 + event_id.as_str().len());
    key.extend_from_slice(source.as_str().as_bytes());
    // Source names are [A-Za-z0-9_-], so 0 cannot occur inside one.
    key.push(0);
    key.extend_from_slice(event_id.as_str().as_bytes());
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_keys_sort_numerically_and_task_ids_round_trip() {
        assert!(group_key(255) < group_key(256));
        let id = task_id(300, 7);
        assert_eq!((group_of(id), slot_of(id)), (300, 7));
        assert!(task_id(300, 255) < task_id(301, 0));
    }

    #[test]
    fn event_keys_are_scoped_by_source() {
        let e = EventId::parse("msg_1").unwrap();
        let a = event_key(&SourceName::parse("a").unwrap(), &e);
        let b = event_key(&SourceName::parse("b").unwrap(), &e);
        assert_ne!(a, b);
    }
}
