//! Which channels currently refuse our credentials (for `/readyz` and metrics).

use crate::domain::ChannelName;
use std::collections::BTreeMap;
use std::sync::Mutex;

#[derive(Debug, Default)]
pub struct ChannelHealth {
    auth_failed: Mutex<BTreeMap<ChannelName, String>>,
}

impl ChannelHealth {
    pub fn mark_auth_failed(&self, channel: &ChannelName, message: &str) {
        let mut failed = self.auth_failed.lock().expect("health lock");
        if !failed.contains_key(channel) {
            tracing::error!(channel = %channel, error = message, "channel refuses our credentials");
        }
        failed.insert(channel.clone(), message.to_string());
    }

    pub fn mark_healthy(&self, channel: &ChannelName) {
        if self
            .auth_failed
            .lock()
            .expect("health lock")
            .remove(channel)
            .is_some()
        {
            tracing::info!(channel = %channel, "channel accepts our credentials again");
        }
    }

    /// Auth-failed channels and the last refusal.
    pub fn auth_failed(&self) -> BTreeMap<ChannelName, String> {
        self.auth_failed.lock().expect("health lock").clone()
    }
}
