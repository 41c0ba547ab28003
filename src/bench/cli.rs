//! `bench`'s command line: the whole suite (scripts/bench.sh), one scenario at a time
//! (for profiling), the bare HTTP server, and the crash loop (scripts/crash-loop.sh).

use super::crash::{self, CrashPlan};
use super::daemon::DaemonSpec;
use super::env::Env;
use super::scenarios::{self, Row};
use super::storage;
use crate::config::Durability;
use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(name = "bench", about = "ordersync benchmarks and crash loop")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct Target {
    /// The daemon binary (default: `ordersync` next to this one).
    #[arg(long)]
    daemon: Option<PathBuf>,
    /// CPUs for the daemon (`taskset -c`); empty: not pinned.
    #[arg(long, default_value = "0")]
    daemon_cpu: String,
    /// Folder for stores and configs (default: the system's temporary folder).
    #[arg(long)]
    work: Option<PathBuf>,
    /// Folder for the bulk-loaded million-order store (default: the work folder).
    #[arg(long)]
    big: Option<PathBuf>,
    /// `store.cache_capacity` in bytes.
    #[arg(long, default_value_t = crate::config::DEFAULT_CACHE_CAPACITY)]
    cache: u64,
}

#[derive(Subcommand)]
enum Command {
    /// Every measurement of BENCHMARKS.md; prints the table.
    Suite {
        #[command(flatten)]
        target: Target,
        /// Seconds per open-loop run.
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// Events per closed-loop throughput run.
        #[arg(long, default_value_t = 40_000)]
        events: u64,
        /// Orders bulk loaded for the big-store figures.
        #[arg(long, default_value_t = 1_000_000)]
        orders: u64,
        /// Queued tasks for the restart figure.
        #[arg(long, default_value_t = 100_000)]
        tasks: u64,
        /// Soak length in seconds at 1k events/s (RSS over time).
        #[arg(long, default_value_t = 120)]
        soak: u64,
        /// Write the table here as well.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Closed-loop ingest throughput at one durability (or the bare server).
    Ingest {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value = "fsync")]
        durability: String,
        #[arg(long, default_value_t = 40_000)]
        events: u64,
    },
    /// Open-loop time to 2xx at a rate.
    Latency {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value = "fsync")]
        durability: String,
        #[arg(long, default_value_t = 2000.0)]
        rate: f64,
        #[arg(long, default_value_t = 20)]
        seconds: u64,
    },
    /// Ingest → marketplace latency with the five sims.
    E2e {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value_t = 1000.0)]
        rate: f64,
        #[arg(long, default_value_t = 20)]
        seconds: u64,
    },
    /// Restart time with queued tasks.
    Restart {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value_t = 100_000)]
        tasks: u64,
    },
    /// RSS and store size after bulk loading orders.
    Orders {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value_t = 1_000_000)]
        orders: u64,
    },
    /// The HTTP ceiling: a bare actix handler.
    Bare {
        #[arg(long)]
        listen: std::net::SocketAddr,
    },
    /// Load, kill -9 at a random moment, restart, check; N cycles.
    CrashLoop {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value_t = 100)]
        cycles: usize,
        #[arg(long, default_value_t = 400.0)]
        rate: f64,
        /// Longest load before the kill, in milliseconds.
        #[arg(long, default_value_t = 2000)]
        max_ms: u64,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    match runtime.block_on(run(cli.command)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("bench: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn spec(target: &Target) -> anyhow::Result<DaemonSpec> {
    let binary = match &target.daemon {
        Some(path) => path.clone(),
        None => std::env::current_exe()
            .context("locating the bench binary")?
            .with_file_name("ordersync"),
    };
    Ok(DaemonSpec {
        binary,
        cpu: Some(target.daemon_cpu.clone()).filter(|c| !c.is_empty()),
    })
}

async fn env(target: &Target) -> anyhow::Result<Env> {
    Env::new(spec(target)?, target.work.clone(), target.cache).await
}

fn durability(text: &str) -> anyhow::Result<Option<Durability>> {
    Ok(Some(match text {
        "fsync" => Durability::Fsync,
        "flush" => Durability::Flush,
        "none" => Durability::None,
        "bare" => return Ok(None),
        other => anyhow::bail!("--durability: fsync, flush, none or bare, not {other:?}"),
    }))
}

pub fn print_table(rows: &[Row]) -> String {
    let mut text =
        String::from("| measure | target | measured | how / notes |\n|---|---|---|---|\n");
    for r in rows {
        text.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            r.measure, r.target, r.measured, r.note
        ));
    }
    text
}

async fn run(command: Command) -> anyhow::Result<ExitCode> {
    let rows = match command {
        Command::Suite {
            target,
            seconds,
            events,
            orders,
            tasks,
            soak,
            out,
        } => {
            let rows = super::suite::run(
                &mut env(&target).await?,
                seconds,
                events,
                orders,
                tasks,
                soak,
                target.big.as_deref(),
            )
            .await?;
            let table = print_table(&rows);
            if let Some(out) = out {
                std::fs::write(&out, &table)
                    .with_context(|| format!("writing {}", out.display()))?;
            }
            rows
        }
        Command::Ingest {
            target,
            durability: text,
            events,
        } => {
            let mut env = env(&target).await?;
            match durability(&text)? {
                Some(d) => vec![scenarios::throughput(&mut env, d, events).await?.1],
                None => vec![scenarios::bare(&mut env, events).await?.1],
            }
        }
        Command::Latency {
            target,
            durability: text,
            rate,
            seconds,
        } => {
            let durability = durability(&text)?
                .ok_or_else(|| anyhow::anyhow!("--durability bare: use `ingest` for that"))?;
            scenarios::time_to_2xx(&mut env(&target).await?, durability, rate, seconds).await?
        }
        Command::E2e {
            target,
            rate,
            seconds,
        } => {
            let mut env = env(&target).await?;
            let (latency, rss) = scenarios::ingest_to_marketplace(&mut env, rate, seconds).await?;
            vec![
                latency,
                scenarios::soak_row(rate, seconds, &rss, env.cache_capacity),
            ]
        }
        Command::Restart { target, tasks } => {
            vec![storage::restart(&mut env(&target).await?, tasks, 3).await?]
        }
        Command::Orders { target, orders } => {
            storage::million(&mut env(&target).await?, orders, 10, target.big.as_deref()).await?
        }
        Command::CrashLoop {
            target,
            cycles,
            rate,
            max_ms,
        } => {
            let plan = CrashPlan {
                cycles,
                rate,
                kill_after: (
                    Duration::from_millis(50),
                    Duration::from_millis(max_ms.max(50)),
                ),
                settle: Duration::from_secs(60),
            };
            let report = crash::run(spec(&target)?, target.work.clone(), plan).await?;
            println!(
                "crash loop: {} cycles, {} events acknowledged, {} cut off by a kill, {} acknowledged events lost, {} status calls missing",
                report.cycles,
                report.acknowledged,
                report.unanswered,
                report.lost_events.len(),
                report.missing_calls.len()
            );
            for loss in report
                .lost_events
                .iter()
                .chain(&report.missing_calls)
                .take(20)
            {
                println!("  lost: {loss}");
            }
            return Ok(if report.losses() == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            });
        }
        Command::Bare { listen } => {
            // actix runs its own system: on a thread of its own, not inside this runtime.
            tokio::task::spawn_blocking(move || super::bare::serve(listen)).await??;
            return Ok(ExitCode::SUCCESS);
        }
    };
    print!("{}", print_table(&rows));
    Ok(ExitCode::SUCCESS)
}
