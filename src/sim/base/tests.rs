use super::*;

fn refresh(sim: &BaseSim, refresh_token: &str) -> SimResponse {
    sim.answer(&SimRequest::new("POST", "/1/oauth/token").with_form(&[
        ("grant_type", "refresh_token"),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("refresh_token", refresh_token),
        ("redirect_uri", REDIRECT_URI),
    ]))
}

fn token(sim: &BaseSim) -> String {
    let answer = refresh(sim, &sim.refresh_token());
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    answer.body["access_token"].as_str().unwrap().to_string()
}

fn edit(sim: &BaseSim, token: &str, fields: &[(&str, &str)]) -> SimResponse {
    sim.answer(
        &SimRequest::new("POST", "/1/orders/edit_status")
            .with_header("Authorization", &format!("Bearer {token}"))
            .with_form(fields),
    )
}

fn error_code(answer: &SimResponse) -> (u16, String) {
    (
        answer.status,
        answer.body["error"].as_str().unwrap_or("").to_string(),
    )
}

fn refused(code: &str) -> (u16, String) {
    (400, code.to_string())
}

#[test]
fn refresh_tokens_rotate() {
    let sim = BaseSim::default();
    let first = refresh(&sim, REFRESH_TOKEN);
    assert_eq!(first.status, 200);
    assert_eq!(first.body["token_type"], "bearer");
    assert_eq!(first.body["expires_in"], TOKEN_LIFETIME_SECS);
    let rotated = first.body["refresh_token"].as_str().unwrap();
    assert_ne!(rotated, REFRESH_TOKEN);
    assert_eq!(sim.refresh_token(), rotated);
    assert_eq!(
        error_code(&refresh(&sim, REFRESH_TOKEN)),
        refused("invalid_grant")
    );
    let wrong_client = sim.answer(&SimRequest::new("POST", "/1/oauth/token").with_form(&[
        ("grant_type", "refresh_token"),
        ("client_id", CLIENT_ID),
        ("client_secret", "nope"),
        ("refresh_token", rotated),
        ("redirect_uri", REDIRECT_URI),
    ]));
    assert_eq!(error_code(&wrong_client), refused("invalid_client"));
}

#[test]
fn api_calls_need_a_live_token() {
    let sim = BaseSim::default();
    let companies = SimRequest::new("GET", "/1/delivery_companies");
    assert_eq!(
        error_code(&sim.answer(&companies)),
        refused("invalid_request")
    );
    let token = token(&sim);
    let listed = sim.answer(&companies.with_header("Authorization", &format!("Bearer {token}")));
    assert_eq!(listed.status, 200);
    assert_eq!(
        listed.body["delivery_companies"][1],
        json!({ "delivery_company_id": 2, "name": "佐川急便" })
    );
    sim.expire_access_tokens();
    assert_eq!(
        error_code(&edit(&sim, &token, &[("order_item_id", "1")])),
        refused("invalid_request")
    );
}

#[test]
fn dispatch_per_item_and_detail() {
    let sim = BaseSim::default();
    sim.seed("K1", "bt", &[11, 12]);
    let token = token(&sim);
    let comment = "[配送業者]DHL [送り状番号]1234567890";
    let done = edit(
        &sim,
        &token,
        &[
            ("order_item_id", "11"),
            ("status", "dispatched"),
            ("add_comment", comment),
        ],
    );
    assert_eq!(done.status, 200, "{:?}", done.body);
    assert_eq!(done.body["order"]["order_items"][0]["status"], "dispatched");
    assert_eq!(done.body["order"]["dispatch_status"], "ordered");
    assert_eq!(
        sim.order("K1").unwrap().add_comment.as_deref(),
        Some(comment)
    );
    let again = edit(
        &sim,
        &token,
        &[("order_item_id", "11"), ("status", "dispatched")],
    );
    assert_eq!(error_code(&again), refused("not_change_status"));

    let detail = sim.answer(
        &SimRequest::new("GET", "/1/orders/detail/K1")
            .with_header("Authorization", &format!("Bearer {token}")),
    );
    let items = &detail.body["order"]["order_items"];
    assert_eq!(items[0]["status"], "dispatched");
    assert_eq!(items[1]["status"], "ordered");
    let missing = sim.answer(
        &SimRequest::new("GET", "/1/orders/detail/NOPE")
            .with_header("Authorization", &format!("Bearer {token}")),
    );
    assert_eq!(error_code(&missing), refused("no_order"));
}

