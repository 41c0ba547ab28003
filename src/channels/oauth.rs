//! OAuth 2 refresh-token sessions for marketplaces that rotate refresh tokens (YouCan,
//! BASE).
//!
//! A rotated refresh token is spent the moment the marketplace answers, so the new pair
//! is saved through the `TokenStore` (durable on return) *before* the new access token
//! is handed to anyone: a crash after the refresh then finds the new refresh token in
//! the store instead of a dead one in the config. From the first refresh on, the stored
//! refresh token wins over the configured one, across restarts too.

use super::auth::{CachedToken, StoredToken, TokenCache, TokenStore};
use super::http::{ChannelHttp, HttpRequest, HttpResponse};
use super::ChannelStats;
use crate::domain::{ChannelName, Outcome, RemoteError, Timestamp};
use crate::secret::Secret;
use reqwest::Method;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long before expiry a token is replaced, so a call never leaves with a token that
/// dies in flight.
const REFRESH_MARGIN: Duration = Duration::from_secs(120);

/// What the refresh-token grant needs besides the refresh token itself.
#[derive(Clone)]
pub struct RefreshClient {
    /// Full URL of the token endpoint.
    pub token_url: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// Extra form fields the marketplace requires (BASE: `redirect_uri`).
    pub extra_form: Vec<(&'static str, String)>,
}

/// Turns a non-2xx answer of the token endpoint into an outcome: refused grants are
/// `Auth`, limits and outages are `Retry`. Marketplace-specific.
pub type RefusalClassifier = fn(&HttpResponse, SystemTime) -> Outcome;

pub struct OAuthSession {
    channel: ChannelName,
    http: ChannelHttp,
    store: Arc<dyn TokenStore>,
    stats: Arc<ChannelStats>,
    /// Used until refused when nothing is stored yet.
    config_access_token: Option<Secret>,
    /// The configured refresh token; a stored one wins over it.
    config_refresh_token: Option<Secret>,
    /// `None`: no way to refresh, a refused token is final (`Auth`).
    client: Option<RefreshClient>,
    classify_refusal: RefusalClassifier,
    cache: TokenCache,
    /// Set once the first token came from the store or config: from then on an empty
    /// cache means the token expired or was refused, so only a refresh helps.
    started: AtomicBool,
    /// A refreshed pair whose save failed: it holds the only live refresh token, so it is
    /// saved (and only then used) on the next attempt instead of refreshing again.
    unsaved: Mutex<Option<StoredToken>>,
}

/// The token endpoint's answer (RFC 6749 §5.1), secrets already wrapped.
struct Grant {
    access_token: Secret,
    refresh_token: Option<Secret>,
    expires_in: Option<u64>,
}

pub struct SessionParts {
    pub channel: ChannelName,
    pub http: ChannelHttp,
    pub store: Arc<dyn TokenStore>,
    pub stats: Arc<ChannelStats>,
    pub config_access_token: Option<Secret>,
    pub config_refresh_token: Option<Secret>,
    pub client: Option<RefreshClient>,
    pub classify_refusal: RefusalClassifier,
}

impl OAuthSession {
    pub fn new(parts: SessionParts) -> Self {
        Self {
            channel: parts.channel,
            http: parts.http,
            store: parts.store,
            stats: parts.stats,
            config_access_token: parts.config_access_token,
            config_refresh_token: parts.config_refresh_token,
            client: parts.client,
            classify_refusal: parts.classify_refusal,
            cache: TokenCache::default(),
            started: AtomicBool::new(false),
            unsaved: Mutex::new(None),
        }
    }

    pub fn can_refresh(&self) -> bool {
        self.client.is_some()
    }

    /// The access token to call with, refreshing (single-flight) when it is due.
    pub async fn token(&self) -> Result<Secret, Outcome> {
        let now = SystemTime::now();
        self.cache.get(timestamp(now), || self.fetch(now)).await
    }

    /// Sends a call built around the current token. When `refused` says the token was
    /// not accepted and a refresh is possible, refreshes once and repeats the call once;
    /// the caller classifies whatever comes back (a second refusal means `Auth`).
    pub async fn send(
        &self,
        build: impl Fn(&Secret) -> HttpRequest,
        refused: impl Fn(&HttpResponse) -> bool,
    ) -> Result<HttpResponse, Outcome> {
        let token = self.token().await?;
        let response = self
            .http
            .send(&build(&token))
            .await
            .map_err(|e| e.into_outcome())?;
        if !refused(&response) || !self.can_refresh() {
            return Ok(response);
        }
        tracing::info!(channel = %self.channel, status = response.status, "access token refused; refreshing once");
        self.cache.invalidate(&token).await;
        let token = self.token().await?;
        self.http
            .send(&build(&token))
            .await
            .map_err(|e| e.into_outcome())
    }

