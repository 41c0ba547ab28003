//! `[sources.NAME]`: who may post webhooks, and how their signatures and payloads read.

use super::errors::Problems;
use super::secrets::inline_secret;
use super::section::{self, one_of, positive, Section};
use super::{CompletedMeans, LinkRule, SourceConfig, SourceKind};
use crate::domain::{ChannelName, SourceName};
use crate::secret::Secret;
use base64::Engine;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const KINDS: &[(&str, SourceKind)] = &[
    ("standard", SourceKind::Standard),
    ("shopify", SourceKind::Shopify),
    ("woocommerce", SourceKind::Woocommerce),
    ("youcan", SourceKind::Youcan),
];

const COMPLETED_MEANS: &[(&str, CompletedMeans)] = &[
    ("dispatched", CompletedMeans::Dispatched),
    ("delivered", CompletedMeans::Delivered),
];

/// Shopify's retry period (4 hours).
pub const SHOPIFY_DEFAULT_TOLERANCE_SECS: u64 = 4 * 3600;
const DEFAULT_TOLERANCE_SECS: u64 = 300;

/// Reads every `[sources.NAME]`. `channel_names` are the names present under
/// `[channels]`, valid or not, so a broken channel table does not also fail each link
/// rule naming it.
pub(crate) fn parse_sources(
    mut sources: Section<'_>,
    base_dir: &Path,
    channel_names: &BTreeSet<String>,
    problems: &mut Problems,
) -> BTreeMap<SourceName, SourceConfig> {
    let mut parsed = BTreeMap::new();
    for raw_name in sources.table_keys() {
        let path = sources.key(&raw_name);
        let Some(mut table) = sources.table(&raw_name, problems) else {
            continue;
        };
        let name = SourceName::parse(raw_name.as_str())
            .map_err(|e| problems.push(&path, format!("invalid source name: {e}")))
            .ok();
        let source = parse_source(&mut table, base_dir, channel_names, problems);
        table.finish(problems, |_| None);
        if let (Some(name), Some(source)) = (name, source) {
            parsed.insert(name, source);
        }
    }
    sources.finish(problems, |_| None);
    parsed
}

fn parse_source(
    s: &mut Section<'_>,
    base_dir: &Path,
    channel_names: &BTreeSet<String>,
    problems: &mut Problems,
) -> Option<SourceConfig> {
    let kind = s.required("kind", problems, one_of(KINDS));
    let secrets = read_secrets(s, base_dir, kind, problems);
    // Shopify retries a failed webhook for hours with the original
    // X-Shopify-Triggered-At: a five-minute window would refuse every retry.
    let default_tolerance = match kind {
        Some(SourceKind::Shopify) => SHOPIFY_DEFAULT_TOLERANCE_SECS,
        _ => DEFAULT_TOLERANCE_SECS,
    };
    let tolerance_secs = s.or(
        "tolerance_secs",
        problems,
        default_tolerance,
        positive::<u64>,
    );

    let completed_means = match s.optional("completed_means", problems, one_of(COMPLETED_MEANS)) {
        Some(means) if kind.is_some_and(|k| k != SourceKind::Woocommerce) => {
            problems.push(
                s.key("completed_means"),
                "only applies to sources of kind \"woocommerce\"",
            );
            means
        }
        Some(means) => means,
        None => CompletedMeans::Dispatched,
    };

    let link_rules = read_link_rules(s, kind, channel_names, problems);

    Some(SourceConfig {
        kind: kind?,
        secrets: secrets?,
        tolerance_secs,
        completed_means,
        link_rules,
    })
}

