use super::*;
use crate::channels::fixtures::Fixture;
use crate::domain::Status;
use reqwest::header::{HeaderMap, HeaderValue};

fn response(status: u16, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers: HeaderMap::new(),
        body: bytes::Bytes::from(body.to_string()),
    }
}

fn with_retry_after(mut response: HttpResponse, value: &'static str) -> HttpResponse {
    response
        .headers
        .insert("retry-after", HeaderValue::from_static(value));
    response
}

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_unix_seconds(1_800_000_000 + seconds).unwrap()
}

#[test]
fn plan_maps_every_status() {
    for status in Status::ALL {
        let fixture = Fixture::new(status, "imp_123456789012");
        let planned = plan(&fixture.delivery(), "http://payco.test");
        let expected = match status {
            Status::Dispatched => Some("DELIVERY_START"),
            Status::Completed => Some("PURCHASE_DECISION"),
            Status::Canceled => Some("CANCELED"),
            _ => None,
        };
        match (planned, expected) {
            (Ok((url, body)), Some(wanted)) => {
                assert_eq!(
                    url,
                    "http://payco.test/payco/orders/status/imp_123456789012"
                );
                assert_eq!(body, json!({ "status": wanted }), "{status}");
            }
            (Err(Outcome::Unsupported { reason }), None) => {
                assert!(reason.contains(status.as_str()), "{reason}");
            }
            (other, _) => panic!("{status}: {other:?}"),
        }
    }
}

#[test]
fn plan_ignores_item_scope_and_encodes_the_id() {
    let mut fixture = Fixture::new(Status::Dispatched, "imp/1 2").with_item("L1", None);
    fixture.change.items = Some(vec![crate::channels::fixtures::line("L1")]);
    let (url, body) = plan(&fixture.delivery(), "http://payco.test").unwrap();
    assert_eq!(url, "http://payco.test/payco/orders/status/imp%2F1%202");
    assert_eq!(body, json!({ "status": "DELIVERY_START" }));
}