    async fn fetch(&self, now: SystemTime) -> Result<CachedToken, Outcome> {
        if !self.started.load(Ordering::SeqCst) {
            let stored = self.load_current().await?;
            self.started.store(true, Ordering::SeqCst);
            match stored {
                Some(stored) if !due(stored.expires_at, now) || !self.can_refresh() => {
                    return Ok(cached(stored.access_token, stored.expires_at));
                }
                Some(_) => {}
                None => {
                    if let Some(token) = &self.config_access_token {
                        // No expiry is known for a configured token: keep it until refused.
                        return Ok(cached(token.clone(), None));
                    }
                }
            }
        }
        self.refresh(now).await
    }

    async fn load(&self) -> Result<Option<StoredToken>, Outcome> {
        self.store.load(&self.channel).await.map_err(|e| {
            tracing::warn!(channel = %self.channel, error = %e, "cannot read the token store");
            retry("token_store", e.to_string())
        })
    }

    /// The stored tokens, unless they grew from a refresh token the config no longer has.
    async fn load_current(&self) -> Result<Option<StoredToken>, Outcome> {
        let stored = self.load().await?;
        let configured = self.config_refresh_token.as_ref().map(origin_of);
        Ok(stored.filter(|token| match (&token.origin, &configured) {
            (Some(origin), Some(configured)) if origin != configured => {
                tracing::info!(channel = %self.channel, "the configured refresh token changed: stored tokens from the previous authorization are set aside");
                false
            }
            _ => true,
        }))
    }

    async fn save(&self, token: &StoredToken) -> Result<(), Outcome> {
        self.store.save(&self.channel, token).await.map_err(|e| {
            tracing::error!(channel = %self.channel, error = %e, "cannot persist refreshed token");
            retry(
                "token_store",
                format!("refreshed token not persisted, will retry saving it: {e}"),
            )
        })
    }

    async fn refresh(&self, now: SystemTime) -> Result<CachedToken, Outcome> {
        let Some(client) = &self.client else {
            return Err(Outcome::Auth(RemoteError::new(
                Some("no_refresh_credentials"),
                "the access token was refused and no refresh credentials are configured",
            )));
        };
        let pending = self.unsaved.lock().expect("unsaved lock").take();
        if let Some(pending) = pending {
            if let Err(outcome) = self.save(&pending).await {
                *self.unsaved.lock().expect("unsaved lock") = Some(pending);
                return Err(outcome);
            }
            if !due(pending.expires_at, now) {
                return Ok(cached(pending.access_token, pending.expires_at));
            }
        }
        let refresh_token = match self.load_current().await?.and_then(|s| s.refresh_token) {
            Some(stored) => stored,
            None => self.config_refresh_token.clone().ok_or_else(|| {
                Outcome::Auth(RemoteError::new(
                    Some("no_refresh_token"),
                    "the access token was refused and no refresh token is configured or stored",
                ))
            })?,
        };
        let mut form = vec![
            ("grant_type".to_string(), "refresh_token".to_string()),
            ("client_id".to_string(), client.client_id.clone()),
            (
                "client_secret".to_string(),
                client.client_secret.expose().to_string(),
            ),
            (
                "refresh_token".to_string(),
                refresh_token.expose().to_string(),
            ),
        ];
        form.extend(
            client
                .extra_form
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone())),
        );
        let request = HttpRequest::new(Method::POST, client.token_url.clone())
            .header("Accept", "application/json")
            .form(form);
        let response = self
            .http
            .send(&request)
            .await
            .map_err(|e| e.into_outcome())?;
        if !(200..300).contains(&response.status) {
            let outcome = (self.classify_refusal)(&response, now);
            tracing::warn!(channel = %self.channel, status = response.status, outcome = outcome.kind().as_str(), "token refresh failed");
            return Err(outcome);
        }
        let grant = parse_grant(&response)?;
        let stored = StoredToken {
            access_token: grant.access_token,
            expires_at: grant
                .expires_in
                .map(|s| timestamp(now).plus(Duration::from_secs(s))),
            // Not every issuer rotates: without a new one the old refresh token lives on.
            refresh_token: Some(grant.refresh_token.unwrap_or(refresh_token)),
            origin: self.config_refresh_token.as_ref().map(origin_of),
        };
        if let Err(outcome) = self.save(&stored).await {
            *self.unsaved.lock().expect("unsaved lock") = Some(stored);
            return Err(outcome);
        }
        self.stats.count_token_refresh();
        tracing::info!(channel = %self.channel, expires_in = ?grant.expires_in, "access token refreshed and persisted");
        Ok(cached(stored.access_token, stored.expires_at))
    }
}

