//! Validated identifiers. Raw strings from the wire stop at the adapters; past them
//! every id is one of these types, so a bad id cannot reach the store.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters, got {len}")]
    TooLong { max: usize, len: usize },
    #[error("must not contain control characters")]
    ControlCharacter,
    #[error("may only contain letters, digits, '-' and '_'")]
    BadNameCharacter,
}

fn check_text(value: &str, max: usize) -> Result<(), IdError> {
    if value.is_empty() {
        return Err(IdError::Empty);
    }
    // Ids are nearly always ASCII: one pass over the bytes, then the general case.
    if value.is_ascii() {
        if value.len() > max {
            return Err(IdError::TooLong {
                max,
                len: value.len(),
            });
        }
        if value.bytes().any(|b| b.is_ascii_control()) {
            return Err(IdError::ControlCharacter);
        }
        return Ok(());
    }
    let len = value.chars().count();
    if len > max {
        return Err(IdError::TooLong { max, len });
    }
    if value.chars().any(char::is_control) {
        return Err(IdError::ControlCharacter);
    }
    Ok(())
}

fn check_name(value: &str, max: usize) -> Result<(), IdError> {
    check_text(value, max)?;
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(IdError::BadNameCharacter);
    }
    Ok(())
}

macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident, $check:ident, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const MAX_LEN: usize = $max;

            pub fn parse(value: impl Into<String>) -> Result<Self, IdError> {
                let value = value.into();
                $check(&value, $max)?;
                Ok(Self(value))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(value)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

text_id!(
    /// The primary storefront's order id.
    OrderId, check_text, 128
);
text_id!(
    /// The sender's event id (`webhook-id`, `X-Shopify-Event-Id`, ...), used for dedupe.
    EventId, check_text, 256
);
text_id!(
    /// A line item id at the primary.
    LineId, check_text, 128
);
text_id!(
    /// An id on a marketplace: its order id or line id.
    RemoteId, check_text, 128
);
text_id!(
    /// The name of a `[channels.NAME]` table.
    ChannelName, check_name, 64
);
text_id!(
    /// The name of a `[sources.NAME]` table.
    SourceName, check_name, 64
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_id_bounds() {
        assert_eq!(OrderId::parse(""), Err(IdError::Empty));
        assert!(OrderId::parse("x".repeat(128)).is_ok());
        assert_eq!(
            OrderId::parse("x".repeat(129)),
            Err(IdError::TooLong { max: 128, len: 129 })
        );
        assert_eq!(OrderId::parse("a\nb"), Err(IdError::ControlCharacter));
        assert!(OrderId::parse("주문-1001 #A").is_ok());
    }

    /// The ASCII fast path of `check_text` answers what counting chars would.
    #[test]
    fn ascii_and_general_checks_agree() {
        fn general(value: &str, max: usize) -> Result<(), IdError> {
            let len = value.chars().count();
            match () {
                _ if value.is_empty() => Err(IdError::Empty),
                _ if len > max => Err(IdError::TooLong { max, len }),
                _ if value.chars().any(char::is_control) => Err(IdError::ControlCharacter),
                _ => Ok(()),
            }
        }
        let mut runner = proptest::test_runner::TestRunner::default();
        runner
            .run(&("[\\x00-\\x7f]{0,6}|.{0,6}", 0usize..6), |(value, max)| {
                proptest::prop_assert_eq!(check_text(&value, max), general(&value, max));
                Ok(())
            })
            .unwrap();
        assert_eq!(check_text("a\u{7f}", 8), Err(IdError::ControlCharacter));
        assert_eq!(check_text("a\u{85}", 8), Err(IdError::ControlCharacter));
    }

    #[test]
    fn channel_names_are_restricted() {
        assert!(ChannelName::parse("base-jp_2").is_ok());
        assert_eq!(
            ChannelName::parse("base jp"),
            Err(IdError::BadNameCharacter)
        );
        assert_eq!(ChannelName::parse("ß"), Err(IdError::BadNameCharacter));
    }

    #[test]
    fn serde_validates() {
        let bad: Result<OrderId, _> = serde_json::from_str("\"\"");
        assert!(bad.is_err());
        let good: OrderId = serde_json::from_str("\"1001\"").unwrap();
        assert_eq!(good.as_str(), "1001");
    }
}
