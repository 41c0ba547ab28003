//! HMAC-SHA256 signatures as the sources use them: computed over raw bytes, compared in
//! constant time, with every configured key allowed to match so secrets can rotate.

use super::error::IngestError;
use super::source::RawRequest;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::{Choice, ConstantTimeEq};

type HmacSha256 = Hmac<Sha256>;

/// HMAC-SHA256 of the concatenation of `parts`, keyed with `key`.
pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Whether any presented signature equals the MAC under any key. Every pair is compared,
/// so the time taken does not depend on which key or candidate (if any) matched.
pub(crate) fn any_matches(keys: &[Vec<u8>], parts: &[&[u8]], presented: &[Vec<u8>]) -> bool {
    let mut found = Choice::from(0);
    for key in keys {
        let expected = hmac_sha256(key, parts);
        for candidate in presented {
            found |= expected.as_slice().ct_eq(candidate.as_slice());
        }
    }
    found.into()
}

/// The value of a header the scheme cannot do without: absent or blank is
/// `missing_signature`, naming the header.
pub(crate) fn required_header<'a>(
    request: &'a RawRequest<'_>,
    name: &str,
) -> Result<&'a str, IngestError> {
    match request.header(name).map(str::trim) {
        None => Err(IngestError::MissingSignature(format!(
            "missing {name} header"
        ))),
        Some("") => Err(IngestError::MissingSignature(format!(
            "the {name} header is empty"
        ))),
        Some(value) => Ok(value),
    }
}

/// A header that is present and not blank, trimmed.
pub(crate) fn optional_header<'a>(request: &'a RawRequest<'_>, name: &str) -> Option<&'a str> {
    request
        .header(name)
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

/// Checks a vendor signature that is one encoded HMAC-SHA256 of the raw body (Shopify,
/// WooCommerce: base64; YouCan: hex).
pub(crate) fn verify_body_signature(
    keys: &[Vec<u8>],
    header: &str,
    presented: &str,
    encoding: Encoding,
    body: &[u8],
) -> Result<(), IngestError> {
    let decoded = match encoding {
        Encoding::Base64 => BASE64.decode(presented).ok(),
        Encoding::Hex => hex::decode(presented).ok(),
    };
    let Some(decoded) = decoded else {
        return Err(IngestError::InvalidSignature(format!(
            "the {header} header is not {}",
            encoding.name()
        )));
    };
    if any_matches(keys, &[body], &[decoded]) {
        Ok(())
    } else {
        Err(IngestError::InvalidSignature(format!(
            "the {header} signature does not match the body under any configured secret"
        )))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Base64,
    Hex,
}

impl Encoding {
    fn name(self) -> &'static str {
        match self {
            Encoding::Base64 => "base64",
            Encoding::Hex => "hex",
        }
    }
}

pub(crate) fn encode_base64(bytes: &[u8]) -> String {
    BASE64.encode(bytes)
}

pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    BASE64.decode(text).ok()
}
