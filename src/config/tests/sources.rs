use super::*;
use crate::config::{CompletedMeans, LinkRule, SourceKind};
use crate::domain::{ChannelName, SourceName};

const BASE_CHANNEL: &str = r#"
[channels.base-jp]
kind = "base"
client_id = "id"
client_secret = "s"
refresh_token = "r"
redirect_uri = "https://seller.example/cb"
"#;

fn source(config: &Config, name: &str) -> crate::config::SourceConfig {
    config.sources[&SourceName::parse(name).unwrap()].clone()
}

#[test]
fn rotation_combines_secret_and_secrets() {
    let config = parse_ok(&format!(
        "[sources.a]\nkind = \"standard\"\nsecrets = [\"{WHSEC}\", \"{WHSEC_2}\"]\n\
         [sources.b]\nkind = \"standard\"\nsecret = \"{WHSEC}\"\nsecrets = [\"{WHSEC_2}\"]\n"
    ));
    for name in ["a", "b"] {
        let exposed: Vec<String> = source(&config, name)
            .secrets
            .iter()
            .map(|s| s.expose().to_string())
            .collect();
        assert_eq!(exposed, [WHSEC, WHSEC_2], "{name}");
    }
}

#[test]
fn secret_from_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("shop.secret"), "shpss_abc123\n").unwrap();
    let config = parse(
        "[sources.shop]\nkind = \"shopify\"\nsecret_file = \"shop.secret\"\n",
        dir.path(),
    )
    .unwrap();
    let shop = source(&config, "shop");
    assert_eq!(shop.kind, SourceKind::Shopify);
    assert_eq!(shop.secrets[0].expose(), "shpss_abc123");
}

#[test]
fn a_secret_is_required() {
    let errors = parse_err("[sources.a]\nkind = \"shopify\"\n");
    assert_problem(&errors, "sources.a.secret", "required");
    let errors = parse_err("[sources.a]\nkind = \"shopify\"\nsecrets = []\n");
    assert_problem(&errors, "sources.a.secret", "required");
    assert_eq!(errors.problems.len(), 1, "{errors}");
}

#[test]
fn standard_secrets_must_be_whsec_base64_and_are_not_echoed() {
    let errors = parse_err(
        "[sources.a]\nkind = \"standard\"\nsecret = \"plain-s3cr3t\"\n\
         secrets = [\"whsec_%%%s3cr3t\", 42]\n",
    );
    assert_problem(&errors, "sources.a.secret", "\"whsec_\" followed by base64");
    assert_problem(
        &errors,
        "sources.a.secrets[0]",
        "\"whsec_\" followed by base64",
    );
    assert_problem(&errors, "sources.a.secrets[1]", "expected a string");
    assert!(!errors.to_string().contains("s3cr3t"), "{errors}");
    assert!(!format!("{errors:?}").contains("s3cr3t"));

    // Other kinds take the vendor's secret as it is.
    parse_ok("[sources.a]\nkind = \"youcan\"\nsecret = \"plain-s3cr3t\"\n");
}

#[test]
fn kind_is_required_and_checked() {
    let errors = parse_err(&format!("[sources.a]\nsecret = \"{WHSEC}\"\n"));
    assert_problem(&errors, "sources.a.kind", "required key is missing");
    let errors = parse_err(&format!(
        "[sources.a]\nkind = \"magento\"\nsecret = \"{WHSEC}\"\n"
    ));
    assert_problem(&errors, "sources.a.kind", "unknown value \"magento\"");
    assert_problem(&errors, "sources.a.kind", "\"woocommerce\"");
}

#[test]
fn names_and_tolerance() {
    let errors = parse_err(&format!(
        "[sources.\"bad name\"]\nkind = \"standard\"\nsecret = \"{WHSEC}\"\ntolerance_secs = 0\n"
    ));
    assert_problem(&errors, "sources.\"bad name\"", "invalid source name");
    assert_problem(&errors, "sources.\"bad name\".tolerance_secs", "at least 1");
    let config = parse_ok(&format!(
        "[sources.a]\nkind = \"standard\"\nsecret = \"{WHSEC}\"\ntolerance_secs = 60\n"
    ));
    assert_eq!(source(&config, "a").tolerance_secs, 60);
}

