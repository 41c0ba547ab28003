//! The sims over real HTTP: routing, recording, configs, stop.

use super::*;
use serde_json::json;

#[tokio::test]
async fn calls_are_answered_and_recorded() {
    let mut sims = start_all().await.expect("sims start");
    sims.wiz.seed("w1");
    let client = reqwest::Client::new();
    let wiz = sims.base_url(ChannelKind::Wizcommerce).to_string();
    let answer = client
        .patch(format!("{wiz}/v1/orders/w1/status"))
        .header("X-API-Key", wizcommerce::API_KEY)
        .header(SENT_AT_HEADER, "1700000000123")
        .json(&json!({ "status": "confirmed" }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(
        answer.json::<serde_json::Value>().await.unwrap()["data"]["status"],
        "confirmed"
    );
    let mark = sims.recorder.mark();
    let imweb = sims.base_url(ChannelKind::Imweb).to_string();
    let auth = client
        .get(format!("{imweb}/v2/auth"))
        .query(&[("key", imweb::API_KEY), ("secret", imweb::SECRET_KEY)])
        .send()
        .await
        .unwrap();
    assert_eq!(auth.status(), 200);

    let calls = sims.recorder.calls();
    assert_eq!(calls.len(), 2);
    let first = &calls[0];
    assert_eq!(first.kind, ChannelKind::Wizcommerce);
    assert_eq!(
        (first.method.as_str(), first.path.as_str()),
        ("PATCH", "/v1/orders/w1/status")
    );
    assert_eq!(first.json(), Some(json!({ "status": "confirmed" })));
    assert_eq!(first.sent_at.as_deref(), Some("1700000000123"));
    assert_eq!(first.status, 200);
    let second = &sims.recorder.since(mark)[0];
    assert_eq!((second.kind, second.seq), (ChannelKind::Imweb, 1));
    assert!(second.is_auth());
    assert!(second.query.contains("key=sim-imweb-key"));
    assert!(second.arrived >= first.arrived);
    assert_eq!(sims.wiz.status("w1"), Some("confirmed"));

    let unknown = client.get(format!("{wiz}/nowhere")).send().await.unwrap();
    assert_eq!(unknown.status(), 401, "the API key is checked first");

    sims.stop().await;
    // A new client: a pooled keep-alive connection may outlive the listener briefly.
    let fresh = reqwest::Client::new();
    assert!(fresh.get(format!("{wiz}/")).send().await.is_err());
}

#[tokio::test]
async fn every_kind_has_its_own_server_and_config() {
    let mut sims = start_all().await.expect("sims start");
    let configs = sims.channel_configs(ChannelKind::ALL);
    let names: Vec<&str> = configs.keys().map(ChannelName::as_str).collect();
    assert_eq!(names, ["base-jp", "imweb-kr", "payco", "wiz", "youcan-ma"]);
    let mut urls: Vec<&str> = configs.values().map(|c| c.base_url.as_str()).collect();
    urls.sort();
    urls.dedup();
    assert_eq!(urls.len(), 5);
    for (name, config) in &configs {
        assert_eq!(channel_name(config.kind), *name);
        assert_eq!(config.base_url, sims.base_url(config.kind));
        assert!(!config.settings.secrets().is_empty());
    }
    let imweb = &configs[&channel_name(ChannelKind::Imweb)];
    assert_eq!(imweb.rate_limit_per_sec, Some(5));
    sims.stop().await;
}

#[tokio::test]
async fn seeding_dispatches_by_kind() {
    let mut sims = start_all().await.expect("sims start");
    let card = Some(PaymentMethod::Card);
    for kind in ChannelKind::ALL {
        sims.seed(kind, "R1", &["7", "8"], card).unwrap();
    }
    assert_eq!(sims.base.order("R1").unwrap().payment, "creditcard");
    assert_eq!(sims.base.order("R1").unwrap().items.len(), 2);
    assert_eq!(sims.imweb.prod_order("R1", "8").unwrap().status, "PAY_WAIT");
    assert_eq!(sims.youcan.order("R1").unwrap().payment, "pending");
    assert_eq!(sims.wiz.status("R1"), Some("draft"));
    assert!(sims
        .seed(ChannelKind::Base, "R2", &["L1"], None)
        .unwrap_err()
        .contains("not a number"));
    sims.stop().await;
}
