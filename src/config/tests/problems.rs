use super::*;

#[test]
fn unknown_keys_at_every_level() {
    let errors = parse_err(&format!(
        r#"
        colour = "blue"
        [sever]
        listen = "127.0.0.1:1"
        [server]
        lisen = "127.0.0.1:1"
        [sources.primary]
        kind = "standard"
        secret = "{WHSEC}"
        tolerence_secs = 10
        [channels.wiz]
        kind = "wizcommerce"
        api_key = "k"
        api_keys = "k2"
        "#
    ));
    assert_problem(&errors, "colour", "unknown key");
    assert_problem(&errors, "sever", "unknown key (did you mean `server`?)");
    assert_problem(
        &errors,
        "server.lisen",
        "unknown key (did you mean `listen`?)",
    );
    assert_problem(
        &errors,
        "sources.primary.tolerence_secs",
        "did you mean `tolerance_secs`?",
    );
    assert_problem(&errors, "channels.wiz.api_keys", "did you mean `api_key`?");
    assert_eq!(errors.problems.len(), 5, "{errors}");
}

#[test]
fn three_mistakes_reported_together() {
    let errors = parse_err(
        r#"
        [server]
        listen = "localhost"
        [delivery]
        schedule = ["0s", "5s", "5 minutes"]
        [channels.base-jp]
        kind = "base"
        client_id = "id"
        client_secret = "s"
        client_secret_file = "/run/credentials/x"
        refresh_token = "r"
        redirect_uri = "https://seller.example/cb"
        "#,
    );
    assert_problem(
        &errors,
        "server.listen",
        "\"localhost\" is not a socket address",
    );
    assert_problem(
        &errors,
        "delivery.schedule[2]",
        "invalid duration \"5 minutes\"",
    );
    assert_problem(&errors, "channels.base-jp.client_secret", "not both");
    assert_eq!(errors.problems.len(), 3, "{errors}");
    let text = errors.to_string();
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("delivery.schedule[2]: ")),
        "{text}"
    );
}

#[test]
fn wrong_types_and_values() {
    let errors = parse_err(
        r#"
        server = 5
        [store]
        event_retention = 30
        durability = "fsnc"
        cache_capacity = -1
        path = ""
        [log]
        level = "infoo"
        format = "yaml"
        [delivery]
        concurrency = 0
        request_timeout = "0s"
        max_retry_after = "1y"
        "#,
    );
    assert_problem(&errors, "server", "expected a table, found an integer");
    assert_problem(
        &errors,
        "store.event_retention",
        "expected a string like \"5s\"",
    );
    assert_problem(
        &errors,
        "store.durability",
        "unknown value \"fsnc\" (expected \"fsync\"",
    );
    assert_problem(&errors, "store.cache_capacity", "at least 1");
    assert_problem(&errors, "store.path", "must not be empty");
    assert_problem(&errors, "log.level", "unknown level \"infoo\"");
    assert_problem(&errors, "log.format", "unknown value \"yaml\"");
    assert_problem(&errors, "delivery.concurrency", "at least 1");
    assert_problem(&errors, "delivery.request_timeout", "longer than 0s");
    assert_problem(&errors, "delivery.max_retry_after", "unknown unit \"y\"");
    assert_eq!(errors.problems.len(), 10, "{errors}");

    let errors = parse_err("[delivery]\nschedule = []\n");
    assert_problem(&errors, "delivery.schedule", "at least one");
    let errors = parse_err("[delivery]\nschedule = \"5s\"\n");
    assert_problem(&errors, "delivery.schedule", "expected an array");
}

#[test]
fn syntax_error_names_line_and_column_without_the_line() {
    let errors = parse_err("[server]\nlisten = \"127.0.0.1:8080\"\n[admin]\ntoken = \"s3cr3t\n");
    assert_eq!(errors.problems.len(), 1);
    let problem = &errors.problems[0];
    assert!(problem.key.starts_with("line 4, column "), "{problem}");
    assert!(
        problem.message.starts_with("TOML syntax error: "),
        "{problem}"
    );
    assert!(!errors.to_string().contains("s3cr3t"), "{errors}");

    let errors = parse_err("[server]\nlisten = [1,\n");
    assert_eq!(errors.to_string().lines().count(), 1, "{errors}");
    assert!(
        errors.problems[0].key.starts_with("line 3, column 1"),
        "{errors}"
    );
}

#[test]
fn secrets_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("imweb-secret"), "imweb-S3CRET-file\n").unwrap();
    let text = format!(
        r#"
        [admin]
        token = "admin-S3CRET"
        [sources.primary]
        kind = "standard"
        secret = "{WHSEC}"
        [sources.shop]
        kind = "shopify"
        secrets = ["shopify-S3CRET-1", "shopify-S3CRET-2"]
        [channels.imweb]
        kind = "imweb"
        api_key = "imweb-S3CRET-key"
        secret_key_file = "imweb-secret"
        [channels.base]
        kind = "base"
        client_id = "public-id"
        client_secret = "base-S3CRET-cs"
        refresh_token = "base-S3CRET-rt"
        access_token = "base-S3CRET-at"
        redirect_uri = "https://seller.example/cb"
        "#
    );
    let config = parse(&text, dir.path()).unwrap();
    let secrets: Vec<String> = config
        .secrets()
        .iter()
        .map(|s| s.expose().to_string())
        .collect();
    assert_eq!(secrets.len(), 9, "{secrets:?}");
    assert!(secrets.contains(&"imweb-S3CRET-file".to_string()));
    let debug = format!("{config:?} {config:#?}");
    let summary = config.summary();
    for secret in &secrets {
        assert!(!debug.contains(secret.as_str()), "Debug leaks {secret}");
        assert!(!summary.contains(secret.as_str()), "summary leaks {secret}");
    }
    assert!(!debug.contains("S3CRET") && !summary.contains("S3CRET"));

    // Refused configs do not echo secrets either, wherever the mistake is.
    let broken = text
        .replace(
            "kind = \"standard\"",
            "kind = \"standard\"\nsecrets = [\"whsec-S3CRET\"]",
        )
        .replace("api_key = ", "api_key_file = \"missing\"\napi_key = ")
        .replace(
            "secrets = [\"shopify",
            "secret = \"shopify-S3CRET-3\"\nsecret_file = \"x\"\nsecrets = [\"shopify",
        );
    let errors = parse(&broken, dir.path()).unwrap_err();
    assert_eq!(errors.problems.len(), 3, "{errors}");
    assert!(!errors.to_string().contains("S3CRET"), "{errors}");
    assert!(!format!("{errors:?}").contains("S3CRET"), "{errors:?}");
}

#[test]
fn summary_lists_what_runs() {
    let config = parse_ok(&format!(
        r#"
        [store]
        path = "data"
        durability = "flush"
        [admin]
        token = "t"
        [sources.primary]
        kind = "standard"
        secrets = ["{WHSEC}", "{WHSEC_2}"]
        [channels.wiz]
        kind = "wizcommerce"
        api_key = "k"
        "#
    ));
    let summary = config.summary();
    for expected in [
        "listen: 127.0.0.1:8080",
        "store: /cfg/data (durability flush)",
        "admin API: on",
        "log: info (text)",
        "primary: standard, 2 secrets",
        "wiz: wizcommerce, https://api.wizcommerce.com",
        "concurrency 32, 12 attempts",
    ] {
        assert!(
            summary.contains(expected),
            "{expected:?} not in:\n{summary}"
        );
    }
    assert!(parse_ok("").summary().contains("admin API: off"));
}
