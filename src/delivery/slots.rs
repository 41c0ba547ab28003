//! Each channel's share of the delivery slots. A call that waits for a rate-limit token,
//! or for a marketplace that hangs until the request timeout, holds its slot all along;
//! without a share, one such channel ends up holding every slot and the other
//! marketplaces wait behind it (measured: 8 s instead of 6 ms, BENCHMARKS.md). So a
//! channel may use at most its fair share of `delivery.concurrency` at once; lane heads
//! of a channel at its share wait here, oldest first, for one of its own slots.

use super::lanes::LaneKey;
use crate::domain::ChannelName;
use std::collections::{HashMap, VecDeque};

#[derive(Debug)]
pub struct ChannelSlots {
    share: usize,
    in_flight: HashMap<ChannelName, usize>,
    held: HashMap<ChannelName, VecDeque<(LaneKey, u64)>>,
}

impl ChannelSlots {
    /// `concurrency` slots over `channels` configured channels: each may use
    /// `concurrency / channels`, rounded up, and at least one.
    pub fn new(concurrency: usize, channels: usize) -> Self {
        Self {
            share: concurrency.div_ceil(channels.max(1)).max(1),
            in_flight: HashMap::new(),
            held: HashMap::new(),
        }
    }

    pub fn share(&self) -> usize {
        self.share
    }

    /// A due lane head: `Some` if its channel has room (the slot is now taken),
    /// otherwise it is held until the channel has.
    pub fn admit(&mut self, lane: LaneKey, task_id: u64) -> Option<(LaneKey, u64)> {
        let running = self.in_flight.entry(lane.1.clone()).or_default();
        if *running < self.share {
            *running += 1;
            return Some((lane, task_id));
        }
        self.held
            .entry(lane.1.clone())
            .or_default()
            .push_back((lane, task_id));
        None
    }

    /// The oldest held lane head of a channel that has room again (its slot taken).
    pub fn next_held(&mut self) -> Option<(LaneKey, u64)> {
        let share = self.share;
        let in_flight = &mut self.in_flight;
        let (channel, queue) = self.held.iter_mut().find(|(channel, queue)| {
            !queue.is_empty() && in_flight.get(*channel).copied().unwrap_or(0) < share
        })?;
        let next = queue.pop_front();
        *in_flight.entry(channel.clone()).or_default() += 1;
        if queue.is_empty() {
            let channel = channel.clone();
            self.held.remove(&channel);
        }
        next
    }

    /// A worker of `channel` is done: its slot is free.
    pub fn finished(&mut self, channel: &ChannelName) {
        if let Some(running) = self.in_flight.get_mut(channel) {
            *running = running.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::delivery::lanes::lane_key as lane;

    #[test]
    fn the_share_is_the_concurrency_divided_by_the_channels_rounded_up() {
        assert_eq!(ChannelSlots::new(32, 5).share(), 7);
        assert_eq!(ChannelSlots::new(32, 1).share(), 32);
        assert_eq!(ChannelSlots::new(32, 0).share(), 32);
        assert_eq!(ChannelSlots::new(2, 5).share(), 1);
        assert_eq!(ChannelSlots::new(0, 3).share(), 1);
    }

    #[test]
    fn a_channel_at_its_share_waits_while_others_go_ahead() {
        let mut slots = ChannelSlots::new(4, 2);
        assert!(slots.admit(lane("1", "slow"), 1).is_some());
        assert!(slots.admit(lane("2", "slow"), 2).is_some());
        assert_eq!(slots.admit(lane("3", "slow"), 3), None);
        assert_eq!(slots.admit(lane("4", "slow"), 4), None);
        assert_eq!(
            slots.admit(lane("5", "fast"), 5),
            Some((lane("5", "fast"), 5))
        );
        assert_eq!(slots.next_held(), None, "slow is still at its share");

        slots.finished(&ChannelName::parse("fast").unwrap());
        assert_eq!(
            slots.next_held(),
            None,
            "a fast slot does not free a slow one"
        );

        slots.finished(&ChannelName::parse("slow").unwrap());
        assert_eq!(
            slots.next_held(),
            Some((lane("3", "slow"), 3)),
            "oldest first"
        );
        assert_eq!(slots.next_held(), None);
        slots.finished(&ChannelName::parse("slow").unwrap());
        assert_eq!(slots.next_held(), Some((lane("4", "slow"), 4)));
        assert_eq!(slots.next_held(), None);
    }
}
