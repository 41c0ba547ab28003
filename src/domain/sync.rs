//! Delivery outcomes and the per-channel sync state shown to operators.

use super::status::Status;
use super::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A marketplace's own error code and message, as shown to the operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteError {
    pub code: Option<String>,
    pub message: String,
}

impl RemoteError {
    pub fn new(code: Option<&str>, message: impl Into<String>) -> Self {
        Self {
            code: code.map(str::to_string),
            message: message.into(),
        }
    }
}

/// What one delivery attempt came to (CHANNELS.md, outcome table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done,
    AlreadyApplied,
    Unsupported {
        reason: String,
    },
    Rejected(RemoteError),
    /// Try again later. `rate_limited` answers do not use up an attempt.
    Retry {
        after: Option<Duration>,
        rate_limited: bool,
        error: RemoteError,
    },
    Auth(RemoteError),
    Superseded {
        reason: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    Done,
    AlreadyApplied,
    Unsupported,
    Rejected,
    Retry,
    Auth,
    Superseded,
    Dead,
}

impl OutcomeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::Done => "done",
            OutcomeKind::AlreadyApplied => "already_applied",
            OutcomeKind::Unsupported => "unsupported",
            OutcomeKind::Rejected => "rejected",
            OutcomeKind::Retry => "retry",
            OutcomeKind::Auth => "auth",
            OutcomeKind::Superseded => "superseded",
            OutcomeKind::Dead => "dead",
        }
    }
}

impl Outcome {
    pub fn kind(&self) -> OutcomeKind {
        match self {
            Outcome::Done => OutcomeKind::Done,
            Outcome::AlreadyApplied => OutcomeKind::AlreadyApplied,
            Outcome::Unsupported { .. } => OutcomeKind::Unsupported,
            Outcome::Rejected(_) => OutcomeKind::Rejected,
            Outcome::Retry { .. } => OutcomeKind::Retry,
            Outcome::Auth(_) => OutcomeKind::Auth,
            Outcome::Superseded { .. } => OutcomeKind::Superseded,
        }
    }

    /// The error to show the operator, if the outcome carries one.
    pub fn error(&self) -> Option<RemoteError> {
        match self {
            Outcome::Rejected(e) | Outcome::Auth(e) | Outcome::Retry { error: e, .. } => {
                Some(e.clone())
            }
            Outcome::Unsupported { reason } | Outcome::Superseded { reason } => {
                Some(RemoteError::new(None, reason.clone()))
            }
            Outcome::Done | Outcome::AlreadyApplied => None,
        }
    }

    /// Whether the task is finished with this outcome (nothing more will be sent).
    pub fn is_final(&self) -> bool {
        !matches!(self, Outcome::Retry { .. } | Outcome::Auth(_))
    }

    pub fn is_success(&self) -> bool {
        matches!(self, Outcome::Done | Outcome::AlreadyApplied)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    Pending,
    Retrying,
    Done,
    Unsupported,
    Rejected,
    Dead,
    Auth,
}

impl SyncState {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncState::Pending => "pending",
            SyncState::Retrying => "retrying",
            SyncState::Done => "done",
            SyncState::Unsupported => "unsupported",
            SyncState::Rejected => "rejected",
            SyncState::Dead => "dead",
            SyncState::Auth => "auth",
        }
    }
}

/// One channel's view of one order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelSync {
    pub state: SyncState,
    /// The status of the newest change planned for this channel.
    pub status: Status,
    /// The last status the channel acknowledged (`done` / `already_applied`).
    #[serde(default)]
    pub acked: Option<Status>,
    pub attempts: u32,
    pub last_outcome: Option<OutcomeKind>,
    pub last_error: Option<RemoteError>,
    pub updated_at: Timestamp,
    /// The newest task for this channel; outcomes of older tasks do not set `state`.
    #[serde(default)]
    pub latest_task: u64,
}