/// `secret` / `secret_file` and `secrets = [...]` together: every one may sign, which is
/// how a secret rotates without downtime.
fn read_secrets(
    s: &mut Section<'_>,
    base_dir: &Path,
    kind: Option<SourceKind>,
    problems: &mut Problems,
) -> Option<Vec<Secret>> {
    let mut all: Vec<(String, Secret)> = Vec::new();
    let mut broken = false;

    let single_given = s.has_secret("secret");
    match s.secret("secret", base_dir, problems) {
        Some(secret) => all.push((s.key("secret"), secret)),
        None => broken |= single_given,
    }

    if let Some(list) = s.optional("secrets", problems, section::array) {
        for (i, value) in list.iter().enumerate() {
            let key = format!("{}[{i}]", s.key("secrets"));
            match inline_secret(value) {
                Ok(secret) => all.push((key, secret)),
                Err(message) => {
                    problems.push(key, message);
                    broken = true;
                }
            }
        }
    } else {
        broken |= s.has("secrets");
    }

    if all.is_empty() && !broken {
        problems.push(
            s.key("secret"),
            "required key is missing (give `secret`, `secret_file` or `secrets`)",
        );
        return None;
    }
    if kind == Some(SourceKind::Standard) {
        for (key, secret) in &all {
            if !is_standard_webhooks_secret(secret) {
                problems.push(
                    key,
                    "a standard source's secret must be \"whsec_\" followed by base64 \
                     (value not shown)",
                );
                broken = true;
            }
        }
    }
    (!broken).then(|| all.into_iter().map(|(_, secret)| secret).collect())
}

/// The Standard Webhooks form: `whsec_` + standard base64 of a non-empty key.
fn is_standard_webhooks_secret(secret: &Secret) -> bool {
    secret
        .expose()
        .strip_prefix("whsec_")
        .and_then(|encoded| {
            base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .ok()
        })
        .is_some_and(|key| !key.is_empty())
}

fn read_link_rules(
    s: &mut Section<'_>,
    kind: Option<SourceKind>,
    channel_names: &BTreeSet<String>,
    problems: &mut Problems,
) -> Vec<LinkRule> {
    let Some(list) = s.optional("link_rules", problems, section::array) else {
        return Vec::new();
    };
    let prefixes: &[&str] = match kind {
        Some(SourceKind::Shopify) => &["note_attributes.", "tags."],
        Some(SourceKind::Woocommerce) => &["meta_data."],
        Some(other) => {
            problems.push(
                s.key("link_rules"),
                format!(
                    "a {} source carries no link data: link_rules only apply to \
                     \"shopify\" and \"woocommerce\" sources",
                    other.as_str()
                ),
            );
            return Vec::new();
        }
        // Unknown kind (reported already): check what can be checked.
        None => &["note_attributes.", "tags.", "meta_data."],
    };
    let mut rules = Vec::new();
    for (i, value) in list.iter().enumerate() {
        let path = format!("{}[{i}]", s.key("link_rules"));
        let table = match section::table(value) {
            Ok(table) => table,
            Err(message) => {
                problems.push(path, message);
                continue;
            }
        };
        let mut rule = Section::new(path, table);
        let channel = rule.required("channel", problems, |value| {
            let name = section::string(value)?;
            if !channel_names.contains(&name) {
                return Err(format!("no channel named {name:?} is configured"));
            }
            ChannelName::parse(name).map_err(|e| format!("invalid channel name: {e}"))
        });
        let from = rule.required("from", problems, |value| {
            let from = section::string(value)?;
            let fits = prefixes
                .iter()
                .any(|p| from.strip_prefix(p).is_some_and(|rest| !rest.is_empty()));
            if fits {
                Ok(from)
            } else {
                let shapes: Vec<String> =
                    prefixes.iter().map(|p| format!("\"{p}<name>\"")).collect();
                Err(format!(
                    "{from:?} is not a supported field: expected {}",
                    shapes.join(" or ")
                ))
            }
        });
        rule.finish(problems, |_| None);
        if let (Some(channel), Some(from)) = (channel, from) {
            rules.push(LinkRule { channel, from });
        }
    }
    rules
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_secret_shape() {
        let ok = |s: &str| is_standard_webhooks_secret(&Secret::new(s));
        assert!(ok("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
        assert!(ok("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"));
        assert!(!ok("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
        assert!(!ok("whsec_"));
        assert!(!ok("whsec_not base64!"));
        assert!(!ok("whsec_abc"));
    }
}
