//! The demo's configuration, built in code: a temporary store, loopback on a free port,
//! one `standard` source with a fresh secret, an admin token, the channels pointed at
//! the sims and a retry schedule short enough to watch. The same settings are also
//! written as a config file, so the CLI's client commands can reach the demo daemon.

use crate::config::{
    AdminConfig, ChannelConfig, ChannelSettings, CompletedMeans, Config, DeliveryConfig,
    Durability, LogConfig, LogFormat, ServerConfig, SourceConfig, SourceKind, StoreConfig,
    DEFAULT_CACHE_CAPACITY,
};
use crate::domain::{ChannelName, SourceName};
use crate::secret::Secret;
use base64::Engine;
use rand::RngCore;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;
use toml::{Table, Value};

pub const SOURCE: &str = "primary";

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes
}

/// A Standard Webhooks secret: `whsec_` and 24 random bytes in base64.
pub fn generate_whsec() -> Secret {
    let key = base64::engine::general_purpose::STANDARD.encode(random_bytes::<24>());
    Secret::new(format!("whsec_{key}"))
}

pub fn generate_admin_token() -> Secret {
    Secret::new(hex::encode(random_bytes::<16>()))
}

pub fn demo_config(
    store_dir: &Path,
    whsec: Secret,
    admin_token: Secret,
    channels: BTreeMap<ChannelName, ChannelConfig>,
) -> Config {
    let source = SourceConfig {
        kind: SourceKind::Standard,
        secrets: vec![whsec],
        tolerance_secs: 300,
        completed_means: CompletedMeans::Dispatched,
        link_rules: Vec::new(),
    };
    Config {
        server: ServerConfig {
            listen: "127.0.0.1:0".parse().expect("valid address"),
            max_body_bytes: 1 << 20,
            shutdown_grace: Duration::from_secs(2),
        },
        store: StoreConfig {
            path: store_dir.to_path_buf(),
            event_retention: Duration::from_secs(86_400),
            durability: Durability::Fsync,
            cache_capacity: DEFAULT_CACHE_CAPACITY,
        },
        log: LogConfig {
            // The story's tables are the output; RUST_LOG still turns logs on.
            level: "error".into(),
            format: LogFormat::Text,
        },
        admin: AdminConfig {
            token: Some(admin_token),
        },
        delivery: DeliveryConfig {
            concurrency: 8,
            request_timeout: Duration::from_secs(5),
            schedule: ["0s", "250ms", "1s", "2s"]
                .iter()
                .map(|w| crate::config::parse_duration(w).expect("valid wait"))
                .collect(),
            max_retry_after: Duration::from_secs(5),
        },
        sources: BTreeMap::from([(SourceName::parse(SOURCE).expect("valid name"), source)]),
        channels,
    }
}

fn text(value: &str) -> Value {
    Value::String(value.to_string())
}

