//! BASE by payment method: a 後払い dispatch is one shipping notice with a delivery
//! company, and only bank-transfer and cash-on-delivery orders are canceled by API.

use super::*;

fn companies() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"delivery_companies": [
        {"delivery_company_id": 1, "name": "クロネコヤマト"},
        {"delivery_company_id": 2, "name": "佐川急便"},
        {"delivery_company_id": 3, "name": "日本郵便"},
    ]}))
}

#[tokio::test]
async fn deferred_payment_dispatch_is_one_atobarai_call() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(COMPANIES))
        .respond_with(companies())
        .expect(1)
        .mount(&server)
        .await;
    mount(&server, "POST", EDIT, ok_order()).await;
    let (base, _) = connector(&server, config(), memory());
    for (carrier, tracking) in [("yamato", "1234-5678 9012"), ("ゆうパック", "AB 12－34")] {
        let outcome = Case::new(Status::Dispatched)
            .payment(PaymentMethod::Deferred)
            .shipped(carrier, tracking)
            .deliver(&base)
            .await;
        assert_eq!(outcome, Outcome::Done, "{carrier}");
    }
    let seen = requests(&server).await;
    assert_eq!(seen.len(), 3, "the company list is read once");
    assert_get(&seen[0], COMPANIES, "cfg-access");
    assert_edit(
        &seen[1],
        "cfg-access",
        &[
            ("order_item_id", "123"),
            ("atobarai_status", "shipping"),
            ("delivery_company_id", "1"),
            ("tracking_number", "123456789012"),
        ],
    );
    assert_edit(
        &seen[2],
        "cfg-access",
        &[
            ("order_item_id", "123"),
            ("atobarai_status", "shipping"),
            ("delivery_company_id", "3"),
            ("tracking_number", "AB1234"),
        ],
    );
}

#[tokio::test]
async fn configured_company_ids_override_the_list() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(COMPANIES))
        .respond_with(companies())
        .expect(0)
        .mount(&server)
        .await;
    mount(&server, "POST", EDIT, ok_order()).await;
    let mut config = config();
    config.delivery_company_ids = BTreeMap::from([("yamato".to_string(), 41)]);
    let (base, _) = connector(&server, config, memory());
    let outcome = Case::new(Status::Dispatched)
        .payment(PaymentMethod::Deferred)
        .shipped("クロネコヤマト", "777")
        .deliver(&base)
        .await;
    assert_eq!(outcome, Outcome::Done);
    assert_edit(
        &requests(&server).await[0],
        "cfg-access",
        &[
            ("order_item_id", "123"),
            ("atobarai_status", "shipping"),
            ("delivery_company_id", "41"),
            ("tracking_number", "777"),
        ],
    );
}

#[tokio::test]
async fn unmatched_carriers_and_bad_tracking_are_rejected_unsent() {
    let server = MockServer::start().await;
    mount(&server, "GET", COMPANIES, companies()).await;
    Mock::given(method("POST"))
        .respond_with(ok_order())
        .expect(0)
        .mount(&server)
        .await;
    let (base, stats) = connector(&server, config(), memory());
    let outcome = Case::new(Status::Dispatched)
        .payment(PaymentMethod::Deferred)
        .shipped("福山通運", "123")
        .deliver(&base)
        .await;
    let Outcome::Rejected(error) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(error.code.as_deref(), Some("unmapped_carrier"));
    assert!(error.message.contains("福山通運"));
    assert!(error.message.contains("delivery_company_ids"));
    assert_eq!(stats.unmapped_carriers().get("fukuyama"), Some(&1));

    let outcome = Case::new(Status::Dispatched)
        .payment(PaymentMethod::Deferred)
        .shipped("yamato", "１２３４")
        .deliver(&base)
        .await;
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
    mount(&server, "POST", EDIT, ok_order()).await;
    let (base, _) = connector(&server, config(), memory());
    for payment in [PaymentMethod::BankTransfer, PaymentMethod::Cod] {
        let outcome = Case::new(Status::Canceled)
            .payment(payment)
            .deliver(&base)
            .await;
        assert_eq!(outcome, Outcome::Done);
    }
    // Unknown payment method: BASE decides.
    assert_eq!(
        Case::new(Status::Canceled).deliver(&base).await,
        Outcome::Done
    );
    let seen = requests(&server).await;
    assert_eq!(seen.len(), 6, "two items, three orders");
    for (request, item) in seen.iter().zip(["123", "124"].iter().cycle()) {
        assert_edit(
            request,
            "cfg-access",
            &[("order_item_id", item), ("status", "cancelled")],
        );
    }

    for (payment, code) in [
        (PaymentMethod::Card, "not_cancel_credit_card"),
        (PaymentMethod::ConvenienceStore, "not_cancel_cvs"),
        (PaymentMethod::Deferred, "not_cancel_atobarai"),
        (PaymentMethod::CarrierBilling, "not_cancel_carrier"),
        (PaymentMethod::Coin, "not_cancel_coin"),
    ] {
        let outcome = Case::new(Status::Canceled)
            .payment(payment)
            .deliver(&base)
            .await;
        let Outcome::Rejected(error) = outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(error.code.as_deref(), Some(code));
    }
    assert_eq!(requests(&server).await.len(), 6, "refused without calling");
}
