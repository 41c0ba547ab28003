//! How orders, tasks and history lie on disk (schema versions 2 and 3): one format byte,
//! then postcard (a compact binary serde format with a written specification) of the
//! store's own record shapes (`order`, `task`, `history`). Version 3 keeps an order's
//! history entries in one record, back to back (`HistoryLog`).
//!
//! Why not the domain types' own serde? Their shapes are made for JSON (the admin API):
//! they leave out empty fields and tag enums by name, which a binary format without field
//! names cannot read back. The mirrors list every field, in a fixed order. Binary was
//! chosen over JSON for speed: decoding and encoding orders was ~15% of the daemon's CPU
//! under load, and sled 0.34 keeps values inside its tree nodes, so every byte saved is
//! also copied less on each write (BENCHMARKS.md).
//!
//! postcard writes enum variants by position: never reorder the variants of a stored enum
//! (`Status`, `OutcomeKind`, `SyncState`, `TaskState`, `PaymentMethod`, ...) or the fields
//! of the mirrors; add new ones at the end, behind a schema migration. `pinned_bytes` fails if the
//! layout moves.

mod history;
mod order;
mod task;

pub(super) use history::HistoryLog;
pub(super) use task::TaskGroup;

use super::StoreError;
use serde::{Deserialize, Serialize};

/// The first byte of every binary record (versions 2 and 3). JSON records (version 1) start with `{`.
pub(in crate::store) const FORMAT_V2: u8 = 2;

#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Binary(#[from] postcard::Error),
    #[error("unknown record format (first byte {0:#04x})")]
    Format(u8),
    #[error("the record is empty")]
    Empty,
    #[error("malformed bytes {0:?}")]
    Malformed(Vec<u8>),
}

/// A value the store keeps in one of its trees.
pub(in crate::store) trait Record: Sized {
    const WHAT: &'static str;
    fn to_bytes(&self) -> Vec<u8>;
    fn from_bytes(bytes: &[u8]) -> Result<Self, StoreError>;
}

pub(super) fn to_v2<T: Serialize>(record: &T) -> Vec<u8> {
    let mut bytes =
        postcard::to_extend(record, vec![FORMAT_V2]).expect("store records always serialize");
    bytes.shrink_to_fit();
    bytes
}

pub(super) fn from_v2<'a, T: Deserialize<'a>>(
    what: &'static str,
    bytes: &'a [u8],
) -> Result<T, StoreError> {
    let corrupt = |source: CodecError| StoreError::Corrupt { what, source };
    match bytes.split_first() {
        None => Err(corrupt(CodecError::Empty)),
        Some((&FORMAT_V2, body)) => postcard::from_bytes(body).map_err(|e| corrupt(e.into())),
        Some((&other, _)) => Err(corrupt(CodecError::Format(other))),
    }
}

#[cfg(test)]
mod log_properties;
#[cfg(test)]
pub(in crate::store) mod tests;
