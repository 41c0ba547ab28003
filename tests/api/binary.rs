//! The real `ordersync serve` as a child process whose stderr (its log) goes to a file,
//! for tests of what only a whole process shows: the notify protocol, signals, the log
//! format and what the log contains.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

pub struct Process {
    child: Child,
    log: PathBuf,
    pub address: String,
}

impl Process {
    /// Starts `ordersync serve -c config` with `env` added to the test's environment.
    pub fn start(config: &Path, port: u16, env: &[(&str, &OsStr)]) -> Process {
        let log = config.with_file_name("stderr.log");
        let stderr = Stdio::from(std::fs::File::create(&log).unwrap());
        Self::spawn(config, port, env, log, stderr)
    }

    /// Starts it with its stderr on a pipe whose reading end is closed at once, as when
    /// whatever read the log has gone: every line it logs fails to be written.
    pub fn start_with_closed_log(config: &Path, port: u16, env: &[(&str, &OsStr)]) -> Process {
        let log = config.with_file_name("no-such-log");
        let mut process = Self::spawn(config, port, env, log, Stdio::piped());
        drop(process.child.stderr.take());
        process
    }

    fn spawn(
        config: &Path,
        port: u16,
        env: &[(&str, &OsStr)],
        log: PathBuf,
        stderr: Stdio,
    ) -> Process {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ordersync"));
        command
            .args(["serve", "-c"])
            .arg(config)
            .env_remove("RUST_LOG")
            .env_remove("NOTIFY_SOCKET")
            .env_remove("WATCHDOG_USEC")
            .env_remove("WATCHDOG_PID")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .kill_on_drop(true);
        for (name, value) in env {
            command.env(name, value);
        }
        Process {
            child: command.spawn().expect("the binary starts"),
            log,
            address: format!("http://127.0.0.1:{port}"),
        }
    }

    pub async fn wait_until_serving(&self) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(response) = client.get(format!("{}/healthz", self.address)).send().await {
                if response.status().is_success() {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "the daemon did not come up; its log:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// What systemd sends on `systemctl stop` (KillSignal=SIGTERM).
    pub fn sigterm(&self) {
        let pid = self.child.id().expect("still running") as libc::pid_t;
        // SAFETY: kill(2) with a pid we spawned and have not reaped.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    }

    pub async fn exit_status(&mut self, within: Duration) -> ExitStatus {
        match tokio::time::timeout(within, self.child.wait()).await {
            Ok(status) => status.unwrap(),
            Err(_) => panic!(
                "the daemon did not exit in {within:?}; log:\n{}",
                self.log()
            ),
        }
    }

    /// Everything the process has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}
