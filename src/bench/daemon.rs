//! The daemon under test as its own process (the release binary, so its RSS is its
//! own), pinned to a CPU with `taskset`, on a config file written here.

use crate::config::{ChannelConfig, Durability};
use crate::domain::{ChannelName, SourceName};
use crate::secret::Secret;
use anyhow::{bail, Context};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use toml::Value;

/// Where the daemon runs and how.
#[derive(Debug, Clone)]
pub struct DaemonSpec {
    pub binary: PathBuf,
    /// `taskset -c` list; `None`: not pinned.
    pub cpu: Option<String>,
}

/// The settings the benchmarks vary; the rest is the config loader's defaults.
#[derive(Debug, Clone)]
pub struct Settings {
    pub port: u16,
    pub store: PathBuf,
    pub durability: Durability,
    pub cache_capacity: u64,
    pub schedule: Vec<String>,
    pub concurrency: usize,
    pub log_level: String,
    pub secret: Secret,
    pub admin_token: Secret,
    pub channels: BTreeMap<ChannelName, ChannelConfig>,
}

pub const SOURCE: &str = crate::demo::SOURCE;

/// The config file text: the demo's writer for sources, channels and admin, plus the
/// keys the benchmarks set. Rate limits are lifted: the sims have none to protect.
pub fn config_text(settings: &Settings) -> anyhow::Result<String> {
    let mut config = crate::demo::demo_config(
        &settings.store,
        settings.secret.clone(),
        settings.admin_token.clone(),
        settings.channels.clone(),
    );
    config.server.listen = ([127, 0, 0, 1], settings.port).into();
    debug_assert!(config
        .sources
        .contains_key(&SourceName::parse(SOURCE).expect("valid")));
    let mut root: toml::Table = crate::demo::config_toml(&config)
        .parse()
        .context("re-reading the demo's config text")?;
    let durability = match settings.durability {
        Durability::Fsync => "fsync",
        Durability::Flush => "flush",
        Durability::None => "none",
    };
    let table = |root: &mut toml::Table, name: &str| -> toml::Table {
        match root.remove(name) {
            Some(Value::Table(table)) => table,
            _ => toml::Table::new(),
        }
    };
    let mut store = table(&mut root, "store");
    store.insert("durability".into(), durability.into());
    store.insert(
        "cache_capacity".into(),
        Value::Integer(settings.cache_capacity as i64),
    );
    root.insert("store".into(), Value::Table(store));
    let mut delivery = toml::Table::new();
    delivery.insert(
        "schedule".into(),
        Value::Array(
            settings
                .schedule
                .iter()
                .map(|s| s.as_str().into())
                .collect(),
        ),
    );
    delivery.insert(
        "concurrency".into(),
        Value::Integer(settings.concurrency as i64),
    );
    delivery.insert("request_timeout".into(), "5s".into());
    root.insert("delivery".into(), Value::Table(delivery));
    let mut log = toml::Table::new();
    log.insert("level".into(), settings.log_level.as_str().into());
    root.insert("log".into(), Value::Table(log));
    // BENCH_DEFAULT_RATE_LIMITS=1 keeps each kind's defaults (imweb 5/s, BASE 5000/h).
    let lift = std::env::var_os("BENCH_DEFAULT_RATE_LIMITS").is_none();
    if let (true, Some(Value::Table(channels))) = (lift, root.get_mut("channels")) {
        for (_, channel) in channels.iter_mut() {
            if let Value::Table(channel) = channel {
                // Absent keys take each kind's default (BASE: 5000 an hour), so both
                // are set.
                channel.insert("rate_limit_per_sec".into(), Value::Integer(1_000_000));
                channel.insert("rate_limit_per_hour".into(), Value::Integer(1_000_000_000));
            }
        }
    }
    Ok(toml::to_string(&root)?)
}

