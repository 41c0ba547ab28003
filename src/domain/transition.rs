//! The status state machine of INGEST.md, as one pure judgement.

use super::status::Status;
use super::time::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A real move forward (or into a claim status).
    Advance,
    /// Same status, not older: other fields (tracking, links, ...) may still change.
    Same,
    /// Older than what is stored, or a disallowed move that is not newer: recorded, ignored.
    Stale,
    /// A disallowed move that is newer than what is stored: the sender is wrong.
    Invalid,
}

/// Whether `from → to` is an allowed move, regardless of time.
pub fn allowed(from: Status, to: Status) -> bool {
    use Status::*;
    match (from.chain_rank(), to) {
        (_, _) if from == to => true,
        (_, Canceled) => matches!(from, Placed | Paid | Preparing),
        (_, Returned | Exchanged) => matches!(from, Dispatched | Delivered | Completed),
        (Some(from_rank), _) => to.chain_rank().is_some_and(|to_rank| to_rank > from_rank),
        // Claim statuses are final: nothing on the chain follows them.
        (None, _) => false,
    }
}

/// Judges an event that says the order (or item) is `to` as of `to_at`, given what is
/// stored: `from` as of `from_at`.
pub fn judge(from: Status, from_at: Timestamp, to: Status, to_at: Timestamp) -> Verdict {
    if to_at < from_at {
        Verdict::Stale
    } else if to == from {
        Verdict::Same
    } else if allowed(from, to) {
        Verdict::Advance
    } else if to_at == from_at {
        Verdict::Stale
    } else {
        Verdict::Invalid
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(1_700_000_000 + seconds).unwrap()
    }

    #[test]
    fn allowed_table_is_exhaustive() {
        // Every (from, to) pair, written out: rows are `from`, columns follow Status::ALL.
        let table: [(Status, [bool; 9]); 9] = [
            (
                Placed,
                [true, true, true, true, true, true, true, false, false],
            ),
            (
                Paid,
                [false, true, true, true, true, true, true, false, false],
            ),
            (
                Preparing,
                [false, false, true, true, true, true, true, false, false],
            ),
            (
                Dispatched,
                [false, false, false, true, true, true, false, true, true],
            ),
            (
                Delivered,
                [false, false, false, false, true, true, false, true, true],
            ),
            (
                Completed,
                [false, false, false, false, false, true, false, true, true],
            ),
            (
                Canceled,
                [false, false, false, false, false, false, true, false, false],
            ),
            (
                Returned,
                [false, false, false, false, false, false, false, true, false],
            ),
            (
                Exchanged,
                [false, false, false, false, false, false, false, false, true],
            ),
        ];
        for (from, row) in table {
            for (to, expected) in Status::ALL.into_iter().zip(row) {
                assert_eq!(allowed(from, to), expected, "{from} -> {to}");
            }
        }
    }

    #[test]
    fn older_events_are_stale_whatever_they_say() {
        for to in Status::ALL {
            assert_eq!(judge(Paid, at(10), to, at(9)), Verdict::Stale, "{to}");
        }
    }

    #[test]
    fn backwards_is_stale_when_not_newer_and_invalid_when_newer() {
        assert_eq!(judge(Dispatched, at(10), Paid, at(10)), Verdict::Stale);
        assert_eq!(judge(Dispatched, at(10), Paid, at(11)), Verdict::Invalid);
        assert_eq!(
            judge(Dispatched, at(10), Canceled, at(11)),
            Verdict::Invalid
        );
        assert_eq!(judge(Canceled, at(10), Paid, at(11)), Verdict::Invalid);
    }

    #[test]
    fn forward_and_same() {
        assert_eq!(judge(Placed, at(10), Dispatched, at(10)), Verdict::Advance);
        assert_eq!(judge(Paid, at(10), Canceled, at(12)), Verdict::Advance);
        assert_eq!(judge(Delivered, at(10), Returned, at(12)), Verdict::Advance);
        assert_eq!(judge(Dispatched, at(10), Dispatched, at(12)), Verdict::Same);
        assert_eq!(judge(Dispatched, at(10), Dispatched, at(10)), Verdict::Same);
    }
}
