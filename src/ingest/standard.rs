//! Source kind `standard`: Standard Webhooks v1 (symmetric) around the canonical payload.
//! Modelled on the reference verifier (svix / standard-webhooks): headers first, then the
//! timestamp window, then the signature, all before the body is parsed.

use super::canonical::parse_canonical;
use super::error::IngestError;
use super::signature::{any_matches, decode_base64, encode_base64, hmac_sha256, required_header};
use super::source::{RawRequest, SourceAdapter, Translated};
use crate::config::SourceConfig;
use crate::domain::EventId;
use crate::secret::Secret;
use std::fmt;

pub const HEADER_ID: &str = "webhook-id";
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";
pub const HEADER_SIGNATURE: &str = "webhook-signature";

const SECRET_PREFIX: &str = "whsec_";
const VERSION: &str = "v1";

/// A configured secret that is not `whsec_<base64>`. Never shows the secret itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a standard source secret must be \"whsec_\" followed by base64 ({0})")]
pub struct InvalidSecret(&'static str);

/// The HMAC key of a secret: the base64-decoded part after `whsec_`. As in the reference
/// libraries the prefix may be left off. The config loader calls this to reject bad
/// secrets at start-up; `StandardSource` skips them.
pub fn decode_secret(secret: &Secret) -> Result<Vec<u8>, InvalidSecret> {
    let text = secret.expose().trim();
    let encoded = text.strip_prefix(SECRET_PREFIX).unwrap_or(text);
    match decode_base64(encoded) {
        None => Err(InvalidSecret(
            "the part after the prefix is not valid base64",
        )),
        Some(key) if key.is_empty() => Err(InvalidSecret("the key is empty")),
        Some(key) => Ok(key),
    }
}

/// The `webhook-signature` entry (`v1,<base64>`) for one message, as a sender computes it.
/// `secret` must be valid (see `decode_secret`); an invalid one is used as raw key bytes,
/// which gives a signature `StandardSource` will not accept.
pub fn sign(secret: &Secret, id: &str, timestamp: i64, body: &[u8]) -> String {
    let key = decode_secret(secret).unwrap_or_else(|_| secret.expose().as_bytes().to_vec());
    let mac = hmac_sha256(&key, &signed_parts(id, &timestamp.to_string(), body));
    format!("{VERSION},{}", encode_base64(&mac))
}

fn signed_parts<'a>(id: &'a str, timestamp: &'a str, body: &'a [u8]) -> [&'a [u8]; 5] {
    [id.as_bytes(), b".", timestamp.as_bytes(), b".", body]
}

/// Verifies Standard Webhooks signatures, then parses the canonical payload.
pub struct StandardSource {
    keys: Vec<Vec<u8>>,
    tolerance_secs: u64,
}

impl fmt::Debug for StandardSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StandardSource")
            .field("keys", &format_args!("[{} redacted]", self.keys.len()))
            .field("tolerance_secs", &self.tolerance_secs)
            .finish()
    }
}

impl StandardSource {
    /// Secrets that do not decode are left out (the config loader reports them).
    pub fn new(secrets: &[Secret], tolerance_secs: u64) -> Self {
        Self {
            keys: secrets
                .iter()
                .filter_map(|secret| decode_secret(secret).ok())
                .collect(),
            tolerance_secs,
        }
    }

    pub fn from_config(config: &SourceConfig) -> Self {
        Self::new(&config.secrets, config.tolerance_secs)
    }

    fn check_timestamp(&self, text: &str, now: i64) -> Result<i64, IngestError> {
        let timestamp: i64 = text.parse().map_err(|_| {
            IngestError::InvalidSignature(format!(
                "the {HEADER_TIMESTAMP} header must be Unix seconds, got {:?}",
                truncate(text)
            ))
        })?;
        let skew = i128::from(now) - i128::from(timestamp);
        if skew.unsigned_abs() > u128::from(self.tolerance_secs) {
            let direction = if skew > 0 {
                "in the past"
            } else {
                "in the future"
            };
            return Err(IngestError::TimestampOutOfTolerance(format!(
                "{HEADER_TIMESTAMP} {timestamp} is {} s {direction}; the tolerance is {} s",
                skew.unsigned_abs(),
                self.tolerance_secs
            )));
        }
        Ok(timestamp)
    }
}

impl SourceAdapter for StandardSource {
    fn accept(&self, request: &RawRequest<'_>) -> Result<Translated, IngestError> {
        let id = required_header(request, HEADER_ID)?;
        let timestamp = required_header(request, HEADER_TIMESTAMP)?;
        let signatures = required_header(request, HEADER_SIGNATURE)?;

        let timestamp = self.check_timestamp(timestamp, request.now.unix_seconds())?;

        // Entries of other versions (e.g. asymmetric `v1a`) are not ours to judge; an
        // entry that is not base64 simply cannot match.
        let presented: Vec<Vec<u8>> = signatures
            .split(' ')
            .filter_map(|entry| entry.split_once(','))
            .filter(|(version, _)| *version == VERSION)
            .filter_map(|(_, signature)| decode_base64(signature))
            .collect();
        // The reference verifier signs the timestamp as it reformats it, not as sent.
        let timestamp = timestamp.to_string();
        if !any_matches(
            &self.keys,
            &signed_parts(id, &timestamp, request.body),
            &presented,
        ) {
            return Err(IngestError::InvalidSignature(if self.keys.is_empty() {
                "this source has no usable secret configured".to_string()
            } else {
                format!("no {VERSION} signature in {HEADER_SIGNATURE} matches a configured secret")
            }));
        }

        let event_id = EventId::parse(id)
            .map_err(|error| IngestError::InvalidEvent(format!("{HEADER_ID} header: {error}")))?;
        let event = parse_canonical(event_id, request.body)?;
        Ok(Translated::Event(Box::new(event)))
    }
}

/// Echoes at most a short prefix of an attacker-controlled value into a message.
fn truncate(text: &str) -> String {
    text.chars().take(40).collect()
}
