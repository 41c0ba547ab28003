//! In-memory scheduling state. Tasks for one (order, channel) form a lane and run one
//! at a time in id (= enqueue) order; only lane heads sit in the due-time heap, so
//! different orders and channels run in parallel while each lane stays in order.

use crate::domain::{ChannelName, OrderId};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;
use tokio::time::Instant;

pub type LaneKey = (OrderId, ChannelName);

/// A lane's key from plain text, for tests.
#[cfg(test)]
pub fn lane_key(order: &str, channel: &str) -> LaneKey {
    (
        OrderId::parse(order).unwrap(),
        ChannelName::parse(channel).unwrap(),
    )
}

/// One allocation per lane, shared by the lane map and its heap entries: with every
/// live task loaded at start (100k and more), copies of the two ids per heap entry
/// were most of the engine's memory.
type SharedKey = Arc<LaneKey>;

#[derive(Debug, Default)]
struct Lane {
    /// (task id, when it is due), sorted by id. Lanes are short (usually one task) and
    /// ids grow, so a sorted Vec beats a BTreeMap, whose first node alone is ~300 bytes.
    tasks: Vec<(u64, Instant)>,
    busy: bool,
}

impl Lane {
    fn head(&self) -> Option<(u64, Instant)> {
        self.tasks.first().copied()
    }

    fn upsert(&mut self, task_id: u64, due: Instant) {
        match self.tasks.binary_search_by_key(&task_id, |(id, _)| *id) {
            Ok(at) => self.tasks[at].1 = due,
            Err(at) => self.tasks.insert(at, (task_id, due)),
        }
    }

    fn remove(&mut self, task_id: u64) {
        if let Ok(at) = self.tasks.binary_search_by_key(&task_id, |(id, _)| *id) {
            self.tasks.remove(at);
        }
    }
}

#[derive(Debug, Default)]
pub struct Lanes {
    lanes: HashMap<SharedKey, Lane>,
    /// (due, task id, lane) of lane heads; entries that went stale are skipped on pop.
    heap: BinaryHeap<Reverse<(Instant, u64, SharedKey)>>,
}

impl Lanes {
    /// Adds or reschedules a task.
    pub fn insert(&mut self, lane_key: LaneKey, task_id: u64, due: Instant) {
        let key = self
            .shared_key(&lane_key)
            .unwrap_or_else(|| Arc::new(lane_key));
        self.lanes
            .entry(key.clone())
            .or_default()
            .upsert(task_id, due);
        self.push_head(&key);
    }

    /// Drops a task (finished, dead, or gone) and frees its lane.
    pub fn remove(&mut self, lane_key: &LaneKey, task_id: u64) {
        let Some(key) = self.shared_key(lane_key) else {
            return;
        };
        let lane = self.lanes.get_mut(&key).expect("the key came from the map");
        lane.remove(task_id);
        lane.busy = false;
        if lane.tasks.is_empty() {
            self.lanes.remove(lane_key);
            return;
        }
        self.push_head(&key);
    }

    /// Frees a lane whose head ran and was rescheduled (by `insert`).
    pub fn release(&mut self, lane_key: &LaneKey) {
        let Some(key) = self.shared_key(lane_key) else {
            return;
        };
        if let Some(lane) = self.lanes.get_mut(&key) {
            lane.busy = false;
        }
        self.push_head(&key);
    }

    fn shared_key(&self, lane_key: &LaneKey) -> Option<SharedKey> {
        self.lanes
            .get_key_value(lane_key)
            .map(|(key, _)| key.clone())
    }

    fn push_head(&mut self, key: &SharedKey) {
        if let Some(lane) = self.lanes.get(key) {
            if let (false, Some((id, due))) = (lane.busy, lane.head()) {
                self.heap.push(Reverse((due, id, key.clone())));
            }
        }
    }

    /// Takes the next due lane head, marking its lane busy.
    pub fn pop_due(&mut self, now: Instant) -> Option<(LaneKey, u64)> {
        while self
            .heap
            .peek()
            .is_some_and(|Reverse((due, _, _))| *due <= now)
        {
            let Reverse((due, id, key)) = self.heap.pop().expect("peeked");
            let Some(lane) = self.lanes.get_mut(&key) else {
                continue;
            };
            if lane.busy || lane.head() != Some((id, due)) {
                continue;
            }
            lane.busy = true;
            return Some((LaneKey::clone(&key), id));
        }
        None
    }

