//! systemd's notify protocol (`Type=notify`, sd_notify(3)): `READY=1` once the store is
//! open and the listener bound, `WATCHDOG=1` while the daemon can still do its work,
//! `STOPPING=1` when shutdown begins. Every call is a no-op when `NOTIFY_SOCKET` is not
//! set (not started by systemd, tests, a terminal).

use crate::delivery::probe::OutboxProbe;
use crate::ingest::handler::now;
use crate::store::{Op, OpResult, Store, Writer};
use sd_notify::NotifyState;
use std::time::Duration;
use tokio::task::JoinHandle;

fn send(states: &[NotifyState<'_>]) {
    if let Err(error) = sd_notify::notify(states) {
        tracing::warn!(error = %error, "could not notify the service manager");
    }
}

pub fn ready(status: &str) {
    send(&[NotifyState::Ready, NotifyState::Status(status)]);
}

pub fn stopping() {
    send(&[NotifyState::Stopping, NotifyState::Status("stopping")]);
}

/// What the watchdog checks before each `WATCHDOG=1`: a process whose HTTP threads
/// still run but whose store, writer or scheduler is wedged must not keep the watchdog
/// happy, or systemd never restarts it.
pub struct Liveness {
    pub store: Store,
    pub writer: Writer,
    pub outbox: OutboxProbe,
}

impl Liveness {
    /// Which part did not answer within `wait`, if any.
    async fn check(&self, wait: Duration) -> Result<(), &'static str> {
        // Off the async threads: sled calls block.
        let writable = tokio::time::timeout(wait, self.store.run(|s| s.is_writable())).await;
        if writable != Ok(true) {
            return Err("the store");
        }
        // An empty requeue is a full round trip through the group-commit writer: queue,
        // transaction, flush (and fsync), reply. It changes nothing.
        let nothing = Op::Requeue {
            task_ids: Vec::new(),
            at: now(),
        };
        match tokio::time::timeout(wait, self.writer.submit(nothing)).await {
            Ok(Ok(OpResult::Requeue(_))) => {}
            _ => return Err("the store writer"),
        }
        match self.outbox.snapshot(wait).await {
            Some(_) => Ok(()),
            None => Err("the delivery scheduler"),
        }
    }
}

/// Starts the watchdog task when systemd asked for one (`WATCHDOG_USEC`, and
/// `WATCHDOG_PID` unset or ours). Otherwise `liveness` is dropped here, so its writer
/// handle does not keep the writer running.
pub fn spawn_watchdog(liveness: Liveness) -> Option<JoinHandle<()>> {
    let timeout = sd_notify::watchdog_enabled()?;
    // systemd's advice (sd_watchdog_enabled(3)): notify at half the timeout.
    let every = timeout / 2;
    tracing::info!(timeout = ?timeout, "systemd watchdog enabled");
    Some(tokio::spawn(pet_forever(liveness, every)))
}

async fn pet_forever(liveness: Liveness, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        // Checks bounded by half a period keep the gap between two notifications under
        // 1.5 periods = 0.75 of the timeout, even when they use all of it.
        match liveness.check(every / 2).await {
            Ok(()) => send(&[NotifyState::Watchdog]),
            Err(part) => tracing::warn!(
                part,
                "{part} did not answer in time; withholding the watchdog notification"
            ),
        }
    }
}
