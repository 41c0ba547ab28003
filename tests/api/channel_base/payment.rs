//! BASE by payment method: a 後払い dispatch is one shipping notice with a delivery
//! company, and only bank-transfer and cash-on-delivery orders are canceled by API.

use super::{
    accept_edits, assert_edit, assert_get, atobarai, case, config, connector, connector_with,
    ok_order, COMPANIES,
};
use crate::channel_fixtures::{memory, Case};
use crate::mocks::{mount, on, requests};
use ordersync::channels::base::BaseConfig;
use ordersync::domain::{Outcome, PaymentMethod, Status};
use serde_json::json;
use std::collections::BTreeMap;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn companies() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"delivery_companies": [
        {"delivery_company_id": 1, "name": "クロネコヤマト"},
        {"delivery_company_id": 2, "name": "佐川急便"},
        {"delivery_company_id": 3, "name": "日本郵便"},
    ]}))
}

/// A dispatch of the two-line order paid 後払い.
fn deferred(carrier: &str, tracking: &str) -> Case {
    case(Status::Dispatched)
        .with_payment(PaymentMethod::Deferred)
        .with_shipment(carrier, tracking)
}

#[tokio::test]
async fn deferred_payment_dispatch_is_one_atobarai_call() {
    let server = MockServer::start().await;
    mount(&server, on("GET", COMPANIES), companies(), 1).await;
    accept_edits(&server).await;
    let (base, _) = connector(&server);
    for (carrier, tracking) in [("yamato", "1234-5678 9012"), ("ゆうパック", "AB 12－34")] {
        let outcome = deferred(carrier, tracking).deliver(&base).await;
        assert_eq!(outcome, Outcome::Done, "{carrier}");
    }
    let seen = requests(&server).await;
    assert_eq!(seen.len(), 3, "the company list is read once");
    assert_get(&seen[0], 0, COMPANIES, "cfg-access");
    let notice = atobarai("123", "1", "123456789012");
    assert_edit(&seen[1], 1, "cfg-access", &notice);
    assert_edit(&seen[2], 2, "cfg-access", &atobarai("123", "3", "AB1234"));
}

#[tokio::test]
async fn configured_company_ids_override_the_list() {
    let server = MockServer::start().await;
    mount(&server, on("GET", COMPANIES), companies(), 0).await;
    accept_edits(&server).await;
    let config = BaseConfig {
        delivery_company_ids: BTreeMap::from([("yamato".to_string(), 41)]),
        ..config()
    };
    let (base, _) = connector_with(&server, config, memory());
    let outcome = deferred("クロネコヤマト", "777").deliver(&base).await;
    assert_eq!(outcome, Outcome::Done);
    let notice = atobarai("123", "41", "777");
    assert_edit(&requests(&server).await[0], 0, "cfg-access", &notice);
}

#[tokio::test]
async fn unmatched_carriers_and_bad_tracking_are_rejected_unsent() {
    let server = MockServer::start().await;
    mount(&server, on("GET", COMPANIES), companies(), ..).await;
    mount(&server, Mock::given(method("POST")), ok_order(), 0).await;
    let (base, stats) = connector(&server);
    let outcome = deferred("福山通運", "123").deliver(&base).await;
    let Outcome::Rejected(error) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(error.code.as_deref(), Some("unmapped_carrier"));
    assert!(error.message.contains("福山通運"));
    assert!(error.message.contains("delivery_company_ids"));
    assert_eq!(stats.unmapped_carriers().get("fukuyama"), Some(&1));

    let outcome = deferred("yamato", "１２３４").deliver(&base).await;
    let Outcome::Rejected(error) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(error.code.as_deref(), Some("bad_tracking_number"));
    assert_eq!(
        requests(&server).await.len(),
        1,
        "only the company list was read"
    );
}

#[tokio::test]
async fn cancel_by_payment_method() {
    let server = MockServer::start().await;
    accept_edits(&server).await;
    let (base, _) = connector(&server);
    for payment in [PaymentMethod::BankTransfer, PaymentMethod::Cod] {
        let outcome = case(Status::Canceled)
            .with_payment(payment)
            .deliver(&base)
            .await;
        assert_eq!(outcome, Outcome::Done);
    }
    // Unknown payment method: BASE decides.
    assert_eq!(case(Status::Canceled).deliver(&base).await, Outcome::Done);
    let seen = requests(&server).await;
    assert_eq!(seen.len(), 6, "two items, three orders");
    let items = ["123", "124"].iter().cycle();
    for (at, (request, item)) in seen.iter().zip(items).enumerate() {
        let cancelled = [("order_item_id", *item), ("status", "cancelled")];
        assert_edit(request, at, "cfg-access", &cancelled);
    }

    for (payment, code) in [
        (PaymentMethod::Card, "not_cancel_credit_card"),
        (PaymentMethod::ConvenienceStore, "not_cancel_cvs"),
        (PaymentMethod::Deferred, "not_cancel_atobarai"),
        (PaymentMethod::CarrierBilling, "not_cancel_carrier"),
        (PaymentMethod::Coin, "not_cancel_coin"),
    ] {
        let outcome = case(Status::Canceled)
            .with_payment(payment)
            .deliver(&base)
            .await;
        let Outcome::Rejected(error) = outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(error.code.as_deref(), Some(code));
    }
    assert_eq!(requests(&server).await.len(), 6, "refused without calling");
}
