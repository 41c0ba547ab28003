use super::*;
use crate::domain::{ChannelKind, ChannelName};
use serde_json::json;
use std::time::Instant;

fn call(kind: ChannelKind, method: &str, path: &str, body: &str) -> RecordedCall {
    RecordedCall {
        seq: 0,
        kind,
        method: method.into(),
        path: path.into(),
        query: "key=k&secret=s".into(),
        body: body.into(),
        arrived: Instant::now(),
        sent_at: None,
        status: 200,
        answer: String::new(),
    }
}

fn channel(name: &str, kind: ChannelKind) -> Channel {
    Channel {
        name: ChannelName::parse(name).unwrap(),
        kind,
    }
}

#[test]
fn widths_count_wide_characters_twice() {
    assert_eq!(width("abc"), 3);
    assert_eq!(width("送り状"), 6);
    assert_eq!(width("취소"), 4);
    assert_eq!(fit("abcdef", 4), "abc…");
    assert_eq!(fit("abc", 3), "abc");
    let cut = fit("クレジットカード決済", 9);
    assert!(width(&cut) <= 9, "{cut}");
    assert!(cut.ends_with('…'));
}

#[test]
fn calls_are_short_lines_without_credentials() {
    let auth = call(
        ChannelKind::Base,
        "POST",
        "/1/oauth/token",
        "client_secret=s3cr3t",
    );
    assert_eq!(call_lines(&auth), ["POST /1/oauth/token"]);
    let status = call(
        ChannelKind::Youcan,
        "PUT",
        "/orders/9b1f2c34-5d6e-4a7b-8c9d-0e1f2a3b1001/status/payment",
        r#"{"status": "paid"}"#,
    );
    assert_eq!(
        call_lines(&status),
        ["PUT /orders/9b1f2c34…/status/payment status=paid"]
    );
    let nested = call(
        ChannelKind::Imweb,
        "PATCH",
        "/v2/shop/orders/202611221003/send",
        r#"{"etc":{"parcel_code":"DHL","invoice_no":"1234567891"},"prod_order_no":"2026112210031"}"#,
    );
    assert_eq!(
        call_lines(&nested),
        [
            "PATCH /v2/shop/orders/202611221003/send",
            "  prod_order_no=2026112210031 invoice_no=1234567891 parcel_code=DHL",
        ]
    );
    let form = call(
        ChannelKind::Base,
        "POST",
        "/1/orders/edit_status",
        "order_item_id=10011&status=dispatched&add_comment=%5B%E9%85%8D%E9%80%81%E6%A5%AD%E8%80%85%5DDHL+%5B%E9%80%81%E3%82%8A%E7%8A%B6%E7%95%AA%E5%8F%B7%5D1234567890",
    );
    let lines = call_lines(&form);
    assert_eq!(lines[0], "POST /1/orders/edit_status");
    assert!(
        lines[1].starts_with("  order_item_id=10011 status=dispatched add_comment=[配送業者]DHL")
    );
    assert!(
        lines[1].ends_with('…') && width(&lines[1]) <= 68,
        "{}",
        lines[1]
    );
    let empty = call(
        ChannelKind::Imweb,
        "PATCH",
        "/v2/shop/orders/1/deposit",
        "{}",
    );
    assert_eq!(call_lines(&empty), ["PATCH /v2/shop/orders/1/deposit"]);
}

