//! BASE's tokens through the whole daemon: a refused token refreshed, and the rotated
//! refresh token stored before use and spent after a restart.

use super::{edit, linked};
use crate::channel_base::{
    granted, mount_edit, mount_rotating_grants, ok_order, refresh, refresh_form, token_refused,
    EDIT, GRANT_1, TOKEN,
};
use crate::e2e_support::*;
use crate::mocks::{assert_requests, mount, on, on_path, requests};
use crate::scripted::Scripted;
use wiremock::MockServer;

#[tokio::test]
async fn a_refused_token_is_refreshed_and_the_call_done() {
    let server = MockServer::start().await;
    mount_edit(&server, "cfg-access", token_refused(), ..).await;
    mount(&server, on("POST", TOKEN), granted(GRANT_1), 1).await;
    mount_edit(&server, "access-1", ok_order(), ..).await;
    let app = spawn_e2e(
        vec![(BASE, base_channel(&server.uri(), Some("cfg-access")))],
        |_| {},
    )
    .await;
    post_accepted(&app, &linked("R1", "dispatched", "cod", "401")).await;
    let order = expect_done(&app, "R1", BASE, "dispatched").await;
    assert_eq!(delivery_history(&order, BASE), [(1, "done".to_string())]);
    // The next order goes out with the new token.
    post_accepted(&app, &linked("R2", "canceled", "cod", "402")).await;
    expect_done(&app, "R2", BASE, "canceled").await;

    let requests = requests(&server).await;
    assert_requests(
        &requests,
        &[
            edit("cfg-access", "401", "dispatched"),
            refresh("cfg-refresh"),
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
    mount_rotating_grants(&server).await;
    let once = Scripted::new(vec![ok_order()], token_refused());
    mount_edit(&server, "access-1", once, ..).await;
    mount_edit(&server, "access-2", ok_order(), ..).await;
    let channels = || vec![(BASE, base_channel(&server.uri(), None))];
    let app = spawn_e2e(channels(), |_| {}).await;
    post_accepted(&app, &linked("S1", "dispatched", "cod", "501")).await;
    expect_done(&app, "S1", BASE, "dispatched").await;

    let app = restart(app, channels()).await;
    post_accepted(&app, &linked("S2", "canceled", "cod", "502")).await;
    expect_done(&app, "S2", BASE, "canceled").await;
    let requests = requests(&server).await;
    let refreshed: Vec<_> = on_path(&requests, TOKEN)
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
