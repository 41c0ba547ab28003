//! Durations as the config writes them: an integer and a unit, `"500ms"`, `"5s"`, `"2m"`,
//! `"1h"`, `"30d"`.

use std::time::Duration;

const UNITS: [(&str, u64); 5] = [
    ("ms", 1),
    ("s", 1_000),
    ("m", 60_000),
    ("h", 3_600_000),
    ("d", 86_400_000),
];

/// Parses `"<integer><unit>"` with unit `ms`, `s`, `m`, `h` or `d`. The error names the
/// value it refused.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = |why: &str| format!("invalid duration {text:?}: {why}");
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (amount, unit) = text.split_at(digits_end);
    if amount.is_empty() {
        return Err(bad(
            "expected a whole number followed by ms, s, m, h or d, like \"5s\"",
        ));
    }
    if unit.is_empty() {
        return Err(bad("missing unit (ms, s, m, h or d), like \"5s\""));
    }
    let Some(&(_, millis_per_unit)) = UNITS.iter().find(|(name, _)| *name == unit) else {
        return Err(bad(&format!(
            "unknown unit {unit:?} (use ms, s, m, h or d)"
        )));
    };
    let millis = amount
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(millis_per_unit))
        .ok_or_else(|| bad("too large"))?;
    Ok(Duration::from_millis(millis))
}

/// The shortest exact spelling of a duration in the config's own syntax, for summaries.
pub fn format_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis == 0 {
        return "0s".to_string();
    }
    UNITS
        .iter()
        .rev()
        .find(|(_, per)| millis % u128::from(*per) == 0)
        .map(|(unit, per)| format!("{}{unit}", millis / u128::from(*per)))
        .unwrap_or_else(|| format!("{millis}ms"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_forms() {
        let table = [
            ("0s", Duration::ZERO),
            ("0ms", Duration::ZERO),
            ("500ms", Duration::from_millis(500)),
            ("5s", Duration::from_secs(5)),
            ("2m", Duration::from_secs(120)),
            ("1h", Duration::from_secs(3600)),
            ("24h", Duration::from_secs(86_400)),
            ("30d", Duration::from_secs(30 * 86_400)),
            ("007s", Duration::from_secs(7)),
        ];
        for (text, expected) in table {
            assert_eq!(parse_duration(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn refused_forms_name_the_value() {
        let table = [
            ("", "whole number"),
            ("s", "whole number"),
            ("5", "missing unit"),
            ("5x", "unknown unit \"x\""),
            ("5 s", "unknown unit \" s\""),
            ("5S", "unknown unit \"S\""),
            ("1.5s", "unknown unit \".5s\""),
            ("-5s", "whole number"),
            ("+5s", "whole number"),
            (" 5s", "whole number"),
            ("5sec", "unknown unit \"sec\""),
            ("99999999999999999999d", "too large"),
            ("999999999999999999d", "too large"),
        ];
        for (text, why) in table {
            let error = parse_duration(text).expect_err(text);
            assert!(error.contains(&format!("{text:?}")), "{error}");
            assert!(error.contains(why), "{text}: {error}");
        }
    }

    #[test]
    fn formats_round_trip() {
        for text in [
            "0s", "500ms", "5s", "90s", "2m", "1h", "36h", "30d", "1500ms",
        ] {
            let duration = parse_duration(text).unwrap();
            assert_eq!(format_duration(duration), text);
            assert_eq!(parse_duration(&format_duration(duration)), Ok(duration));
        }
    }
}
