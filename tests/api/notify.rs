//! systemd's notify protocol, played by the test: a datagram socket as `NOTIFY_SOCKET`,
//! the real binary with a 200 ms watchdog, SIGTERM as `systemctl stop` sends it.

use crate::binary::Process;
use crate::daemon::free_port;
use crate::helpers::SECRET;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::net::UnixDatagram;

/// Durability "none": each watchdog check is a write through the writer, and these
/// tests are about the protocol, not about how long an fsync takes on a busy CI disk.
fn write_config(dir: &Path, port: u16) -> PathBuf {
    let path = dir.join("config.toml");
    let text = format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\nshutdown_grace = \"2s\"\n\n\
         [store]\npath = \"store\"\ndurability = \"none\"\n\n\
         [sources.primary]\nkind = \"standard\"\nsecret = \"{SECRET}\"\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// Reads notifications until one carries `wanted` as a line; returns all lines seen.
async fn receive_until(socket: &UnixDatagram, wanted: &str, within: Duration) -> Vec<String> {
    let deadline = Instant::now() + within;
    let mut seen = Vec::new();
    let mut buffer = vec![0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(received) = tokio::time::timeout(left, socket.recv(&mut buffer)).await else {
            panic!("no {wanted} within {within:?}; received {seen:?}");
        };
        let text = String::from_utf8(buffer[..received.unwrap()].to_vec()).unwrap();
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        let found = lines.iter().any(|l| l == wanted);
        seen.extend(lines);
        if found {
            return seen;
        }
    }
}

#[tokio::test]
async fn ready_then_watchdog_then_stopping_and_a_clean_exit() {
    let dir = tempfile::tempdir().unwrap();
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    let port = free_port();
    let config = write_config(dir.path(), port);
    let env = [
        ("NOTIFY_SOCKET", socket_path.as_os_str()),
        ("WATCHDOG_USEC", "200000".as_ref()),
    ];
    let mut daemon = Process::start(&config, port, &env);

    let first = receive_until(&socket, "READY=1", Duration::from_secs(20)).await;
    assert!(
        !first.iter().any(|l| l == "WATCHDOG=1"),
        "READY=1 comes first: {first:?}"
    );
    assert!(
        first.iter().any(|l| l.starts_with("STATUS=serving")),
        "{first:?}"
    );
    // READY=1 means the listener is bound: the first request succeeds.
    let health = reqwest::get(format!("{}/healthz", daemon.address))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);

    // Half of 200 ms: several notifications in a second, each after a full check.
    let started = Instant::now();
    receive_until(&socket, "WATCHDOG=1", Duration::from_secs(5)).await;
    receive_until(&socket, "WATCHDOG=1", Duration::from_secs(5)).await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "two watchdog notifications took {:?}",
        started.elapsed()
    );

    daemon.sigterm();
    receive_until(&socket, "STOPPING=1", Duration::from_secs(10)).await;
    let status = daemon.exit_status(Duration::from_secs(15)).await;
    assert_eq!(status.code(), Some(0), "log:\n{}", daemon.log());
}

#[tokio::test]
async fn without_notify_socket_nothing_is_sent_and_the_daemon_runs() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = write_config(dir.path(), port);
    // A watchdog asked for another process is not ours to serve.
    let env = [
        ("WATCHDOG_USEC", "200000".as_ref()),
        ("WATCHDOG_PID", "1".as_ref()),
        ("RUST_LOG", "info".as_ref()),
    ];
    let mut daemon = Process::start(&config, port, &env);
    daemon.wait_until_serving().await;
    daemon.sigterm();
    let status = daemon.exit_status(Duration::from_secs(15)).await;
    let log = daemon.log();
    assert_eq!(status.code(), Some(0), "log:\n{log}");
    assert!(
        log.contains("ordersync is serving"),
        "info lines are logged: {log}"
    );
    assert!(!log.contains("watchdog enabled"), "{log}");
    assert!(!log.contains("could not notify"), "{log}");
}