/// Every row of CHANNELS.md's portone_payco "Answer", plus the HTTP statuses around it.
#[test]
fn classification_table() {
    let now = SystemTime::now();
    let ok = r#"{"code":0,"message":null,"response":{"status":"DELIVERY_START"}}"#;
    assert_eq!(classify(&response(200, ok), now), Outcome::Done);
    let refused = r#"{"code":-1,"message":"존재하지 않는 결제정보입니다","response":null}"#;
    assert_eq!(
        classify(&response(200, refused), now),
        Outcome::Rejected(RemoteError::new(Some("-1"), "존재하지 않는 결제정보입니다"))
    );
    assert_eq!(
        classify(&response(200, r#"{"code":1,"message":""}"#), now),
        Outcome::Rejected(RemoteError::new(Some("1"), r#"{"code":1,"message":""}"#))
    );
    assert_eq!(
        classify(
            &response(401, r#"{"code":-1,"message":"Unauthorized"}"#),
            now
        ),
        Outcome::Auth(RemoteError::new(Some("-1"), "Unauthorized"))
    );
    assert_eq!(
        classify(&response(401, ""), now),
        Outcome::Auth(RemoteError::new(Some("http_401"), ""))
    );
    assert!(matches!(
        classify(&response(403, "{}"), now),
        Outcome::Auth(_)
    ));
    assert_eq!(
        classify(
            &response(404, r#"{"code":1,"message":"imp_uid not found"}"#),
            now
        ),
        Outcome::Rejected(RemoteError::new(Some("1"), "imp_uid not found"))
    );
    assert_eq!(
        classify(&response(404, "Not Found"), now),
        Outcome::Rejected(RemoteError::new(Some("http_404"), "Not Found"))
    );
    assert!(matches!(
        classify(&response(400, r#"{"code":-1,"message":"bad status"}"#), now),
        Outcome::Rejected(_)
    ));
    assert_eq!(
        classify(&with_retry_after(response(429, ""), "9"), now),
        Outcome::Retry {
            after: Some(Duration::from_secs(9)),
            rate_limited: true,
            error: RemoteError::new(Some("http_429"), ""),
        }
    );
    for status in [500, 502, 503, 504, 408] {
        assert_eq!(
            classify(&response(status, "down"), now),
            Outcome::Retry {
                after: None,
                rate_limited: false,
                error: RemoteError::new(Some(&format!("http_{status}")), "down"),
            },
            "{status}"
        );
    }
    assert!(matches!(
        classify(&with_retry_after(response(503, ""), "30"), now),
        Outcome::Retry {
            after: Some(d),
            rate_limited: false,
            ..
        } if d == Duration::from_secs(30)
    ));
    assert!(matches!(
        classify(&response(200, "<html>maintenance</html>"), now),
        Outcome::Retry {
            rate_limited: false,
            ..
        }
    ));
}

fn token_body(now: i64, expired_at: i64) -> String {
    format!(
        r#"{{"code":0,"message":null,"response":{{"access_token":"tok-1","now":{now},"expired_at":{expired_at}}}}}"#
    )
}

#[test]
fn token_life_is_measured_on_the_server_clock() {
    let sys = SystemTime::now();
    // The server's clock is hours away from ours: only the difference counts.
    let token = classify_token(&response(200, &token_body(5_000, 6_800)), at(0), sys).unwrap();
    assert_eq!(token.access_token.expose(), "tok-1");
    assert_eq!(token.refresh_after, Some(at(1_740)));

    let short = classify_token(&response(200, &token_body(5_000, 5_030)), at(0), sys).unwrap();
    assert_eq!(short.refresh_after, Some(at(0)), "under 60 s left: due now");

    let undated = r#"{"code":0,"message":null,"response":{"access_token":"tok-2"}}"#;
    let token = classify_token(&response(200, undated), at(0), sys).unwrap();
    assert_eq!(
        token.refresh_after,
        Some(at(1_740)),
        "documented 30 minutes"
    );
}

#[test]
fn absurd_server_times_do_not_panic() {
    let sys = SystemTime::now();
    let far = classify_token(&response(200, &token_body(i64::MIN, i64::MAX)), at(0), sys).unwrap();
    assert_eq!(
        far.refresh_after.unwrap().to_rfc3339(),
        "9999-12-31T23:59:59.999Z"
    );
    let past = classify_token(&response(200, &token_body(i64::MAX, i64::MIN)), at(0), sys).unwrap();
    assert_eq!(past.refresh_after, Some(at(0)), "already expired: due now");
}

#[test]
fn token_failures() {
    let sys = SystemTime::now();
    let refused =
        r#"{"code":-1,"message":"imp_key, imp_secret 인증에 실패했습니다.","response":null}"#;
    assert_eq!(
        classify_token(&response(401, refused), at(0), sys).unwrap_err(),
        Outcome::Auth(RemoteError::new(
            Some("-1"),
            "getToken: imp_key, imp_secret 인증에 실패했습니다."
        ))
    );
    assert!(matches!(
        classify_token(&response(200, refused), at(0), sys),
        Err(Outcome::Auth(_))
    ));
    assert!(matches!(
        classify_token(&response(400, "{}"), at(0), sys),
        Err(Outcome::Auth(_))
    ));
    for status in [500, 503, 408] {
        assert!(matches!(
            classify_token(&response(status, ""), at(0), sys),
            Err(Outcome::Retry {
                rate_limited: false,
                ..
            })
        ));
    }
    assert!(matches!(
        classify_token(&with_retry_after(response(429, ""), "4"), at(0), sys),
        Err(Outcome::Retry { after: Some(d), rate_limited: true, .. }) if d == Duration::from_secs(4)
    ));
    assert!(matches!(
        classify_token(&response(200, "not json"), at(0), sys),
        Err(Outcome::Retry { .. })
    ));
    assert!(matches!(
        classify_token(&response(200, r#"{"code":0,"response":{}}"#), at(0), sys),
        Err(Outcome::Retry { .. })
    ));
}
