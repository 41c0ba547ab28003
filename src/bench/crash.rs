//! The crash loop: load, `kill -9` at a random moment, restart on the same store, check.
//! Every event that got a 2xx must be in the store (admin API), and every status call
//! it implies must reach its simulated marketplace. The sims live in this process, so
//! they outlive every daemon.

use super::daemon::{Daemon, DaemonSpec};
use super::env::{Env, Run};
use super::events::{self, Mix};
use super::load::{self, LoadPlan};
use crate::domain::ChannelKind;
use futures_util::StreamExt;
use rand::Rng;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

#[derive(Debug, Clone)]
pub struct CrashPlan {
    pub cycles: usize,
    /// Events per second while a cycle runs.
    pub rate: f64,
    /// The kill comes at a uniformly random time in this range after the load starts.
    pub kill_after: (Duration, Duration),
    /// How long a restarted daemon may take to deliver what was acknowledged.
    pub settle: Duration,
}

#[derive(Debug, Default)]
pub struct CrashReport {
    pub cycles: usize,
    pub acknowledged: u64,
    /// Acknowledged events missing from the store after a restart.
    pub lost_events: Vec<String>,
    /// (order, marketplace) status calls that never arrived.
    pub missing_calls: Vec<String>,
    /// Requests cut off by a kill (no answer): allowed to be stored or not.
    pub unanswered: u64,
}

impl CrashReport {
    pub fn losses(&self) -> usize {
        self.lost_events.len() + self.missing_calls.len()
    }
}

/// Runs the loop; the report lists every loss (an empty one is a pass).
pub async fn run(
    spec: DaemonSpec,
    work: Option<PathBuf>,
    plan: CrashPlan,
) -> anyhow::Result<CrashReport> {
    let mut env = Env::new(spec, work, crate::config::DEFAULT_CACHE_CAPACITY).await?;
    let mut run = Run::delivering();
    run.store = Some(env.new_store());
    let (mut daemon, _) = env.start(&run).await?;
    let mut report = CrashReport::default();
    let mut next = 0u64;
    let run_id = format!("crash-{}", rand::random::<u32>());
    let mut arrived = Arrived::default();
    for cycle in 0..plan.cycles {
        let kill_at = rand::thread_rng().gen_range(plan.kill_after.0..=plan.kill_after.1);
        let count = (plan.rate * plan.kill_after.1.as_secs_f64()).ceil() as u64 + 1;
        events::seed(&env.sims, next..next + count).map_err(anyhow::Error::msg)?;
        let stop = Arc::new(AtomicBool::new(false));
        let load = tokio::spawn(load::run(
            LoadPlan {
                url: daemon.webhook_url(),
                secret: env.secret.clone(),
                mix: Mix::NewOrders,
                first: next,
                count,
                rate: Some(plan.rate),
                concurrency: 256,
                run_id: run_id.clone(),
            },
            Some(stop.clone()),
        ));
        tokio::time::sleep(kill_at).await;
        daemon.kill9();
        stop.store(true, Ordering::Relaxed);
        let sent = load.await?;
        next += count;
        report.cycles = cycle + 1;
        report.acknowledged += sent.ok();
        report.unanswered += sent.statuses.get(&0).copied().unwrap_or(0);
        daemon = env.start(&run).await?.0;
        let check = Check {
            run_id: &run_id,
            acknowledged: &sent.acknowledged,
            settle: plan.settle,
        };
        check.run(&env, &daemon, &mut arrived, &mut report).await;
        eprintln!(
            "cycle {}: killed after {kill_at:?}, {} acknowledged, {} cut off; losses so far {}",
            cycle + 1,
            sent.ok(),
            sent.statuses.get(&0).copied().unwrap_or(0),
            report.losses()
        );
    }
    daemon.stop()?;
    Ok(report)
}

/// The status calls the sims have recorded so far, by (order, marketplace).
#[derive(Default)]
struct Arrived {
    seen: usize,
    calls: HashSet<(u64, ChannelKind)>,
}

impl Arrived {
    fn update(&mut self, recorder: &crate::sim::Recorder) {
        for call in recorder.since(self.seen) {
            self.seen = call.seq + 1;
            if let Some(order) = events::order_of_call(&call) {
                self.calls.insert((order, call.kind));
            }
        }
    }
}

struct Check<'a> {
    run_id: &'a str,
    acknowledged: &'a [u64],
    settle: Duration,
}

impl Check<'_> {
    async fn run(
        &self,
        env: &Env,
        daemon: &Daemon,
        arrived: &mut Arrived,
        report: &mut CrashReport,
    ) {
        let (run_id, acknowledged, settle) = (self.run_id, self.acknowledged, self.settle);
        let http = reqwest::Client::new();
        let token = env.admin_token.expose().to_string();
        let lost: Vec<String> = futures_util::stream::iter(acknowledged.iter().copied())
            .map(|order| {
                let (http, token) = (http.clone(), token.clone());
                let url = format!("{}/admin/orders/{}", daemon.url, events::order_id(order));
                let event_id = format!("{run_id}-{order}");
                async move {
                    let stored = match http.get(&url).bearer_auth(&token).send().await {
                        Ok(response) if response.status().is_success() => response
                            .json::<serde_json::Value>()
                            .await
                            .ok()
                            .and_then(|o| o["history"].as_array().cloned())
                            .is_some_and(|h| h.iter().any(|e| e["event_id"] == event_id.as_str())),
                        _ => false,
                    };
                    (!stored).then_some(event_id)
                }
            })
            .buffer_unordered(16)
            .filter_map(|lost| async move { lost })
            .collect()
            .await;
        report.lost_events.extend(lost);
        // Dispatched orders (even) reach four marketplaces, canceled ones (odd) all five.
        let mut want: HashSet<(u64, ChannelKind)> = acknowledged
            .iter()
            .flat_map(|&order| {
                ChannelKind::ALL
                    .into_iter()
                    .filter(move |kind| order % 2 == 1 || *kind != ChannelKind::Wizcommerce)
                    .map(move |kind| (order, kind))
            })
            .collect();
        let deadline = Instant::now() + settle;
        loop {
            arrived.update(&env.sims.recorder);
            want.retain(|call| !arrived.calls.contains(call));
            if want.is_empty() || Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        report.missing_calls.extend(
            want.into_iter()
                .map(|(order, kind)| format!("{} on {}", events::order_id(order), kind.as_str())),
        );
    }
}
