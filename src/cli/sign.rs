//! `ordersync sign`: signs a file for a `standard` source, for integrators testing
//! their sender.

use crate::config::{Config, SourceKind};
use crate::domain::SourceName;
use anyhow::{anyhow, bail, Context};
use std::path::Path;

pub fn signed_request(config: &Config, source: &str, file: &Path) -> anyhow::Result<String> {
    let name = SourceName::parse(source).map_err(|e| anyhow!("source {source:?}: {e}"))?;
    let source_config = config
        .sources
        .get(&name)
        .ok_or_else(|| anyhow!("no [sources.{source}] in the config"))?;
    if source_config.kind != SourceKind::Standard {
        bail!(
            "source {source} is of kind {}; only standard sources are signed this way",
            source_config.kind.as_str()
        );
    }
    let secret = source_config
        .secrets
        .last()
        .ok_or_else(|| anyhow!("source {source} has no secret"))?;
    let body = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let id = format!("msg_{}", random_suffix());
    let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let signature = crate::ingest::standard::sign(secret, &id, timestamp, &body);
    let host = config.server.listen;
    Ok(format!(
        "webhook-id: {id}\nwebhook-timestamp: {timestamp}\nwebhook-signature: {signature}\n\n\
         curl -sS -X POST http://{host}/webhooks/{source} \\\n  -H 'content-type: application/json' \\\n  \
         -H 'webhook-id: {id}' \\\n  -H 'webhook-timestamp: {timestamp}' \\\n  -H 'webhook-signature: {signature}' \\\n  \
         --data-binary @{}\n",
        file.display()
    ))
}

fn random_suffix() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..20)
        .map(|_| char::from(b"0123456789abcdefghijklmnopqrstuvwxyz"[rng.gen_range(0..36)]))
        .collect()
}
