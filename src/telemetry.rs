//! Logging: human-readable or one flat JSON object per line (journald friendly).
//! `RUST_LOG` overrides `log.level`.

mod flat_json;

use crate::config::{LogConfig, LogFormat};
use std::io::IsTerminal;
use tracing_subscriber::fmt::format::JsonFields;
use tracing_subscriber::EnvFilter;

pub fn init(log: &LogConfig) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&log.level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // A line that cannot be written (stderr's reader gone) is dropped. Reporting it
        // is an `eprintln!`, which panics on that same stderr: in whichever request,
        // delivery or shutdown step was logging.
        .log_internal_errors(false);
    let _ = match log.format {
        LogFormat::Json => builder
            .fmt_fields(JsonFields::new())
            .event_format(flat_json::FlatJson)
            .try_init(),
        // Colours only on a terminal: journald and log files get plain text.
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
    };
}
