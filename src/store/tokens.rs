//! Channel tokens in the store. Saved through the writer, so `save` returns only once
//! the token is flushed and synced: a rotated refresh token is never lost.

use super::ops::{Op, OpResult};
use super::{decode_json, encode_json, Store, StoreError, Writer};
use crate::channels::auth::{StoredToken, TokenStore, TokenStoreError};
use crate::domain::{ChannelName, Timestamp};
use crate::secret::Secret;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct TokenRecord {
    access_token: String,
    expires_at: Option<Timestamp>,
    refresh_token: Option<String>,
    #[serde(default)]
    origin: Option<String>,
}

pub(super) fn encode_token(token: &StoredToken) -> Vec<u8> {
    encode_json(&TokenRecord {
        access_token: token.access_token.expose().to_string(),
        expires_at: token.expires_at,
        refresh_token: token.refresh_token.as_ref().map(|s| s.expose().to_string()),
        origin: token.origin.clone(),
    })
}

pub(super) fn decode_token(bytes: &[u8]) -> Result<StoredToken, StoreError> {
    let record: TokenRecord = decode_json("token", bytes)?;
    Ok(StoredToken {
        access_token: Secret::new(record.access_token),
        expires_at: record.expires_at,
        refresh_token: record.refresh_token.map(Secret::new),
        origin: record.origin,
    })
}

#[derive(Clone)]
pub struct SledTokenStore {
    store: Store,
    writer: Writer,
}

impl SledTokenStore {
    pub fn new(store: Store, writer: Writer) -> Self {
        Self { store, writer }
    }
}

#[async_trait]
impl TokenStore for SledTokenStore {
    async fn load(&self, channel: &ChannelName) -> Result<Option<StoredToken>, TokenStoreError> {
        let channel = channel.clone();
        self.store
            .run(move |store| store.token(&channel))
            .await
            .map_err(|e| TokenStoreError(e.to_string()))
    }

    async fn save(
        &self,
        channel: &ChannelName,
        token: &StoredToken,
    ) -> Result<(), TokenStoreError> {
        let op = Op::SaveToken {
            channel: channel.clone(),
            token: token.clone(),
        };
        match self.writer.submit(op).await {
            Ok(OpResult::SaveToken) => Ok(()),
            Ok(other) => Err(TokenStoreError(format!(
                "unexpected writer answer {other:?}"
            ))),
            Err(error) => Err(TokenStoreError(error.to_string())),
        }
    }
}