#[test]
fn completed_means_is_woocommerce_only() {
    let config = parse_ok(
        "[sources.wc]\nkind = \"woocommerce\"\nsecret = \"x\"\ncompleted_means = \"delivered\"\n",
    );
    assert_eq!(
        source(&config, "wc").completed_means,
        CompletedMeans::Delivered
    );
    let errors = parse_err(
        "[sources.s]\nkind = \"shopify\"\nsecret = \"x\"\ncompleted_means = \"delivered\"\n",
    );
    assert_problem(&errors, "sources.s.completed_means", "\"woocommerce\"");
    let errors = parse_err(
        "[sources.wc]\nkind = \"woocommerce\"\nsecret = \"x\"\ncompleted_means = \"shipped\"\n",
    );
    assert_problem(
        &errors,
        "sources.wc.completed_means",
        "\"dispatched\", \"delivered\"",
    );
}

#[test]
fn link_rules() {
    let config = parse_ok(&format!(
        r#"{BASE_CHANNEL}
        [sources.shop]
        kind = "shopify"
        secret = "x"
        link_rules = [
          {{ channel = "base-jp", from = "note_attributes.base_unique_key" }},
          {{ channel = "base-jp", from = "tags.base:" }},
        ]
        [sources.wc]
        kind = "woocommerce"
        secret = "x"
        [[sources.wc.link_rules]]
        channel = "base-jp"
        from = "meta_data.base_unique_key"
        "#
    ));
    let base_jp = ChannelName::parse("base-jp").unwrap();
    assert_eq!(
        source(&config, "shop").link_rules,
        [
            LinkRule {
                channel: base_jp.clone(),
                from: "note_attributes.base_unique_key".into()
            },
            LinkRule {
                channel: base_jp.clone(),
                from: "tags.base:".into()
            },
        ]
    );
    assert_eq!(
        source(&config, "wc").link_rules[0].from,
        "meta_data.base_unique_key"
    );
}

#[test]
fn link_rule_mistakes() {
    let errors = parse_err(&format!(
        r#"{BASE_CHANNEL}
        [sources.shop]
        kind = "shopify"
        secret = "x"
        link_rules = [
          {{ channel = "nowhere", from = "note_attributes.k" }},
          {{ channel = "base-jp", from = "meta_data.k" }},
          {{ channel = "base-jp", from = "note_attributes." }},
          {{ channel = "base-jp", form = "tags.x" }},
          "base-jp",
        ]
        [sources.std]
        kind = "standard"
        secret = "{WHSEC}"
        link_rules = [{{ channel = "base-jp", from = "note_attributes.k" }}]
        "#
    ));
    let rules = "sources.shop.link_rules";
    assert_problem(
        &errors,
        &format!("{rules}[0].channel"),
        "no channel named \"nowhere\"",
    );
    assert_problem(
        &errors,
        &format!("{rules}[1].from"),
        "\"note_attributes.<name>\" or \"tags.<name>\"",
    );
    assert_problem(
        &errors,
        &format!("{rules}[2].from"),
        "not a supported field",
    );
    assert_problem(
        &errors,
        &format!("{rules}[3].from"),
        "required key is missing",
    );
    assert_problem(
        &errors,
        &format!("{rules}[3].form"),
        "unknown key (did you mean `from`?)",
    );
    assert_problem(
        &errors,
        &format!("{rules}[4]"),
        "expected a table, found a string",
    );
    assert_problem(
        &errors,
        "sources.std.link_rules",
        "only apply to \"shopify\" and \"woocommerce\"",
    );
}

#[test]
fn shopify_window_defaults_to_its_retry_period() {
    let config = parse_ok(
        "[sources.shop]\nkind = \"shopify\"\nsecret = \"s\"\n[sources.std]\nkind = \"standard\"\nsecret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n[sources.shop2]\nkind = \"shopify\"\nsecret = \"s\"\ntolerance_secs = 600\n",
    );
    assert_eq!(source(&config, "shop").tolerance_secs, 14400);
    assert_eq!(source(&config, "std").tolerance_secs, 300);
    assert_eq!(source(&config, "shop2").tolerance_secs, 600);
}
