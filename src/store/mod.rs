//! The sled store: named trees, big-endian keys, one writer applying batches of
//! operations in single transactions (group commit), reads off the async threads.

mod apply;
mod codec;
mod keys;
mod ops;
pub mod prune;
mod read;
mod records;
mod schema;
mod tokens;
mod writer;

pub use ops::{Disposition, IngestOutcome, LinkError, Op, OpResult, Planning, TaskUpdate};
pub use read::{OrderPage, TaskFilter};
pub use records::{EventResult, HistoryEntry, Task, TaskState};
pub use schema::SCHEMA_VERSION;
pub use tokens::SledTokenStore;
pub use writer::{spawn_measured_writer, spawn_writer, Committed, Writer};

use crate::config::Durability;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the store at {path}: {source}")]
    Open { path: PathBuf, source: sled::Error },
    #[error("the store at {path} has schema version {found}, but this build reads version {expected}{hint}")]
    SchemaMismatch {
        path: PathBuf,
        found: u32,
        expected: u32,
        hint: &'static str,
    },
    #[error("store I/O: {0}")]
    Sled(#[from] sled::Error),
    #[error("stored {what} is unreadable: {source}")]
    Corrupt {
        what: &'static str,
        source: codec::CodecError,
    },
    #[error("syncing {path} to disk: {source}")]
    Sync {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the store writer has stopped")]
    WriterGone,
}

/// The tree of history logs (schema 3; version 2 had a `history` tree of entries).
const ORDER_HISTORY: &str = "order_history";

#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    db: sled::Db,
    path: PathBuf,
    durability: Durability,
    /// sled's log file, fsynced after each batch's flush under `Durability::Fsync`.
    log_file: Option<File>,
    orders: sled::Tree,
    /// Dedupe keys (`keys::event_key`), each holding when it was received.
    events: sled::Tree,
    /// One history log per order (`codec::HistoryLog`), keyed like `orders`.
    history: sled::Tree,
    outbox: sled::Tree,
    tokens: sled::Tree,
    meta: sled::Tree,
}

impl Store {
    pub fn open(
        path: &Path,
        durability: Durability,
        cache_capacity: u64,
    ) -> Result<Store, StoreError> {
        let open_error = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        let db = sled::Config::new()
            .path(path)
            .cache_capacity(cache_capacity)
            // We flush ourselves once per batch; sled's timer would only add syncs.
            .flush_every_ms(matches!(durability, Durability::None).then_some(500))
            .open()
            .map_err(open_error)?;
        let tree = |name: &str| db.open_tree(name).map_err(open_error);
        let inner = Inner {
            orders: tree("orders")?,
            events: tree("events")?,
            history: tree(ORDER_HISTORY)?,
            outbox: tree("outbox")?,
            tokens: tree("tokens")?,
            meta: tree("meta")?,
            log_file: match durability {
                Durability::Fsync => {
                    Some(
                        File::open(path.join("db")).map_err(|source| StoreError::Sync {
                            path: path.join("db"),
                            source,
                        })?,
                    )
                }
                _ => None,
            },
            path: path.to_path_buf(),
            durability,
            db,
        };
        schema::check_and_migrate(&inner.db, &inner.meta, path)?;
        let store = Store {
            inner: Arc::new(inner),
        };
        store.sync()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Makes everything written so far durable, as `store.durability` asks.
    pub fn sync(&self) -> Result<(), StoreError> {
        let inner = &self.inner;
        if inner.durability == Durability::None {
            return Ok(());
        }
        // sled's flush ends in sync_file_range, which does not survive power loss:
        // fdatasync the log file after it (the data and the size that reaches it; the
        // file's times are not worth a journal commit per batch).
        inner.db.flush()?;
        if let Some(file) = &inner.log_file {
            file.sync_data().map_err(|source| StoreError::Sync {
                path: inner.path.join("db"),
                source,
            })?;
        }
        Ok(())
    }

    /// Whether the store answers a write (for `/readyz`).
    pub fn is_writable(&self) -> bool {
        self.inner.meta.insert("ready_probe", &[1u8][..]).is_ok()
    }

    /// Runs a blocking store call on tokio's blocking pool.
    pub async fn run<R, F>(&self, call: F) -> R
    where
        F: FnOnce(&Store) -> R + Send + 'static,
        R: Send + 'static,
    {
        let store = self.clone();
        tokio::task::spawn_blocking(move || call(&store))
            .await
            .expect("a store call panicked")
    }

    /// Bytes the store occupies on disk.
    pub fn size_on_disk(&self) -> u64 {
        self.inner.db.size_on_disk().unwrap_or(0)
    }
}

fn encode<T: codec::Record>(record: &T) -> Vec<u8> {
    record.to_bytes()
}

fn decode<T: codec::Record>(bytes: &[u8]) -> Result<T, StoreError> {
    T::from_bytes(bytes)
}

/// Tokens (rarely written) and the records of schema version 1 are JSON.
fn encode_json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("store records always serialize")
}

fn decode_json<T: serde::de::DeserializeOwned>(
    what: &'static str,
    bytes: &[u8],
) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|source| StoreError::Corrupt {
        what,
        source: source.into(),
    })
}

#[cfg(test)]
mod tests;
