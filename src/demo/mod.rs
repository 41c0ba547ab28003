//! `ordersync demo`: the daemon and the five simulated marketplaces on this machine, a
//! short scripted story of signed events, and per step what each marketplace was sent
//! and what ordersync recorded. Needs no config file. Then (unless `--once`) it keeps
//! serving so the user can post their own event, until Ctrl-C.

mod report;
mod setup;
mod story;

pub use setup::{config_toml, demo_config, generate_admin_token, generate_whsec, SOURCE};

use crate::cli::client::AdminClient;
use crate::domain::ChannelKind;
use crate::secret::Secret;
use crate::sim::{self, Sims};
use crate::startup::Application;
use anyhow::{anyhow, Context};
use reqwest::Method;
use serde_json::Value;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;
use story::{Channel, Send, Step};

/// How long a step may take to settle before the demo moves on without it.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(20);
/// How long to watch for calls that must not happen (after a duplicate).
const QUIET_PERIOD: Duration = Duration::from_millis(400);

pub fn run(once: bool) -> anyhow::Result<ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?
        .block_on(run_async(once))
}

/// A signed request as it went out, kept so a later step can replay it.
#[derive(Clone)]
struct Sent {
    id: String,
    timestamp: i64,
    body: Vec<u8>,
    signature: String,
}

struct Demo {
    http: reqwest::Client,
    webhook_url: String,
    whsec: Secret,
    admin: AdminClient,
    sims: Sims,
    channels: Vec<Channel>,
    sent: Vec<Option<Sent>>,
}

