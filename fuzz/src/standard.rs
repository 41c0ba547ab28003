//! Target `standard_signature_headers`: the Standard Webhooks source, arbitrary
//! `webhook-id` / `webhook-timestamp` / `webhook-signature` values and body, verified with
//! fixed secrets.
//!
//! So that the fuzzer can place a *valid* signature anywhere in the signature list (and
//! so reach the timestamp window and the canonical parser), every `$SIG` in a
//! `webhook-signature` value is replaced by the correct `v1,<base64>` entry for the first
//! `webhook-id` (trimmed), the first `webhook-timestamp` (as an integer) and the body,
//! under the second configured secret (the first is another valid key, the third is not
//! base64 and so skipped: rotation). `x-fuzz-now: <unix seconds>` sets the clock.
//!
//! Oracle (INGEST.md, "Source kind standard"):
//! - a missing or blank header of the three is `missing_signature`;
//! - a timestamp that is not an integer is `invalid_signature`, one more than 300 s away
//!   from now `timestamp_out_of_tolerance`;
//! - otherwise the request passes the signature check exactly when one space-separated
//!   entry of the first `webhook-signature` value is the valid entry; then the answer is
//!   the canonical parser's (an event with `webhook-id` as its id, `invalid_event`, or
//!   `malformed_json` exactly when the body is not JSON), else `invalid_signature`.

use crate::canonical;
use crate::checks::{expect_error_in, malformed_iff_not_json};
use crate::request::{self, present};
use crate::sign::{standard_entry, standard_key};
use ordersync::domain::{EventId, Timestamp};
use ordersync::ingest::{IngestError, RawRequest, SourceAdapter, StandardSource, Translated};
use ordersync::secret::Secret;
use std::sync::OnceLock;

pub const SECRETS: [&str; 3] = [
    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
    "whsec_not base64!",
];
pub const SIGNING_SECRET: &str = SECRETS[1];
pub const TOLERANCE_SECS: u64 = 300;
/// The published test vector's timestamp.
pub const DEFAULT_NOW: i64 = 1_649_367_553;
pub const PLACEHOLDER: &str = "$SIG";
pub const NOW_INSTRUCTION: &str = "x-fuzz-now";

fn adapter() -> &'static StandardSource {
    static ADAPTER: OnceLock<StandardSource> = OnceLock::new();
    ADAPTER.get_or_init(|| {
        let secrets: Vec<Secret> = SECRETS.iter().map(|s| Secret::new(*s)).collect();
        StandardSource::new(&secrets, TOLERANCE_SECS)
    })
}

fn key() -> &'static [u8] {
    static KEY: OnceLock<Vec<u8>> = OnceLock::new();
    KEY.get_or_init(|| standard_key(SIGNING_SECRET))
}

/// Runs one input; the answer is returned for the harness's own tests.
pub fn run(data: &[u8]) -> Result<Translated, IngestError> {
    let (mut headers, body) = request::parse(data);
    let now_secs = request::take_instruction(&mut headers, NOW_INSTRUCTION)
        .and_then(|text| text.trim().parse::<i64>().ok())
        .filter(|secs| Timestamp::from_unix_seconds(*secs).is_some())
        .unwrap_or(DEFAULT_NOW);
    let now = Timestamp::from_unix_seconds(now_secs).expect("checked above");

    let id = present(&headers, "webhook-id").map(str::to_string);
    let timestamp = present(&headers, "webhook-timestamp").map(str::to_string);
    let number = timestamp.as_deref().and_then(|t| t.parse::<i64>().ok());
    let valid = match (&id, number) {
        (Some(id), Some(number)) => Some(standard_entry(key(), id, number, body)),
        _ => None,
    };
    if let Some(valid) = &valid {
        for (name, value) in headers.iter_mut() {
            if name == "webhook-signature" {
                *value = value.replace(PLACEHOLDER, valid);
            }
        }
    }

    let result = adapter().accept(&RawRequest {
        headers: &headers,
        body,
        now,
    });

    check(&result, &headers, body, now_secs, valid.as_deref());
    result
}

fn check(
    result: &Result<Translated, IngestError>,
    headers: &[(String, String)],
    body: &[u8],
    now_secs: i64,
    valid: Option<&str>,
) {
    let id = present(headers, "webhook-id");
    let timestamp = present(headers, "webhook-timestamp");
    let number = timestamp.and_then(|t| t.parse::<i64>().ok());
    let signatures = present(headers, "webhook-signature");
    let (Some(id), Some(_), Some(signatures)) = (id, timestamp, signatures) else {
        return expect_error_in(result, &["missing_signature"]);
    };
    let Some(number) = number else {
        return expect_error_in(result, &["invalid_signature"]);
    };
    if (i128::from(now_secs) - i128::from(number)).unsigned_abs() > u128::from(TOLERANCE_SECS) {
        return expect_error_in(result, &["timestamp_out_of_tolerance"]);
    }
    let valid = valid.expect("id and timestamp are there");
    if !signatures.split(' ').any(|entry| entry == valid) {
        return expect_error_in(result, &["invalid_signature"]);
    }
    match result {
        Ok(Translated::Event(event)) => {
            assert_eq!(event.event_id.as_str(), id, "the event id is webhook-id");
            canonical::accepted(event);
        }
        Ok(other) => panic!("a standard source answered {other:?}"),
        Err(error) => {
            assert!(
                matches!(error.code(), "malformed_json" | "invalid_event"),
                "a correctly signed request was refused: {error:?}"
            );
            if EventId::parse(id).is_ok() {
                malformed_iff_not_json(error, body);
            } else {
                assert_eq!(error.code(), "invalid_event", "a bad webhook-id: {error}");
            }
        }
    }
}
