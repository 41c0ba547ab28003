use super::classify::*;
use super::plan::*;
use super::*;
use crate::channels::http::HttpResponse;
use crate::domain::{RemoteError, Status};
use reqwest::header::{HeaderMap, HeaderValue};
use std::time::Duration;

fn response(status: u16, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers: HeaderMap::new(),
        body: bytes::Bytes::from(body.to_string()),
    }
}

const STATUS: CallKind = CallKind::Status(Slug::ShippingShipped);

#[test]
fn mapping_agrees_with_the_summary_table() {
    for status in Status::ALL {
        let ours: Vec<String> = slugs(status)
            .iter()
            .map(|s| {
                let (path, slug) = s.route();
                let context = path.strip_prefix("status/").unwrap_or("status");
                format!("{context}:{slug}")
            })
            .collect();
        let table = ChannelKind::Youcan.remote_step(status);
        assert_eq!(
            (!ours.is_empty()).then(|| ours.join("+")).as_deref(),
            table,
            "{status}"
        );
    }
}

#[test]
fn only_listed_slugs() {
    let general = ["open", "closed", "processed", "canceled-by-seller"];
    let shipping = [
        "unfulfilled",
        "processing",
        "shipped",
        "fulfilled",
        "canceled",
    ];
    let payment = ["pending", "paid", "captured", "unpaid", "refunded"];
    for status in Status::ALL {
        for slug in slugs(status) {
            let (path, value) = slug.route();
            let allowed: &[&str] = match path {
                "status" => &general,
                "status/shipping" => &shipping,
                "status/payment" => &payment,
                other => panic!("unknown context {other}"),
            };
            assert!(allowed.contains(&value), "{value} on {path}");
        }
    }
}

#[test]
fn classification_table() {
    let now = SystemTime::now();
    let ok = r#"{"status":200,"detail":"Status is successfully updated","meta":[]}"#;
    assert_eq!(classify(&STATUS, &response(200, ok), now), Outcome::Done);
    assert_eq!(
        classify(&CallKind::Fulfill, &response(200, "{}"), now),
        Outcome::Done
    );
    let not_found = r#"{"status":0,"detail":"order not found","meta":[]}"#;
    assert_eq!(
        classify(&STATUS, &response(404, not_found), now),
        Outcome::Rejected(RemoteError::new(Some("http_404"), "order not found"))
    );
    let invalid = r#"{"status":422,"detail":"The given data was invalid.","meta":{"fields":{"status":["The selected status is invalid."]}}}"#;
    assert_eq!(
        classify(&STATUS, &response(422, invalid), now),
        Outcome::Rejected(RemoteError::new(
            Some("http_422"),
            "The given data was invalid. (status: The selected status is invalid.)"
        ))
    );
    let fulfilled = r#"{"code":"ORDER-ALREADY-FULFILLED","status":422,"detail":"Order already fulfilled","meta":[]}"#;
    assert_eq!(
        classify(&CallKind::Fulfill, &response(422, fulfilled), now),
        Outcome::AlreadyApplied
    );
    assert_eq!(
        classify(&STATUS, &response(422, fulfilled), now),
        Outcome::Rejected(RemoteError::new(
            Some("ORDER-ALREADY-FULFILLED"),
            "Order already fulfilled"
        )),
        "only the fulfill call treats it as applied"
    );
    assert!(matches!(
        classify(&STATUS, &response(401, r#"{"status":401,"detail":"Unauthenticated."}"#), now),
        Outcome::Auth(RemoteError { ref message, .. }) if message == "Unauthenticated."
    ));
    assert_eq!(
        classify(
            &STATUS,
            &response(402, r#"{"status":402,"error":"store is suspended"}"#),
            now
        ),
        Outcome::Auth(RemoteError::new(Some("http_402"), "store is suspended"))
    );
    assert!(matches!(
        classify(&STATUS, &response(403, "{}"), now),
        Outcome::Auth(_)
    ));
    assert!(matches!(
        classify(
            &STATUS,
            &response(
                405,
                r#"{"status":405,"detail":"The PUT method is not supported"}"#
            ),
            now
        ),
        Outcome::Rejected(_)
    ));
    let mut limited = response(429, "");
    limited
        .headers
        .insert("retry-after", HeaderValue::from_static("12"));
    assert_eq!(
        classify(&STATUS, &limited, now),
        Outcome::Retry {
            after: Some(Duration::from_secs(12)),
            rate_limited: true,
            error: RemoteError::new(Some("http_429"), "")
        }
    );
    for status in [500, 502, 503, 504] {
        assert!(
            matches!(
                classify(&STATUS, &response(status, "<html>down</html>"), now),
                Outcome::Retry {
                    rate_limited: false,
                    ..
                }
            ),
            "{status}"
        );
    }
}

#[test]
fn refresh_classification() {
    let now = SystemTime::now();
    let refused =
        r#"{"error":"invalid_grant","error_description":"The refresh token is invalid."}"#;
    assert_eq!(
        classify_refresh(&response(400, refused), now),
        Outcome::Auth(RemoteError::new(
            Some("invalid_grant"),
            "token refresh refused: The refresh token is invalid."
        ))
    );
    assert!(matches!(
        classify_refresh(&response(401, "{}"), now),
        Outcome::Auth(_)
    ));
    assert!(matches!(
        classify_refresh(&response(429, "{}"), now),
        Outcome::Retry {
            rate_limited: true,
            ..
        }
    ));
    assert!(matches!(
        classify_refresh(&response(503, ""), now),
        Outcome::Retry {
            rate_limited: false,
            ..
        }
    ));
}
