//! BASE's OAuth tokens: the rotating refresh token persisted before use and reused after
//! a restart, refreshes shortly before expiry, refusals, one refresh for many callers.

use super::*;

fn assert_refresh(request: &Request, refresh_token: &str) {
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), TOKEN);
    assert_eq!(
        header_of(request, "content-type"),
        "application/x-www-form-urlencoded"
    );
    assert_eq!(header_of(request, "user-agent"), USER_AGENT);
    assert!(request.headers.get("authorization").is_none());
    assert_eq!(
        String::from_utf8(request.body.clone()).unwrap(),
        refresh_form(refresh_token)
    );
}

/// Records how many requests the mock had seen when each save returned.
struct RecordingStore {
    inner: MemoryTokenStore,
    server: Arc<MockServer>,
    saves: Mutex<Vec<(usize, String)>>,
}

#[async_trait]
impl TokenStore for RecordingStore {
    async fn load(&self, channel: &ChannelName) -> Result<Option<StoredToken>, TokenStoreError> {
        self.inner.load(channel).await
    }

    async fn save(
        &self,
        channel: &ChannelName,
        token: &StoredToken,
    ) -> Result<(), TokenStoreError> {
        tokio::time::sleep(Duration::from_millis(50)).await;
        self.inner.save(channel, token).await?;
        let seen = self.server.received_requests().await.unwrap().len();
        let refresh = token.refresh_token.as_ref().unwrap().expose().to_string();
        self.saves.lock().unwrap().push((seen, refresh));
        Ok(())
    }
}

#[tokio::test]
async fn rotated_refresh_tokens_are_persisted_first_and_survive_a_restart() {
    let server = Arc::new(MockServer::start().await);
    Mock::given(method("POST"))
        .and(path(TOKEN))
        .and(body_string_contains("refresh_token=cfg-refresh"))
        .respond_with(ResponseTemplate::new(200).set_body_string(GRANT_1))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(TOKEN))
        .and(body_string_contains("refresh_token=refresh-1"))
        .respond_with(ResponseTemplate::new(200).set_body_string(GRANT_2))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(EDIT))
        .and(header("authorization", "Bearer access-1"))
        .respond_with(ok_order())
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(EDIT))
        .and(header("authorization", "Bearer access-1"))
        .respond_with(base_error(
            "invalid_request",
            "アクセストークンが無効です。",
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(EDIT))
        .and(header("authorization", "Bearer access-2"))
        .respond_with(ok_order())
        .mount(&server)
        .await;
    let store = Arc::new(RecordingStore {
        inner: MemoryTokenStore::default(),
        server: server.clone(),
        saves: Mutex::default(),
    });
    let mut no_access = config();
    no_access.access_token = None;
    let case = Case::new(Status::Dispatched).lines(vec![("L1", Some("123"))]);

    // First run: no token anywhere, so refresh with the configured refresh token.
    let (first, stats) = connector(&server, no_access.clone(), store.clone());
    assert_eq!(case.deliver(&first).await, Outcome::Done);
    drop(first);
    // "Restart": a new instance on the same store uses the stored access token...
    let (second, _) = connector(&server, no_access, store.clone());
    assert_eq!(case.deliver(&second).await, Outcome::Done);
    // ...and, once BASE refuses it, the stored refresh token, never the configured one.
    assert_eq!(case.deliver(&second).await, Outcome::Done);

    let seen = requests(&server).await;
    assert_eq!(seen.len(), 6);
    assert_refresh(&seen[0], "cfg-refresh");
    let dispatched = [("order_item_id", "123"), ("status", "dispatched")];
    assert_edit(&seen[1], "access-1", &dispatched);
    assert_edit(&seen[2], "access-1", &dispatched);
    assert_edit(&seen[3], "access-1", &dispatched);
    assert_refresh(&seen[4], "refresh-1");
    assert_edit(&seen[5], "access-2", &dispatched);
    assert_eq!(
        *store.saves.lock().unwrap(),
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
    Mock::given(method("POST"))
        .and(path(TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"access_token":"short","token_type":"bearer","expires_in":60,"refresh_token":"r-short"}"#,
        ))
        .expect(2)
        .mount(&server)
        .await;
    mount(&server, "POST", EDIT, ok_order()).await;
    let mut no_access = config();
    no_access.access_token = None;
    let (base, stats) = connector(&server, no_access, memory());
    let case = Case::new(Status::Canceled).lines(vec![("L1", Some("123"))]);
    assert_eq!(case.deliver(&base).await, Outcome::Done);
    assert_eq!(case.deliver(&base).await, Outcome::Done);
    assert_eq!(stats.token_refreshes(), 2);
    let seen = requests(&server).await;
    assert_refresh(&seen[2], "r-short");
}

#[tokio::test]
async fn refused_tokens_end_in_auth() {
    // The configured token is refused, the refresh works, the new token is refused too.
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        TOKEN,
        ResponseTemplate::new(200).set_body_string(GRANT_1),
    )
    .await;
    Mock::given(method("POST"))
        .and(path(EDIT))
        .respond_with(base_error(
            "invalid_request",
            "アクセストークンが無効です。",
        ))
        .expect(2)
        .mount(&server)
        .await;
    let (base, _) = connector(&server, config(), memory());
    let outcome = Case::new(Status::Canceled)
        .lines(vec![("L1", Some("123"))])
        .deliver(&base)
        .await;
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
    Mock::given(method("POST"))
        .and(path(TOKEN))
        .respond_with(base_error(
            "invalid_grant",
            "リフレッシュトークンが無効です。",
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(EDIT))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    let store = memory();
    let (base, _) = connector(&server, config(), store.clone());
    let outcome = Case::new(Status::Canceled)
        .lines(vec![("L1", Some("123"))])
        .deliver(&base)
        .await;
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
    Mock::given(method("POST"))
        .and(path(TOKEN))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(GRANT_1)
                .set_delay(Duration::from_millis(100)),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(EDIT))
        .and(header("authorization", "Bearer access-1"))
        .respond_with(ok_order())
        .expect(4)
        .mount(&server)
        .await;
    let mut no_access = config();
    no_access.access_token = None;
    let (base, stats) = connector(&server, no_access, memory());
    let case = Case::new(Status::Canceled).lines(vec![("L1", Some("123"))]);
    let outcomes = futures_util::future::join_all((0..4).map(|_| case.deliver(&base))).await;
    assert!(outcomes.iter().all(|o| *o == Outcome::Done), "{outcomes:?}");
    assert_eq!(stats.token_refreshes(), 1);
}
