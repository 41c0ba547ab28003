use super::support::*;
use crate::config::SourceKind;
use crate::domain::Timestamp;
use crate::ingest::standard::{decode_secret, sign, StandardSource};
use crate::ingest::{build_adapter, Translated};
use crate::secret::Secret;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const OTHER: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ID: &str = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
const TS: i64 = 1649367553;
const VECTOR_BODY: &[u8] = br#"{"email":"test@example.com","username":"test_user"}"#;
const VECTOR_SIGNATURE: &str = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";
const BODY: &[u8] = br#"{"type":"order.paid","data":{"order_id":"1001","status":"paid","updated_at":"2026-11-22T10:00:00Z"}}"#;

fn source(secrets: &[&str]) -> StandardSource {
    StandardSource::new(
        &secrets.iter().map(|s| Secret::new(*s)).collect::<Vec<_>>(),
        300,
    )
}

fn now() -> Timestamp {
    Timestamp::from_unix_seconds(TS).unwrap()
}

fn request(id: &str, timestamp: &str, signature: &str) -> Vec<(String, String)> {
    headers(&[
        ("content-type", "application/json"),
        ("webhook-id", id),
        ("webhook-timestamp", timestamp),
        ("webhook-signature", signature),
    ])
}

/// The Standard Webhooks signature computed here, independently of `sign`.
fn independent(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    let key = STANDARD
        .decode(secret.trim_start_matches("whsec_"))
        .unwrap();
    let mut content = format!("{id}.{timestamp}.").into_bytes();
    content.extend_from_slice(body);
    format!("v1,{}", STANDARD.encode(hmac_bytes(&key, &content)))
}

#[test]
fn published_vector_signs_and_verifies() {
    assert_eq!(
        sign(&Secret::new(SECRET), ID, TS, VECTOR_BODY),
        VECTOR_SIGNATURE
    );
    assert_eq!(independent(SECRET, ID, TS, VECTOR_BODY), VECTOR_SIGNATURE);
    // The vector's body is not a canonical event: getting as far as the schema check
    // means the signature passed.
    let result = accept(
        &source(&[SECRET]),
        &request(ID, "1649367553", VECTOR_SIGNATURE),
        VECTOR_BODY,
        now(),
    );
    assert_error(&expect_error(result), "invalid_event", "type: required");
}

#[test]
fn accepts_a_signed_canonical_event() {
    let signature = independent(SECRET, ID, TS, BODY);
    let event = expect_event(accept(
        &source(&[SECRET]),
        &request(ID, "1649367553", &signature),
        BODY,
        now(),
    ));
    assert_eq!(event.event_id.as_str(), ID);
    assert_eq!(event.order_id.as_str(), "1001");
}

#[test]
fn interop_signatures_from_the_standardwebhooks_crate() {
    let reference = standardwebhooks::Webhook::new(SECRET).unwrap();
    let signature = reference.sign(ID, TS, BODY).unwrap();
    let event = expect_event(accept(
        &source(&[SECRET]),
        &request(ID, "1649367553", &signature),
        BODY,
        now(),
    ));
    assert_eq!(event.event_id.as_str(), ID);
    let body = br#"{"type":"order.dispatched","data":{"order_id":"A-7","status":"dispatched","updated_at":"2026-11-22T10:00:00+09:00","shipment":{"carrier":"sagawa","tracking_number":"1"}}}"#;
    let signature = reference.sign("msg_2", TS - 120, body).unwrap();
    let event = expect_event(accept(
        &source(&[OTHER, SECRET]),
        &request("msg_2", "1649367433", &signature),
        body,
        now(),
    ));
    assert_eq!(event.order_id.as_str(), "A-7");
}

