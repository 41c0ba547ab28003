//! Inbound webhooks: signature schemes, one adapter per source kind, the HTTP handler.

pub mod error;
pub mod handler;
pub mod source;

pub use error::IngestError;
pub use source::{RawRequest, SourceAdapter, Translated};
