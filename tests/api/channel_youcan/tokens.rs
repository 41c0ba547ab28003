//! YouCan's tokens: a 401 refreshes, persists, then repeats the call once; stored tokens
//! win over the config; refusals end in auth; secrets never reach errors or logs.

use super::{
    assert_put, case, config, connector, connector_with, granted, mount_refresh, ok, puts,
    puts_with, refresh, unauthenticated,
};
use crate::channel_fixtures::{channel, RecordingStore};
use crate::mocks::{mount, requests};
use futures_util::future::join_all;
use ordersync::channels::auth::{MemoryTokenStore, StoredToken, TokenStore};
use ordersync::channels::http::USER_AGENT;
use ordersync::domain::{Outcome, RemoteError, Status};
use ordersync::secret::Secret;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wiremock::{MockServer, ResponseTemplate};

const SECRETS: [&str; 5] = [
    "cfg-access",
    "cfg-refresh",
    "client-secret-xyz",
    "new-access",
    "new-refresh",
];

#[tokio::test]
async fn a_401_refreshes_persists_then_repeats() {
    let server = Arc::new(MockServer::start().await);
    mount(&server, puts_with("cfg-access"), unauthenticated(), 1).await;
    mount_refresh(&server, granted(), 1).await;
    mount(&server, puts_with("new-access"), ok(), 1).await;
    let store = RecordingStore::new(server.clone());
    let (youcan, stats) = connector_with(&server, config(true, false), store.clone());
    assert_eq!(
        case(Status::Preparing).deliver(&youcan).await,
        Outcome::Done
    );

    let seen = requests(&server).await;
    assert_eq!(seen.len(), 3);
    let processing = json!({"status": "processing"});
    assert_put(
        &seen[0],
        0,
        "status/shipping",
        "cfg-access",
        processing.clone(),
    );
    let refresh_call = &seen[1];
    refresh("cfg-refresh")
        .header("user-agent", USER_AGENT)
        .check(refresh_call, 1);
    assert!(refresh_call.headers.get("authorization").is_none());
    assert_eq!(
        String::from_utf8(refresh_call.body.clone()).unwrap(),
        "grant_type=refresh_token&client_id=client-1&client_secret=client-secret-xyz&refresh_token=cfg-refresh"
    );
    assert_put(&seen[2], 2, "status/shipping", "new-access", processing);

    let saves = store.saves();
    assert_eq!(saves.len(), 1);
    assert_eq!(
        saves[0].0, 2,
        "saved after the refresh, before the repeated call"
    );
    assert_eq!(saves[0].1.access_token.expose(), "new-access");
    assert_eq!(
        saves[0].1.refresh_token.as_ref().unwrap().expose(),
        "new-refresh"
    );
    assert!(saves[0].1.expires_at.is_some());
    assert_eq!(stats.token_refreshes(), 1);
}

#[tokio::test]
async fn stored_tokens_win_over_config() {
    let server = MockServer::start().await;
    let stored = puts_with("stored-access");
    mount(&server, stored, ResponseTemplate::new(401), 1).await;
    mount_refresh(&server, granted(), 1).await;
    mount(&server, puts_with("new-access"), ok(), 1).await;
    let store = Arc::new(MemoryTokenStore::default());
    store
        .save(
            &channel(),
            &StoredToken {
                access_token: Secret::new("stored-access"),
                expires_at: None,
                refresh_token: Some(Secret::new("stored-refresh")),
                origin: None,
            },
        )
        .await
        .unwrap();
    let (youcan, _) = connector_with(&server, config(true, false), store.clone());
    assert_eq!(case(Status::Paid).deliver(&youcan).await, Outcome::Done);
    let seen = requests(&server).await;
    let form = String::from_utf8(seen[1].body.clone()).unwrap();
    assert!(form.ends_with("&refresh_token=stored-refresh"), "{form}");
}

#[tokio::test]
async fn refused_twice_or_refresh_refused_is_auth() {
    // The new token is refused too.
    let server = MockServer::start().await;
    mount(&server, puts(), ResponseTemplate::new(401), 2).await;
    mount_refresh(&server, granted(), 1).await;
    let (youcan, _) = connector(&server, config(true, false));
    let outcome = case(Status::Paid).deliver(&youcan).await;
    assert!(matches!(outcome, Outcome::Auth(_)), "{outcome:?}");
    drop(server);

    // The refresh itself is refused: nothing stored, no repeat.
    let server = MockServer::start().await;
    mount(&server, puts(), ResponseTemplate::new(401), 1).await;
    let refused = ResponseTemplate::new(400).set_body_string(
        r#"{"error":"invalid_grant","error_description":"The refresh token is invalid."}"#,
    );
    mount_refresh(&server, refused, 1).await;
    let store = Arc::new(MemoryTokenStore::default());
    let (youcan, _) = connector_with(&server, config(true, false), store.clone());
    let outcome = case(Status::Paid).deliver(&youcan).await;
    assert_eq!(
        outcome,
        Outcome::Auth(RemoteError::new(
            Some("invalid_grant"),
            "token refresh refused: The refresh token is invalid."
        ))
    );
    assert_eq!(store.load(&channel()).await.unwrap(), None);
    for secret in SECRETS {
        assert!(!format!("{outcome:?}").contains(secret));
    }
}

#[tokio::test]
async fn concurrent_refusals_refresh_once() {
    let server = MockServer::start().await;
    let refused = puts_with("cfg-access");
    mount(&server, refused, ResponseTemplate::new(401), ..).await;
    mount_refresh(&server, granted().set_delay(Duration::from_millis(100)), 1).await;
    mount(&server, puts_with("new-access"), ok(), 4).await;
    let (youcan, stats) = connector(&server, config(true, false));
    let case = case(Status::Paid);
    let outcomes = join_all((0..4).map(|_| case.deliver(&youcan))).await;
    assert!(outcomes.iter().all(|o| *o == Outcome::Done), "{outcomes:?}");
    assert_eq!(stats.token_refreshes(), 1);
}

/// Everything the connector logs, at every level, while it refreshes and fails.
#[tokio::test]
async fn secrets_never_reach_logs() {
    let buffer = Arc::new(Mutex::new(Vec::<u8>::new()));
    let writer = {
        let buffer = buffer.clone();
        move || LogWriter(buffer.clone())
    };
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(writer)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    mount(&server, puts(), ResponseTemplate::new(401), ..).await;
    mount_refresh(&server, granted(), ..).await;
    let (youcan, _) = connector(&server, config(true, false));
    let outcome = case(Status::Paid).deliver(&youcan).await;
    assert!(matches!(outcome, Outcome::Auth(_)));

    let logs = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("refresh"), "the refresh is logged: {logs}");
    for secret in SECRETS {
        assert!(!logs.contains(secret), "{secret} leaked: {logs}");
    }
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
