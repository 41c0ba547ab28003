//! What each command does.

use super::client::AdminClient;
use super::{Cli, Command, DeliveriesCommand, LinksCommand, OrdersCommand};
use crate::config::{self, Config};
use crate::startup::Application;
use anyhow::{anyhow, Context};
use reqwest::Method;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // The demo builds its own config: it must run where no config file exists yet.
    if let Command::Demo { once } = cli.command {
        return crate::demo::run(once);
    }
    if !matches!(cli.command, Command::Serve) {
        end_quietly_on_a_closed_pipe();
    }
    let path = match &cli.command {
        Command::CheckConfig { file: Some(file) } => file.clone(),
        _ => cli
            .config
            .clone()
            .unwrap_or_else(config::default_config_path),
    };
    let config = match config::load(&path) {
        Ok(config) => config,
        Err(errors) => {
            eprintln!("{}: the config has problems:\n{errors}", path.display());
            return Ok(ExitCode::from(2));
        }
    };
    match cli.command {
        Command::CheckConfig { .. } => {
            println!("{}: OK\n{}", path.display(), config.summary());
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve => serve(config, path),
        Command::Sign { source, file } => {
            print!("{}", super::sign::signed_request(&config, &source, &file)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Orders { command } => client_command(&config, |client| orders(client, command)),
        Command::Links { command } => client_command(&config, |client| links(client, command)),
        Command::Deliveries { command } => {
            client_command(&config, |client| deliveries(client, command))
        }
        Command::Demo { .. } => unreachable!("handled before the config is loaded"),
    }
}

/// The client commands print for pipelines (`ordersync orders list --json | head`): when
/// the reader goes away, end as any Unix tool does instead of panicking in `println!`.
/// Rust ignores SIGPIPE; the daemon keeps it ignored (its sockets report EPIPE instead).
fn end_quietly_on_a_closed_pipe() {
    // SAFETY: sets SIGPIPE's disposition to the default, before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

fn serve(config: Config, path: PathBuf) -> anyhow::Result<ExitCode> {
    crate::telemetry::init(&config.log);
    tracing::info!(config = %path.display(), version = env!("CARGO_PKG_VERSION"), "starting ordersync");
    runtime()?.block_on(async move {
        let app = Application::build(config).await?;
        app.run_until(shutdown_signal()).await?;
        Ok(ExitCode::SUCCESS)
    })
}

/// SIGTERM (systemd) or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("installing the SIGTERM handler");
    let mut int = signal(SignalKind::interrupt()).expect("installing the SIGINT handler");
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM received"),
        _ = int.recv() => tracing::info!("SIGINT received"),
    }
}

fn client_command<F, Fut>(config: &Config, command: F) -> anyhow::Result<ExitCode>
where
    F: FnOnce(AdminClient) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let client = AdminClient::from_config(config)?;
    runtime()?.block_on(command(client))?;
    Ok(ExitCode::SUCCESS)
}

fn print_json(value: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).expect("JSON prints")
    );
}

async fn orders(client: AdminClient, command: OrdersCommand) -> anyhow::Result<()> {
    match command {
        OrdersCommand::Show { id, json } => {
            let order = client
                .call(Method::GET, &format!("/admin/orders/{}", encode(&id)), None)
                .await?;
            if json {
                print_json(&order);
            } else {
                print!("{}", super::tables::order(&order));
            }
        }
        OrdersCommand::List {
            status,
            limit,
            after,
            json,
        } => {
            let mut query = format!("?limit={limit}");
            if let Some(status) = status {
                query.push_str(&format!("&status={}", encode(&status)));
            }
            if let Some(after) = after {
                query.push_str(&format!("&after={}", encode(&after)));
            }
            let page = client
                .call(Method::GET, &format!("/admin/orders{query}"), None)
                .await?;
            if json {
                print_json(&page);
            } else {
                print!("{}", super::tables::orders(&page));
            }
        }
    }
    Ok(())
}

async fn links(client: AdminClient, command: LinksCommand) -> anyhow::Result<()> {
    let LinksCommand::Add {
        order,
        channel,
        remote_id,
        items,
        json,
    } = command;
    let mut map = serde_json::Map::new();
    for item in items {
        let (line, remote) = item
            .split_once('=')
            .ok_or_else(|| anyhow!("--item {item:?}: expected LINE=REMOTE_LINE"))?;
        map.insert(line.to_string(), json!(remote));
    }
    let body = json!({ "channel": channel, "order_id": remote_id, "items": map });
    let updated = client
        .call(
            Method::PUT,
            &format!("/admin/orders/{}/links", encode(&order)),
            Some(&body),
        )
        .await?;
    if json {
        print_json(&updated);
    } else {
        print!("{}", super::tables::order(&updated));
    }
    Ok(())
}

async fn deliveries(client: AdminClient, command: DeliveriesCommand) -> anyhow::Result<()> {
    match command {
        DeliveriesCommand::List {
            state,
            channel,
            limit,
            json,
        } => {
            let mut query = format!("?limit={limit}");
            if let Some(state) = state {
                query.push_str(&format!("&state={}", encode(&state)));
            }
            if let Some(channel) = channel {
                query.push_str(&format!("&channel={}", encode(&channel)));
            }
            let list = client
                .call(Method::GET, &format!("/admin/deliveries{query}"), None)
                .await?;
            if json {
                print_json(&list);
            } else {
                print!("{}", super::tables::deliveries(&list["deliveries"]));
            }
        }
        DeliveriesCommand::Retry { id, all_dead, json } => {
            let path = match (id, all_dead) {
                (Some(id), _) => format!("/admin/deliveries/{id}/retry"),
                (None, _) => "/admin/deliveries/retry?state=dead".to_string(),
            };
            let result = client.call(Method::POST, &path, None).await?;
            if json {
                print_json(&result);
            } else {
                println!(
                    "requeued {} deliver{}",
                    result["requeued"],
                    if result["requeued"] == 1 { "y" } else { "ies" }
                );
            }
        }
    }
    Ok(())
}

fn encode(segment: &str) -> String {
    crate::channels::http::path_segment(segment)
}
