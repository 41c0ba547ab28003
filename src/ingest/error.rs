//! Every way an inbound webhook can be refused, with its HTTP status and stable code
//! (INGEST.md, "Responses").

use actix_web::http::StatusCode;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IngestError {
    #[error("no source named {0:?} is configured")]
    UnknownSource(String),
    #[error("{0}")]
    MissingSignature(String),
    #[error("{0}")]
    InvalidSignature(String),
    #[error("{0}")]
    TimestampOutOfTolerance(String),
    #[error("body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// Not JSON or not UTF-8; the message says where.
    #[error("{0}")]
    MalformedJson(String),
    /// JSON that violates the schema; the message names the field.
    #[error("{0}")]
    InvalidEvent(String),
    #[error("{0}")]
    InvalidTransition(String),
    #[error("{0}")]
    Unavailable(String),
}

impl IngestError {
    pub fn code(&self) -> &'static str {
        match self {
            IngestError::UnknownSource(_) => "unknown_source",
            IngestError::MissingSignature(_) => "missing_signature",
            IngestError::InvalidSignature(_) => "invalid_signature",
            IngestError::TimestampOutOfTolerance(_) => "timestamp_out_of_tolerance",
            IngestError::PayloadTooLarge { .. } => "payload_too_large",
            IngestError::MalformedJson(_) => "malformed_json",
            IngestError::InvalidEvent(_) => "invalid_event",
            IngestError::InvalidTransition(_) => "invalid_transition",
            IngestError::Unavailable(_) => "unavailable",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            IngestError::UnknownSource(_) => StatusCode::NOT_FOUND,
            IngestError::MissingSignature(_)
            | IngestError::InvalidSignature(_)
            | IngestError::TimestampOutOfTolerance(_) => StatusCode::UNAUTHORIZED,
            IngestError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            IngestError::MalformedJson(_) => StatusCode::BAD_REQUEST,
            IngestError::InvalidEvent(_) | IngestError::InvalidTransition(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            IngestError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}
