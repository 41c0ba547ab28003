//! The retry decision, a pure function of the outcome and the task's counters.
//! Scheduling (timers, wake-ups) lives elsewhere.

use crate::domain::Outcome;
use crate::store::TaskState;
use std::time::Duration;

/// Backoff for a channel that refuses our credentials: it never dead-letters, it just
/// keeps knocking, at most this often.
const AUTH_BACKOFF_START: Duration = Duration::from_secs(5);
const AUTH_BACKOFF_CAP: Duration = Duration::from_secs(300);
/// Jitter spreads retries by up to this fraction either way.
const JITTER: f64 = 0.2;

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Wait before attempt n+1 (index n); its length is the number of attempts.
    pub schedule: Vec<Duration>,
    pub max_retry_after: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Nothing more to send.
    Finished,
    Retry {
        wait: Duration,
        state: TaskState,
        attempts: u32,
        auth_failures: u32,
    },
    Dead,
}

impl RetryPolicy {
    /// `attempts` counts the attempt just made (claims count it before the call);
    /// `jitter` is uniform in [-1, 1].
    pub fn decide(
        &self,
        outcome: &Outcome,
        attempts: u32,
        auth_failures: u32,
        jitter: f64,
    ) -> Decision {
        let spread = |wait: Duration| wait.mul_f64(1.0 + JITTER * jitter.clamp(-1.0, 1.0));
        let scheduled = |n: u32| self.schedule.get(n as usize).copied();
        match outcome {
            Outcome::Retry {
                after,
                rate_limited: true,
                ..
            } => {
                // A rate-limit answer does not use up an attempt. Without Retry-After it
                // waits as a failed attempt would: the wait before the attempt it gives
                // back (`schedule[attempts - 1]`) is 0s for a first attempt, which would
                // retry at once, again and again, against a remote asking us to slow down.
                let wait = match after {
                    Some(after) => (*after).min(self.max_retry_after),
                    None => spread(
                        scheduled(attempts)
                            .or(self.schedule.last().copied())
                            .unwrap_or_default(),
                    ),
                };
                Decision::Retry {
                    wait,
                    state: TaskState::Retrying,
                    attempts: attempts.saturating_sub(1),
                    auth_failures: 0,
                }
            }
            Outcome::Retry {
                after,
                rate_limited: false,
                ..
            } => match scheduled(attempts) {
                None => Decision::Dead,
                Some(wait) => {
                    let remote = after
                        .map(|a| a.min(self.max_retry_after))
                        .unwrap_or_default();
                    Decision::Retry {
                        wait: spread(wait).max(remote),
                        state: TaskState::Retrying,
                        attempts,
                        auth_failures: 0,
                    }
                }
            },
            Outcome::Auth(_) => {
                let failures = auth_failures.saturating_add(1);
                let doubling =
                    AUTH_BACKOFF_START.saturating_mul(1u32 << failures.saturating_sub(1).min(16));
                Decision::Retry {
                    wait: spread(doubling.min(AUTH_BACKOFF_CAP)),
                    state: TaskState::Auth,
                    attempts: attempts.saturating_sub(1),
                    auth_failures: failures,
                }
            }
            Outcome::Done
            | Outcome::AlreadyApplied
            | Outcome::Unsupported { .. }
            | Outcome::Rejected(_)
            | Outcome::Superseded { .. } => Decision::Finished,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RemoteError;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            schedule: vec![
                Duration::ZERO,
                Duration::from_secs(5),
                Duration::from_secs(30),
            ],
            max_retry_after: Duration::from_secs(60),
        }
    }

    fn retry(after: Option<u64>, rate_limited: bool) -> Outcome {
        Outcome::Retry {
            after: after.map(Duration::from_secs),
            rate_limited,
            error: RemoteError::new(None, "x"),
        }
    }

    fn retrying(wait: Duration, attempts: u32) -> Decision {
        Decision::Retry {
            wait,
            state: TaskState::Retrying,
            attempts,
            auth_failures: 0,
        }
    }

