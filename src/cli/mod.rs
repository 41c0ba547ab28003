//! The `ordersync` command line (CONFIG.md). `serve` runs the daemon; the other
//! commands talk to a running daemon through its admin API (sled allows one process
//! per store) or work on the config alone.

pub(crate) mod client;
mod commands;
pub(crate) mod sign;
mod tables;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "ordersync", version, about = "Order-status sync daemon")]
pub struct Cli {
    /// Config file [default: $ORDERSYNC_CONFIG, else /etc/ordersync/config.toml]
    #[arg(short = 'c', long = "config", global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the daemon.
    Serve,
    /// Validate the config and print a summary (exit 0), or every problem (exit 2).
    CheckConfig {
        /// The config file (same as -c).
        file: Option<PathBuf>,
    },
    /// Inspect orders in the running daemon.
    Orders {
        #[command(subcommand)]
        command: OrdersCommand,
    },
    /// Link orders to marketplaces.
    Links {
        #[command(subcommand)]
        command: LinksCommand,
    },
    /// Inspect and replay deliveries.
    Deliveries {
        #[command(subcommand)]
        command: DeliveriesCommand,
    },
    /// Try it: a local demo with simulated marketplaces (needs no config file).
    Demo {
        /// Exit after the scripted story instead of serving until Ctrl-C.
        #[arg(long)]
        once: bool,
    },
    /// Print the headers (and a curl line) that sign FILE for a `standard` source.
    Sign {
        /// The source name (a `[sources.NAME]` of kind standard).
        #[arg(short = 's', long = "source")]
        source: String,
        /// The JSON body to sign.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum OrdersCommand {
    /// An order, its links, per-channel sync state and history.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Orders, oldest id first.
    List {
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        after: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum LinksCommand {
    /// Link ORDER to its copy REMOTE_ID on CHANNEL.
    Add {
        order: String,
        channel: String,
        remote_id: String,
        /// Line mapping LINE=REMOTE_LINE (repeatable).
        #[arg(long = "item", value_name = "LINE=REMOTE_LINE")]
        items: Vec<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum DeliveriesCommand {
    /// Queued deliveries.
    List {
        #[arg(long)]
        state: Option<String>,
        #[arg(long)]
        channel: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Requeue one delivery now, or every dead letter.
    Retry {
        /// The delivery id.
        #[arg(required_unless_present = "all_dead")]
        id: Option<u64>,
        #[arg(long, conflicts_with = "id")]
        all_dead: bool,
        #[arg(long)]
        json: bool,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(1)
        }
    }
}
