//! Asking the scheduler how its outbox looks. The scheduler already holds every live
//! task and its due time in memory, so the answer costs no store read; and a scheduler
//! that answers is a scheduler whose loop still turns (the watchdog relies on that).

use crate::domain::ChannelName;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelOutbox {
    /// Tasks waiting or in flight (dead letters not included).
    pub depth: usize,
    /// How long the longest-overdue task has been due; zero when none is due.
    pub oldest_due_age: Duration,
    pub dead: usize,
}

/// Per channel; channels without tasks are absent.
pub type OutboxSnapshot = BTreeMap<ChannelName, ChannelOutbox>;

pub type ProbeRequest = oneshot::Sender<OutboxSnapshot>;

#[derive(Clone)]
pub struct OutboxProbe {
    requests: mpsc::Sender<ProbeRequest>,
}

/// The probe and the receiving end that the scheduler answers.
pub fn probe_channel() -> (OutboxProbe, mpsc::Receiver<ProbeRequest>) {
    // Scrapes and watchdog checks are rare; a request that finds the queue full is
    // answered "no snapshot" rather than waiting.
    let (requests, receiver) = mpsc::channel(16);
    (OutboxProbe { requests }, receiver)
}

impl OutboxProbe {
    /// The scheduler's snapshot, or `None` when it does not answer within `wait`
    /// (stopped, or stuck).
    pub async fn snapshot(&self, wait: Duration) -> Option<OutboxSnapshot> {
        let (reply, answer) = oneshot::channel();
        self.requests.try_send(reply).ok()?;
        tokio::time::timeout(wait, answer).await.ok()?.ok()
    }
}
