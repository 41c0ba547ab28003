//! Reading `config.toml`: the top-level tables, defaults, and the walk that collects
//! every problem before answering.

use super::channels::parse_channels;
use super::duration::parse_duration;
use super::errors::{ConfigErrors, Problems};
use super::secrets::resolve;
use super::section::{self, duration, one_of, positive, positive_duration, Section};
use super::sources::parse_sources;
use super::{
    AdminConfig, Config, DeliveryConfig, Durability, LogConfig, LogFormat, ServerConfig,
    StoreConfig,
};
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use toml::{Table, Value};

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_MAX_BODY_BYTES: usize = 1_048_576;
pub const DEFAULT_STORE_PATH: &str = "/var/lib/ordersync";
/// 8 MiB: sled's own default is 1 GiB, far more than a queue of orders needs. sled's
/// memory is two to three times this bound, and 4, 8, 16 and 64 MiB measured the same
/// CPU per event while 8 MiB held ~9 MiB less than 16 (BENCHMARKS.md), so the default
/// is what the benchmarks run with.
pub const DEFAULT_CACHE_CAPACITY: u64 = 8 * 1024 * 1024;
pub const DEFAULT_CONCURRENCY: usize = 32;
pub const DEFAULT_SCHEDULE: [&str; 12] = [
    "0s", "5s", "30s", "2m", "10m", "30m", "1h", "2h", "4h", "8h", "12h", "24h",
];

const DURABILITY: &[(&str, Durability)] = &[
    ("fsync", Durability::Fsync),
    ("flush", Durability::Flush),
    ("none", Durability::None),
];
const LOG_FORMATS: &[(&str, LogFormat)] = &[("text", LogFormat::Text), ("json", LogFormat::Json)];
const LOG_LEVELS: [&str; 6] = ["trace", "debug", "info", "warn", "error", "off"];

/// Reads and validates the config file. Relative paths inside it (store path, `*_file`
/// secrets) are taken relative to the file's folder.
pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigErrors::single(
            path.display().to_string(),
            format!("cannot read config file: {e}"),
        )
    })?;
    let parent = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    // Absolute, so the summary and the store open the same place whatever the cwd.
    let base_dir = std::path::absolute(parent).unwrap_or_else(|_| parent.to_path_buf());
    parse(&text, &base_dir)
}

/// Validates config text; `base_dir` stands for the config file's folder.
pub fn parse(text: &str, base_dir: &Path) -> Result<Config, ConfigErrors> {
    let root: Table = text
        .parse()
        .map_err(|e: toml::de::Error| syntax_error(text, &e))?;
    let mut problems = Problems::default();
    let config = walk(&root, base_dir, &mut problems);
    problems.finish(config)
}

/// One problem naming line and column. toml's own rendering quotes the offending line,
/// which may hold a secret, so only its message is kept.
fn syntax_error(text: &str, error: &toml::de::Error) -> ConfigErrors {
    // One problem, one line: toml's message may span several.
    let detail: Vec<&str> = error
        .message()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let message = format!("TOML syntax error: {}", detail.join("; "));
    let Some(span) = error.span() else {
        return ConfigErrors::single("config", message);
    };
    let mut start = span.start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    ConfigErrors::single(format!("line {line}, column {column}"), message)
}

fn walk(root: &Table, base_dir: &Path, problems: &mut Problems) -> Config {
    let mut top = Section::new("", root);
    let empty = Table::new();
    let mut section = |name: &str, problems: &mut Problems| {
        top.table(name, problems)
            .unwrap_or_else(|| Section::new(name, &empty))
    };

    let server = server(section("server", problems), problems);
    let store = store(section("store", problems), base_dir, problems);
    let log = log(section("log", problems), problems);
    let admin = admin(section("admin", problems), base_dir, problems);
    let delivery = delivery(section("delivery", problems), problems);

    let channels_section = section("channels", problems);
    let channel_names: BTreeSet<String> = channels_section.table_keys().into_iter().collect();
    let channels = parse_channels(channels_section, base_dir, problems);
    let sources = parse_sources(
        section("sources", problems),
        base_dir,
        &channel_names,
        problems,
    );
    top.finish(problems, |_| None);

    Config {
        server,
        store,
        log,
        admin,
        delivery,
        sources,
        channels,
    }
}