#[test]
fn interop_our_signatures_verify_with_the_standardwebhooks_crate() {
    // The reference verifier reads the real clock, so sign for now.
    let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let signature = sign(&Secret::new(OTHER), "msg_ours", timestamp, BODY);
    let mut map = reqwest::header::HeaderMap::new();
    map.insert("webhook-id", "msg_ours".parse().unwrap());
    map.insert("webhook-timestamp", timestamp.to_string().parse().unwrap());
    map.insert("webhook-signature", signature.parse().unwrap());
    standardwebhooks::Webhook::new(OTHER)
        .unwrap()
        .verify(BODY, &map)
        .unwrap();
}

#[test]
fn any_configured_secret_and_any_listed_signature_may_match() {
    let old = independent(OTHER, ID, TS, BODY);
    let new = independent(SECRET, ID, TS, BODY);
    let rotated = source(&[OTHER, SECRET]);
    for header in [
        new.clone(),
        old.clone(),
        format!("v1,AAAA {new}"),
        format!("v1a,{} v2,{} {new}", &new[3..], &new[3..]),
        format!("v1,not-base64!! {old} v1,{}", "A".repeat(44)),
    ] {
        let result = accept(&rotated, &request(ID, "1649367553", &header), BODY, now());
        assert!(
            matches!(result, Ok(Translated::Event(_))),
            "{header}: {result:?}"
        );
    }
    // Only the new secret configured: a signature under the old one is refused.
    let result = accept(
        &source(&[SECRET]),
        &request(ID, "1649367553", &old),
        BODY,
        now(),
    );
    assert_error(
        &expect_error(result),
        "invalid_signature",
        "no v1 signature",
    );
    // The right MAC under another version prefix does not count.
    let result = accept(
        &rotated,
        &request(ID, "1649367553", &format!("v2,{}", &new[3..])),
        BODY,
        now(),
    );
    assert_eq!(expect_error(result).code(), "invalid_signature");
}

#[test]
fn tolerance_in_both_directions_inclusive_at_the_edge() {
    let adapter = source(&[SECRET]);
    for (offset, ok) in [
        (0, true),
        (-300, true),
        (300, true),
        (-301, false),
        (301, false),
    ] {
        let timestamp = TS + offset;
        let signature = independent(SECRET, ID, timestamp, BODY);
        let result = accept(
            &adapter,
            &request(ID, &timestamp.to_string(), &signature),
            BODY,
            now(),
        );
        match ok {
            true => assert!(
                matches!(result, Ok(Translated::Event(_))),
                "{offset}: {result:?}"
            ),
            false => {
                let direction = if offset < 0 {
                    "in the past"
                } else {
                    "in the future"
                };
                assert_error(
                    &expect_error(result),
                    "timestamp_out_of_tolerance",
                    direction,
                );
            }
        }
    }
}

#[test]
fn timestamp_is_checked_before_the_signature() {
    let result = accept(
        &source(&[SECRET]),
        &request(ID, "1649360000", "v1,AAAA"),
        BODY,
        now(),
    );
    assert_error(
        &expect_error(result),
        "timestamp_out_of_tolerance",
        "7553 s in the past",
    );
    // Far outside i64 arithmetic limits: still a clean refusal.
    let result = accept(
        &source(&[SECRET]),
        &request(ID, &i64::MIN.to_string(), "v1,AAAA"),
        BODY,
        now(),
    );
    assert_eq!(expect_error(result).code(), "timestamp_out_of_tolerance");
}

#[test]
fn unparsable_timestamp_is_an_invalid_signature() {
    for bad in ["yesterday", "1649367553.5", "0x62500001", "1e9"] {
        let result = accept(
            &source(&[SECRET]),
            &request(ID, bad, "v1,AAAA"),
            BODY,
            now(),
        );
        assert_error(
            &expect_error(result),
            "invalid_signature",
            "webhook-timestamp header must be Unix seconds",
        );
    }
}

