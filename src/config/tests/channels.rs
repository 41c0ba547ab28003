use super::*;
use crate::config::ChannelSettings;
use crate::domain::ChannelName;

fn settings(config: &Config, name: &str) -> ChannelSettings {
    config.channels[&ChannelName::parse(name).unwrap()]
        .settings
        .clone()
}

#[test]
fn required_keys_per_kind() {
    let errors = parse_err(
        r#"
        [channels.payco]
        kind = "portone_payco"
        [channels.imweb]
        kind = "imweb"
        [channels.youcan]
        kind = "youcan"
        [channels.base]
        kind = "base"
        [channels.wiz]
        kind = "wizcommerce"
        "#,
    );
    let missing = [
        "channels.payco.imp_key",
        "channels.payco.imp_secret",
        "channels.imweb.api_key",
        "channels.imweb.secret_key",
        "channels.youcan.access_token",
        "channels.base.client_id",
        "channels.base.client_secret",
        "channels.base.refresh_token",
        "channels.base.redirect_uri",
        "channels.wiz.api_key",
    ];
    for key in missing {
        assert_problem(&errors, key, "required key is missing");
    }
    assert_eq!(errors.problems.len(), missing.len(), "{errors}");
    assert_problem(
        &errors,
        "channels.base.client_secret",
        "`client_secret_file`",
    );
}

#[test]
fn kind_is_required_and_known() {
    let errors = parse_err("[channels.x]\napi_key = \"k\"\n[channels.y]\nkind = \"amazon\"\n");
    assert_problem(&errors, "channels.x.kind", "required key is missing");
    assert_problem(
        &errors,
        "channels.y.kind",
        "unknown channel kind \"amazon\"",
    );
    // Without a kind, another kind's keys are not blamed.
    assert_eq!(errors.problems.len(), 2, "{errors}");
}

#[test]
fn key_of_another_kind() {
    let errors = parse_err(
        r#"
        [channels.wiz]
        kind = "wizcommerce"
        api_key = "k"
        secret_key_file = "/x"
        tracking_via_fulfill = true
        client_id = "c"
        "#,
    );
    assert_problem(
        &errors,
        "channels.wiz.secret_key_file",
        "unknown key for kind wizcommerce (it is a key of kind imweb)",
    );
    assert_problem(&errors, "channels.wiz.tracking_via_fulfill", "kind youcan");
    assert_problem(&errors, "channels.wiz.client_id", "kind youcan, base");
    assert_eq!(errors.problems.len(), 3, "{errors}");
}

#[test]
fn common_keys() {
    let config = parse_ok(
        r#"
        [channels.wiz]
        kind = "wizcommerce"
        api_key = "k"
        base_url = "http://127.0.0.1:9999/"
        rate_limit_per_sec = 2
        rate_limit_per_hour = 100
        "#,
    );
    let wiz = &config.channels[&ChannelName::parse("wiz").unwrap()];
    assert_eq!(wiz.base_url, "http://127.0.0.1:9999");
    assert_eq!(
        (wiz.rate_limit_per_sec, wiz.rate_limit_per_hour),
        (Some(2), Some(100))
    );

    let errors = parse_err(
        r#"
        [channels.wiz]
        kind = "wizcommerce"
        api_key = "k"
        base_url = "api.wizcommerce.com"
        rate_limit_per_sec = 0
        rate_limit_per_hour = 5000000000
        [channels."w z"]
        kind = "wizcommerce"
        api_key = "k"
        "#,
    );
    assert_problem(&errors, "channels.wiz.base_url", "not a URL");
    assert_problem(&errors, "channels.wiz.rate_limit_per_sec", "at least 1");
    assert_problem(&errors, "channels.wiz.rate_limit_per_hour", "too large");
    assert_problem(&errors, "channels.\"w z\"", "invalid channel name");
}