async fn run_async(once: bool) -> anyhow::Result<ExitCode> {
    let dir = tempfile::Builder::new()
        .prefix("ordersync-demo-")
        .tempdir()
        .context("creating the demo's temporary folder")?;
    let sims = sim::start_all()
        .await
        .context("starting the simulated marketplaces")?;
    let channels: Vec<Channel> = ChannelKind::ALL
        .iter()
        .map(|kind| Channel {
            name: sim::channel_name(*kind),
            kind: *kind,
        })
        .collect();
    let whsec = setup::generate_whsec();
    let mut config = demo_config(
        &dir.path().join("store"),
        whsec.clone(),
        setup::generate_admin_token(),
        sims.channel_configs(ChannelKind::ALL),
    );
    crate::telemetry::init(&config.log);
    let app = Application::build(config.clone()).await?;
    config.server.listen = ([127, 0, 0, 1], app.port()).into();
    let config_path = dir.path().join("config.toml");
    std::fs::write(&config_path, config_toml(&config))
        .with_context(|| format!("writing {}", config_path.display()))?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));

    print_intro(&config, &sims, &channels, dir.path());
    story::seed(&sims, &channels).map_err(|e| anyhow!("seeding the sims: {e}"))?;
    let mut demo = Demo {
        http: reqwest::Client::new(),
        webhook_url: format!("http://{}/webhooks/{}", config.server.listen, setup::SOURCE),
        whsec,
        admin: AdminClient::from_config(&config)?,
        sims,
        channels,
        sent: Vec::new(),
    };
    let start = time::OffsetDateTime::now_utc() - time::Duration::minutes(1);
    let steps = story::steps(&demo.channels, start);
    let mut surprises = 0;
    for (index, step) in steps.iter().enumerate() {
        println!("\n{}", report::heading(index + 1, steps.len(), &step.title));
        for note in &step.notes {
            println!("{}", report::note(note));
        }
        if !demo.play(step).await? {
            surprises += 1;
        }
    }
    println!(
        "\nThe story is over: {} calls reached the simulated marketplaces{}.",
        demo.sims.recorder.mark(),
        match surprises {
            0 => String::new(),
            n => format!("; {n} step(s) did not go as scripted"),
        }
    );
    let mut orders = Vec::new();
    for id in story::STORY_ORDERS {
        orders.push(
            demo.admin
                .call(Method::GET, &format!("/admin/orders/{id}"), None)
                .await?,
        );
    }
    println!("\nWhere the orders stand (`ordersync orders show ID` has the details):\n");
    print!("{}", report::standing(&demo.channels, &orders));
    if !once {
        print_own_event_hint(&demo, &config, &config_path, dir.path())?;
        shutdown_signal().await;
        println!("\nstopping…");
    }
    let _ = stop.send(());
    running.await.context("the daemon task")??;
    demo.sims.stop().await;
    drop(dir);
    if !once {
        println!("stopped cleanly; the demo's folder is deleted");
    }
    Ok(if surprises == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

impl Demo {
    /// Sends one step and prints what came of it; `false` when it went off script.
    async fn play(&mut self, step: &Step) -> anyhow::Result<bool> {
        for happening in &step.before {
            happening.apply(&self.sims);
        }
        let mark = self.sims.recorder.mark();
        let sent = match &step.send {
            Send::Event { id, body } => self.sign(id, body, &self.whsec),
            Send::Replay { of } => self.sent[*of]
                .clone()
                .ok_or_else(|| anyhow!("step {of} sent nothing to replay"))?,
            Send::BadSignature { id, body } => self.sign(id, body, &setup::generate_whsec()),
        };
        let (status, answer) = self.post(&sent).await?;
        self.sent.push(Some(sent.clone()));
        println!("{}", report::answer_line(status, &answer));
        let mut on_script = status == step.expect_status;
        match status {
            202 => {
                let (order, settled) = self.settle(step.order_id).await?;
                on_script &= settled;
                let calls = self.sims.recorder.since(mark);
                print!(
                    "{}",
                    report::step_table(&self.channels, &calls, &order, &sent.id)
                );
            }
            200 => {
                tokio::time::sleep(QUIET_PERIOD).await;
                let calls = self.sims.recorder.since(mark).len();
                on_script &= calls == 0;
                println!(
                    "{}",
                    report::note(&match calls {
                        0 => "nothing is stored or sent a second time".to_string(),
                        n => format!("{n} calls went out again"),
                    })
                );
            }
            _ => {
                let path = format!("/admin/orders/{}", step.order_id);
                let stored = self.admin.call(Method::GET, &path, None).await.is_ok();
                on_script &= !stored;
                println!(
                    "{}",
                    report::note(&match stored {
                        false => format!("order {} is not stored; nothing was sent", step.order_id),
                        true => format!("order {} was stored anyway", step.order_id),
                    })
                );
            }
        }
        Ok(on_script)
    }

    fn sign(&self, id: &str, body: &Value, secret: &Secret) -> Sent {
        let body = serde_json::to_vec(body).expect("JSON encodes");
        let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
        let signature = crate::ingest::standard::sign(secret, id, timestamp, &body);
        Sent {
            id: id.to_string(),
            timestamp,
            body,
            signature,
        }
    }

    async fn post(&self, sent: &Sent) -> anyhow::Result<(u16, Value)> {
        let response = self
            .http
            .post(&self.webhook_url)
            .header("content-type", "application/json")
            .header("webhook-id", &sent.id)
            .header("webhook-timestamp", sent.timestamp.to_string())
            .header("webhook-signature", &sent.signature)
            .body(sent.body.clone())
            .send()
            .await
            .context("posting to the demo daemon")?;
        let status = response.status().as_u16();
        Ok((status, response.json().await.unwrap_or(Value::Null)))
    }

    /// Polls the admin API until no linked channel is pending or retrying; returns the
    /// last view of the order and whether it settled in time.
    async fn settle(&self, order_id: &str) -> anyhow::Result<(Value, bool)> {
        let deadline = tokio::time::Instant::now() + SETTLE_TIMEOUT;
        let path = format!("/admin/orders/{order_id}");
        loop {
            let order = self.admin.call(Method::GET, &path, None).await?;
            let busy = order["channels"].as_object().is_some_and(|channels| {
                channels
                    .values()
                    .any(|c| matches!(c["state"].as_str(), Some("pending" | "retrying")))
            });
            if !busy || tokio::time::Instant::now() >= deadline {
                return Ok((order, !busy));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn print_intro(config: &crate::config::Config, sims: &Sims, channels: &[Channel], dir: &Path) {
    println!("ordersync demo: the daemon and simulated marketplaces, all on this machine\n");
    println!(
        "  daemon     http://{}  (store in {})",
        config.server.listen,
        dir.display()
    );
    for (i, channel) in channels.iter().enumerate() {
        println!(
            "  {:<9}  {:<10} → {} sim at {}",
            if i == 0 { "channels" } else { "" },
            channel.name.as_str(),
            channel.kind,
            sims.base_url(channel.kind)
        );
    }
}

fn print_own_event_hint(
    demo: &Demo,
    config: &crate::config::Config,
    config_path: &Path,
    dir: &Path,
) -> anyhow::Result<()> {
    let event_path = dir.join("event.json");
    let event = story::own_event(&demo.channels, time::OffsetDateTime::now_utc());
    let pretty = serde_json::to_string_pretty(&event).expect("JSON encodes");
    std::fs::write(&event_path, pretty)
        .with_context(|| format!("writing {}", event_path.display()))?;
    let signed = crate::cli::sign::signed_request(config, setup::SOURCE, &event_path)?;
    let exe = exe_hint();
    let config_arg = config_path.display();
    println!("\nThe daemon keeps running. Post your own event: order 2001, paid, linked like the");
    println!("others ({}):\n", event_path.display());
    print!("{signed}");
    println!("\nThen see what each marketplace got:\n");
    println!("  {exe} orders show 2001 -c {config_arg}");
    println!("  {exe} deliveries list -c {config_arg}");
    println!("\nThe signature is valid for 5 minutes; sign again with");
    println!("  {exe} sign -c {config_arg} -s {} FILE", setup::SOURCE);
    println!("\nCtrl-C stops the demo and deletes {}.", dir.display());
    Ok(())
}

/// How to run this same binary from the current folder.
fn exe_hint() -> String {
    let (Ok(exe), Ok(cwd)) = (std::env::current_exe(), std::env::current_dir()) else {
        return "ordersync".to_string();
    };
    match exe.strip_prefix(&cwd) {
        Ok(relative) => relative.display().to_string(),
        Err(_) => exe.display().to_string(),
    }
}

/// SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("installing the SIGTERM handler");
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
