//! `config.toml.example` must run as-is, and its commented tables must be valid once
//! uncommented.

use super::*;
use crate::config::{ChannelSettings, Durability, LogFormat};
use crate::domain::ChannelKind;

fn example() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config.toml.example");
    std::fs::read_to_string(path).expect("config.toml.example at the repo root")
}

#[test]
fn example_runs_as_is() {
    let dir = tempfile::tempdir().unwrap();
    let config = parse(&example(), dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.server.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(config.store.path, dir.path().join("ordersync-data"));
    assert_eq!(config.store.durability, Durability::Fsync);
    assert_eq!(config.log.format, LogFormat::Text);
    assert_eq!(
        config.admin.token.as_ref().unwrap().expose(),
        "dev-admin-token"
    );
    assert_eq!(config.sources.len(), 1);
    assert!(config.channels.is_empty(), "channels stay commented out");
}

/// Uncomments every block that starts with `# [channels.` or `# [sources.` up to the
/// next blank line, pointing the credential files at `dir`.
fn uncommented(dir: &std::path::Path) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in example().lines() {
        let header = line.starts_with("# [channels.") || line.starts_with("# [sources.");
        if header && line.ends_with(']') {
            inside = true;
        }
        if line.trim().is_empty() {
            inside = false;
        }
        let line = match line.strip_prefix("# ") {
            Some(rest) if inside => rest,
            _ if inside && line == "#" => "",
            _ => line,
        };
        out.push_str(line);
        out.push('\n');
    }
    out.replace(
        "/run/credentials/ordersync.service/",
        &format!("{}/", dir.display()),
    )
}

#[test]
fn commented_examples_are_valid() {
    let dir = tempfile::tempdir().unwrap();
    let text = uncommented(dir.path());
    for line in text.lines() {
        if let Some(start) = line.find(&format!("{}/", dir.path().display())) {
            let path = line[start..].trim_end_matches('"');
            std::fs::write(path, "sample-credential\n").unwrap();
        }
    }
    let config = parse(&text, dir.path()).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let kinds: Vec<ChannelKind> = config.channels.values().map(|c| c.kind).collect();
    assert_eq!(kinds.len(), 5, "{text}");
    for kind in ChannelKind::ALL {
        assert!(kinds.contains(&kind), "{kind} missing");
    }
    assert_eq!(config.sources.len(), 2);
    let shop = config
        .sources
        .iter()
        .find(|(name, _)| name.as_str() == "shop")
        .unwrap()
        .1;
    assert_eq!(shop.link_rules.len(), 2);
    let base = config
        .channels
        .values()
        .find(|c| c.kind == ChannelKind::Base)
        .unwrap();
    let ChannelSettings::Base {
        delivery_company_ids,
        ..
    } = &base.settings
    else {
        panic!("{base:?}");
    };
    assert_eq!(delivery_company_ids.len(), 2);
}

/// Every key the walk knows shows up in the example (commented or not).
#[test]
fn example_documents_every_key() {
    let text = example();
    let keys = [
        "listen",
        "max_body_bytes",
        "shutdown_grace",
        "path",
        "event_retention",
        "durability",
        "cache_capacity",
        "level",
        "format",
        "token",
        "token_file",
        "concurrency",
        "request_timeout",
        "schedule",
        "max_retry_after",
        "kind",
        "secret",
        "secret_file",
        "secrets",
        "tolerance_secs",
        "completed_means",
        "link_rules",
        "base_url",
        "rate_limit_per_sec",
        "rate_limit_per_hour",
        "imp_key_file",
        "imp_secret_file",
        "api_key_file",
        "secret_key_file",
        "default_reason_code",
        "deliv_fee_method",
        "access_token_file",
        "client_id",
        "client_secret_file",
        "refresh_token_file",
        "tracking_via_fulfill",
        "redirect_uri",
        "comment_template",
        "delivery_company_ids",
    ];
    for key in keys {
        assert!(
            text.contains(&format!("{key} = ")),
            "config.toml.example does not show `{key} = `"
        );
    }
}
