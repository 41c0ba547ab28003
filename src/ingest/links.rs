//! Link rules: where in a native payload the seller keeps another marketplace's order id.
//!
//! A `[sources.NAME]` table may carry rules `{ channel, from }`; `from` is one of
//!
//! - `note_attributes.<name>` (Shopify): the `value` of the order's note attribute whose
//!   `name` is `<name>` (`note_attributes: [{"name": .., "value": ..}]`);
//! - `tags.<prefix>` (Shopify): the rest of the first order tag starting with `<prefix>`
//!   (ASCII case-insensitive); tags are Shopify's comma-separated `tags` string, so
//!   `tags.base:` reads `base:154D88A39E454289` as `154D88A39E454289`;
//! - `meta_data.<key>` (WooCommerce): the `value` of the order meta entry with that `key`
//!   (`meta_data: [{"id": .., "key": .., "value": ..}]`).
//!
//! A value found becomes a `Link { channel, order_id }` on the event, without line items
//! (those come from the admin API). A missing or blank value adds no link: the order is
//! stored and pushed once a link appears. String and integer values are accepted.

use super::error::IngestError;
use super::wire::invalid;
use crate::config::{LinkRule, SourceKind};
use crate::domain::{ChannelName, Link, RemoteId};
use serde_json::Value;
use std::collections::BTreeMap;

