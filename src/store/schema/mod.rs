//! The store's schema version, checked at open. Migrations run in order from the
//! stored version to `SCHEMA_VERSION`; a store written by a newer build is refused.

mod binary;
mod history_logs;

use super::StoreError;
use std::path::Path;

#[cfg(test)]
use history_logs::v2_history_key;

/// 1: JSON records. 2: binary records (`codec`). 3: one history record per order, no
/// time index of dedupe keys.
pub const SCHEMA_VERSION: u32 = 3;
const KEY: &[u8] = b"schema_version";

/// `MIGRATIONS[n]` upgrades a store from version n+1 to n+2.
type Migration = fn(&sled::Db) -> Result<(), StoreError>;
const MIGRATIONS: &[Migration] = &[binary::json_to_binary, history_logs::history_logs];

pub fn check_and_migrate(db: &sled::Db, meta: &sled::Tree, path: &Path) -> Result<(), StoreError> {
    let found = match meta.get(KEY)? {
        Some(bytes) => u32::from_be_bytes(bytes.as_ref().try_into().map_err(|_| {
            StoreError::SchemaMismatch {
                path: path.to_path_buf(),
                found: 0,
                expected: SCHEMA_VERSION,
                hint: " (the version record is damaged)",
            }
        })?),
        None => {
            meta.insert(KEY, &SCHEMA_VERSION.to_be_bytes())?;
            return Ok(());
        }
    };
    if found > SCHEMA_VERSION || found == 0 {
        return Err(StoreError::SchemaMismatch {
            path: path.to_path_buf(),
            found,
            expected: SCHEMA_VERSION,
            hint: " (written by a newer ordersync: upgrade ordersync, or restore a backup)",
        });
    }
    for version in found..SCHEMA_VERSION {
        // On a big store this takes a while: say so, so a slow start is not a mystery.
        tracing::info!(path = %path.display(), from = version, to = version + 1, "migrating the store");
        let started = std::time::Instant::now();
        MIGRATIONS[(version - 1) as usize](db)?;
        meta.insert(KEY, &(version + 1).to_be_bytes())?;
        tracing::info!(
            to = version + 1,
            took_ms = started.elapsed().as_millis() as u64,
            "store migrated"
        );
    }
    Ok(())
}

/// Records moved per sled batch or transaction: bounds memory on a big store.
const CHUNK: usize = 4096;

#[cfg(test)]
mod tests;
