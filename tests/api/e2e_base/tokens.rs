//! BASE's tokens through the whole daemon: a refused token refreshed, and the rotated
//! refresh token stored before use and spent after a restart.

use super::*;

#[tokio::test]
async fn a_refused_token_is_refreshed_and_the_call_done() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(EDIT))
        .and(header("authorization", "Bearer cfg-access"))
        .respond_with(base_error(
            "invalid_request",
            "アクセストークンが無効です。",
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/1/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_string(GRANT_1))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(EDIT))
        .and(header("authorization", "Bearer access-1"))
        .respond_with(ok_order())
        .mount(&server)
        .await;
    let app = spawn_e2e(
        vec![(BASE, base_channel(&server.uri(), Some("cfg-access")))],
        |_| {},
    )
    .await;
    post_accepted(&app, &linked("R1", "dispatched", "cod", "401")).await;
    let order = expect_sync(
        &app,
        "R1",
        BASE,
        ("dispatched", "done"),
        "done",
        Value::Null,
        1,
    )
    .await;
    assert_eq!(delivery_history(&order, BASE), [(1, "done".to_string())]);
    // The next order goes out with the new token.
    post_accepted(&app, &linked("R2", "canceled", "cod", "402")).await;
    expect_sync(
        &app,
        "R2",
        BASE,
        ("canceled", "done"),
        "done",
        Value::Null,
        1,
    )
    .await;

    let refresh = Expect::new("POST", "/1/oauth/token").form(&[
        ("grant_type", "refresh_token"),
        ("client_id", "base-client"),
        ("client_secret", "base-secret-xyz"),
        ("refresh_token", "cfg-refresh"),
        ("redirect_uri", "https://seller.example/base/callback"),
    ]);
    let requests = server.received_requests().await.unwrap();
    assert_requests(
        &requests,
        &[
            edit("cfg-access", "401", "dispatched"),
            refresh,
            edit("access-1", "401", "dispatched"),
            edit("access-1", "402", "cancelled"),
        ],
    );
    assert_eq!(
        String::from_utf8(requests[1].body.clone()).unwrap(),
        refresh_form("cfg-refresh")
    );
    assert!(requests[1].headers.get("authorization").is_none());
    app.stop().await;
}

/// BASE rotates refresh tokens: the one it handed out is stored before use and, after a
/// restart, is the one spent on the next refresh (the configured one is used up).
#[tokio::test]
async fn the_rotated_refresh_token_outlives_a_restart() {
    let server = MockServer::start().await;
    for (spent, grant) in [("cfg-refresh", GRANT_1), ("refresh-1", GRANT_2)] {
        Mock::given(method("POST"))
            .and(path("/1/oauth/token"))
            .and(body_string_contains(format!("refresh_token={spent}&")))
            .respond_with(ResponseTemplate::new(200).set_body_string(grant))
            .expect(1)
            .mount(&server)
            .await;
    }
    let expired = base_error("invalid_request", "アクセストークンが無効です。");
    Mock::given(method("POST"))
        .and(path(EDIT))
        .and(header("authorization", "Bearer access-1"))
        .respond_with(Scripted::new(vec![ok_order()], expired))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(EDIT))
        .and(header("authorization", "Bearer access-2"))
        .respond_with(ok_order())
        .mount(&server)
        .await;
    let channels = || vec![(BASE, base_channel(&server.uri(), None))];
    let app = spawn_e2e(channels(), |_| {}).await;
    post_accepted(&app, &linked("S1", "dispatched", "cod", "501")).await;
    expect_sync(
        &app,
        "S1",
        BASE,
        ("dispatched", "done"),
        "done",
        Value::Null,
        1,
    )
    .await;

    let app = restart(app, channels()).await;
    post_accepted(&app, &linked("S2", "canceled", "cod", "502")).await;
    expect_sync(
        &app,
        "S2",
        BASE,
        ("canceled", "done"),
        "done",
        Value::Null,
        1,
    )
    .await;
    let requests = server.received_requests().await.unwrap();
    let refreshed: Vec<_> = on_path(&requests, "/1/oauth/token")
        .iter()
        .map(|r| String::from_utf8(r.body.clone()).unwrap())
        .collect();
    assert_eq!(
        refreshed,
        [refresh_form("cfg-refresh"), refresh_form("refresh-1")]
    );
    assert_requests(
        &on_path(&requests, EDIT),
        &[
            edit("access-1", "501", "dispatched"),
            edit("access-1", "502", "cancelled"),
            edit("access-2", "502", "cancelled"),
        ],
    );
    app.stop().await;
}