fn table(entries: Vec<(&str, Value)>) -> Value {
    Value::Table(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

fn channel_table(channel: &ChannelConfig) -> Value {
    let mut entries = vec![
        ("kind", text(channel.kind.as_str())),
        ("base_url", text(&channel.base_url)),
    ];
    let rates = [
        ("rate_limit_per_sec", channel.rate_limit_per_sec),
        ("rate_limit_per_hour", channel.rate_limit_per_hour),
    ];
    for (key, rate) in rates {
        entries.extend(rate.map(|r| (key, Value::Integer(i64::from(r)))));
    }
    let optional = |value: &Option<String>| value.as_deref().map(text);
    let secret = |value: &Secret| text(value.expose());
    match &channel.settings {
        ChannelSettings::PortonePayco {
            imp_key,
            imp_secret,
        } => {
            entries.push(("imp_key", secret(imp_key)));
            entries.push(("imp_secret", secret(imp_secret)));
        }
        ChannelSettings::Imweb {
            api_key,
            secret_key,
            default_reason_code,
            deliv_fee_method,
        } => {
            entries.push(("api_key", secret(api_key)));
            entries.push(("secret_key", secret(secret_key)));
            entries.push(("default_reason_code", text(default_reason_code)));
            entries.extend(optional(deliv_fee_method).map(|v| ("deliv_fee_method", v)));
        }
        ChannelSettings::Youcan {
            access_token,
            client_id,
            client_secret,
            refresh_token,
            tracking_via_fulfill,
        } => {
            entries.push(("access_token", secret(access_token)));
            entries.extend(optional(client_id).map(|v| ("client_id", v)));
            entries.extend(client_secret.as_ref().map(|s| ("client_secret", secret(s))));
            entries.extend(refresh_token.as_ref().map(|s| ("refresh_token", secret(s))));
            entries.push((
                "tracking_via_fulfill",
                Value::Boolean(*tracking_via_fulfill),
            ));
        }
        ChannelSettings::Base {
            client_id,
            client_secret,
            refresh_token,
            redirect_uri,
            access_token,
            comment_template,
            delivery_company_ids,
        } => {
            entries.push(("client_id", text(client_id)));
            entries.push(("client_secret", secret(client_secret)));
            entries.push(("refresh_token", secret(refresh_token)));
            entries.push(("redirect_uri", text(redirect_uri)));
            entries.extend(access_token.as_ref().map(|s| ("access_token", secret(s))));
            entries.push(("comment_template", text(comment_template)));
            let ids: Table = delivery_company_ids
                .iter()
                .map(|(carrier, id)| (carrier.clone(), Value::Integer(*id as i64)))
                .collect();
            if !ids.is_empty() {
                entries.push(("delivery_company_ids", Value::Table(ids)));
            }
        }
        ChannelSettings::Wizcommerce { api_key } => {
            entries.push(("api_key", secret(api_key)));
        }
    }
    table(entries)
}

/// The config as a file for the client commands. It holds the demo's (throwaway)
/// secrets inline and is only ever written into the demo's private temporary folder.
pub fn config_toml(config: &Config) -> String {
    let sources: Table = config
        .sources
        .iter()
        .map(|(name, source)| {
            let secrets = source.secrets.iter().map(|s| text(s.expose())).collect();
            let entry = table(vec![
                ("kind", text(source.kind.as_str())),
                ("secrets", Value::Array(secrets)),
                (
                    "tolerance_secs",
                    Value::Integer(source.tolerance_secs as i64),
                ),
            ]);
            (name.to_string(), entry)
        })
        .collect();
    let channels: Table = config
        .channels
        .iter()
        .map(|(name, channel)| (name.to_string(), channel_table(channel)))
        .collect();
    let mut root = Table::new();
    root.insert(
        "server".into(),
        table(vec![("listen", text(&config.server.listen.to_string()))]),
    );
    root.insert(
        "store".into(),
        table(vec![(
            "path",
            text(&config.store.path.display().to_string()),
        )]),
    );
    if let Some(token) = &config.admin.token {
        root.insert("admin".into(), table(vec![("token", text(token.expose()))]));
    }
    root.insert("sources".into(), Value::Table(sources));
    root.insert("channels".into(), Value::Table(channels));
    let body = toml::to_string(&root).expect("a TOML table serializes");
    format!(
        "# Written by `ordersync demo` for its client commands (orders, deliveries, sign).\n\
         # Throwaway secrets of a throwaway daemon; deleted when the demo stops.\n\n{body}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ChannelKind;

    #[tokio::test]
    async fn the_written_file_loads_back_to_the_same_settings() {
        let mut sims = crate::sim::start_all().await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let whsec = generate_whsec();
        let token = generate_admin_token();
        let mut config = demo_config(
            &dir.path().join("store"),
            whsec.clone(),
            token.clone(),
            sims.channel_configs(ChannelKind::ALL),
        );
        config.server.listen = "127.0.0.1:4567".parse().unwrap();
        let text = config_toml(&config);
        let loaded = crate::config::parse(&text, dir.path()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(loaded.server.listen, config.server.listen);
        assert_eq!(loaded.store.path, config.store.path);
        assert_eq!(loaded.admin.token, Some(token));
        let source = &loaded.sources[&SourceName::parse(SOURCE).unwrap()];
        assert_eq!(source.secrets.len(), 1);
        assert_eq!(source.secrets[0], whsec);
        assert_eq!(loaded.channels.len(), 5);
        for (name, channel) in &config.channels {
            let back = &loaded.channels[name];
            assert_eq!(
                (back.kind, &back.base_url),
                (channel.kind, &channel.base_url)
            );
            assert_eq!(
                back.settings.secrets(),
                channel.settings.secrets(),
                "{name}"
            );
            assert_eq!(back.rate_limit_per_sec, channel.rate_limit_per_sec);
            assert_eq!(back.rate_limit_per_hour, channel.rate_limit_per_hour);
        }
        // The key decodes as Standard Webhooks expects.
        let key = whsec.expose().strip_prefix("whsec_").unwrap();
        let decoded = base64::engine::general_purpose::STANDARD.decode(key);
        assert_eq!(decoded.unwrap().len(), 24);
        assert_ne!(generate_admin_token(), generate_admin_token());
        sims.stop().await;
    }
}
