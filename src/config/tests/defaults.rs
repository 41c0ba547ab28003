use super::*;
use crate::config::{ChannelSettings, CompletedMeans, Durability, LogFormat, SourceKind};
use crate::domain::{ChannelKind, ChannelName, SourceName};
use std::path::PathBuf;
use std::time::Duration;

#[test]
fn empty_file_is_all_defaults() {
    let config = parse_ok("");
    assert_eq!(config.server.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(config.server.max_body_bytes, 1_048_576);
    assert_eq!(config.server.shutdown_grace, Duration::from_secs(30));
    assert_eq!(config.store.path, PathBuf::from("/var/lib/ordersync"));
    assert_eq!(
        config.store.event_retention,
        Duration::from_secs(30 * 86_400)
    );
    assert_eq!(config.store.durability, Durability::Fsync);
    assert_eq!(config.store.cache_capacity, 8_388_608);
    assert_eq!(config.log.level, "info");
    assert_eq!(config.log.format, LogFormat::Text);
    assert!(config.admin.token.is_none());
    assert_eq!(config.delivery.concurrency, 32);
    assert_eq!(config.delivery.request_timeout, Duration::from_secs(15));
    let secs: Vec<u64> = config
        .delivery
        .schedule
        .iter()
        .map(Duration::as_secs)
        .collect();
    assert_eq!(
        secs,
        [0, 5, 30, 120, 600, 1800, 3600, 7200, 14_400, 28_800, 43_200, 86_400]
    );
    assert_eq!(config.delivery.max_retry_after, Duration::from_secs(3600));
    assert!(config.sources.is_empty() && config.channels.is_empty());
    assert!(config.secrets().is_empty());
}

#[test]
fn every_key_set() {
    let config = parse_ok(
        r#"
        [server]
        listen = "[::1]:9000"
        max_body_bytes = 2048
        shutdown_grace = "500ms"
        [store]
        path = "data/sled"
        event_retention = "7d"
        durability = "flush"
        cache_capacity = 1024
        [log]
        level = "info,ordersync=debug"
        format = "json"
        [admin]
        token = "admin-t0ken"
        [delivery]
        concurrency = 1
        request_timeout = "2m"
        schedule = ["0s", "1h"]
        max_retry_after = "0s"
        "#,
    );
    assert_eq!(config.server.listen.to_string(), "[::1]:9000");
    assert_eq!(config.server.max_body_bytes, 2048);
    assert_eq!(config.server.shutdown_grace, Duration::from_millis(500));
    // Relative store paths hang off the config file's folder.
    assert_eq!(config.store.path, PathBuf::from("/cfg/data/sled"));
    assert_eq!(
        config.store.event_retention,
        Duration::from_secs(7 * 86_400)
    );
    assert_eq!(config.store.durability, Durability::Flush);
    assert_eq!(config.store.cache_capacity, 1024);
    assert_eq!(config.log.level, "info,ordersync=debug");
    assert_eq!(config.log.format, LogFormat::Json);
    assert_eq!(config.admin.token.as_ref().unwrap().expose(), "admin-t0ken");
    assert_eq!(config.delivery.concurrency, 1);
    assert_eq!(config.delivery.request_timeout, Duration::from_secs(120));
    assert_eq!(
        config.delivery.schedule,
        [Duration::ZERO, Duration::from_secs(3600)]
    );
    assert_eq!(config.delivery.max_retry_after, Duration::ZERO);

    let none = parse_ok("[store]\ndurability = \"none\"\npath = \"/abs\"");
    assert_eq!(none.store.durability, Durability::None);
    assert_eq!(none.store.path, PathBuf::from("/abs"));
}

#[test]
fn source_defaults() {
    let config = parse_ok(&format!(
        "[sources.primary]\nkind = \"standard\"\nsecret = \"{WHSEC}\""
    ));
    let source = &config.sources[&SourceName::parse("primary").unwrap()];
    assert_eq!(source.kind, SourceKind::Standard);
    assert_eq!(source.secrets.len(), 1);
    assert_eq!(source.tolerance_secs, 300);
    assert_eq!(source.completed_means, CompletedMeans::Dispatched);
    assert!(source.link_rules.is_empty());
}

#[test]
fn channel_defaults_per_kind() {
    let config = parse_ok(
        r#"
        [channels.payco]
        kind = "portone_payco"
        imp_key = "k"
        imp_secret = "s"
        [channels.imweb-kr]
        kind = "imweb"
        api_key = "k"
        secret_key = "s"
        [channels.youcan-ma]
        kind = "youcan"
        access_token = "t"
        [channels.base-jp]
        kind = "base"
        client_id = "id"
        client_secret = "s"
        refresh_token = "r"
        redirect_uri = "https://seller.example/cb"
        [channels.wiz]
        kind = "wizcommerce"
        api_key = "k"
        "#,
    );
    let get = |name: &str| &config.channels[&ChannelName::parse(name).unwrap()];
    let expected = [
        (
            "payco",
            ChannelKind::PortonePayco,
            "https://api.iamport.kr",
            None,
            None,
        ),
        (
            "imweb-kr",
            ChannelKind::Imweb,
            "https://api.imweb.me",
            Some(5),
            None,
        ),
        (
            "youcan-ma",
            ChannelKind::Youcan,
            "https://api.youcan.shop",
            None,
            None,
        ),
        (
            "base-jp",
            ChannelKind::Base,
            "https://api.thebase.in",
            None,
            Some(5000),
        ),
        (
            "wiz",
            ChannelKind::Wizcommerce,
            "https://api.wizcommerce.com",
            None,
            None,
        ),
    ];
    for (name, kind, url, per_sec, per_hour) in expected {
        let channel = get(name);
        assert_eq!(channel.kind, kind, "{name}");
        assert_eq!(channel.base_url, url, "{name}");
        assert_eq!(channel.rate_limit_per_sec, per_sec, "{name}");
        assert_eq!(channel.rate_limit_per_hour, per_hour, "{name}");
    }
    match &get("imweb-kr").settings {
        ChannelSettings::Imweb {
            default_reason_code,
            deliv_fee_method,
            ..
        } => {
            assert_eq!(default_reason_code, "INTENT_CHANGED");
            assert_eq!(deliv_fee_method, &None);
        }
        other => panic!("{other:?}"),
    }
    match &get("youcan-ma").settings {
        ChannelSettings::Youcan {
            client_id,
            client_secret,
            refresh_token,
            tracking_via_fulfill,
            ..
        } => {
            assert!(client_id.is_none() && client_secret.is_none() && refresh_token.is_none());
            assert!(!tracking_via_fulfill);
        }
        other => panic!("{other:?}"),
    }
    match &get("base-jp").settings {
        ChannelSettings::Base {
            access_token,
            comment_template,
            delivery_company_ids,
            ..
        } => {
            assert!(access_token.is_none());
            assert_eq!(
                comment_template,
                "[配送業者]{carrier} [送り状番号]{tracking}"
            );
            assert!(delivery_company_ids.is_empty());
        }
        other => panic!("{other:?}"),
    }
    // 2 + 2 + 1 + 2 + 1 channel secrets.
    assert_eq!(config.secrets().len(), 8);
}

#[test]
fn config_path_default() {
    use crate::config::config_path_from;
    assert_eq!(
        config_path_from(None),
        PathBuf::from("/etc/ordersync/config.toml")
    );
    assert_eq!(
        config_path_from(Some("".into())),
        PathBuf::from("/etc/ordersync/config.toml")
    );
    assert_eq!(
        config_path_from(Some("/srv/o.toml".into())),
        PathBuf::from("/srv/o.toml")
    );
}
