//! BASE's OAuth tokens: the rotating refresh token persisted before use and reused after
//! a restart, refreshes shortly before expiry, refusals, one refresh for many callers.

use super::{
    accept_edits, assert_edit, base_error, config, connector, connector_with, granted, mount_edit,
    mount_rotating_grants, no_access, ok_order, one_line, refresh, refresh_form, token_refused,
    EDIT, GRANT_1, TOKEN,
};
use crate::channel_fixtures::{channel, memory, RecordingStore};
use crate::mocks::{mount, on, requests};
use crate::scripted::Scripted;
use futures_util::future::join_all;
use ordersync::channels::auth::TokenStore;
use ordersync::channels::http::USER_AGENT;
use ordersync::domain::{Outcome, RemoteError, Status};
use std::sync::Arc;
use std::time::Duration;
use wiremock::{MockServer, Request, ResponseTemplate};

/// Request `at` is exactly the refresh spending `refresh_token`, with no Authorization.
fn assert_refresh(request: &Request, at: usize, refresh_token: &str) {
    refresh(refresh_token)
        .header("user-agent", USER_AGENT)
        .check(request, at);
    assert!(request.headers.get("authorization").is_none());
    assert_eq!(
        String::from_utf8(request.body.clone()).unwrap(),
        refresh_form(refresh_token)
    );
}

#[tokio::test]
async fn rotated_refresh_tokens_are_persisted_first_and_survive_a_restart() {
    let server = Arc::new(MockServer::start().await);
    mount_rotating_grants(&server).await;
    let twice = Scripted::new(vec![ok_order(), ok_order()], token_refused());
    mount_edit(&server, "access-1", twice, ..).await;
    mount_edit(&server, "access-2", ok_order(), ..).await;
    let store = RecordingStore::new(server.clone());
    let case = one_line(Status::Dispatched);

    // First run: no token anywhere, so refresh with the configured refresh token.
    let (first, stats) = connector_with(&server, no_access(), store.clone());
    assert_eq!(case.deliver(&first).await, Outcome::Done);
    drop(first);
    // "Restart": a new instance on the same store uses the stored access token...
    let (second, _) = connector_with(&server, no_access(), store.clone());
    assert_eq!(case.deliver(&second).await, Outcome::Done);
    // ...and, once BASE refuses it, the stored refresh token, never the configured one.
    assert_eq!(case.deliver(&second).await, Outcome::Done);

    let seen = requests(&server).await;
    assert_eq!(seen.len(), 6);
    assert_refresh(&seen[0], 0, "cfg-refresh");
    let dispatched = [("order_item_id", "123"), ("status", "dispatched")];
    for at in [1, 2, 3] {
        assert_edit(&seen[at], at, "access-1", &dispatched);
    }
    assert_refresh(&seen[4], 4, "refresh-1");
    assert_edit(&seen[5], 5, "access-2", &dispatched);
    let saves: Vec<_> = store
        .saves()
        .into_iter()
        .map(|(seen, token)| (seen, token.refresh_token.unwrap().expose().to_string()))
        .collect();
    assert_eq!(
        saves,
        vec![(1, "refresh-1".to_string()), (5, "refresh-2".to_string())],
        "each pair saved before its access token was used"
    );
    let stored = store.load(&channel()).await.unwrap().unwrap();
    assert_eq!(stored.access_token.expose(), "access-2");
    assert!(stored.expires_at.is_some());
    assert_eq!(stats.token_refreshes(), 1);
}

#[tokio::test]
async fn tokens_are_refreshed_shortly_before_expiry() {
    let server = MockServer::start().await;
    // 60 s left is inside the refresh margin: the next call refreshes first.
    let short = granted(
        r#"{"access_token":"short","token_type":"bearer","expires_in":60,"refresh_token":"r-short"}"#,
    );
    mount(&server, on("POST", TOKEN), short, 2).await;
    accept_edits(&server).await;
    let (base, stats) = connector_with(&server, no_access(), memory());
    let case = one_line(Status::Canceled);
    assert_eq!(case.deliver(&base).await, Outcome::Done);
    assert_eq!(case.deliver(&base).await, Outcome::Done);
    assert_eq!(stats.token_refreshes(), 2);
    let seen = requests(&server).await;
    assert_refresh(&seen[2], 2, "r-short");
}

#[tokio::test]
async fn refused_tokens_end_in_auth() {
    // The configured token is refused, the refresh works, the new token is refused too.
    let server = MockServer::start().await;
    mount(&server, on("POST", TOKEN), granted(GRANT_1), ..).await;
    mount(&server, on("POST", EDIT), token_refused(), 2).await;
    let (base, _) = connector(&server);
    let outcome = one_line(Status::Canceled).deliver(&base).await;
    assert_eq!(
        outcome,
        Outcome::Auth(RemoteError::new(
            Some("invalid_request"),
            "アクセストークンが無効です。"
        ))
    );
    drop(server);

    // The refresh is refused: nothing stored, nothing repeated.
    let server = MockServer::start().await;
    let refused = base_error("invalid_grant", "リフレッシュトークンが無効です。");
    mount(&server, on("POST", TOKEN), refused, 1).await;
    mount(&server, on("POST", EDIT), ResponseTemplate::new(401), 1).await;
    let store = memory();
    let (base, _) = connector_with(&server, config(), store.clone());
    let outcome = one_line(Status::Canceled).deliver(&base).await;
    assert_eq!(
        outcome,
        Outcome::Auth(RemoteError::new(
            Some("invalid_grant"),
            "token refresh refused: リフレッシュトークンが無効です。"
        ))
    );
    assert_eq!(store.load(&channel()).await.unwrap(), None);
}

#[tokio::test]
async fn concurrent_first_calls_refresh_once() {
    let server = MockServer::start().await;
    let slow = granted(GRANT_1).set_delay(Duration::from_millis(100));
    mount(&server, on("POST", TOKEN), slow, 1).await;
    mount_edit(&server, "access-1", ok_order(), 4).await;
    let (base, stats) = connector_with(&server, no_access(), memory());
    let case = one_line(Status::Canceled);
    let outcomes = join_all((0..4).map(|_| case.deliver(&base))).await;
    assert!(outcomes.iter().all(|o| *o == Outcome::Done), "{outcomes:?}");
    assert_eq!(stats.token_refreshes(), 1);
}