#[test]
fn parameter_errors() {
    let sim = BaseSim::default();
    sim.seed("K1", "bt", &[11]);
    let token = token(&sim);
    let cases: [(&[(&str, &str)], &str); 5] = [
        (&[("status", "dispatched")], "no_params"),
        (&[("order_item_id", "11")], "no_params"),
        (
            &[("order_item_id", "99"), ("status", "dispatched")],
            "no_order",
        ),
        (
            &[("order_item_id", "11"), ("status", "shipped")],
            "bad_params",
        ),
        (
            &[("order_item_id", "11"), ("atobarai_status", "shipping")],
            "no_params",
        ),
    ];
    for (fields, code) in cases {
        assert_eq!(
            error_code(&edit(&sim, &token, fields)),
            refused(code),
            "{fields:?}"
        );
    }
    let long = "あ".repeat(251);
    let too_long = [
        ("order_item_id", "11"),
        ("status", "dispatched"),
        ("add_comment", long.as_str()),
    ];
    assert_eq!(
        error_code(&edit(&sim, &token, &too_long)),
        refused("bad_params")
    );
    let get = sim.answer(
        &SimRequest::new("GET", "/1/orders/edit_status")
            .with_header("Authorization", &format!("Bearer {token}")),
    );
    assert_eq!(error_code(&get), refused("not_post_method"));
}

#[test]
fn cancel_depends_on_the_payment_method() {
    let sim = BaseSim::default();
    sim.seed("CARD", "creditcard", &[1]);
    sim.seed("COD", "cod", &[2]);
    sim.seed("CVS", "cvs", &[3]);
    let token = token(&sim);
    let cancel = |item: &str| {
        edit(
            &sim,
            &token,
            &[("order_item_id", item), ("status", "cancelled")],
        )
    };
    assert_eq!(error_code(&cancel("1")), refused("not_cancel_credit_card"));
    assert_eq!(sim.order("CARD").unwrap().items[0].status, "ordered");
    assert_eq!(cancel("2").status, 200);
    assert_eq!(sim.order("COD").unwrap().items[0].status, "cancelled");
    assert_eq!(error_code(&cancel("3")), refused("not_cancel_cvs"));
}

#[test]
fn unpaid_and_deferred_orders() {
    let sim = BaseSim::default();
    sim.seed("CVS", "cvs", &[3]);
    sim.set_payment_received("CVS", false);
    sim.seed("ATO", "atobarai", &[4, 5]);
    let token = token(&sim);
    let dispatch = |item: &str| {
        edit(
            &sim,
            &token,
            &[("order_item_id", item), ("status", "dispatched")],
        )
    };
    assert_eq!(error_code(&dispatch("3")), refused("not_change_status_cvs"));
    sim.set_payment_received("CVS", true);
    assert_eq!(dispatch("3").status, 200);
    assert_eq!(
        error_code(&dispatch("4")),
        refused("not_change_status_atobarai")
    );
    let ship = |tracking: &str| {
        edit(
            &sim,
            &token,
            &[
                ("order_item_id", "5"),
                ("atobarai_status", "shipping"),
                ("delivery_company_id", "2"),
                ("tracking_number", tracking),
            ],
        )
    };
    assert_eq!(error_code(&ship("1234-5678")), refused("bad_params"));
    let shipped = ship("12345678");
    assert_eq!(shipped.status, 200);
    assert_eq!(shipped.body["order"]["dispatch_status"], "shipping");
    let order = sim.order("ATO").unwrap();
    assert_eq!(order.delivery_company_id, Some(2));
    assert_eq!(order.atobarai_status, Some("shipping"));
    assert_eq!(error_code(&ship("12345678")), refused("not_change_status"));
}

#[test]
fn hourly_limit() {
    let sim = BaseSim::default();
    let token = token(&sim);
    sim.limit_calls(Some(1));
    let companies = SimRequest::new("GET", "/1/delivery_companies")
        .with_header("Authorization", &format!("Bearer {token}"));
    assert_eq!(sim.answer(&companies).status, 200);
    assert_eq!(
        error_code(&sim.answer(&companies)),
        refused("hour_api_limit")
    );
    sim.limit_calls(None);
    assert_eq!(sim.answer(&companies).status, 200);
}

#[test]
fn payment_codes() {
    assert_eq!(payment_code(Some(PaymentMethod::Card)), "creditcard");
    assert_eq!(payment_code(Some(PaymentMethod::Deferred)), "atobarai");
    assert_eq!(payment_code(None), "bt");
}