/// Where a rule reads from; see the module documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkSource {
    NoteAttribute(String),
    TagPrefix(String),
    MetaData(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkRuleError {
    #[error("expected note_attributes.<name>, tags.<prefix> or meta_data.<key>, got {0:?}")]
    Syntax(String),
    #[error("{from:?} cannot be read from a {kind} payload")]
    WrongKind { from: String, kind: &'static str },
}

impl LinkSource {
    pub fn parse(from: &str) -> Result<Self, LinkRuleError> {
        let syntax = || LinkRuleError::Syntax(from.to_string());
        let (field, name) = from.split_once('.').ok_or_else(syntax)?;
        if name.is_empty() {
            return Err(syntax());
        }
        match field {
            "note_attributes" => Ok(LinkSource::NoteAttribute(name.to_string())),
            "tags" => Ok(LinkSource::TagPrefix(name.to_string())),
            "meta_data" => Ok(LinkSource::MetaData(name.to_string())),
            _ => Err(syntax()),
        }
    }

    pub fn supported_by(&self, kind: SourceKind) -> bool {
        match self {
            LinkSource::NoteAttribute(_) | LinkSource::TagPrefix(_) => kind == SourceKind::Shopify,
            LinkSource::MetaData(_) => kind == SourceKind::Woocommerce,
        }
    }

    /// Where the value came from, for error messages.
    fn path(&self) -> String {
        match self {
            LinkSource::NoteAttribute(name) => format!("note_attributes[name={name:?}].value"),
            LinkSource::TagPrefix(prefix) => format!("tags[{prefix:?}]"),
            LinkSource::MetaData(key) => format!("meta_data[key={key:?}].value"),
        }
    }

    fn read(&self, payload: &Value) -> Option<String> {
        match self {
            LinkSource::NoteAttribute(name) => {
                entry_value(payload, "note_attributes", "name", name)
            }
            LinkSource::MetaData(key) => entry_value(payload, "meta_data", "key", key),
            LinkSource::TagPrefix(prefix) => payload
                .get("tags")
                .and_then(Value::as_str)?
                .split(',')
                .map(str::trim)
                .find_map(|tag| strip_prefix_ignore_case(tag, prefix))
                .map(|rest| rest.trim().to_string()),
        }
    }
}

/// Validates a rule for a source kind: what the config loader needs.
pub fn check_rule(rule: &LinkRule, kind: SourceKind) -> Result<LinkSource, LinkRuleError> {
    let source = LinkSource::parse(&rule.from)?;
    if source.supported_by(kind) {
        Ok(source)
    } else {
        Err(LinkRuleError::WrongKind {
            from: rule.from.clone(),
            kind: kind.as_str(),
        })
    }
}

/// The rules of one source, parsed once. Rules that do not apply to the kind are dropped
/// here: the config loader rejects them, so none should reach this.
#[derive(Debug, Clone, Default)]
pub(crate) struct LinkRules(Vec<(ChannelName, LinkSource)>);

impl LinkRules {
    pub(crate) fn new(rules: &[LinkRule], kind: SourceKind) -> Self {
        Self(
            rules
                .iter()
                .filter_map(|rule| Some((rule.channel.clone(), check_rule(rule, kind).ok()?)))
                .collect(),
        )
    }

    /// The links the payload carries. The first rule that finds a value for a channel wins.
    pub(crate) fn extract(&self, payload: &Value) -> Result<Vec<Link>, IngestError> {
        let mut found: BTreeMap<ChannelName, Link> = BTreeMap::new();
        for (channel, source) in &self.0 {
            if found.contains_key(channel) {
                continue;
            }
            let Some(value) = source.read(payload).filter(|value| !value.is_empty()) else {
                continue;
            };
            let order_id = RemoteId::parse(value)
                .map_err(|error| invalid(source.path(), format!("link for {channel}: {error}")))?;
            found.insert(
                channel.clone(),
                Link {
                    channel: channel.clone(),
                    order_id,
                    items: BTreeMap::new(),
                },
            );
        }
        Ok(found.into_values().collect())
    }
}

/// `list[i].value` for the first `list[i]` whose `field` equals `wanted`.
fn entry_value(payload: &Value, list: &str, field: &str, wanted: &str) -> Option<String> {
    let entry = payload
        .get(list)?
        .as_array()?
        .iter()
        .find(|entry| entry.get(field).and_then(Value::as_str) == Some(wanted))?;
    match entry.get("value")? {
        Value::String(text) => Some(text.trim().to_string()),
        Value::Number(number) if number.is_i64() || number.is_u64() => Some(number.to_string()),
        _ => None,
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(channel: &str, from: &str) -> LinkRule {
        LinkRule {
            channel: ChannelName::parse(channel).unwrap(),
            from: from.to_string(),
        }
    }

    #[test]
    fn syntax() {
        assert_eq!(
            LinkSource::parse("tags.base:"),
            Ok(LinkSource::TagPrefix("base:".into()))
        );
        assert_eq!(
            LinkSource::parse("note_attributes.base.key"),
            Ok(LinkSource::NoteAttribute("base.key".into()))
        );
        assert!(LinkSource::parse("tags.").is_err());
        assert!(LinkSource::parse("tags").is_err());
        assert!(LinkSource::parse("line_items.x").is_err());
        assert!(check_rule(&rule("b", "meta_data.x"), SourceKind::Shopify).is_err());
        assert!(check_rule(&rule("b", "meta_data.x"), SourceKind::Woocommerce).is_ok());
        assert!(check_rule(&rule("b", "tags.x"), SourceKind::Youcan).is_err());
    }

    #[test]
    fn reads_each_source() {
        let payload = serde_json::json!({
            "note_attributes": [{"name": "other", "value": "x"}, {"name": "imweb", "value": " 2026 "}],
            "tags": "vip, BASE:154D88A39E454289,base:second",
            "meta_data": [{"id": 1, "key": "_payco", "value": 12345}],
        });
        let shopify = LinkRules::new(
            &[
                rule("base-jp", "tags.base:"),
                rule("imweb-kr", "note_attributes.imweb"),
                rule("imweb-kr", "tags.imweb:"),
                rule("absent", "note_attributes.nothing"),
                rule("payco", "meta_data._payco"),
            ],
            SourceKind::Shopify,
        );
        let links = shopify.extract(&payload).unwrap();
        let pairs: Vec<_> = links
            .iter()
            .map(|l| (l.channel.as_str(), l.order_id.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [("base-jp", "154D88A39E454289"), ("imweb-kr", "2026")]
        );
        let woo = LinkRules::new(
            &[rule("payco", "meta_data._payco")],
            SourceKind::Woocommerce,
        );
        assert_eq!(woo.extract(&payload).unwrap()[0].order_id.as_str(), "12345");
    }

    #[test]
    fn bad_value_names_the_rule() {
        let payload = serde_json::json!({"tags": format!("base:{}", "x".repeat(200))});
        let rules = LinkRules::new(&[rule("base-jp", "tags.base:")], SourceKind::Shopify);
        let error = rules.extract(&payload).unwrap_err();
        assert_eq!(error.code(), "invalid_event");
        assert!(error.to_string().contains("tags[\"base:\"]"), "{error}");
        assert!(error.to_string().contains("base-jp"), "{error}");
    }
}