    #[test]
    fn final_outcomes_finish() {
        for outcome in [
            Outcome::Done,
            Outcome::AlreadyApplied,
            Outcome::Unsupported { reason: "x".into() },
            Outcome::Rejected(RemoteError::new(Some("c"), "m")),
            Outcome::Superseded { reason: "x".into() },
        ] {
            assert_eq!(
                policy().decide(&outcome, 1, 0, 0.0),
                Decision::Finished,
                "{outcome:?}"
            );
        }
    }

    #[test]
    fn schedule_then_dead() {
        let p = policy();
        assert_eq!(
            p.decide(&retry(None, false), 1, 0, 0.0),
            retrying(Duration::from_secs(5), 1)
        );
        assert_eq!(
            p.decide(&retry(None, false), 2, 0, 0.0),
            retrying(Duration::from_secs(30), 2)
        );
        assert_eq!(p.decide(&retry(None, false), 3, 0, 0.0), Decision::Dead);
    }

    #[test]
    fn jitter_is_within_twenty_percent() {
        let p = policy();
        assert_eq!(
            p.decide(&retry(None, false), 1, 0, 1.0),
            retrying(Duration::from_secs(6), 1)
        );
        assert_eq!(
            p.decide(&retry(None, false), 1, 0, -1.0),
            retrying(Duration::from_secs(4), 1)
        );
        assert_eq!(
            p.decide(&retry(None, false), 1, 0, 7.0),
            retrying(Duration::from_secs(6), 1),
            "clamped"
        );
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let p = policy();
        assert_eq!(
            p.decide(&retry(Some(20), false), 1, 0, 0.0),
            retrying(Duration::from_secs(20), 1)
        );
        assert_eq!(
            p.decide(&retry(Some(2), false), 1, 0, 0.0),
            retrying(Duration::from_secs(5), 1),
            "schedule is the floor"
        );
        assert_eq!(
            p.decide(&retry(Some(7200), false), 1, 0, 0.0),
            retrying(Duration::from_secs(60), 1)
        );
    }

    #[test]
    fn rate_limits_do_not_use_an_attempt() {
        let p = policy();
        assert_eq!(
            p.decide(&retry(Some(2), true), 1, 0, 0.0),
            retrying(Duration::from_secs(2), 0)
        );
        assert_eq!(
            p.decide(&retry(Some(2), true), 3, 0, 0.0),
            retrying(Duration::from_secs(2), 2),
            "never dead"
        );
        assert_eq!(
            p.decide(&retry(None, true), 1, 0, 0.0),
            retrying(Duration::from_secs(5), 0),
            "waits as a failure would, not schedule[0] (0s): no tight loop"
        );
        assert_eq!(
            p.decide(&retry(None, true), 2, 0, 0.0),
            retrying(Duration::from_secs(30), 1)
        );
        assert_eq!(
            p.decide(&retry(None, true), 3, 0, 0.0),
            retrying(Duration::from_secs(30), 2),
            "past the schedule: its last wait, never dead"
        );
        assert_eq!(
            p.decide(&retry(Some(7200), true), 1, 0, 0.0),
            retrying(Duration::from_secs(60), 0)
        );
    }

    #[test]
    fn auth_backs_off_capped_and_never_dies() {
        let p = policy();
        let auth = Outcome::Auth(RemoteError::new(Some("http_401"), "no"));
        let waits: Vec<_> = (0..9)
            .map(|failures| match p.decide(&auth, 3, failures, 0.0) {
                Decision::Retry {
                    wait,
                    state: TaskState::Auth,
                    attempts: 2,
                    auth_failures,
                } => {
                    assert_eq!(auth_failures, failures + 1);
                    wait.as_secs()
                }
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(waits, vec![5, 10, 20, 40, 80, 160, 300, 300, 300]);
    }
}