#[test]
fn imweb_options() {
    let config = parse_ok(
        r#"
        [channels.imweb]
        kind = "imweb"
        api_key = "k"
        secret_key = "s"
        default_reason_code = "SOLD_OUT"
        deliv_fee_method = "BOX"
        "#,
    );
    match settings(&config, "imweb") {
        ChannelSettings::Imweb {
            default_reason_code,
            deliv_fee_method,
            ..
        } => {
            assert_eq!(default_reason_code, "SOLD_OUT");
            assert_eq!(deliv_fee_method.as_deref(), Some("BOX"));
        }
        other => panic!("{other:?}"),
    }
    let errors = parse_err(
        r#"
        [channels.imweb]
        kind = "imweb"
        api_key = "k"
        secret_key = "s"
        default_reason_code = "sold_out"
        deliv_fee_method = "CARD"
        "#,
    );
    assert_problem(
        &errors,
        "channels.imweb.default_reason_code",
        "unknown reason code \"sold_out\"",
    );
    assert_problem(
        &errors,
        "channels.imweb.deliv_fee_method",
        "\"REFUND\", \"CASH\", \"BOX\"",
    );
}

#[test]
fn youcan_refresh_is_all_or_none() {
    let config = parse_ok(
        r#"
        [channels.yc]
        kind = "youcan"
        access_token = "t"
        client_id = "1234"
        client_secret = "cs"
        refresh_token = "rt"
        tracking_via_fulfill = true
        "#,
    );
    match settings(&config, "yc") {
        ChannelSettings::Youcan {
            client_id,
            client_secret,
            refresh_token,
            tracking_via_fulfill,
            ..
        } => {
            assert_eq!(client_id.as_deref(), Some("1234"));
            assert_eq!(client_secret.unwrap().expose(), "cs");
            assert_eq!(refresh_token.unwrap().expose(), "rt");
            assert!(tracking_via_fulfill);
        }
        other => panic!("{other:?}"),
    }
    let errors = parse_err(
        "[channels.yc]\nkind = \"youcan\"\naccess_token = \"t\"\nclient_id = \"1234\"\n\
         tracking_via_fulfill = \"yes\"\n",
    );
    assert_problem(
        &errors,
        "channels.yc.client_secret",
        "token refresh needs all three",
    );
    assert_problem(
        &errors,
        "channels.yc.refresh_token",
        "token refresh needs all three",
    );
    assert_problem(
        &errors,
        "channels.yc.tracking_via_fulfill",
        "expected true or false",
    );
    assert_eq!(errors.problems.len(), 3, "{errors}");
}

#[test]
fn base_options() {
    let base = r#"
        [channels.base]
        kind = "base"
        client_id = "id"
        client_secret = "s"
        refresh_token = "r"
        redirect_uri = "https://seller.example/cb"
        "#;
    let config = parse_ok(&format!(
        "{base}access_token = \"a\"\ncomment_template = \"{{carrier}}: {{tracking}}\"\n\
         delivery_company_ids = {{ yamato = 1, sagawa = 2 }}\n"
    ));
    match settings(&config, "base") {
        ChannelSettings::Base {
            access_token,
            comment_template,
            delivery_company_ids,
            ..
        } => {
            assert_eq!(access_token.unwrap().expose(), "a");
            assert_eq!(comment_template, "{carrier}: {tracking}");
            let ids: Vec<(&str, u64)> = delivery_company_ids
                .iter()
                .map(|(k, v)| (k.as_str(), *v))
                .collect();
            assert_eq!(ids, [("sagawa", 2), ("yamato", 1)]);
        }
        other => panic!("{other:?}"),
    }
    let errors = parse_err(&format!(
        "{base}comment_template = \"{{carrier}}\"\n\
         delivery_company_ids = {{ yamato = 0, Sagawa = 2, pony = 3, sagawa = \"2\" }}\n"
    ));
    assert_problem(
        &errors,
        "channels.base.comment_template",
        "must contain {tracking}",
    );
    assert_problem(
        &errors,
        "channels.base.delivery_company_ids.yamato",
        "at least 1",
    );
    assert_problem(
        &errors,
        "channels.base.delivery_company_ids.Sagawa",
        "did you mean `sagawa`?",
    );
    assert_problem(
        &errors,
        "channels.base.delivery_company_ids.pony",
        "unknown carrier id",
    );
    assert_problem(
        &errors,
        "channels.base.delivery_company_ids.sagawa",
        "expected an integer",
    );
}
