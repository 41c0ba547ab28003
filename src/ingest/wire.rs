//! JSON plumbing shared by the payload parsers: syntax errors say where they are, schema
//! errors name the field path, and the small conversions every vendor needs.

use super::error::IngestError;
use crate::domain::{carrier, IdError, Timestamp};
use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

/// Parses the body as JSON. Not UTF-8 or not JSON is `malformed_json`, saying where.
/// Parsing into a `Value` first means a syntax error is never reported as a schema error,
/// whatever the order of the two in the document.
pub(crate) fn parse_json(body: &[u8]) -> Result<Value, IngestError> {
    let text = std::str::from_utf8(body).map_err(|error| {
        IngestError::MalformedJson(format!(
            "body is not UTF-8: invalid byte at offset {}",
            error.valid_up_to()
        ))
    })?;
    serde_json::from_str(text)
        .map_err(|error| IngestError::MalformedJson(format!("body is not valid JSON: {error}")))
}

/// Deserializes `value` (found at `prefix`, empty for the document root) into a wire
/// struct; a type error names the full field path.
pub(crate) fn decode<'a, T: Deserialize<'a>>(
    value: &'a Value,
    prefix: &str,
) -> Result<T, IngestError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let inner = error.path().to_string();
        let path = match (prefix.is_empty(), inner.as_str()) {
            (true, ".") => "body".to_string(),
            (true, _) => inner,
            (false, ".") => prefix.to_string(),
            (false, _) if inner.starts_with('[') => format!("{prefix}{inner}"),
            (false, _) => format!("{prefix}.{inner}"),
        };
        invalid(&path, error.inner())
    })
}

/// `invalid_event` naming the field. Paths are `Display` so that callers can pass one
/// that is only formatted when there is an error to report.
pub(crate) fn invalid(path: impl fmt::Display, problem: impl fmt::Display) -> IngestError {
    IngestError::InvalidEvent(format!("{path}: {problem}"))
}

pub(crate) fn required<T>(value: Option<T>, path: impl fmt::Display) -> Result<T, IngestError> {
    value.ok_or_else(|| invalid(path, "required"))
}

/// Converts a validated-id failure into `invalid_event` at `path`.
pub(crate) fn id_at<T>(
    result: Result<T, IdError>,
    path: impl fmt::Display,
) -> Result<T, IngestError> {
    result.map_err(|error| invalid(path, error))
}

/// A JSON string, borrowed from the body unless it had escapes to undo. A type error
/// says "expected a string", as it does for `String`.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Text<'a>(pub Cow<'a, str>);

impl Text<'_> {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn into_string(self) -> String {
        self.0.into_owned()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

/// A struct that must arrive as a JSON object. serde's derived structs also accept a JSON
/// array of their fields in order, which no sender means; wrapping them in `Obj` turns
/// that into a type error. Field paths are still tracked through the map.
#[derive(Debug)]
pub(crate) struct Obj<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjVisitor<T> {
            type Value = Obj<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Obj<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Obj)
            }
        }
        deserializer.deserialize_map(ObjVisitor(std::marker::PhantomData))
    }
}

/// A vendor id that may arrive as a JSON integer (Shopify, WooCommerce) or a string
/// (YouCan UUIDs); kept as its decimal or literal text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WireId(pub String);

impl<'de> Deserialize<'de> for WireId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IdVisitor;
        impl Visitor<'_> for IdVisitor {
            type Value = WireId;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an id (a string or an integer)")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<WireId, E> {
                Ok(WireId(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<WireId, E> {
                Ok(WireId(v.to_string()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<WireId, E> {
                Ok(WireId(v.to_string()))
            }
        }
        deserializer.deserialize_any(IdVisitor)
    }
}

/// A non-blank string, trimmed.
pub(crate) fn non_blank(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|text| !text.is_empty())
}

/// The canonical carrier id when the table knows the name, else the name as sent.
/// Vendors also send slugs (`japan-post`, `sagawa_express`), so those are tried with
/// spaces too.
pub(crate) fn carrier_id(name: &str) -> String {
    let name = name.trim();
    carrier::lookup(name)
        .or_else(|| carrier::lookup(&name.replace(['-', '_'], " ")))
        .map(|known| known.id.to_string())
        .unwrap_or_else(|| name.to_string())
}

/// RFC 3339, or the same without a zone (WooCommerce's `*_gmt` fields, Laravel-style
/// `YYYY-MM-DD HH:MM:SS`), which is read as UTC.
pub(crate) fn parse_time_utc(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(at) = Timestamp::parse_rfc3339(text) {
        return Some(at);
    }
    // Byte 10 being an ASCII separator also makes 10 and 11 char boundaries.
    let looks_zoneless = text.len() >= 19
        && matches!(text.as_bytes()[10], b'T' | b't' | b' ')
        && !text[10..].contains(['Z', 'z', '+', '-']);
    if !looks_zoneless {
        return None;
    }
    let normalised = format!("{}T{}Z", &text[..10], &text[11..]);
    Timestamp::parse_rfc3339(&normalised).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoneless_times_are_utc() {
        let expected = Timestamp::parse_rfc3339("2026-11-22T10:00:00Z").unwrap();
        assert_eq!(parse_time_utc("2026-11-22T10:00:00"), Some(expected));
        assert_eq!(parse_time_utc("2026-11-22 10:00:00"), Some(expected));
        assert_eq!(parse_time_utc("2026-11-22T19:00:00+09:00"), Some(expected));
        assert_eq!(parse_time_utc("2026-11-22"), None);
        assert_eq!(parse_time_utc("2026-11-22T10:00:00-0"), None);
        assert_eq!(parse_time_utc("yesterday at noon!!"), None);
        assert_eq!(parse_time_utc("ééééééééééééééééééééé"), None);
    }

    #[test]
    fn paths_are_joined() {
        let value: Value = serde_json::json!({"a": [1, "x"]});
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct A {
            a: Vec<u32>,
        }
        let error = decode::<Obj<A>>(&value, "data").unwrap_err();
        assert_eq!(error.code(), "invalid_event");
        assert!(
            error.to_string().starts_with("data.a[1]: invalid type"),
            "{error}"
        );
        let error = decode::<Vec<u32>>(&value["a"], "data.a").unwrap_err();
        assert!(error.to_string().starts_with("data.a[1]: "), "{error}");
        let error = decode::<Obj<A>>(&Value::Null, "").unwrap_err();
        assert_eq!(
            error.to_string(),
            "body: invalid type: null, expected a JSON object"
        );
        // Derived structs alone would take `[[1]]` as `{"a": [1]}`.
        let error = decode::<Obj<A>>(&serde_json::json!([[1]]), "").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("body: invalid type: sequence"),
            "{error}"
        );
    }
}
