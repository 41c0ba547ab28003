//! The whole suite in one process, in an order that keeps each run on a quiet machine:
//! HTTP ceiling and throughput first, then latency, end to end, soak, big stores.

use super::env::Env;
use super::scenarios::{self, row, Row};
use super::storage;
use crate::config::Durability;

pub async fn run(
    env: &mut Env,
    seconds: u64,
    events: u64,
    orders: u64,
    tasks: u64,
    soak: u64,
    big: Option<&std::path::Path>,
) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    let progress = |rows: &[Row]| {
        if let Some(last) = rows.last() {
            eprintln!("{}: {}", last.measure, last.measured);
        }
    };
    let (bare, bare_row) = scenarios::bare(env, events).await?;
    rows.push(bare_row);
    progress(&rows);
    for durability in [Durability::Fsync, Durability::Flush, Durability::None] {
        let (rate, mut line) = scenarios::throughput(env, durability, events).await?;
        line.measured = format!("{} ({:.0}% of bare)", line.measured, 100.0 * rate / bare);
        rows.push(line);
        progress(&rows);
    }
    for rate in [1000.0, 2000.0] {
        rows.extend(scenarios::time_to_2xx(env, Durability::Fsync, rate, seconds).await?);
        progress(&rows);
    }
    for rate in [1000.0, 500.0] {
        rows.push(
            scenarios::ingest_to_marketplace(env, rate, seconds)
                .await?
                .0,
        );
        progress(&rows);
    }
    if soak > 0 {
        // A rate the daemon sustains with five channels, so the outbox stays small
        // and what RSS shows is the process, not a growing backlog.
        let rate = 400.0;
        let (latency, samples) = scenarios::ingest_to_marketplace(env, rate, soak).await?;
        rows.push(scenarios::soak_row(
            rate,
            soak,
            &samples,
            env.cache_capacity,
        ));
        rows.push(row(
            &format!("soak: {}", latency.measure),
            "",
            latency.measured,
            latency.note,
        ));
        progress(&rows);
    }
    rows.push(storage::restart(env, tasks, 3).await?);
    progress(&rows);
    rows.extend(storage::million(env, orders, 10, big).await?);
    progress(&rows);
    if rows.is_empty() {
        rows.push(row("nothing ran", "", String::new(), String::new()));
    }
    Ok(rows)
}
