//! Instants as the domain sees them: UTC, RFC 3339 on the wire and in the store.
//! The domain never reads the clock; callers pass `Timestamp`s in.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an RFC 3339 timestamp (UTC years 0000-9999): {0:?}")]
pub struct BadTimestamp(pub String);

/// RFC 3339 years have four digits, so a `Timestamp` is an instant whose UTC year is
/// 0000-9999: every one can be written back (`to_rfc3339`, the store, messages). `time`
/// itself goes to ±9999 and parses offsets that carry an edge time past 0000 or 9999.
fn representable(at: OffsetDateTime) -> Option<OffsetDateTime> {
    at.checked_to_offset(UtcOffset::UTC)
        .filter(|utc| (0..=9999).contains(&utc.year()))
}

impl Timestamp {
    const FIRST: Timestamp = Timestamp(time::macros::datetime!(0000-01-01 00:00:00 UTC));
    const LAST: Timestamp = Timestamp(time::macros::datetime!(9999-12-31 23:59:59.999 UTC));

    /// RFC 3339 text, whose instant must also lie in the UTC years 0000-9999.
    pub fn parse_rfc3339(text: &str) -> Result<Self, BadTimestamp> {
        OffsetDateTime::parse(text, &Rfc3339)
            .ok()
            .and_then(representable)
            .map(Self)
            .ok_or_else(|| BadTimestamp(text.to_string()))
    }

    pub fn from_datetime(at: OffsetDateTime) -> Self {
        Self(at.to_offset(UtcOffset::UTC))
    }

    /// `None` outside the UTC years 0000-9999.
    pub fn from_unix_seconds(seconds: i64) -> Option<Self> {
        OffsetDateTime::from_unix_timestamp(seconds)
            .ok()
            .and_then(representable)
            .map(Self)
    }

    /// `None` outside the UTC years 0000-9999.
    pub fn from_unix_millis(millis: i64) -> Option<Self> {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
            .ok()
            .and_then(representable)
            .map(Self)
    }

    pub fn unix_millis(self) -> i64 {
        (self.0.unix_timestamp_nanos() / 1_000_000) as i64
    }

    pub fn unix_seconds(self) -> i64 {
        self.0.unix_timestamp()
    }

    pub fn datetime(self) -> OffsetDateTime {
        self.0
    }

    /// `self + by`, held at the end of year 9999 (remote answers can carry any number).
    pub fn plus(self, by: std::time::Duration) -> Self {
        time::Duration::try_from(by)
            .ok()
            .and_then(|by| self.0.checked_add(by))
            .map_or(Self::LAST, Self::from_datetime)
            .min(Self::LAST)
    }

    /// `self - by`, held at the start of year 0000.
    pub fn minus(self, by: std::time::Duration) -> Self {
        time::Duration::try_from(by)
            .ok()
            .and_then(|by| self.0.checked_sub(by))
            .map_or(Self::FIRST, Self::from_datetime)
            .max(Self::FIRST)
    }

    /// Time from `earlier` to `self`, zero when `earlier` is later.
    pub fn since(self, earlier: Timestamp) -> std::time::Duration {
        (self.0 - earlier.0).try_into().unwrap_or_default()
    }

    pub fn to_rfc3339(self) -> String {
        self.0
            .format(&Rfc3339)
            .expect("a UTC datetime always formats as RFC 3339")
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

/// RFC 3339 text in human-readable formats (JSON: the API and the wire); nanoseconds
/// since the epoch in binary ones (the store's records), which need no formatting.
impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.serialize_str(&self.to_rfc3339())
        } else {
            serializer.serialize_i128(self.0.unix_timestamp_nanos())
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if !deserializer.is_human_readable() {
            let nanos = i128::deserialize(deserializer)?;
            return OffsetDateTime::from_unix_timestamp_nanos(nanos)
                .ok()
                .and_then(representable)
                .map(Self)
                .ok_or_else(|| {
                    serde::de::Error::custom(format!("timestamp out of range: {nanos} ns"))
                });
        }
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Timestamp::parse_rfc3339(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_normalise_to_utc() {
        let a = Timestamp::parse_rfc3339("2026-11-22T19:00:00+09:00").unwrap();
        let b = Timestamp::parse_rfc3339("2026-11-22T10:00:00Z").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_rfc3339(), "2026-11-22T10:00:00Z");
    }

    #[test]
    fn rejects_non_rfc3339() {
        assert!(Timestamp::parse_rfc3339("2026-11-22 10:00").is_err());
        assert!(Timestamp::parse_rfc3339("").is_err());
    }

    /// Found by fuzzing (FUZZING.md): these parsed, and writing them back panicked.
    #[test]
    fn only_four_digit_utc_years() {
        for text in ["0000-01-01t00:00:00.00+08:39", "9999-12-31T23:59:59-00:01"] {
            assert_eq!(
                Timestamp::parse_rfc3339(text),
                Err(BadTimestamp(text.to_string()))
            );
        }
        let first = Timestamp::parse_rfc3339("0000-01-01T00:00:00-00:01").unwrap();
        assert_eq!(first.to_rfc3339(), "0000-01-01T00:01:00Z");
        let last = Timestamp::parse_rfc3339("9999-12-31T23:59:59.999999999Z").unwrap();
        assert_eq!(last.to_rfc3339(), "9999-12-31T23:59:59.999999999Z");

        let first_second = -62_167_219_200;
        let after_last_second = 253_402_300_800;
        assert_eq!(
            Timestamp::from_unix_seconds(first_second).map(Timestamp::to_rfc3339),
            Some("0000-01-01T00:00:00Z".to_string())
        );
        assert_eq!(Timestamp::from_unix_seconds(first_second - 1), None);
        assert_eq!(Timestamp::from_unix_seconds(after_last_second), None);
        assert!(Timestamp::from_unix_seconds(after_last_second - 1).is_some());
        assert!(Timestamp::from_unix_millis(first_second * 1000).is_some());
        assert_eq!(Timestamp::from_unix_millis(first_second * 1000 - 1), None);
        assert_eq!(Timestamp::from_unix_millis(after_last_second * 1000), None);
    }

    #[test]
    fn arithmetic_is_held_within_the_representable_years() {
        let t = Timestamp::parse_rfc3339("2026-11-22T10:00:00Z").unwrap();
        assert_eq!(
            t.plus(std::time::Duration::from_secs(60)).to_rfc3339(),
            "2026-11-22T10:01:00Z"
        );
        assert_eq!(
            t.plus(std::time::Duration::from_secs(u64::MAX))
                .to_rfc3339(),
            "9999-12-31T23:59:59.999Z"
        );
        assert_eq!(
            t.minus(std::time::Duration::from_secs(u64::MAX))
                .to_rfc3339(),
            "0000-01-01T00:00:00Z"
        );
    }

    #[test]
    fn millis_round_trip() {
        let t = Timestamp::parse_rfc3339("2026-11-22T10:00:00.123Z").unwrap();
        assert_eq!(Timestamp::from_unix_millis(t.unix_millis()).unwrap(), t);
    }
}
