use super::*;
use crate::channels::fixtures::{line, shipment, Fixture};
use crate::channels::http::HttpResponse;
use crate::domain::{Cancel, RemoteError, Status};
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::json;
use std::time::Duration;

const BASE: &str = "http://imweb.test";

fn options(deliv_fee_method: Option<&str>) -> ImwebOptions {
    ImwebOptions {
        default_reason_code: "SOLD_OUT".to_string(),
        deliv_fee_method: deliv_fee_method.map(str::to_string),
    }
}

fn bodies(fixture: &Fixture, options: &ImwebOptions) -> Vec<serde_json::Value> {
    plan(&fixture.delivery(), BASE, options)
        .unwrap()
        .into_iter()
        .map(|call| call.body)
        .collect()
}

fn cancel(reason: Option<&str>) -> Option<Cancel> {
    Some(Cancel {
        reason: reason.map(str::to_string),
        note: None,
    })
}

#[test]
fn plan_maps_every_status() {
    for status in Status::ALL {
        let mut fixture = Fixture::new(status, "202611220001");
        // Outbound and return parcels differ, so the test shows which one each call uses.
        fixture.order.shipment = Some(shipment("cj", "6123-4567"));
        fixture.order.return_shipment = Some(shipment("epost", "RET-99"));
        let expected = match status {
            Status::Paid => Some(("deposit", json!({}))),
            Status::Preparing => Some(("place", json!({}))),
            Status::Dispatched => Some((
                "send",
                json!({"etc": {"parcel_code": "CJ", "invoice_no": "6123-4567"}}),
            )),
            Status::Delivered => Some(("complete", json!({}))),
            Status::Canceled => Some(("cancel", json!({"etc": {"reason_code": "SOLD_OUT"}}))),
            Status::Returned => Some((
                "return",
                json!({"etc": {"reason_code": "SOLD_OUT", "parcel_code": "EPOST", "invoice_no": "RET-99"}}),
            )),
            Status::Exchanged => Some((
                "exchange",
                json!({"etc": {"reason_code": "SOLD_OUT", "parcel_code": "EPOST", "invoice_no": "RET-99"}}),
            )),
            Status::Placed | Status::Completed => None,
        };
        match (plan(&fixture.delivery(), BASE, &options(None)), expected) {
            (Ok(calls), Some((step, body))) => {
                assert_eq!(calls.len(), 1, "{status}");
                assert_eq!(
                    calls[0].url,
                    format!("{BASE}/v2/shop/orders/202611220001/{step}")
                );
                assert_eq!(calls[0].body, body, "{status}");
                assert_eq!(calls[0].prod_order_no, None);
                assert_eq!(calls[0].unmapped_carrier, None);
            }
            (Err(Outcome::Unsupported { reason }), None) => {
                assert!(reason.contains(status.as_str()), "{reason}")
            }
            (other, _) => panic!("{status}: {other:?}"),
        }
    }
}

#[test]
fn item_changes_make_one_call_per_prod_order_no() {
    let mut fixture = Fixture::new(Status::Dispatched, "202611220001")
        .with_item("L1", Some("P-1"))
        .with_item("L2", Some("P-2"))
        .with_item("L3", Some("P-3"));
    fixture.order.shipment = Some(shipment("hanjin", "111"));
    fixture.order.items[1].shipment = Some(shipment("우체국택배", "222"));
    fixture.change.items = Some(vec![line("L2"), line("L1")]);
    let calls = plan(&fixture.delivery(), BASE, &options(None)).unwrap();
    let got: Vec<_> = calls
        .iter()
        .map(|c| (c.prod_order_no.clone().unwrap(), c.body.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "P-2".to_string(),
                json!({"prod_order_no": "P-2", "etc": {"parcel_code": "EPOST", "invoice_no": "222"}})
            ),
            (
                "P-1".to_string(),
                json!({"prod_order_no": "P-1", "etc": {"parcel_code": "HANJIN", "invoice_no": "111"}})
            ),
        ]
    );
}

#[test]
fn an_unmapped_line_rejects_the_whole_change() {
    let mut fixture = Fixture::new(Status::Paid, "9")
        .with_item("L1", Some("P-1"))
        .with_item("L2", None)
        .with_item("L3", None);
    fixture.change.items = Some(vec![line("L1"), line("L2"), line("L3")]);
    assert_eq!(
        plan(&fixture.delivery(), BASE, &options(None)),
        Err(Outcome::Rejected(RemoteError::new(
            Some("unmapped_line"),
            "line item L2, L3 has no imweb prod_order_no in the order's link"
        )))
    );
}

