//! `[channels.NAME]`: the marketplaces ordersync pushes to, each with its kind's keys.

use super::errors::Problems;
use super::section::{self, boolean, non_empty_string, one_of, positive, Section};
use super::{ChannelConfig, ChannelSettings};
use crate::domain::carrier;
use crate::domain::event::REASON_CODES;
use crate::domain::{ChannelKind, ChannelName};
use std::collections::BTreeMap;
use std::path::Path;
use toml::Value;

pub const DEFAULT_REASON_CODE: &str = "INTENT_CHANGED";
pub const DEFAULT_COMMENT_TEMPLATE: &str = "[配送業者]{carrier} [送り状番号]{tracking}";

const DELIV_FEE_METHODS: &[(&str, &str)] =
    &[("REFUND", "REFUND"), ("CASH", "CASH"), ("BOX", "BOX")];

pub fn default_base_url(kind: ChannelKind) -> &'static str {
    match kind {
        ChannelKind::PortonePayco => "https://api.iamport.kr",
        ChannelKind::Imweb => "https://api.imweb.me",
        ChannelKind::Youcan => "https://api.youcan.shop",
        ChannelKind::Base => "https://api.thebase.in",
        ChannelKind::Wizcommerce => "https://api.wizcommerce.com",
    }
}

/// imweb documents 5 requests per second, BASE 5,000 calls per hour (CHANNELS.md).
pub fn default_rate_limits(kind: ChannelKind) -> (Option<u32>, Option<u32>) {
    match kind {
        ChannelKind::Imweb => (Some(5), None),
        ChannelKind::Base => (None, Some(5000)),
        _ => (None, None),
    }
}

/// The keys only one kind understands: (plain keys, secret keys).
fn kind_keys(kind: ChannelKind) -> (&'static [&'static str], &'static [&'static str]) {
    match kind {
        ChannelKind::PortonePayco => (&[], &["imp_key", "imp_secret"]),
        ChannelKind::Imweb => (
            &["default_reason_code", "deliv_fee_method"],
            &["api_key", "secret_key"],
        ),
        ChannelKind::Youcan => (
            &["client_id", "tracking_via_fulfill"],
            &["access_token", "client_secret", "refresh_token"],
        ),
        ChannelKind::Base => (
            &[
                "client_id",
                "redirect_uri",
                "comment_template",
                "delivery_company_ids",
            ],
            &["client_secret", "refresh_token", "access_token"],
        ),
        ChannelKind::Wizcommerce => (&[], &["api_key"]),
    }
}

fn kind_accepts(kind: ChannelKind, key: &str) -> bool {
    let (plain, secrets) = kind_keys(kind);
    plain.contains(&key)
        || secrets
            .iter()
            .any(|s| key == *s || key.strip_suffix("_file") == Some(*s))
}

pub(crate) fn parse_channels(
    mut channels: Section<'_>,
    base_dir: &Path,
    problems: &mut Problems,
) -> BTreeMap<ChannelName, ChannelConfig> {
    let mut parsed = BTreeMap::new();
    for raw_name in channels.table_keys() {
        let path = channels.key(&raw_name);
        let Some(table) = channels.table(&raw_name, problems) else {
            continue;
        };
        let name = ChannelName::parse(raw_name.as_str())
            .map_err(|e| problems.push(&path, format!("invalid channel name: {e}")))
            .ok();
        let channel = parse_channel(table, base_dir, problems);
        if let (Some(name), Some(channel)) = (name, channel) {
            parsed.insert(name, channel);
        }
    }
    channels.finish(problems, |_| None);
    parsed
}

