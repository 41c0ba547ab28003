//! BASE OAuth: 1-hour access tokens refreshed at `POST /1/oauth/token` with a refresh
//! token that BASE rotates on every refresh (see `channels::oauth` for the
//! persist-before-use rule). A call answered 401 or `invalid_request` is repeated once
//! with a fresh token.

use super::classify::classify_refresh;
use super::BaseConfig;
use crate::channels::oauth::{OAuthSession, RefreshClient, SessionParts};
use crate::channels::ConnectorDeps;
use crate::domain::ChannelName;

pub fn session(
    name: &ChannelName,
    base_url: &str,
    config: &BaseConfig,
    deps: ConnectorDeps,
) -> OAuthSession {
    OAuthSession::new(SessionParts {
        channel: name.clone(),
        http: deps.http,
        store: deps.tokens,
        stats: deps.stats,
        config_access_token: config.access_token.clone(),
        config_refresh_token: Some(config.refresh_token.clone()),
        client: Some(RefreshClient {
            token_url: format!("{base_url}/1/oauth/token"),
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
            extra_form: vec![("redirect_uri", config.redirect_uri.clone())],
        }),
        classify_refusal: classify_refresh,
    })
}