#[test]
fn table_pairs_calls_with_outcomes() {
    let channels = [
        channel("imweb-kr", ChannelKind::Imweb),
        channel("payco", ChannelKind::PortonePayco),
        channel("wiz", ChannelKind::Wizcommerce),
        channel("youcan-ma", ChannelKind::Youcan),
    ];
    let calls = [
        call(ChannelKind::Imweb, "GET", "/v2/auth", ""),
        call(
            ChannelKind::Imweb,
            "PATCH",
            "/v2/shop/orders/202611221002/cancel",
            r#"{"etc":{"reason_code":"SOLD_OUT"}}"#,
        ),
        call(
            ChannelKind::PortonePayco,
            "POST",
            "/payco/orders/status/imp_51901002",
            r#"{"status":"CANCELED"}"#,
        ),
    ];
    let order = json!({
        "channels": {
            "imweb-kr": {"state": "rejected"}, "payco": {"state": "done"},
            "wiz": {"state": "unsupported"}, "youcan-ma": {"state": "done"}
        },
        "history": [
            {"kind": "event", "event_id": "msg_old", "status": "paid"},
            {"kind": "delivery", "channel": "payco", "outcome": "unsupported",
             "error": {"code": null, "message": "old"}},
            {"kind": "event", "event_id": "msg_4", "status": "canceled"},
            {"kind": "delivery", "channel": "payco", "outcome": "done"},
            {"kind": "delivery", "channel": "wiz", "outcome": "unsupported",
             "error": {"code": null, "message": "WizCommerce has no status for dispatched"}},
            {"kind": "delivery", "channel": "imweb-kr", "outcome": "rejected",
             "error": {"code": "failed", "message": "prod_order_no 20261122100222: 처리 실패 (이미 취소된 주문입니다.)"}}
        ]
    });
    let table = step_table(&channels, &calls, &order, "msg_4");
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].contains("CHANNEL") && lines[0].contains("OUTCOME"));
    assert!(
        lines[1].starts_with("   imweb-kr   GET /v2/auth"),
        "{table}"
    );
    assert!(!lines[1].contains("rejected"), "{table}");
    assert!(lines[2].contains("PATCH /v2/shop/orders/202611221002/cancel reason_code=SOLD_OUT"));
    assert!(lines[2].ends_with("rejected"), "{table}");
    assert!(
        lines[3].contains("↳ failed: prod_order_no 20261122100222: 처리 실패"),
        "{table}"
    );
    assert!(
        lines[4].starts_with("   payco") && lines[4].ends_with("done"),
        "{table}"
    );
    assert!(
        lines[5].contains("(nothing sent: WizCommerce has no status for dispatched)"),
        "{table}"
    );
    assert!(lines[5].ends_with("unsupported"));
    assert!(lines[6].contains("(no change for this channel)"), "{table}");
    assert!(lines[6].ends_with('-'), "{table}");
    assert_eq!(lines.len(), 7);
    for line in lines {
        assert!(width(line) <= 100, "too wide: {line}");
    }
}

#[test]
fn unsettled_channels_say_so() {
    let channels = [channel("wiz", ChannelKind::Wizcommerce)];
    let order = json!({
        "channels": {"wiz": {"state": "retrying"}},
        "history": [{"kind": "event", "event_id": "msg_1"}]
    });
    let table = step_table(&channels, &[], &order, "msg_1");
    assert!(table.contains("retrying (not settled)"), "{table}");
}

#[test]
fn answers_and_headings() {
    let accepted = json!({"status": "accepted", "event_id": "msg_1", "order_id": "1001"});
    assert_eq!(answer_line(202, &accepted), "   → 202 accepted");
    let refused = json!({"error": "invalid_signature", "message": "no signature matches"});
    assert_eq!(
        answer_line(401, &refused),
        "   → 401 invalid_signature: no signature matches"
    );
    let heading = heading(2, 9, "Order 1001 is dispatched");
    assert!(heading.starts_with("── 2/9  Order 1001 is dispatched ─"));
    assert_eq!(width(&heading), 80);
}

#[test]
fn standing_lists_each_channel_state() {
    let channels = [
        channel("payco", ChannelKind::PortonePayco),
        channel("wiz", ChannelKind::Wizcommerce),
    ];
    let orders = [
        json!({"order_id": "1001", "status": "dispatched",
               "channels": {"payco": {"state": "done"}, "wiz": {"state": "unsupported"}}}),
        json!({"order_id": "1002", "status": "canceled", "channels": {"payco": {"state": "rejected"}}}),
    ];
    let table = standing(&channels, &orders);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines[0], "   ORDER  STATUS      payco     wiz");
    assert_eq!(lines[1], "   1001   dispatched  done      unsupported");
    assert_eq!(lines[2], "   1002   canceled    rejected  -");
}