fn parse_channel(
    mut s: Section<'_>,
    base_dir: &Path,
    problems: &mut Problems,
) -> Option<ChannelConfig> {
    let kind = s.required("kind", problems, |value| {
        section::string(value)?
            .parse::<ChannelKind>()
            .map_err(|e| e.to_string())
    });
    let base_url = s.optional("base_url", problems, url);
    let per_sec = s.optional("rate_limit_per_sec", problems, positive::<u32>);
    let per_hour = s.optional("rate_limit_per_hour", problems, positive::<u32>);

    let Some(kind) = kind else {
        // Without a kind, a kind's keys can be neither checked nor refused: only what no
        // kind knows is reported.
        for kind in ChannelKind::ALL {
            let (plain, secrets) = kind_keys(kind);
            s.allow(plain);
            s.allow(secrets);
            let files: Vec<String> = secrets.iter().map(|k| format!("{k}_file")).collect();
            s.allow(&files.iter().map(String::as_str).collect::<Vec<_>>());
        }
        s.finish(problems, |_| None);
        return None;
    };

    let settings = match kind {
        ChannelKind::PortonePayco => portone_payco(&mut s, base_dir, problems),
        ChannelKind::Imweb => imweb(&mut s, base_dir, problems),
        ChannelKind::Youcan => youcan(&mut s, base_dir, problems),
        ChannelKind::Base => base(&mut s, base_dir, problems),
        ChannelKind::Wizcommerce => wizcommerce(&mut s, base_dir, problems),
    };
    s.finish(problems, |key| {
        let owners: Vec<&str> = ChannelKind::ALL
            .into_iter()
            .filter(|other| *other != kind && kind_accepts(*other, key))
            .map(ChannelKind::as_str)
            .collect();
        (!owners.is_empty()).then(|| {
            format!(
                "unknown key for kind {kind} (it is a key of kind {})",
                owners.join(", ")
            )
        })
    });

    let (default_per_sec, default_per_hour) = default_rate_limits(kind);
    Some(ChannelConfig {
        kind,
        base_url: base_url.unwrap_or_else(|| default_base_url(kind).to_string()),
        rate_limit_per_sec: per_sec.or(default_per_sec),
        rate_limit_per_hour: per_hour.or(default_per_hour),
        settings: settings?,
    })
}

/// An http(s) URL, kept without trailing slash so connectors can append `/v1/...`.
fn url(value: &Value) -> Result<String, String> {
    let text = section::string(value)?;
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"));
    match rest {
        Some(rest) if !rest.trim_matches('/').is_empty() && !text.contains(char::is_whitespace) => {
            Ok(text.trim_end_matches('/').to_string())
        }
        _ => Err(format!(
            "{text:?} is not a URL: expected \"https://host[:port][/path]\" (or http://)"
        )),
    }
}

fn portone_payco(s: &mut Section<'_>, dir: &Path, p: &mut Problems) -> Option<ChannelSettings> {
    let imp_key = s.required_secret("imp_key", dir, p);
    let imp_secret = s.required_secret("imp_secret", dir, p);
    Some(ChannelSettings::PortonePayco {
        imp_key: imp_key?,
        imp_secret: imp_secret?,
    })
}

fn imweb(s: &mut Section<'_>, dir: &Path, p: &mut Problems) -> Option<ChannelSettings> {
    let api_key = s.required_secret("api_key", dir, p);
    let secret_key = s.required_secret("secret_key", dir, p);
    let default_reason_code = s.or(
        "default_reason_code",
        p,
        DEFAULT_REASON_CODE.to_string(),
        |value| {
            let code = section::string(value)?;
            if REASON_CODES.contains(&code.as_str()) {
                Ok(code)
            } else {
                Err(format!(
                    "unknown reason code {code:?} (expected one of {})",
                    REASON_CODES.join(", ")
                ))
            }
        },
    );
    let deliv_fee_method = s
        .optional("deliv_fee_method", p, one_of(DELIV_FEE_METHODS))
        .map(str::to_string);
    Some(ChannelSettings::Imweb {
        api_key: api_key?,
        secret_key: secret_key?,
        default_reason_code,
        deliv_fee_method,
    })
}