#[test]
fn unknown_carriers_go_as_etc() {
    let mut fixture = Fixture::new(Status::Dispatched, "9");
    fixture.order.shipment = Some(shipment("Pigeon Post", " 42 "));
    let calls = plan(&fixture.delivery(), BASE, &options(None)).unwrap();
    assert_eq!(
        calls[0].body,
        json!({"etc": {"parcel_code": "ETC", "invoice_no": "42"}})
    );
    assert_eq!(calls[0].unmapped_carrier.as_deref(), Some("Pigeon Post"));
    // Japanese carriers have no imweb code either.
    fixture.order.shipment = Some(shipment("sagawa", "7"));
    let calls = plan(&fixture.delivery(), BASE, &options(None)).unwrap();
    assert_eq!(calls[0].unmapped_carrier.as_deref(), Some("sagawa"));
}

#[test]
fn send_without_tracking_is_rejected_before_calling() {
    let mut fixture = Fixture::new(Status::Dispatched, "9");
    assert!(matches!(
        plan(&fixture.delivery(), BASE, &options(None)),
        Err(Outcome::Rejected(RemoteError { code: Some(c), .. })) if c == "no_tracking"
    ));
    fixture.order.shipment = Some(shipment("cj", "  "));
    assert!(plan(&fixture.delivery(), BASE, &options(None)).is_err());
}

#[test]
fn reason_codes_and_return_fees() {
    let mut fixture = Fixture::new(Status::Canceled, "9");
    fixture.order.cancel = cancel(Some("BROKEN"));
    assert_eq!(
        bodies(&fixture, &options(None)),
        vec![json!({"etc": {"reason_code": "BROKEN"}})]
    );
    fixture.order.cancel = cancel(Some("changed my mind"));
    assert_eq!(
        bodies(&fixture, &options(None)),
        vec![json!({"etc": {"reason_code": "SOLD_OUT"}})],
        "unknown reasons fall back to default_reason_code"
    );
    fixture.order.cancel = cancel(None);
    assert_eq!(
        bodies(&fixture, &options(None)),
        vec![json!({"etc": {"reason_code": "SOLD_OUT"}})]
    );

    let mut fixture = Fixture::new(Status::Returned, "9");
    fixture.order.shipment = Some(shipment("cj", "6123-4567"));
    fixture.order.cancel = cancel(Some("INTENT_CHANGED"));
    assert_eq!(
        bodies(&fixture, &options(Some("BOX"))),
        vec![json!({"etc": {"reason_code": "INTENT_CHANGED", "deliv_fee_method": "BOX"}})]
    );
    assert_eq!(
        bodies(&fixture, &options(None)),
        vec![json!({"etc": {"reason_code": "INTENT_CHANGED"}})]
    );
    fixture.order.cancel = cancel(Some("BROKEN"));
    assert_eq!(
        bodies(&fixture, &options(Some("BOX"))),
        vec![json!({"etc": {"reason_code": "BROKEN"}})],
        "the seller pays for returns it caused: no deliv_fee_method"
    );

    let mut fixture = Fixture::new(Status::Exchanged, "9");
    fixture.order.cancel = cancel(Some("COLOR_AND_SIZE"));
    assert_eq!(
        bodies(&fixture, &options(Some("CASH"))),
        vec![json!({"etc": {"reason_code": "COLOR_AND_SIZE"}})],
        "deliv_fee_method belongs to returns only"
    );
}

fn response(status: u16, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers: HeaderMap::new(),
        body: bytes::Bytes::from(body.to_string()),
    }
}

const WHOLE: Scope<'static> = Scope {
    order_no: "202611220001",
    prod_order_no: None,
};

