//! Canonical order statuses.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Placed,
    Paid,
    Preparing,
    Dispatched,
    Delivered,
    Completed,
    Canceled,
    Returned,
    Exchanged,
}

impl Status {
    pub const ALL: [Status; 9] = [
        Status::Placed,
        Status::Paid,
        Status::Preparing,
        Status::Dispatched,
        Status::Delivered,
        Status::Completed,
        Status::Canceled,
        Status::Returned,
        Status::Exchanged,
    ];

    /// Position on the fulfilment chain; `None` for the claim statuses.
    pub fn chain_rank(self) -> Option<u8> {
        match self {
            Status::Placed => Some(0),
            Status::Paid => Some(1),
            Status::Preparing => Some(2),
            Status::Dispatched => Some(3),
            Status::Delivered => Some(4),
            Status::Completed => Some(5),
            Status::Canceled | Status::Returned | Status::Exchanged => None,
        }
    }

    pub fn is_claim(self) -> bool {
        self.chain_rank().is_none()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Placed => "placed",
            Status::Paid => "paid",
            Status::Preparing => "preparing",
            Status::Dispatched => "dispatched",
            Status::Delivered => "delivered",
            Status::Completed => "completed",
            Status::Canceled => "canceled",
            Status::Returned => "returned",
            Status::Exchanged => "exchanged",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status {0:?} (expected one of placed, paid, preparing, dispatched, delivered, completed, canceled, returned, exchanged)")]
pub struct UnknownStatus(pub String);

impl FromStr for Status {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for status in Status::ALL {
            assert_eq!(status.as_str().parse::<Status>().unwrap(), status);
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
        }
        assert!("shipped".parse::<Status>().is_err());
    }

    #[test]
    fn chain_and_claims() {
        let chain: Vec<_> = Status::ALL.iter().filter_map(|s| s.chain_rank()).collect();
        assert_eq!(chain, vec![0, 1, 2, 3, 4, 5]);
        assert!(Status::Canceled.is_claim());
        assert!(Status::Returned.is_claim());
        assert!(Status::Exchanged.is_claim());
        assert!(!Status::Completed.is_claim());
    }
}
