//! `config::load` from real files, through the public API the binary uses.

use ordersync::config::{self, Durability};
use std::fs;

const WHSEC: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

#[test]
fn example_loads_from_the_repo_root() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config.toml.example");
    let config = config::load(path.as_ref()).unwrap_or_else(|e| panic!("{e}"));
    // The relative store path sits next to the example file.
    assert_eq!(
        config.store.path,
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ordersync-data")
    );
    assert_eq!(config.store.durability, Durability::Fsync);
    let summary = config.summary();
    assert!(summary.contains("primary: standard, 1 secret"), "{summary}");
    for secret in config.secrets() {
        assert!(!summary.contains(secret.expose()));
    }
}

#[test]
fn files_resolve_against_the_config_folder() {
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("creds");
    fs::create_dir(&creds).unwrap();
    fs::write(creds.join("admin"), "admin-from-file\n").unwrap();
    fs::write(creds.join("primary"), format!("{WHSEC}\n")).unwrap();
    fs::write(creds.join("wiz"), "wiz-key\r\n").unwrap();
    let path = dir.path().join("config.toml");
    fs::write(
        &path,
        r#"
        [store]
        path = "state"
        [admin]
        token_file = "creds/admin"
        [sources.primary]
        kind = "standard"
        secret_file = "creds/primary"
        [channels.wiz]
        kind = "wizcommerce"
        api_key_file = "creds/wiz"
        "#,
    )
    .unwrap();
    let config = config::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.store.path, dir.path().join("state"));
    let secrets: Vec<&str> = config.secrets().iter().map(|s| s.expose()).collect();
    assert_eq!(secrets, ["admin-from-file", WHSEC, "wiz-key"]);
}

#[test]
fn unreadable_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.toml");
    let errors = config::load(&missing).unwrap_err();
    assert_eq!(errors.problems.len(), 1);
    assert_eq!(errors.problems[0].key, missing.display().to_string());
    assert!(errors.problems[0]
        .message
        .contains("cannot read config file"));

    let path = dir.path().join("config.toml");
    fs::write(&path, "[admin]\ntoken_file = \"absent-token\"\n").unwrap();
    let errors = config::load(&path).unwrap_err();
    let problem = errors.find("admin.token_file").expect("problem at the key");
    let expected = dir.path().join("absent-token").display().to_string();
    assert!(problem.message.contains(&expected), "{problem}");
}