fn server(mut s: Section<'_>, p: &mut Problems) -> ServerConfig {
    let listen = s.optional("listen", p, |value| {
        let text = section::string(value)?;
        text.parse::<SocketAddr>().map_err(|_| {
            format!(
                "{text:?} is not a socket address: expected \"IP:PORT\" like \"127.0.0.1:8080\""
            )
        })
    });
    let max_body_bytes = s.or(
        "max_body_bytes",
        p,
        DEFAULT_MAX_BODY_BYTES,
        positive::<usize>,
    );
    let shutdown_grace = s.or("shutdown_grace", p, secs(30), duration);
    s.finish(p, |_| None);
    ServerConfig {
        listen: listen.unwrap_or_else(|| DEFAULT_LISTEN.parse().expect("valid default")),
        max_body_bytes,
        shutdown_grace,
    }
}

fn store(mut s: Section<'_>, base_dir: &Path, p: &mut Problems) -> StoreConfig {
    let path = s.or("path", p, PathBuf::from(DEFAULT_STORE_PATH), |value| {
        Ok(resolve(base_dir, &section::non_empty_string(value)?))
    });
    let event_retention = s.or("event_retention", p, secs(30 * 86_400), positive_duration);
    let durability = s.or("durability", p, Durability::Fsync, one_of(DURABILITY));
    let cache_capacity = s.or("cache_capacity", p, DEFAULT_CACHE_CAPACITY, positive::<u64>);
    s.finish(p, |_| None);
    StoreConfig {
        path,
        event_retention,
        durability,
        cache_capacity,
    }
}

fn log(mut s: Section<'_>, p: &mut Problems) -> LogConfig {
    let level = s.or("level", p, "info".to_string(), log_level);
    let format = s.or("format", p, LogFormat::Text, one_of(LOG_FORMATS));
    s.finish(p, |_| None);
    LogConfig { level, format }
}

/// A level word, or a full `RUST_LOG`-style directive list. A lone word must be a level:
/// the filter syntax would otherwise take a typo like `infoo` for a target name.
fn log_level(value: &Value) -> Result<String, String> {
    let text = section::non_empty_string(value)?;
    let single_word = !text.contains([',', '=', '[', '{']);
    if single_word && !LOG_LEVELS.contains(&text.to_ascii_lowercase().as_str()) {
        return Err(format!(
            "unknown level {text:?} (expected {}, or a RUST_LOG-style filter)",
            LOG_LEVELS.join(", ")
        ));
    }
    tracing_subscriber::EnvFilter::builder()
        .parse(&text)
        .map_err(|e| format!("invalid log filter {text:?}: {e}"))?;
    Ok(text)
}

fn admin(mut s: Section<'_>, base_dir: &Path, p: &mut Problems) -> AdminConfig {
    let token = s.secret("token", base_dir, p);
    s.finish(p, |_| None);
    AdminConfig { token }
}

fn delivery(mut s: Section<'_>, p: &mut Problems) -> DeliveryConfig {
    let concurrency = s.or("concurrency", p, DEFAULT_CONCURRENCY, positive::<usize>);
    let request_timeout = s.or("request_timeout", p, secs(15), positive_duration);
    let schedule_key = s.key("schedule");
    let schedule = match s.optional("schedule", p, section::array) {
        Some(list) if list.is_empty() => {
            p.push(&schedule_key, "must list at least one wait");
            Vec::new()
        }
        Some(list) => list
            .iter()
            .enumerate()
            .filter_map(|(i, value)| {
                duration(value)
                    .map_err(|message| p.push(format!("{schedule_key}[{i}]"), message))
                    .ok()
            })
            .collect(),
        None => default_schedule(),
    };
    let max_retry_after = s.or("max_retry_after", p, secs(3600), duration);
    s.finish(p, |_| None);
    DeliveryConfig {
        concurrency,
        request_timeout,
        schedule,
        max_retry_after,
    }
}

pub fn default_schedule() -> Vec<std::time::Duration> {
    DEFAULT_SCHEDULE
        .iter()
        .map(|text| parse_duration(text).expect("valid default"))
        .collect()
}

fn secs(n: u64) -> std::time::Duration {
    std::time::Duration::from_secs(n)
}
