//! The measurements of BENCHMARKS.md, one function each; every one starts its own
//! daemon process on a fresh store (or a bulk-loaded one) and returns table rows.

use super::daemon::cpu_time;
use super::env::{mib, percentiles, sample_rss, Env, Run};
use super::events::{self, Mix};
use super::load::{self, LoadPlan, LoadReport};
use crate::config::Durability;
use crate::domain::ChannelKind;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;
use tokio::time::Instant;

#[derive(Debug, Clone)]
pub struct Row {
    pub measure: String,
    pub target: String,
    pub measured: String,
    pub note: String,
}

pub fn row(measure: &str, target: &str, measured: String, note: String) -> Row {
    Row {
        measure: measure.into(),
        target: target.into(),
        measured,
        note,
    }
}

fn plan(env: &Env, url: String, mix: Mix, first: u64, count: u64, rate: Option<f64>) -> LoadPlan {
    LoadPlan {
        url,
        secret: env.secret.clone(),
        mix,
        first,
        count,
        rate,
        concurrency: if rate.is_some() { 4096 } else { 128 },
        run_id: format!("run-{}", rand::random::<u32>()),
    }
}

fn statuses(report: &LoadReport) -> String {
    report
        .statuses
        .iter()
        .map(|(status, n)| format!("{n}×{status}"))
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn durability_name(durability: Durability) -> &'static str {
    match durability {
        Durability::Fsync => "fsync",
        Durability::Flush => "flush",
        Durability::None => "none",
    }
}

/// Closed-loop ingest at 128 in flight: events/s that got a 2xx.
/// CPU microseconds per acknowledged event.
fn cpu_per_event(cpu: Duration, events: u64) -> String {
    format!("{:.0}", cpu.as_micros() as f64 / events.max(1) as f64)
}

pub async fn throughput(
    env: &mut Env,
    durability: Durability,
    events: u64,
) -> anyhow::Result<(f64, Row)> {
    let (daemon, _) = env.start(&Run::ingest_only(durability)).await?;
    let mix = Mix::Chain { orders: 20_000 };
    let warm = load::run(plan(env, daemon.webhook_url(), mix, 0, 2_000, None), None).await;
    let (stop, rss) = sample_rss(daemon.pid, Duration::from_millis(250));
    let cpu_before = cpu_time(daemon.pid);
    let report = load::run(
        plan(env, daemon.webhook_url(), mix, 2_000, events, None),
        None,
    )
    .await;
    let cpu = cpu_time(daemon.pid).saturating_sub(cpu_before);
    let _ = stop.send(());
    let peak = rss.await?.into_iter().max().unwrap_or(0);
    daemon.stop()?;
    let name = durability_name(durability);
    let events_per_sec = report.throughput();
    let row = row(
        &format!("durable ingest, `durability = \"{name}\"`"),
        if durability == Durability::Fsync {
            "≥ 10,000 events/s"
        } else {
            ""
        },
        format!("{events_per_sec:.0} events/s"),
        format!(
            "{} events after {} warm-up, 128 in flight; daemon CPU {} µs/event; latency {}; peak RSS {}; {}",
            report.ok() + report.failed(),
            warm.ok(),
            cpu_per_event(cpu, report.ok()),
            percentiles(&report.service),
            mib(peak),
            statuses(&report)
        ),
    );
    Ok((events_per_sec, row))
}

