//! YouCan's tokens: a 401 refreshes, persists, then repeats the call once; stored tokens
//! win over the config; refusals end in auth; secrets never reach errors or logs.

use super::*;

/// Records, for each save, how many requests the mock had seen when the save returned.
struct RecordingStore {
    inner: MemoryTokenStore,
    server: Arc<MockServer>,
    saves: Mutex<Vec<(usize, StoredToken)>>,
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
        // A slow disk: a connector that used the token before this returned would be seen.
        tokio::time::sleep(Duration::from_millis(50)).await;
        self.inner.save(channel, token).await?;
        let seen = self.server.received_requests().await.unwrap().len();
        self.saves.lock().unwrap().push((seen, token.clone()));
        Ok(())
    }
}

#[tokio::test]
async fn a_401_refreshes_persists_then_repeats() {
    let server = Arc::new(MockServer::start().await);
    Mock::given(method("PUT"))
        .and(header("authorization", "Bearer cfg-access"))
        .respond_with(
            ResponseTemplate::new(401).set_body_string(r#"{"detail":"Unauthenticated."}"#),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_string(GRANT))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(header("authorization", "Bearer new-access"))
        .respond_with(ResponseTemplate::new(200).set_body_string(OK))
        .expect(1)
        .mount(&server)
        .await;
    let store = Arc::new(RecordingStore {
        inner: MemoryTokenStore::default(),
        server: server.clone(),
        saves: Mutex::default(),
    });
    let (youcan, stats) = connector(&server, config(true, false), store.clone());
    assert_eq!(
        deliver(&youcan, &order(Status::Preparing, None)).await,
        Outcome::Done
    );

    let seen = requests(&server).await;
    assert_eq!(seen.len(), 3);
    assert_call(
        &seen[0],
        "PUT",
        "status/shipping",
        "cfg-access",
        json!({"status": "processing"}),
    );
    let refresh = &seen[1];
    assert_eq!(refresh.method.as_str(), "POST");
    assert_eq!(refresh.url.path(), "/oauth/token");
    assert_eq!(
        header_of(refresh, "content-type"),
        "application/x-www-form-urlencoded"
    );
    assert_eq!(header_of(refresh, "user-agent"), USER_AGENT);
    assert!(refresh.headers.get("authorization").is_none());
    assert_eq!(
        String::from_utf8(refresh.body.clone()).unwrap(),
        "grant_type=refresh_token&client_id=client-1&client_secret=client-secret-xyz&refresh_token=cfg-refresh"
    );
    assert_call(
        &seen[2],
        "PUT",
        "status/shipping",
        "new-access",
        json!({"status": "processing"}),
    );

    let saves = store.saves.lock().unwrap().clone();
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
    Mock::given(method("PUT"))
        .and(header("authorization", "Bearer stored-access"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_string(GRANT))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(header("authorization", "Bearer new-access"))
        .respond_with(ResponseTemplate::new(200).set_body_string(OK))
        .expect(1)
        .mount(&server)
        .await;
    let store = Arc::new(MemoryTokenStore::default());
    store
        .save(
            &channel(),
            &StoredToken {
                access_token: Secret::new("stored-access"),
                expires_at: None,
                refresh_token: Some(Secret::new("stored-refresh")),
            },
        )
        .await
        .unwrap();
    let (youcan, _) = connector(&server, config(true, false), store.clone());
    assert_eq!(
        deliver(&youcan, &order(Status::Paid, None)).await,
        Outcome::Done
    );
    let seen = requests(&server).await;
    let form = String::from_utf8(seen[1].body.clone()).unwrap();
    assert!(form.ends_with("&refresh_token=stored-refresh"), "{form}");
}

#[tokio::test]
async fn refused_twice_or_refresh_refused_is_auth() {
    // The new token is refused too.
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(401))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_string(GRANT))
        .expect(1)
        .mount(&server)
        .await;
    let (youcan, _) = connector(&server, config(true, false), memory());
    let outcome = deliver(&youcan, &order(Status::Paid, None)).await;
    assert!(matches!(outcome, Outcome::Auth(_)), "{outcome:?}");
    drop(server);

    // The refresh itself is refused: nothing stored, no repeat.
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(400).set_body_string(
            r#"{"error":"invalid_grant","error_description":"The refresh token is invalid."}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let store = Arc::new(MemoryTokenStore::default());
    let (youcan, _) = connector(&server, config(true, false), store.clone());
    let outcome = deliver(&youcan, &order(Status::Paid, None)).await;
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
    Mock::given(method("PUT"))
        .and(header("authorization", "Bearer cfg-access"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(GRANT)
                .set_delay(Duration::from_millis(100)),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(header("authorization", "Bearer new-access"))
        .respond_with(ResponseTemplate::new(200).set_body_string(OK))
        .expect(4)
        .mount(&server)
        .await;
    let (youcan, stats) = connector(&server, config(true, false), memory());
    let orders: Vec<Order> = (0..4).map(|_| order(Status::Paid, None)).collect();
    let outcomes = futures_util::future::join_all(orders.iter().map(|o| deliver(&youcan, o))).await;
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
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_string(GRANT))
        .mount(&server)
        .await;
    let (youcan, _) = connector(&server, config(true, false), memory());
    let outcome = deliver(&youcan, &order(Status::Paid, None)).await;
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