/// A short, one-way fingerprint of a configured refresh token.
fn origin_of(token: &Secret) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(token.expose().as_bytes())[..8])
}

/// Reads the grant without ever putting the body (which holds tokens) into an error.
fn parse_grant(response: &HttpResponse) -> Result<Grant, Outcome> {
    let body = response.json().unwrap_or_default();
    let text = |key: &str| {
        body.get(key)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
            .map(Secret::new)
    };
    let Some(access_token) = text("access_token") else {
        return Err(retry(
            "bad_token_response",
            "the token endpoint answered without an access_token",
        ));
    };
    let expires_in = body.get("expires_in").and_then(|v| {
        v.as_u64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
    });
    Ok(Grant {
        access_token,
        refresh_token: text("refresh_token"),
        expires_in,
    })
}

fn due(expires_at: Option<Timestamp>, now: SystemTime) -> bool {
    expires_at.is_some_and(|at| timestamp(now) >= refresh_after(at))
}

fn refresh_after(expires_at: Timestamp) -> Timestamp {
    expires_at.minus(REFRESH_MARGIN)
}

fn cached(access_token: Secret, expires_at: Option<Timestamp>) -> CachedToken {
    CachedToken {
        access_token,
        refresh_after: expires_at.map(refresh_after),
    }
}

fn retry(code: &str, message: impl Into<String>) -> Outcome {
    Outcome::Retry {
        after: None,
        rate_limited: false,
        error: RemoteError::new(Some(code), message),
    }
}

pub fn timestamp(at: SystemTime) -> Timestamp {
    let millis = at
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default();
    Timestamp::from_unix_millis(millis).expect("the clock is within the representable range")
}

/// The usual OAuth error body `{"error", "error_description"}` as a remote error, for
/// token-endpoint refusals. Never echoes the raw body: it may hold a token.
pub fn oauth_error(response: &HttpResponse) -> RemoteError {
    let body = response.json().unwrap_or_default();
    let field = |key: &str| {
        body.get(key)
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .filter(|s| !s.is_empty())
    };
    let code = field("error").unwrap_or_else(|| format!("http_{}", response.status));
    let description = field("error_description")
        .or_else(|| field("message"))
        .or_else(|| field("detail"))
        .unwrap_or_else(|| format!("HTTP {}", response.status));
    RemoteError {
        code: Some(code.clone()),
        message: format!("token refresh refused: {description}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::responses::response;

    #[test]
    fn grants_parse_and_never_leak() {
        let grant = parse_grant(&response(
            200,
            r#"{"access_token":"A1","token_type":"bearer","expires_in":3600,"refresh_token":"R1"}"#,
        ))
        .ok()
        .unwrap();
        assert_eq!(grant.access_token.expose(), "A1");
        assert_eq!(grant.refresh_token.unwrap().expose(), "R1");
        assert_eq!(grant.expires_in, Some(3600));
        let grant = parse_grant(&response(200, r#"{"access_token":"A2","expires_in":"60"}"#))
            .ok()
            .unwrap();
        assert!(grant.refresh_token.is_none());
        assert_eq!(grant.expires_in, Some(60));
        let Err(outcome) = parse_grant(&response(200, r#"{"refresh_token":"SECRET-R"}"#)) else {
            panic!("no access token is not a grant");
        };
        assert!(!format!("{outcome:?}").contains("SECRET-R"));
    }

    #[test]
    fn oauth_errors_use_fields_only() {
        let e = oauth_error(&response(
            400,
            r#"{"error":"invalid_grant","error_description":"expired"}"#,
        ));
        assert_eq!(e.code.as_deref(), Some("invalid_grant"));
        assert_eq!(e.message, "token refresh refused: expired");
        let e = oauth_error(&response(401, "refresh_token=SECRET"));
        assert_eq!(e.code.as_deref(), Some("http_401"));
        assert!(!e.message.contains("SECRET"));
    }

    #[test]
    fn due_leaves_a_margin() {
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let at = |s: u64| Some(timestamp(now + Duration::from_secs(s)));
        assert!(!due(None, now));
        assert!(!due(at(3600), now));
        assert!(due(at(REFRESH_MARGIN.as_secs()), now));
        assert!(due(at(0), now));
    }
}
