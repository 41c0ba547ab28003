//! What `check-config` prints on success, and the list of every configured secret.

use super::duration::format_duration;
use super::{Config, Durability, LogFormat};
use crate::secret::Secret;
use std::fmt::Write;

impl Config {
    /// A human summary for `ordersync check-config`. Holds no secret: secrets are only
    /// counted.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        let durability = match self.store.durability {
            Durability::Fsync => "fsync",
            Durability::Flush => "flush",
            Durability::None => "none",
        };
        // Writing to a String cannot fail.
        let _ = writeln!(out, "listen: {}", self.server.listen);
        let _ = writeln!(
            out,
            "store: {} (durability {durability})",
            self.store.path.display()
        );
        let format = match self.log.format {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        };
        let _ = writeln!(out, "log: {} ({format})", self.log.level);
        let admin = if self.admin.token.is_some() {
            "on"
        } else {
            "off (no token)"
        };
        let _ = writeln!(out, "admin API: {admin}");
        let _ = writeln!(out, "sources ({}):", self.sources.len());
        for (name, source) in &self.sources {
            let count = source.secrets.len();
            let _ = writeln!(
                out,
                "  {name}: {}, {count} secret{}, POST /webhooks/{name}",
                source.kind.as_str(),
                if count == 1 { "" } else { "s" },
            );
        }
        let _ = writeln!(out, "channels ({}):", self.channels.len());
        for (name, channel) in &self.channels {
            let _ = writeln!(out, "  {name}: {}, {}", channel.kind, channel.base_url);
        }
        let _ = writeln!(
            out,
            "delivery: concurrency {}, {} attempts (last wait {}), request timeout {}",
            self.delivery.concurrency,
            self.delivery.schedule.len(),
            self.delivery
                .schedule
                .last()
                .map_or_else(|| "-".to_string(), |d| format_duration(*d)),
            format_duration(self.delivery.request_timeout),
        );
        out
    }

    /// Every configured secret: the admin token, the sources' signing secrets and the
    /// channels' credentials, so tests can check that none reaches a log.
    pub fn secrets(&self) -> Vec<&Secret> {
        let mut all: Vec<&Secret> = self.admin.token.iter().collect();
        for source in self.sources.values() {
            all.extend(source.secrets.iter());
        }
        for channel in self.channels.values() {
            all.extend(channel.settings.secrets());
        }
        all
    }
}
