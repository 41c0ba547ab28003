//! The marketplaces ordersync pushes to, and what each one can express (CHANNELS.md,
//! "Status mapping summary"). Pure knowledge: connectors build the calls.

use super::status::Status;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    PortonePayco,
    Imweb,
    Youcan,
    Base,
    Wizcommerce,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 5] = [
        ChannelKind::PortonePayco,
        ChannelKind::Imweb,
        ChannelKind::Youcan,
        ChannelKind::Base,
        ChannelKind::Wizcommerce,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::PortonePayco => "portone_payco",
            ChannelKind::Imweb => "imweb",
            ChannelKind::Youcan => "youcan",
            ChannelKind::Base => "base",
            ChannelKind::Wizcommerce => "wizcommerce",
        }
    }

    /// Channels whose calls name line items (imweb `prod_order_no`, BASE `order_item_id`).
    pub fn item_level(self) -> bool {
        matches!(self, ChannelKind::Imweb | ChannelKind::Base)
    }

    /// Channels whose dispatch call carries a tracking number, so a new tracking number
    /// must be pushed again.
    pub fn carries_tracking(self) -> bool {
        matches!(self, ChannelKind::Imweb | ChannelKind::Base)
    }

    /// The remote state a canonical status becomes on this channel; `None` when the
    /// channel cannot express it (`unsupported`). Two statuses with the same step are
    /// the same change as far as the channel is concerned.
    pub fn remote_step(self, status: Status) -> Option<&'static str> {
        use ChannelKind::*;
        use Status::*;
        match (self, status) {
            (_, Placed) => None,
            (PortonePayco, Dispatched) => Some("DELIVERY_START"),
            (PortonePayco, Completed) => Some("PURCHASE_DECISION"),
            (PortonePayco, Canceled) => Some("CANCELED"),
            (PortonePayco, _) => None,
            (Imweb, Paid) => Some("deposit"),
            (Imweb, Preparing) => Some("place"),
            (Imweb, Dispatched) => Some("send"),
            (Imweb, Delivered) => Some("complete"),
            (Imweb, Canceled) => Some("cancel"),
            (Imweb, Returned) => Some("return"),
            (Imweb, Exchanged) => Some("exchange"),
            (Imweb, _) => None,
            (Youcan, Paid) => Some("payment:paid"),
            (Youcan, Preparing) => Some("shipping:processing"),
            (Youcan, Dispatched) => Some("shipping:shipped"),
            (Youcan, Delivered) => Some("shipping:fulfilled"),
            (Youcan, Completed) => Some("status:closed"),
            (Youcan, Canceled) => Some("status:canceled-by-seller+shipping:canceled"),
            (Youcan, Returned) => Some("payment:refunded"),
            (Youcan, _) => None,
            (Base, Dispatched) => Some("dispatched"),
            (Base, Canceled) => Some("cancelled"),
            (Base, _) => None,
            (Wizcommerce, Paid | Preparing) => Some("confirmed"),
            (Wizcommerce, Canceled) => Some("cancelled"),
            (Wizcommerce, _) => None,
        }
    }
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown channel kind {0:?} (expected portone_payco, imweb, youcan, base or wizcommerce)")]
pub struct UnknownChannelKind(pub String);

impl FromStr for ChannelKind {
    type Err = UnknownChannelKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ChannelKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| UnknownChannelKind(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ChannelKind::*;
    use Status::*;

    /// The summary table of CHANNELS.md, row by row.
    #[test]
    fn mapping_table() {
        let table: [(Status, [Option<&str>; 5]); 9] = [
            (Placed, [None, None, None, None, None]),
            (
                Paid,
                [
                    None,
                    Some("deposit"),
                    Some("payment:paid"),
                    None,
                    Some("confirmed"),
                ],
            ),
            (
                Preparing,
                [
                    None,
                    Some("place"),
                    Some("shipping:processing"),
                    None,
                    Some("confirmed"),
                ],
            ),
            (
                Dispatched,
                [
                    Some("DELIVERY_START"),
                    Some("send"),
                    Some("shipping:shipped"),
                    Some("dispatched"),
                    None,
                ],
            ),
            (
                Delivered,
                [
                    None,
                    Some("complete"),
                    Some("shipping:fulfilled"),
                    None,
                    None,
                ],
            ),
            (
                Completed,
                [
                    Some("PURCHASE_DECISION"),
                    None,
                    Some("status:closed"),
                    None,
                    None,
                ],
            ),
            (
                Canceled,
                [
                    Some("CANCELED"),
                    Some("cancel"),
                    Some("status:canceled-by-seller+shipping:canceled"),
                    Some("cancelled"),
                    Some("cancelled"),
                ],
            ),
            (
                Returned,
                [None, Some("return"), Some("payment:refunded"), None, None],
            ),
            (Exchanged, [None, Some("exchange"), None, None, None]),
        ];
        for (status, row) in table {
            for (kind, expected) in ChannelKind::ALL.into_iter().zip(row) {
                assert_eq!(kind.remote_step(status), expected, "{kind} {status}");
            }
        }
    }

    #[test]
    fn kinds_parse() {
        for kind in ChannelKind::ALL {
            assert_eq!(kind.as_str().parse::<ChannelKind>().unwrap(), kind);
        }
        assert!("shopify".parse::<ChannelKind>().is_err());
        assert!(Imweb.item_level() && Base.item_level());
        assert!(!Youcan.item_level() && !PortonePayco.item_level() && !Wizcommerce.item_level());
    }
}
