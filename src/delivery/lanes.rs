//! In-memory scheduling state. Tasks for one (order, channel) form a lane and run one
//! at a time in id (= enqueue) order; only lane heads sit in the due-time heap, so
//! different orders and channels run in parallel while each lane stays in order.

use crate::domain::{ChannelName, OrderId};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use tokio::time::Instant;

pub type LaneKey = (OrderId, ChannelName);

#[derive(Debug, Default)]
struct Lane {
    /// Task id → when it is due.
    tasks: BTreeMap<u64, Instant>,
    busy: bool,
}

#[derive(Debug, Default)]
pub struct Lanes {
    lanes: HashMap<LaneKey, Lane>,
    /// (due, task id, lane) of lane heads; entries that went stale are skipped on pop.
    heap: BinaryHeap<Reverse<(Instant, u64, LaneKey)>>,
}

impl Lanes {
    /// Adds or reschedules a task.
    pub fn insert(&mut self, lane_key: LaneKey, task_id: u64, due: Instant) {
        let lane = self.lanes.entry(lane_key.clone()).or_default();
        lane.tasks.insert(task_id, due);
        self.push_head(&lane_key);
    }

    /// Drops a task (finished, dead, or gone) and frees its lane.
    pub fn remove(&mut self, lane_key: &LaneKey, task_id: u64) {
        if let Some(lane) = self.lanes.get_mut(lane_key) {
            lane.tasks.remove(&task_id);
            lane.busy = false;
            if lane.tasks.is_empty() {
                self.lanes.remove(lane_key);
                return;
            }
        }
        self.push_head(lane_key);
    }

    /// Frees a lane whose head ran and was rescheduled (by `insert`).
    pub fn release(&mut self, lane_key: &LaneKey) {
        if let Some(lane) = self.lanes.get_mut(lane_key) {
            lane.busy = false;
        }
        self.push_head(lane_key);
    }

    fn push_head(&mut self, lane_key: &LaneKey) {
        if let Some(lane) = self.lanes.get(lane_key) {
            if let (false, Some((&id, &due))) = (lane.busy, lane.tasks.first_key_value()) {
                self.heap.push(Reverse((due, id, lane_key.clone())));
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
            let is_current_head = lane.tasks.first_key_value() == Some((&id, &due));
            if lane.busy || !is_current_head {
                continue;
            }
            lane.busy = true;
            return Some((key, id));
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
        for ((_, channel), lane) in &self.lanes {
            for &due in lane.tasks.values() {
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

    fn key(order: &str, channel: &str) -> LaneKey {
        (
            OrderId::parse(order).unwrap(),
            ChannelName::parse(channel).unwrap(),
        )
    }

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