fn youcan(s: &mut Section<'_>, dir: &Path, p: &mut Problems) -> Option<ChannelSettings> {
    let access_token = s.required_secret("access_token", dir, p);
    let client_id = s.optional("client_id", p, non_empty_string);
    let client_secret = s.secret("client_secret", dir, p);
    let refresh_token = s.secret("refresh_token", dir, p);
    let tracking_via_fulfill = s.or("tracking_via_fulfill", p, false, boolean);

    // A refresh needs all three; a partial set would fail only at the first 401.
    let given = [
        ("client_id", s.has("client_id")),
        ("client_secret", s.has_secret("client_secret")),
        ("refresh_token", s.has_secret("refresh_token")),
    ];
    if given.iter().any(|(_, g)| *g) {
        for (key, _) in given.iter().filter(|(_, g)| !*g) {
            p.push(
                s.key(key),
                "required when any of client_id, client_secret, refresh_token is given \
                 (token refresh needs all three)",
            );
        }
    }
    Some(ChannelSettings::Youcan {
        access_token: access_token?,
        client_id,
        client_secret,
        refresh_token,
        tracking_via_fulfill,
    })
}

fn base(s: &mut Section<'_>, dir: &Path, p: &mut Problems) -> Option<ChannelSettings> {
    let client_id = s.required("client_id", p, non_empty_string);
    let client_secret = s.required_secret("client_secret", dir, p);
    let refresh_token = s.required_secret("refresh_token", dir, p);
    let redirect_uri = s.required("redirect_uri", p, non_empty_string);
    let access_token = s.secret("access_token", dir, p);
    let comment_template = s.or(
        "comment_template",
        p,
        DEFAULT_COMMENT_TEMPLATE.to_string(),
        |value| {
            let template = section::string(value)?;
            if template.contains("{tracking}") {
                Ok(template)
            } else {
                Err("must contain {tracking} (the tracking number)".to_string())
            }
        },
    );
    let delivery_company_ids = match s.table("delivery_company_ids", p) {
        Some(ids) => delivery_company_ids(ids, p),
        None => BTreeMap::new(),
    };
    Some(ChannelSettings::Base {
        client_id: client_id?,
        client_secret: client_secret?,
        refresh_token: refresh_token?,
        redirect_uri: redirect_uri?,
        access_token,
        comment_template,
        delivery_company_ids,
    })
}

/// `{ yamato = 1, sagawa = 2 }`: canonical carrier id → BASE `delivery_company_id`.
fn delivery_company_ids(mut ids: Section<'_>, p: &mut Problems) -> BTreeMap<String, u64> {
    let mut map = BTreeMap::new();
    for carrier_id in ids.table_keys() {
        let known = carrier::lookup(&carrier_id);
        let id = ids.optional(&carrier_id, p, positive::<u64>);
        match known {
            Some(c) if c.id == carrier_id => {
                if let Some(id) = id {
                    map.insert(carrier_id, id);
                }
            }
            Some(c) => p.push(
                ids.key(&carrier_id),
                format!("not a canonical carrier id (did you mean `{}`?)", c.id),
            ),
            None => p.push(
                ids.key(&carrier_id),
                "unknown carrier id (see the ids in carriers.tsv)",
            ),
        }
    }
    ids.finish(p, |_| None);
    map
}

fn wizcommerce(s: &mut Section<'_>, dir: &Path, p: &mut Problems) -> Option<ChannelSettings> {
    let api_key = s.required_secret("api_key", dir, p);
    Some(ChannelSettings::Wizcommerce { api_key: api_key? })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = |s: &str| url(&Value::String(s.into()));
        assert_eq!(
            u("https://api.thebase.in/"),
            Ok("https://api.thebase.in".into())
        );
        assert_eq!(
            u("http://127.0.0.1:9000//"),
            Ok("http://127.0.0.1:9000".into())
        );
        assert_eq!(u("https://h/prefix/"), Ok("https://h/prefix".into()));
        assert!(u("ftp://h").is_err());
        assert!(u("https://").is_err());
        assert!(u("api.thebase.in").is_err());
        assert!(u("https://a b").is_err());
    }

    #[test]
    fn kind_keys_cover_file_forms() {
        assert!(kind_accepts(ChannelKind::Base, "client_secret_file"));
        assert!(!kind_accepts(ChannelKind::Base, "client_id_file"));
        assert!(kind_accepts(ChannelKind::Youcan, "tracking_via_fulfill"));
        assert!(!kind_accepts(ChannelKind::Wizcommerce, "secret_key"));
    }
}
