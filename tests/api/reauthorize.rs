//! A seller who re-authorizes (a new refresh token in the config) is not overruled by
//! tokens stored from the previous authorization; an unchanged config keeps using them.

use ordersync::channels::auth::{MemoryTokenStore, TokenStore};
use ordersync::channels::http::ChannelHttp;
use ordersync::channels::oauth::{OAuthSession, RefreshClient, SessionParts};
use ordersync::channels::ChannelStats;
use ordersync::delivery::rate_limit::RateLimiter;
use ordersync::domain::{ChannelName, Outcome, RemoteError};
use ordersync::secret::Secret;
use std::sync::Arc;
use std::time::Duration;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn session(
    server: &MockServer,
    store: Arc<MemoryTokenStore>,
    configured_refresh: &str,
) -> OAuthSession {
    OAuthSession::new(SessionParts {
        channel: ChannelName::parse("base-jp").unwrap(),
        http: ChannelHttp::new(
            ChannelHttp::client(Duration::from_secs(5)),
            Arc::new(RateLimiter::unlimited()),
        ),
        store,
        stats: Arc::new(ChannelStats::default()),
        config_access_token: None,
        config_refresh_token: Some(Secret::new(configured_refresh)),
        client: Some(RefreshClient {
            token_url: format!("{}/1/oauth/token", server.uri()),
            client_id: "client".into(),
            client_secret: Secret::new("client-secret"),
            extra_form: vec![],
        }),
        classify_refusal: |_, _| Outcome::Auth(RemoteError::new(Some("refused"), "refused")),
    })
}

async fn grant(server: &MockServer, presented: &str, access: &str, rotated: &str) {
    Mock::given(method("POST"))
        .and(path("/1/oauth/token"))
        .and(body_string_contains(format!("refresh_token={presented}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": access, "token_type": "bearer", "expires_in": 3600, "refresh_token": rotated
        })))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_new_configured_refresh_token_replaces_the_stored_chain() {
    let server = MockServer::start().await;
    grant(&server, "cfg-1", "access-1", "refresh-1").await;
    grant(&server, "cfg-2", "access-2", "refresh-2").await;
    let store = Arc::new(MemoryTokenStore::default());

    let first = session(&server, store.clone(), "cfg-1");
    assert_eq!(first.token().await.unwrap().expose(), "access-1");
    // Restart with the same config: the stored token is used, nothing is refreshed.
    let same = session(&server, store.clone(), "cfg-1");
    assert_eq!(same.token().await.unwrap().expose(), "access-1");
    // The seller re-authorized: the new configured refresh token is used, not refresh-1.
    let reauthorized = session(&server, store.clone(), "cfg-2");
    assert_eq!(reauthorized.token().await.unwrap().expose(), "access-2");
    let stored = store
        .load(&ChannelName::parse("base-jp").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.refresh_token.unwrap().expose(), "refresh-2");
    server.verify().await;
}

#[tokio::test]
async fn an_absurd_token_lifetime_does_not_panic() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/1/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"access_token":"access-x","token_type":"bearer","expires_in":18446744073709551615,"refresh_token":"r"}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let store = Arc::new(MemoryTokenStore::default());
    let session = session(&server, store.clone(), "cfg-1");
    assert_eq!(session.token().await.unwrap().expose(), "access-x");
    let stored = store
        .load(&ChannelName::parse("base-jp").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.expires_at.unwrap().to_rfc3339(),
        "9999-12-31T23:59:59.999Z"
    );
}
