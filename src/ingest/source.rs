//! What a source adapter is: it checks the sender's signature on the raw bytes, then
//! translates the body into the canonical event.

use super::error::IngestError;
use crate::domain::{OrderEvent, Timestamp};

/// The parts of an HTTP request an adapter may look at. Header names are lower-case.
#[derive(Debug, Clone)]
pub struct RawRequest<'a> {
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
    /// Our clock, read once per request by the handler.
    pub now: Timestamp,
}

impl RawRequest<'_> {
    /// The first value of a header, by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What a verified request turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Translated {
    /// An order event to apply.
    Event(Box<OrderEvent>),
    /// A topic the adapter does not handle: answered 200 `{"status":"ignored"}`, counted,
    /// nothing stored.
    Ignored { topic: String },
    /// A vendor's set-up ping (WooCommerce's unsigned `webhook_id=N`): 200, nothing stored.
    Ping,
}

pub trait SourceAdapter: Send + Sync {
    /// Verifies the request and translates it. Must check the signature on
    /// `request.body` before parsing anything, and must not panic on any input.
    fn accept(&self, request: &RawRequest<'_>) -> Result<Translated, IngestError>;
}
