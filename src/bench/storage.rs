//! Measurements on big stores: restart time with queued tasks, and RSS and size on disk
//! after a million orders. Both stores are bulk loaded through the writer (`bulk`).

use super::bulk;
use super::env::{mib, percentiles, sample_rss, Env, Run};
use super::events::Mix;
use super::load::{self, LoadPlan};
use super::scenarios::{row, Row};
use crate::config::Durability;
use std::path::Path;
use std::time::Duration;

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values.get(values.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

/// `tasks` queued tasks (five per order), then `restarts` starts of the daemon on that
/// store: time from process start to the engine's "loaded" line and to `/readyz` 200.
pub async fn restart(env: &mut Env, tasks: u64, restarts: usize) -> anyhow::Result<Row> {
    let store = env.new_store();
    let orders = tasks.div_ceil(5);
    let loaded = bulk::load(
        &store,
        Mix::NewOrders,
        orders,
        true,
        Duration::from_secs(3600),
    )
    .await?;
    let mut run = Run::ingest_only(Durability::Fsync);
    run.store = Some(store);
    let (mut ready, mut engine, mut rss) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..restarts {
        let (daemon, _) = env.start(&run).await?;
        ready.push(daemon.ready_after.unwrap_or_default());
        if let Some(at) = daemon.engine_loaded_after() {
            engine.push(at);
        }
        rss.push(daemon.rss_kib());
        daemon.kill9();
    }
    Ok(row(
        &format!("restart with {} queued tasks: to engine loaded / to `/readyz` 200", loaded.tasks),
        "ready ≤ 2 s",
        format!("{} / {}", ms(median(engine)), ms(median(ready.clone()))),
        format!(
            "median of {restarts} kill -9 + restarts (all: {}); {orders} orders bulk loaded in {:.1} s; RSS once ready {}",
            ready.iter().map(|d| ms(*d)).collect::<Vec<_>>().join(", "),
            loaded.took.as_secs_f64(),
            mib(rss.iter().copied().max().unwrap_or(0))
        ),
    ))
}

/// `orders` orders bulk loaded (links kept, nothing queued); then the daemon on that
/// store: RSS at idle, under 1k events/s of new orders, size on disk vs raw events.
/// `big`: where the store goes when the work folder's disk is too small for it.
pub async fn million(
    env: &mut Env,
    orders: u64,
    seconds: u64,
    big: Option<&Path>,
) -> anyhow::Result<Vec<Row>> {
    let _big_dir;
    let store = match big {
        Some(dir) => {
            _big_dir = tempfile::Builder::new()
                .prefix("ordersync-bench-big-")
                .tempdir_in(dir)?;
            _big_dir.path().join("store")
        }
        None => env.new_store(),
    };
    let loaded = bulk::load(&store, Mix::NewOrders, orders, false, Duration::ZERO).await?;
    let on_disk = super::daemon::dir_size(&store);
    let mut run = Run::ingest_only(Durability::Fsync);
    run.store = Some(store.clone());
    let (daemon, _) = env.start(&run).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle = daemon.rss_kib();
    let rate = 1000.0;
    let plan = LoadPlan {
        url: daemon.webhook_url(),
        secret: env.secret.clone(),
        // Far past the bulk-loaded indices: new orders.
        mix: Mix::Chain { orders: 50_000 },
        first: 1_000_000_000_000,
        count: (rate * seconds as f64) as u64,
        rate: Some(rate),
        concurrency: 4096,
        run_id: "after-million".into(),
    };
    let (stop, samples) = sample_rss(daemon.pid, Duration::from_secs(1));
    let report = load::run(plan, None).await;
    let _ = stop.send(());
    let samples = samples.await?;
    daemon.stop()?;
    let after = super::daemon::dir_size(&store);
    Ok(vec![
        row(
            &format!("RSS with {} stored orders: idle → under 1k events/s", loaded.events),
            "≤ 64 MiB",
            format!(
                "{} → {}",
                mib(idle),
                mib(samples.iter().copied().max().unwrap_or(0))
            ),
            format!(
                "bulk loaded through the writer in {:.0} s ({:.0} orders/s); {seconds} s of new orders: time to 2xx {}",
                loaded.took.as_secs_f64(),
                loaded.events as f64 / loaded.took.as_secs_f64().max(1e-9),
                percentiles(&report.latency)
            ),
        ),
        row(
            &format!("store size on disk, {} orders", loaded.events),
            "",
            format!(
                "{:.0} MiB ({:.1}× the raw events)",
                on_disk as f64 / (1 << 20) as f64,
                on_disk as f64 / loaded.raw_bytes.max(1) as f64
            ),
            format!(
                "raw events {:.0} MiB ({} B each: order, 5 items, 5 links with item maps); after the run and a clean stop {:.0} MiB; store folder {}",
                loaded.raw_bytes as f64 / (1 << 20) as f64,
                loaded.raw_bytes / loaded.events.max(1),
                after as f64 / (1 << 20) as f64,
                big.map_or("beside the others".to_string(), |b| format!("in {}", b.display()))
            ),
        ),
    ])
}
