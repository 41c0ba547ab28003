//! Channel credentials: durable token storage (rotating refresh tokens must be written
//! before the access token they came with is used) and a single-flight token cache.

use crate::domain::{ChannelName, Timestamp};
use crate::secret::Secret;
use async_trait::async_trait;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredToken {
    pub access_token: Secret,
    /// When the access token stops working (our clock), if the issuer says.
    pub expires_at: Option<Timestamp>,
    /// The current refresh token, when the issuer rotates them.
    pub refresh_token: Option<Secret>,
    /// Fingerprint of the configured refresh token this chain of tokens grew from, so a
    /// seller who re-authorizes (a new refresh token in the config) is not overruled by
    /// tokens from the old authorization.
    pub origin: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("token store: {0}")]
pub struct TokenStoreError(pub String);

/// Where channel tokens live across restarts. `save` returns only once the token is
/// durable (flushed and synced to disk).
#[async_trait]
pub trait TokenStore: Send + Sync {
    async fn load(&self, channel: &ChannelName) -> Result<Option<StoredToken>, TokenStoreError>;
    async fn save(&self, channel: &ChannelName, token: &StoredToken)
        -> Result<(), TokenStoreError>;
}

/// In-memory token store for unit tests and the demo.
#[derive(Debug, Default)]
pub struct MemoryTokenStore {
    tokens: Mutex<HashMap<ChannelName, StoredToken>>,
}

#[async_trait]
impl TokenStore for MemoryTokenStore {
    async fn load(&self, channel: &ChannelName) -> Result<Option<StoredToken>, TokenStoreError> {
        Ok(self.tokens.lock().expect("lock").get(channel).cloned())
    }

    async fn save(
        &self,
        channel: &ChannelName,
        token: &StoredToken,
    ) -> Result<(), TokenStoreError> {
        self.tokens
            .lock()
            .expect("lock")
            .insert(channel.clone(), token.clone());
        Ok(())
    }
}

/// An access token held in memory, with the instant after which it must be refreshed.
#[derive(Debug, Clone)]
pub struct CachedToken {
    pub access_token: Secret,
    /// Refresh once `now >= refresh_after`; `None`: keep until refused.
    pub refresh_after: Option<Timestamp>,
}

/// One channel's current token. Holding the lock across a refresh makes refreshes
/// single-flight: concurrent callers wait for the one refresh and share its result.
#[derive(Debug, Default)]
pub struct TokenCache {
    current: tokio::sync::Mutex<Option<CachedToken>>,
}

impl TokenCache {
    /// The current token, fetching one with `fetch` when there is none or it is due.
    pub async fn get<E, F, Fut>(&self, now: Timestamp, fetch: F) -> Result<Secret, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<CachedToken, E>>,
    {
        let mut current = self.current.lock().await;
        if let Some(token) = current.as_ref() {
            if token.refresh_after.is_none_or(|due| now < due) {
                return Ok(token.access_token.clone());
            }
        }
        let fresh = fetch().await?;
        let secret = fresh.access_token.clone();
        *current = Some(fresh);
        Ok(secret)
    }

    /// Drops `refused` if it is still the cached token (another caller may already
    /// have replaced it), so the next `get` fetches a new one.
    pub async fn invalidate(&self, refused: &Secret) {
        let mut current = self.current.lock().await;
        if current.as_ref().is_some_and(|t| &t.access_token == refused) {
            *current = None;
        }
    }

    /// Seeds the cache (e.g. from a token loaded from the store at start).
    pub async fn set(&self, token: CachedToken) {
        *self.current.lock().await = Some(token);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_unix_seconds(1_800_000_000 + s).unwrap()
    }

    #[tokio::test]
    async fn refreshes_are_single_flight() {
        let cache = Arc::new(TokenCache::default());
        let fetches = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..10 {
            let (cache, fetches) = (cache.clone(), fetches.clone());
            tasks.push(tokio::spawn(async move {
                cache
                    .get::<(), _, _>(at(0), || async move {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        Ok(CachedToken {
                            access_token: Secret::new("t1"),
                            refresh_after: Some(at(100)),
                        })
                    })
                    .await
                    .unwrap()
            }));
        }
        for task in tasks {
            assert_eq!(task.await.unwrap().expose(), "t1");
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn expiry_and_invalidation() {
        let cache = TokenCache::default();
        let token = |v: &str| CachedToken {
            access_token: Secret::new(v),
            refresh_after: Some(at(100)),
        };
        let t = cache
            .get::<(), _, _>(at(0), || async { Ok(token("a")) })
            .await
            .unwrap();
        assert_eq!(t.expose(), "a");
        let t = cache
            .get::<(), _, _>(at(50), || async { Ok(token("b")) })
            .await
            .unwrap();
        assert_eq!(t.expose(), "a", "still fresh");
        let t = cache
            .get::<(), _, _>(at(100), || async { Ok(token("c")) })
            .await
            .unwrap();
        assert_eq!(t.expose(), "c", "due at refresh_after");
        cache.invalidate(&Secret::new("a")).await;
        let t = cache
            .get::<(), _, _>(at(0), || async { Ok(token("d")) })
            .await
            .unwrap();
        assert_eq!(
            t.expose(),
            "c",
            "an older token's refusal does not drop the new one"
        );
        cache.invalidate(&Secret::new("c")).await;
        let t = cache
            .get::<(), _, _>(at(0), || async { Ok(token("e")) })
            .await
            .unwrap();
        assert_eq!(t.expose(), "e");
    }
}