fn item(prod: &'static str) -> Scope<'static> {
    Scope {
        order_no: "202611220001",
        prod_order_no: Some(prod),
    }
}

fn answer(code: i64, msg: &str) -> String {
    json!({"msg": msg, "code": code, "data": null}).to_string()
}

/// Every row of CHANNELS.md's imweb "Answer".
#[test]
fn classification_table() {
    let now = std::time::SystemTime::now();
    let ok = r#"{"msg":"SUCCESS","code":200,"data":{"success":["202611220001"],"failed":[]}}"#;
    assert_eq!(classify(&response(200, ok), WHOLE, now), Outcome::Done);
    assert_eq!(
        classify(&response(200, ok), item("P-1"), now),
        Outcome::Done
    );

    let failed = json!({"msg": "SUCCESS", "code": 200, "data": {"success": [], "failed": [
        {"order_no": 202611220001_i64, "prod_order_list": [
            {"prod_order_no": 501, "msg": "처리할 수 없는 상태입니다", "detail_msg": "이미 배송중"},
            {"prod_order_no": "502", "msg": "품절", "detail_msg": ""}
        ]},
        {"order_no": "999", "prod_order_list": [{"prod_order_no": "503", "msg": "other order"}]}
    ]}})
    .to_string();
    assert_eq!(
        classify(&response(200, &failed), WHOLE, now),
        Outcome::Rejected(RemoteError::new(
            Some("failed"),
            "prod_order_no 501: 처리할 수 없는 상태입니다 (이미 배송중); prod_order_no 502: 품절"
        ))
    );
    assert_eq!(
        classify(&response(200, &failed), item("502"), now),
        Outcome::Rejected(RemoteError::new(Some("failed"), "prod_order_no 502: 품절"))
    );
    assert_eq!(
        classify(&response(200, &failed), item("504"), now),
        Outcome::Done,
        "other items' failures are not ours"
    );
    let order_failed = r#"{"msg":"SUCCESS","code":200,"data":{"success":[],"failed":[{"order_no":"202611220001"}]}}"#;
    assert_eq!(
        classify(&response(200, order_failed), WHOLE, now),
        Outcome::Rejected(RemoteError::new(
            Some("failed"),
            "order 202611220001: failed"
        ))
    );

    let mut limited = response(200, &answer(-7, "요청 한도 초과"));
    limited
        .headers
        .insert("retry-after", HeaderValue::from_static("2"));
    assert_eq!(
        classify(&limited, WHOLE, now),
        Outcome::Retry {
            after: Some(Duration::from_secs(2)),
            rate_limited: true,
            error: RemoteError::new(Some("-7"), "요청 한도 초과"),
        }
    );
    assert_eq!(
        classify(&response(429, ""), WHOLE, now),
        Outcome::Retry {
            after: None,
            rate_limited: true,
            error: RemoteError::new(Some("http_429"), ""),
        }
    );
    assert_eq!(
        classify(
            &response(200, &answer(-2, "ACCESS TOKEN EXPIRED")),
            WHOLE,
            now
        ),
        Outcome::Auth(RemoteError::new(Some("-2"), "ACCESS TOKEN EXPIRED"))
    );
    assert!(matches!(
        classify(&response(401, ""), WHOLE, now),
        Outcome::Auth(_)
    ));
    for code in [-10, -11] {
        assert_eq!(
            classify(&response(200, &answer(code, "no")), WHOLE, now),
            Outcome::Rejected(RemoteError::new(Some(&code.to_string()), "no"))
        );
    }
    for code in [-19, -999] {
        assert_eq!(
            classify(&response(200, &answer(code, "busy")), WHOLE, now),
            Outcome::Retry {
                after: None,
                rate_limited: false,
                error: RemoteError::new(Some(&code.to_string()), "busy"),
            }
        );
    }
    for status in [500, 502, 503] {
        assert!(matches!(
            classify(&response(status, "<html/>"), WHOLE, now),
            Outcome::Retry {
                rate_limited: false,
                ..
            }
        ));
    }
    assert!(matches!(
        classify(&response(200, "<html/>"), WHOLE, now),
        Outcome::Retry { .. }
    ));
    assert_eq!(
        classify(&response(404, "Not Found"), WHOLE, now),
        Outcome::Rejected(RemoteError::new(Some("http_404"), "Not Found"))
    );
    assert_eq!(
        classify(&response(200, r#"{"msg":"odd","code":"-5"}"#), WHOLE, now),
        Outcome::Rejected(RemoteError::new(Some("-5"), "odd"))
    );
}

#[test]
fn token_answers() {
    let now = std::time::SystemTime::now();
    let token = classify_token(
        &response(200, r#"{"msg":"SUCCESS","code":200,"access_token":"abc"}"#),
        now,
    )
    .unwrap();
    assert_eq!(token.access_token.expose(), "abc");
    assert_eq!(token.refresh_after, None, "kept until refused");
    assert_eq!(
        classify_token(&response(200, &answer(-1, "KEY NOT FOUND")), now).unwrap_err(),
        Outcome::Auth(RemoteError::new(Some("-1"), "v2/auth: KEY NOT FOUND"))
    );
    assert!(matches!(
        classify_token(&response(401, ""), now),
        Err(Outcome::Auth(_))
    ));
    assert!(matches!(
        classify_token(&response(200, &answer(-7, "slow")), now),
        Err(Outcome::Retry {
            rate_limited: true,
            ..
        })
    ));
    assert!(matches!(
        classify_token(&response(429, ""), now),
        Err(Outcome::Retry {
            rate_limited: true,
            ..
        })
    ));
    for bad in [
        response(503, ""),
        response(200, &answer(-999, "x")),
        response(200, "<html/>"),
    ] {
        assert!(matches!(
            classify_token(&bad, now),
            Err(Outcome::Retry {
                rate_limited: false,
                ..
            })
        ));
    }
    assert!(matches!(
        classify_token(&response(200, r#"{"msg":"SUCCESS","code":200}"#), now),
        Err(Outcome::Retry { .. })
    ));
}