pub fn write_config(dir: &Path, settings: &Settings) -> anyhow::Result<PathBuf> {
    let path = dir.join("ordersync.toml");
    std::fs::write(&path, config_text(settings)?)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// A running daemon process.
pub struct Daemon {
    child: Child,
    pub pid: u32,
    pub url: String,
    pub started: Instant,
    /// Process start to the first `/readyz` 200, once `wait_ready` saw it.
    pub ready_after: Option<Duration>,
    /// When the daemon logged that its delivery engine had loaded the outbox.
    engine_loaded: Arc<Mutex<Option<Instant>>>,
}

impl Daemon {
    /// Starts `serve -c config` (stderr, where the logs go, is read here and dropped).
    pub fn spawn(spec: &DaemonSpec, config: &Path, port: u16) -> anyhow::Result<Daemon> {
        let mut command = match &spec.cpu {
            Some(cpus) => {
                let mut command = Command::new("taskset");
                command.args(["-c", cpus]).arg(&spec.binary);
                command
            }
            None => Command::new(&spec.binary),
        };
        command
            .args(["serve", "-c"])
            .arg(config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let started = Instant::now();
        let mut child = command
            .spawn()
            .with_context(|| format!("starting {}", spec.binary.display()))?;
        let engine_loaded = Arc::new(Mutex::new(None));
        if let Some(stderr) = child.stderr.take() {
            let seen = engine_loaded.clone();
            // BENCH_DAEMON_LOG=FILE keeps the daemon's logs (appended) for a look after.
            let mut keep = std::env::var_os("BENCH_DAEMON_LOG").and_then(|path| {
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .ok()
            });
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    if let Some(file) = keep.as_mut() {
                        let _ = writeln!(file, "{line}");
                    }
                    if line.contains("delivery engine started") {
                        *seen.lock().expect("lock") = Some(Instant::now());
                    }
                }
            });
        }
        Ok(Daemon {
            pid: child.id(),
            child,
            url: format!("http://127.0.0.1:{port}"),
            started,
            ready_after: None,
            engine_loaded,
        })
    }

    pub fn webhook_url(&self) -> String {
        format!("{}/webhooks/{SOURCE}", self.url)
    }

    /// Waits for `/readyz` to answer 200; returns the time since the process started.
    pub async fn wait_ready(&mut self, timeout: Duration) -> anyhow::Result<Duration> {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(response) = http.get(format!("{}/readyz", self.url)).send().await {
                if response.status().is_success() {
                    let after = self.started.elapsed();
                    self.ready_after = Some(after);
                    return Ok(after);
                }
            }
            if let Some(status) = self.child.try_wait()? {
                bail!("the daemon exited before it was ready: {status}");
            }
            if Instant::now() > deadline {
                bail!("the daemon was not ready within {timeout:?}");
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// Time from process start to the engine's "loaded" log line, once seen.
    pub fn engine_loaded_after(&self) -> Option<Duration> {
        let at = (*self.engine_loaded.lock().expect("lock"))?;
        Some(at.duration_since(self.started))
    }

    /// Resident set size in KiB (`VmRSS` of /proc/<pid>/status).
    pub fn rss_kib(&self) -> u64 {
        rss_kib(self.pid)
    }

    /// SIGKILL: nothing of the daemon's shutdown runs.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM and wait: the clean stop.
    pub fn stop(mut self) -> anyhow::Result<()> {
        // SAFETY: kill(2) on our own child's pid; no memory is involved.
        unsafe {
            libc::kill(self.pid as libc::pid_t, libc::SIGTERM);
        }
        let status = self.child.wait()?;
        if !status.success() {
            bail!("the daemon stopped with {status}");
        }
        Ok(())
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmRSS:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}

/// CPU time (user + system) the process has used so far: with the machine shared,
/// CPU per event is steadier than events per second.
pub fn cpu_time(pid: u32) -> Duration {
    let ticks = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            // The command name (field 2) may hold spaces; fields count from after it.
            let rest = stat.get(stat.rfind(')')? + 2..)?.to_owned();
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let user: u64 = fields.get(11)?.parse().ok()?;
            let system: u64 = fields.get(12)?.parse().ok()?;
            Some(user + system)
        })
        .unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Duration::from_micros(ticks * 1_000_000 / per_second)
}

/// A free loopback port (the daemon binds it right after).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

/// Bytes under `path` (the store's files).
pub fn dir_size(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.metadata() {
            Ok(meta) if meta.is_dir() => dir_size(&entry.path()),
            Ok(meta) => meta.len(),
            Err(_) => 0,
        })
        .sum()
}