/// The same load against `bench bare` (the HTTP ceiling on this machine).
pub async fn bare(env: &mut Env, events: u64) -> anyhow::Result<(f64, Row)> {
    let port = super::daemon::free_port();
    let mut command = match &env.spec.cpu {
        Some(cpus) => {
            let mut c = std::process::Command::new("taskset");
            c.args(["-c", cpus]).arg(std::env::current_exe()?);
            c
        }
        None => std::process::Command::new(std::env::current_exe()?),
    };
    let mut child = command
        .args(["bare", "--listen", &format!("127.0.0.1:{port}")])
        .spawn()?;
    let url = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while http.get(format!("{url}/readyz")).send().await.is_err() {
        anyhow::ensure!(Instant::now() < deadline, "bench bare did not start");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let webhook = format!("{url}/webhooks/primary");
    let mix = Mix::Chain { orders: 20_000 };
    load::run(plan(env, webhook.clone(), mix, 0, 2_000, None), None).await;
    let report = load::run(plan(env, webhook, mix, 2_000, events, None), None).await;
    let _ = child.kill();
    let _ = child.wait();
    let rate = report.throughput();
    Ok((
        rate,
        row(
            "bare actix handler (reads the body, answers 202)",
            "",
            format!("{rate:.0} events/s"),
            format!(
                "same generator and events; latency {}",
                percentiles(&report.service)
            ),
        ),
    ))
}

/// Open loop at `rate` for `seconds`: time-to-2xx from the scheduled send, and the
/// daemon's RSS at idle, during and after.
pub async fn time_to_2xx(
    env: &mut Env,
    durability: Durability,
    rate: f64,
    seconds: u64,
) -> anyhow::Result<Vec<Row>> {
    let (daemon, _) = env.start(&Run::ingest_only(durability)).await?;
    let mix = Mix::Chain { orders: 50_000 };
    load::run(
        plan(env, daemon.webhook_url(), mix, 0, 1_000, Some(rate)),
        None,
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = daemon.rss_kib();
    let count = (rate * seconds as f64) as u64;
    let (stop, rss) = sample_rss(daemon.pid, Duration::from_secs(1));
    let report = load::run(
        plan(env, daemon.webhook_url(), mix, 1_000, count, Some(rate)),
        None,
    )
    .await;
    let _ = stop.send(());
    let samples = rss.await?;
    daemon.stop()?;
    let target = if rate >= 2000.0 {
        "p99 ≤ 5 ms at 2k/s"
    } else {
        ""
    };
    let mut rows = vec![row(
        &format!(
            "time to 2xx at {rate:.0} events/s ({}), p50 / p99 / p99.9",
            durability_name(durability)
        ),
        target,
        percentiles(&report.latency),
        format!(
            "{seconds} s open loop, from the scheduled send; from the actual send {}; {}",
            percentiles(&report.service),
            statuses(&report)
        ),
    )];
    let (lo, hi) = (
        samples.iter().copied().min().unwrap_or(0),
        samples.iter().copied().max().unwrap_or(0),
    );
    rows.push(row(
        &format!("RSS idle → under {rate:.0} events/s"),
        "≤ 64 MiB, flat over a soak",
        format!("{} → {}–{}", mib(idle), mib(lo), mib(hi)),
        format!(
            "cache_capacity {}; {} samples 1 s apart over {seconds} s; first {} last {}; tasks stay queued (schedule 1h), so the engine's lanes grow with the load",
            mib(env.cache_capacity / 1024),
            samples.len(),
            mib(*samples.first().unwrap_or(&0)),
            mib(*samples.last().unwrap_or(&0))
        ),
    ));
    Ok(rows)
}

/// Open loop at `rate` with the five channels on the sims: from each event's
/// scheduled send to the arrival of its status call at each marketplace.
/// Also returns the daemon's RSS, sampled every 5 s while the load ran (the soak).
pub async fn ingest_to_marketplace(
    env: &mut Env,
    rate: f64,
    seconds: u64,
) -> anyhow::Result<(Row, Vec<u64>)> {
    let count = (rate * seconds as f64) as u64;
    // Half a second of load (tokens, connections), at most 500 events.
    let warm = ((rate / 2.0) as u64).clamp(1, 500);
    // Orders of earlier runs in this process are not sent again: new ids each run.
    let base = env.next_orders(warm + count);
    events::seed(&env.sims, base..base + warm + count).map_err(anyhow::Error::msg)?;
    let (daemon, _) = env.start(&Run::delivering()).await?;
    let mix = Mix::NewOrders;
    load::run(
        plan(env, daemon.webhook_url(), mix, base, warm, Some(rate)),
        None,
    )
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mark = env.sims.recorder.mark();
    let (stop, rss) = sample_rss(daemon.pid, Duration::from_secs(5));
    let cpu_before = cpu_time(daemon.pid);
    let warm = base + warm;
    let report = load::run(
        plan(env, daemon.webhook_url(), mix, warm, count, Some(rate)),
        None,
    )
    .await;
    let _ = stop.send(());
    let rss = rss.await?;
    let expected = |order: u64| if order % 2 == 0 { 4 } else { 5 };
    let want: usize = report.acknowledged.iter().map(|&o| expected(o)).sum();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut first: HashMap<(u64, ChannelKind), std::time::Instant> = HashMap::new();
    let mut seen = mark;
    loop {
        for call in env.sims.recorder.since(seen) {
            seen = call.seq + 1;
            if let Some(order) = events::order_of_call(&call).filter(|o| *o >= warm) {
                first.entry((order, call.kind)).or_insert(call.arrived);
            }
        }
        if first.len() >= want || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if std::env::var_os("BENCH_DEBUG").is_some() {
        let missing: Vec<u64> = report
            .acknowledged
            .iter()
            .copied()
            .filter(|o| !first.contains_key(&(*o, ChannelKind::PortonePayco)))
            .take(10)
            .collect();
        eprintln!("missing payco calls for orders {missing:?}");
    }
    let cpu = cpu_time(daemon.pid).saturating_sub(cpu_before);
    daemon.stop()?;
    let mut per_call = load::histogram();
    let mut per_event: BTreeMap<u64, u64> = BTreeMap::new();
    let mut per_kind: BTreeMap<&str, hdrhistogram::Histogram<u64>> = BTreeMap::new();
    for ((order, kind), arrived) in &first {
        let Some(Some(sent)) = report.sent_at.get((order - warm) as usize) else {
            continue;
        };
        let micros = (arrived
            .saturating_duration_since(sent.into_std())
            .as_micros() as u64)
            .max(1);
        per_call.saturating_record(micros);
        per_kind
            .entry(kind.as_str())
            .or_insert_with(load::histogram)
            .saturating_record(micros);
        let slowest = per_event.entry(*order).or_default();
        *slowest = (*slowest).max(micros);
    }
    let mut all = load::histogram();
    for micros in per_event.values() {
        all.saturating_record(*micros);
    }
    let by_kind = per_kind
        .iter()
        .map(|(kind, h)| {
            let p99 = h.value_at_quantile(0.99) as f64 / 1000.0;
            format!("{kind} {} (p99 {p99:.1} ms)", h.len())
        })
        .collect::<Vec<_>>()
        .join(", ");
    let errors: usize = env
        .sims
        .recorder
        .since(mark)
        .iter()
        .filter(|c| !c.is_auth() && c.status >= 300)
        .count();
    let row = row(
        &format!("ingest → marketplace at {rate:.0} events/s, five channels, p50 / p99 / p99.9"),
        "p99 ≤ 10 ms at 1k/s",
        percentiles(&per_call),
        format!(
            "{seconds} s; per status call (first call per order and marketplace, {} of {want} arrived: {by_kind}); slowest marketplace per event {}; {errors} non-2xx sim answers; daemon CPU {} µs/event (ingest and its deliveries); ingest {}",
            first.len(),
            percentiles(&all),
            cpu_per_event(cpu, report.ok()),
            statuses(&report)
        ),
    );
    Ok((row, rss))
}

/// RSS over a long run with deliveries flowing (the outbox stays small).
pub fn soak_row(rate: f64, seconds: u64, samples: &[u64], cache_capacity: u64) -> Row {
    let (lo, hi) = (
        samples.iter().copied().min().unwrap_or(0),
        samples.iter().copied().max().unwrap_or(0),
    );
    let half = samples.len() / 2;
    let first_half = samples[..half].iter().copied().max().unwrap_or(0);
    let second_half = samples[half..].iter().copied().max().unwrap_or(0);
    row(
        &format!("soak: RSS over {seconds} s at {rate:.0} events/s, five channels delivering"),
        "≤ 64 MiB, flat",
        format!("{}–{}", mib(lo), mib(hi)),
        format!(
            "{} samples 5 s apart; max of the first half {}, of the second half {}; cache_capacity {}",
            samples.len(),
            mib(first_half),
            mib(second_half),
            mib(cache_capacity / 1024)
        ),
    )
}