    /// When the earliest lane head is due (may be a stale entry: waking early is harmless).
    pub fn next_due(&self) -> Option<Instant> {
        self.heap.peek().map(|Reverse((due, _, _))| *due)
    }

    /// Per channel: live tasks and the earliest due time among them (for metrics; walks
    /// every task, in memory).
    pub fn per_channel(&self) -> HashMap<ChannelName, (usize, Instant)> {
        let mut channels: HashMap<ChannelName, (usize, Instant)> = HashMap::new();
        for (key, lane) in &self.lanes {
            let channel = &key.1;
            for &(_, due) in &lane.tasks {
                let entry = channels.entry(channel.clone()).or_insert((0, due));
                entry.0 += 1;
                entry.1 = entry.1.min(due);
            }
        }
        channels
    }

    pub fn len(&self) -> usize {
        self.lanes.values().map(|lane| lane.tasks.len()).sum()
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.lanes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    use super::lane_key as key;

    #[test]
    fn one_lane_runs_in_id_order_one_at_a_time() {
        let now = Instant::now();
        let mut lanes = Lanes::default();
        let a = key("1", "wiz");
        lanes.insert(a.clone(), 2, now);
        lanes.insert(a.clone(), 1, now);
        assert_eq!(lanes.pop_due(now), Some((a.clone(), 1)));
        assert_eq!(lanes.pop_due(now), None, "lane busy");
        lanes.remove(&a, 1);
        assert_eq!(lanes.pop_due(now), Some((a.clone(), 2)));
        lanes.remove(&a, 2);
        assert!(lanes.is_empty());
    }

    #[test]
    fn lanes_run_in_parallel() {
        let now = Instant::now();
        let mut lanes = Lanes::default();
        lanes.insert(key("1", "wiz"), 1, now);
        lanes.insert(key("1", "base"), 2, now);
        lanes.insert(key("2", "wiz"), 3, now);
        let mut got: Vec<u64> =
            std::iter::from_fn(|| lanes.pop_due(now).map(|(_, id)| id)).collect();
        got.sort();
        assert_eq!(got, vec![1, 2, 3]);
    }

    #[test]
    fn a_rescheduled_head_blocks_its_successors() {
        let now = Instant::now();
        let later = now + Duration::from_secs(5);
        let mut lanes = Lanes::default();
        let a = key("1", "wiz");
        lanes.insert(a.clone(), 1, now);
        lanes.insert(a.clone(), 2, now);
        assert_eq!(lanes.pop_due(now), Some((a.clone(), 1)));
        lanes.insert(a.clone(), 1, later);
        lanes.release(&a);
        assert_eq!(
            lanes.pop_due(now),
            None,
            "task 2 waits behind retrying task 1"
        );
        assert_eq!(lanes.next_due(), Some(later));
        assert_eq!(lanes.pop_due(later), Some((a, 1)));
    }

    #[test]
    fn per_channel_counts_every_task_and_the_earliest_due() {
        let now = Instant::now();
        let mut lanes = Lanes::default();
        lanes.insert(key("1", "wiz"), 1, now + Duration::from_secs(5));
        lanes.insert(key("1", "wiz"), 2, now + Duration::from_secs(1));
        lanes.insert(key("2", "wiz"), 3, now + Duration::from_secs(3));
        lanes.insert(key("2", "base"), 4, now);
        let got = lanes.per_channel();
        assert_eq!(got.len(), 2);
        let wiz = got[&ChannelName::parse("wiz").unwrap()];
        assert_eq!(wiz, (3, now + Duration::from_secs(1)));
        assert_eq!(got[&ChannelName::parse("base").unwrap()], (1, now));
    }

    #[test]
    fn not_due_yet() {
        let now = Instant::now();
        let mut lanes = Lanes::default();
        lanes.insert(key("1", "wiz"), 1, now + Duration::from_millis(10));
        assert_eq!(lanes.pop_due(now), None);
        assert_eq!(lanes.len(), 1);
    }
}
