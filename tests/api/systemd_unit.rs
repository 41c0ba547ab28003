//! `systemd/ordersync.service` agrees with the daemon: the notify protocol it speaks,
//! the stop timeout against the drain time, the paths it uses, and one credential for
//! every `*_file` that `config.toml.example` points at `/run/credentials/...`.
//! (`systemd/verify.sh` has systemd itself check the file; CI runs it.)

use ordersync::config::{parse, parse_duration, DEFAULT_CONFIG_PATH, DEFAULT_STORE_PATH};
use std::collections::BTreeSet;
use std::path::Path;

fn read(relative: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)).unwrap()
}

/// Values of the active `key=` lines.
fn values(unit: &str, key: &str) -> Vec<String> {
    let prefix = format!("{key}=");
    unit.lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .map(str::to_string)
        .collect()
}

fn one(unit: &str, key: &str) -> String {
    let found = values(unit, key);
    assert_eq!(found.len(), 1, "{key}: {found:?}");
    found[0].clone()
}

#[test]
fn the_unit_matches_what_the_daemon_does() {
    let unit = read("systemd/ordersync.service");
    assert_eq!(one(&unit, "Type"), "notify");
    assert_eq!(one(&unit, "NotifyAccess"), "main");
    assert_eq!(one(&unit, "KillSignal"), "SIGTERM");
    assert_eq!(one(&unit, "Restart"), "on-failure");
    assert_eq!(one(&unit, "DynamicUser"), "yes");
    assert_eq!(
        one(&unit, "ExecStart"),
        format!("/usr/local/bin/ordersync serve -c {DEFAULT_CONFIG_PATH}")
    );
    let state = one(&unit, "StateDirectory");
    assert_eq!(format!("/var/lib/{state}"), DEFAULT_STORE_PATH);
    let watchdog = parse_duration(&one(&unit, "WatchdogSec")).unwrap();
    assert!(
        watchdog.as_secs() >= 10,
        "room for a slow fsync: {watchdog:?}"
    );

    // The drain must end before systemd's SIGKILL, for the default and the example.
    let stop = parse_duration(&one(&unit, "TimeoutStopSec")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let minimal =
        "[sources.p]\nkind = \"standard\"\nsecret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n";
    let default = parse(minimal, dir.path()).unwrap().server.shutdown_grace;
    let example = parse(&read("config.toml.example"), dir.path()).unwrap();
    for grace in [default, example.server.shutdown_grace] {
        assert!(
            stop >= grace + std::time::Duration::from_secs(10),
            "{stop:?} vs {grace:?}"
        );
    }
}

#[test]
fn every_credential_file_of_the_example_has_a_load_credential_line() {
    let unit = read("systemd/ordersync.service");
    let in_unit: BTreeSet<String> = unit
        .lines()
        .filter_map(|l| l.trim_start_matches('#').strip_prefix("LoadCredential="))
        .map(|value| {
            let (id, source) = value.split_once(':').expect("ID:PATH");
            assert_eq!(source, format!("/etc/credstore/ordersync/{id}"));
            id.to_string()
        })
        .collect();
    let marker = "/run/credentials/ordersync.service/";
    let in_example: BTreeSet<String> = read("config.toml.example")
        .split(marker)
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .filter(|id| id != "K")
        .collect();
    assert!(in_example.len() >= 10, "{in_example:?}");
    assert_eq!(in_unit, in_example);
    let active = values(&unit, "LoadCredential");
    assert_eq!(active.len(), 2, "only what every install needs: {active:?}");
}
