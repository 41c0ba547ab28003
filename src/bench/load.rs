//! The load generator: signed events to `POST /webhooks/{source}`, either open loop at
//! a fixed rate (each send has a scheduled time, and its latency runs from that time,
//! so a stalled server is charged for the sends it delayed: no coordinated omission)
//! or closed loop at a fixed concurrency (as fast as the server answers).

use super::events::{body, signed_headers, Mix};
use crate::secret::Secret;
use hdrhistogram::Histogram;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::time::Instant;

#[derive(Debug, Clone)]
pub struct LoadPlan {
    pub url: String,
    pub secret: Secret,
    pub mix: Mix,
    /// Event indices `first..first + count` (so runs on one store never reuse an id).
    pub first: u64,
    pub count: u64,
    /// Events per second (open loop); `None`: closed loop.
    pub rate: Option<f64>,
    /// Requests in flight at most (closed loop: exactly).
    pub concurrency: usize,
    /// A prefix of every `webhook-id`, unique per run.
    pub run_id: String,
}

#[derive(Debug)]
pub struct LoadReport {
    pub elapsed: Duration,
    /// Answers per status (0: no answer: connection refused or reset).
    pub statuses: BTreeMap<u16, u64>,
    /// Time to a 2xx from the scheduled send time, in microseconds.
    pub latency: Histogram<u64>,
    /// Time to a 2xx from the moment the request really went out: the difference to
    /// `latency` is the generator's own lag (timer granularity, a stalled loop).
    pub service: Histogram<u64>,
    /// Indices of the events that got a 2xx.
    pub acknowledged: Vec<u64>,
    /// When each event was scheduled (open loop) or sent (closed loop), by index - first.
    pub sent_at: Vec<Option<Instant>>,
    pub body_bytes: u64,
}

impl LoadReport {
    pub fn ok(&self) -> u64 {
        self.acknowledged.len() as u64
    }

    pub fn failed(&self) -> u64 {
        self.statuses
            .iter()
            .filter(|(status, _)| !(200..300).contains(*status))
            .map(|(_, n)| n)
            .sum()
    }

    /// 2xx per second over the run.
    pub fn throughput(&self) -> f64 {
        self.ok() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid bounds")
}

struct Shared {
    statuses: BTreeMap<u16, u64>,
    latency: Histogram<u64>,
    service: Histogram<u64>,
    acknowledged: Vec<u64>,
    sent_at: Vec<Option<Instant>>,
    body_bytes: u64,
}

impl Shared {
    fn new(count: usize) -> Self {
        Shared {
            statuses: BTreeMap::new(),
            latency: histogram(),
            service: histogram(),
            acknowledged: Vec::new(),
            sent_at: vec![None; count],
            body_bytes: 0,
        }
    }
}

pub fn client(concurrency: usize) -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("an HTTP client")
}

/// Runs `plan` to the end (or until `stop` is set: the crash loop pulls the plug).
pub async fn run(plan: LoadPlan, stop: Option<Arc<std::sync::atomic::AtomicBool>>) -> LoadReport {
    let http = client(plan.concurrency);
    let shared = Arc::new(Mutex::new(Shared::new(plan.count as usize)));
    let plan = Arc::new(plan);
    let stopped = move || {
        stop.as_ref()
            .is_some_and(|s| s.load(std::sync::atomic::Ordering::Relaxed))
    };
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    match plan.rate {
        Some(rate) => {
            let permits = Arc::new(Semaphore::new(plan.concurrency.max(1)));
            for n in 0..plan.count {
                let due = start + Duration::from_secs_f64(n as f64 / rate);
                if due > Instant::now() {
                    tokio::time::sleep_until(due).await;
                }
                if stopped() {
                    break;
                }
                let permit = permits.clone().acquire_owned().await.expect("open");
                let (http, plan, shared) = (http.clone(), plan.clone(), shared.clone());
                tasks.spawn(async move {
                    send_one(&http, &plan, &shared, n, due).await;
                    drop(permit);
                });
                // Reap finished sends so the set stays small on long runs.
                while tasks.try_join_next().is_some() {}
            }
        }
        None => {
            let next = Arc::new(AtomicU64::new(0));
            for _ in 0..plan.concurrency.max(1) {
                let (http, plan, shared, next) =
                    (http.clone(), plan.clone(), shared.clone(), next.clone());
                let stopped = stopped.clone();
                tasks.spawn(async move {
                    loop {
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        if n >= plan.count || stopped() {
                            break;
                        }
                        send_one(&http, &plan, &shared, n, Instant::now()).await;
                    }
                });
            }
        }
    }
    while tasks.join_next().await.is_some() {}
    let elapsed = start.elapsed();
    let shared = std::mem::replace(&mut *shared.lock().expect("load lock"), Shared::new(0));
    LoadReport {
        elapsed,
        statuses: shared.statuses,
        latency: shared.latency,
        service: shared.service,
        acknowledged: shared.acknowledged,
        sent_at: shared.sent_at,
        body_bytes: shared.body_bytes,
    }
}

async fn send_one(
    http: &reqwest::Client,
    plan: &LoadPlan,
    shared: &Mutex<Shared>,
    n: u64,
    due: Instant,
) {
    let sent = Instant::now();
    let index = plan.first + n;
    let bytes = body(plan.mix.plan(index));
    let size = bytes.len() as u64;
    let id = format!("{}-{index}", plan.run_id);
    let mut request = http
        .post(&plan.url)
        .header("content-type", "application/json");
    for (name, value) in signed_headers(&plan.secret, &id, &bytes) {
        request = request.header(name, value);
    }
    let status = match request.body(bytes).send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            // Read the answer so the connection goes back to the pool.
            let _ = response.bytes().await;
            status
        }
        Err(_) => 0,
    };
    let (took, service) = (due.elapsed(), sent.elapsed());
    let mut shared = shared.lock().expect("load lock");
    *shared.statuses.entry(status).or_default() += 1;
    shared.body_bytes += size;
    shared.sent_at[n as usize] = Some(due);
    if (200..300).contains(&status) {
        let micros = (took.as_micros() as u64).max(1);
        shared.latency.saturating_record(micros);
        let micros = (service.as_micros() as u64).max(1);
        shared.service.saturating_record(micros);
        shared.acknowledged.push(index);
    }
}
