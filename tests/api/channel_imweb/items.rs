//! imweb item-level changes: one call per `prod_order_no`, and `failed` lists.

use super::{connector, failed_line, mount_token, one_patch, orders_path, success, ORDER_NO};
use crate::channel_fixtures::{shipment, Case};
use crate::mocks::{expect_no_requests, json_body, mount, on, requests_to};
use ordersync::domain::{Outcome, RemoteError, Status};
use serde_json::json;
use wiremock::MockServer;

fn two_item_dispatch() -> Case {
    let mut case = Case::new(Status::Dispatched, ORDER_NO)
        .with_item("L1", Some("P-101"))
        .with_item("L2", Some("P-102"))
        .with_item("L3", Some("P-103"))
        .with_shipment("hanjin", "111")
        .scoped_to(&["L1", "L2"]);
    case.order.items[1].shipment = Some(shipment("lotte", "222"));
    case
}

#[tokio::test]
async fn item_changes_make_one_call_per_prod_order_no() {
    let server = MockServer::start().await;
    mount_token(&server, "tok-1", 1).await;
    mount(&server, on("PATCH", orders_path("send")), success(), 2).await;
    let (imweb, _) = connector(&server);
    assert_eq!(two_item_dispatch().deliver(&imweb).await, Outcome::Done);
    let bodies: Vec<_> = requests_to(&server, &orders_path("send"))
        .await
        .iter()
        .map(json_body)
        .collect();
    assert_eq!(
        bodies,
        vec![
            json!({"prod_order_no": "P-101", "etc": {"parcel_code": "HANJIN", "invoice_no": "111"}}),
            json!({"prod_order_no": "P-102", "etc": {"parcel_code": "LOTTE", "invoice_no": "222"}}),
        ]
    );
}

#[tokio::test]
async fn failed_items_are_rejected_by_name_and_later_calls_are_not_sent() {
    let refused = "처리할 수 없는 상태입니다";
    let failed = failed_line(ORDER_NO, &[], "P-101", refused, "이미 배송완료");
    let first =
        json!({"prod_order_no": "P-101", "etc": {"parcel_code": "HANJIN", "invoice_no": "111"}});
    let (server, imweb, _) = one_patch("send", first, failed).await;
    let outcome = two_item_dispatch().deliver(&imweb).await;
    assert_eq!(
        outcome,
        Outcome::Rejected(RemoteError::new(
            Some("failed"),
            "prod_order_no P-101: 처리할 수 없는 상태입니다 (이미 배송완료)"
        ))
    );
    assert_eq!(requests_to(&server, &orders_path("send")).await.len(), 1);
}

#[tokio::test]
async fn only_the_failed_items_of_a_whole_order_call_are_named() {
    let partly = failed_line(ORDER_NO, &[ORDER_NO], "P-102", "품절", "재고 없음");
    let (_server, imweb, _) = one_patch("place", json!({}), partly).await;
    let case = Case::new(Status::Preparing, ORDER_NO)
        .with_item("L1", Some("P-101"))
        .with_item("L2", Some("P-102"));
    assert_eq!(
        case.deliver(&imweb).await,
        Outcome::Rejected(RemoteError::new(
            Some("failed"),
            "prod_order_no P-102: 품절 (재고 없음)"
        ))
    );
}

#[tokio::test]
async fn a_line_without_prod_order_no_is_rejected_before_sending() {
    let server = MockServer::start().await;
    expect_no_requests(&server).await;
    let (imweb, _) = connector(&server);
    let case = Case::new(Status::Preparing, ORDER_NO)
        .with_item("L1", Some("P-101"))
        .with_item("L2", None)
        .with_item("L3", None)
        .scoped_to(&["L1", "L2"]);
    assert_eq!(
        case.deliver(&imweb).await,
        Outcome::Rejected(RemoteError::new(
            Some("unmapped_line"),
            "line item L2 has no imweb prod_order_no in the order's link"
        ))
    );
}
