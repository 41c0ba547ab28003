//! Typed configuration (CONFIG.md): `load` reads `config.toml`, checks every key and
//! reports every problem at once, each with its key path.

mod channels;
mod duration;
mod errors;
mod load;
mod secrets;
mod section;
mod sources;
mod summary;
mod types;

#[cfg(test)]
mod tests;

pub use channels::{
    default_base_url, default_rate_limits, DEFAULT_COMMENT_TEMPLATE, DEFAULT_REASON_CODE,
};
pub use duration::{format_duration, parse_duration};
pub use errors::{ConfigErrors, ConfigProblem};
pub use load::{
    default_schedule, load, parse, DEFAULT_CACHE_CAPACITY, DEFAULT_CONCURRENCY, DEFAULT_LISTEN,
    DEFAULT_MAX_BODY_BYTES, DEFAULT_STORE_PATH,
};
pub use types::*;

use std::path::PathBuf;

pub const DEFAULT_CONFIG_PATH: &str = "/etc/ordersync/config.toml";

/// `-c`'s default: `$ORDERSYNC_CONFIG` when set and non-empty, else
/// `/etc/ordersync/config.toml`.
pub fn default_config_path() -> PathBuf {
    config_path_from(std::env::var_os("ORDERSYNC_CONFIG"))
}

fn config_path_from(env: Option<std::ffi::OsString>) -> PathBuf {
    match env {
        Some(value) if !value.is_empty() => PathBuf::from(value),
        _ => PathBuf::from(DEFAULT_CONFIG_PATH),
    }
}