#[test]
fn each_missing_or_empty_header_is_named() {
    let signature = independent(SECRET, ID, TS, BODY);
    let full = request(ID, "1649367553", &signature);
    for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        let without: Vec<_> = full.iter().filter(|(n, _)| n != name).cloned().collect();
        let result = accept(&source(&[SECRET]), &without, BODY, now());
        assert_error(
            &expect_error(result),
            "missing_signature",
            &format!("missing {name} header"),
        );
        let blank: Vec<_> = full
            .iter()
            .map(|(n, v)| {
                (
                    n.clone(),
                    if n == name {
                        "  ".to_string()
                    } else {
                        v.clone()
                    },
                )
            })
            .collect();
        let result = accept(&source(&[SECRET]), &blank, BODY, now());
        assert_error(
            &expect_error(result),
            "missing_signature",
            &format!("the {name} header is empty"),
        );
    }
}

#[test]
fn one_changed_body_byte_is_an_invalid_signature() {
    let signature = independent(SECRET, ID, TS, BODY);
    let result = accept(
        &source(&[SECRET]),
        &request(ID, "1649367553", &signature),
        &flip_byte(BODY),
        now(),
    );
    assert_error(
        &expect_error(result),
        "invalid_signature",
        "webhook-signature",
    );
    // Nor may the id or timestamp change under the same signature.
    let result = accept(
        &source(&[SECRET]),
        &request("msg_other", "1649367553", &signature),
        BODY,
        now(),
    );
    assert_eq!(expect_error(result).code(), "invalid_signature");
    let result = accept(
        &source(&[SECRET]),
        &request(ID, "1649367554", &signature),
        BODY,
        now(),
    );
    assert_eq!(expect_error(result).code(), "invalid_signature");
}

#[test]
fn signature_is_checked_before_the_body_is_parsed() {
    let result = accept(
        &source(&[SECRET]),
        &request(ID, "1649367553", "v1,AAAA"),
        b"not json",
        now(),
    );
    assert_eq!(expect_error(result).code(), "invalid_signature");
}

#[test]
fn an_unusable_webhook_id_is_an_invalid_event() {
    let id = "m".repeat(300);
    let signature = independent(SECRET, &id, TS, BODY);
    let result = accept(
        &source(&[SECRET]),
        &request(&id, "1649367553", &signature),
        BODY,
        now(),
    );
    assert_error(
        &expect_error(result),
        "invalid_event",
        "webhook-id header: must be at most 256",
    );
}

#[test]
fn secrets_decode_like_the_reference_libraries() {
    let key = decode_secret(&Secret::new(SECRET)).unwrap();
    assert_eq!(
        key,
        STANDARD.decode("C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap()
    );
    assert_eq!(
        decode_secret(&Secret::new("C2FVsBQIhrscChlQIMV+b5sSYspob7oD")).unwrap(),
        key
    );
    for bad in ["whsec_not base64!", "whsec_", ""] {
        let error = decode_secret(&Secret::new(bad)).unwrap_err();
        if bad.len() > 6 {
            assert!(!error.to_string().contains(&bad[6..]), "{error}");
        }
    }
    // A source whose only secret is unusable refuses everything and says why.
    let broken = source(&["whsec_!!!"]);
    let result = accept(
        &broken,
        &request(ID, "1649367553", VECTOR_SIGNATURE),
        VECTOR_BODY,
        now(),
    );
    assert_error(
        &expect_error(result),
        "invalid_signature",
        "no usable secret",
    );
}

#[test]
fn secrets_stay_out_of_debug_and_errors() {
    let adapter = source(&[SECRET]);
    let debug = format!("{adapter:?}");
    assert!(!debug.contains("C2FVsBQIhrscChlQIMV"), "{debug}");
    let result = accept(&adapter, &request(ID, "1649367553", "v1,AAAA"), BODY, now());
    assert!(!expect_error(result)
        .to_string()
        .contains("C2FVsBQIhrscChlQIMV"));
}

#[test]
fn build_adapter_picks_standard() {
    let adapter = build_adapter(&config(SourceKind::Standard, &[SECRET], 300));
    let signature = independent(SECRET, ID, TS, BODY);
    let event = expect_event(accept(
        adapter.as_ref(),
        &request(ID, "1649367553", &signature),
        BODY,
        now(),
    ));
    assert_eq!(event.kind, "order.paid");
}
