//! Native Shopify and WooCommerce sources through the whole daemon: vendor signature,
//! translation, the same durable path, and pushes to linked marketplaces.

use crate::channel_base::{accept_edits, EDIT, TOKEN};
use crate::channel_imweb::{mount_token, success};
use crate::e2e_support::{base_channel, imweb_channel};
use crate::helpers::*;
use crate::mocks::{form_body, mount, on, requests_to, requests_with};
use base64::Engine;
use hmac::{Hmac, Mac};
use ordersync::config::{ChannelConfig, CompletedMeans, LinkRule, SourceConfig, SourceKind};
use ordersync::domain::SourceName;
use ordersync::secret::Secret;
use serde_json::{json, Value};
use sha2::Sha256;
use wiremock::matchers::{body_string_contains, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SHOPIFY_SECRET: &str = "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";
const ORDER: &str = "5683924041954";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn shopify_source() -> SourceConfig {
    SourceConfig {
        kind: SourceKind::Shopify,
        secrets: vec![Secret::new(SHOPIFY_SECRET)],
        tolerance_secs: 14400,
        completed_means: CompletedMeans::Dispatched,
        link_rules: vec![
            LinkRule {
                channel: channel_name("base-jp"),
                from: "tags.base:".into(),
            },
            LinkRule {
                channel: channel_name("imweb-kr"),
                from: "note_attributes.imweb_order_no".into(),
            },
        ],
    }
}

/// Posts a fixture as Shopify would, signed here with the hmac crate.
async fn post_shopify(app: &TestApp, topic: &str, event_id: &str, file: &str) -> (u16, Value) {
    let body = fixture(file);
    let mut mac = Hmac::<Sha256>::new_from_slice(SHOPIFY_SECRET.as_bytes()).unwrap();
    mac.update(&body);
    let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let headers = [
        ("x-shopify-hmac-sha256", signature),
        ("x-shopify-topic", topic.to_string()),
        ("x-shopify-event-id", event_id.to_string()),
        ("x-shopify-triggered-at", now),
    ];
    let response = app.post_raw("shop", &headers, body).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// `fulfillments/create` (event `ev-f1`): order 5683924041954 shipped with DHL.
async fn post_fulfillment(app: &TestApp) -> (u16, Value) {
    let file = "shopify/fulfillments_create.json";
    post_shopify(app, "fulfillments/create", "ev-f1", file).await
}

/// `orders/paid` (event `ev-p1`) for order 5683924041954, with its link tags.
async fn post_paid(app: &TestApp) -> (u16, Value) {
    post_shopify(app, "orders/paid", "ev-p1", "shopify/orders_paid.json").await
}

async fn shopify_app(channels: Vec<(&'static str, ChannelConfig)>) -> TestApp {
    spawn_app_with(|c| {
        c.sources
            .insert(SourceName::parse("shop").unwrap(), shopify_source());
        for (name, channel) in channels {
            c.channels.insert(channel_name(name), channel);
        }
    })
    .await
}

#[tokio::test]
async fn fulfillment_before_payment_ends_dispatched() {
    let app = spawn_app_with(|c| {
        let source = SourceConfig {
            link_rules: vec![],
            ..shopify_source()
        };
        c.sources.insert(SourceName::parse("shop").unwrap(), source);
    })
    .await;
    let (status, body) = post_fulfillment(&app).await;
    assert_eq!(status, 202, "{body}");
    let (status, body) = post_paid(&app).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("stale")),
        "{body}"
    );
    let order = app.order(ORDER).await;
    assert_eq!(order["status"], "dispatched");
    assert_eq!(
        order["shipment"],
        json!({ "carrier": "dhl", "tracking_number": "JD014600006281230719" })
    );
    let results: Vec<_> = order["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["result"].clone())
        .collect();
    assert_eq!(results, vec![json!("accepted"), json!("stale")]);

    let (status, body) = post_fulfillment(&app).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("duplicate")),
        "same X-Shopify-Event-Id: {body}"
    );
    app.stop().await;
}

#[tokio::test]
async fn unhandled_topics_are_acknowledged_and_store_nothing() {
    let app = spawn_app_with(|c| {
        c.sources
            .insert(SourceName::parse("shop").unwrap(), shopify_source());
        let nowhere = "http://127.0.0.1:9";
        c.channels
            .insert(channel_name("base-jp"), base_channel(nowhere, None));
        c.channels
            .insert(channel_name("imweb-kr"), imweb_channel(nowhere));
    })
    .await;
    let (status, body) =
        post_shopify(&app, "products/update", "ev-x", "shopify/orders_paid.json").await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("ignored")),
        "{body}"
    );
    let (status, _) = app.admin_get(&format!("/admin/orders/{ORDER}")).await;
    assert_eq!(status, 404);
    app.stop().await;
}

async fn imweb_mock() -> MockServer {
    let server = MockServer::start().await;
    mount_token(&server, "im-token", ..).await;
    mount(&server, Mock::given(method("PATCH")), success(), ..).await;
    server
}

async fn base_mock() -> MockServer {
    let server = MockServer::start().await;
    let refresh = on("POST", TOKEN).and(body_string_contains("grant_type=refresh_token"));
    let grant = ResponseTemplate::new(200).set_body_json(json!({
        "access_token": "base-access", "token_type": "bearer", "expires_in": 3600, "refresh_token": "base-refresh-2"
    }));
    mount(&server, refresh, grant, ..).await;
    accept_edits(&server).await;
    server
}

#[tokio::test]
async fn shopify_fulfillment_reaches_base_and_imweb_with_mapped_carriers() {
    let (imweb_server, base_server) = (imweb_mock().await, base_mock().await);
    let app = shopify_app(vec![
        ("imweb-kr", imweb_channel(&imweb_server.uri())),
        ("base-jp", base_channel(&base_server.uri(), None)),
    ])
    .await;

    // orders/paid carries the links (tag base:…, note attribute imweb_order_no).
    let (status, body) = post_paid(&app).await;
    assert_eq!(status, 202, "{body}");
    let order = app.wait_for_channel_state(ORDER, "imweb-kr", "done").await;
    assert_eq!(
        order["links"],
        json!([
            { "channel": "base-jp", "order_id": "154D88A39E454289" },
            { "channel": "imweb-kr", "order_id": "202611220001" }
        ])
    );
    for (channel, items) in [
        (
            "base-jp",
            json!({ "14001234567891": "123", "14001234567890": "122" }),
        ),
        ("imweb-kr", json!({ "14001234567891": "2026112200012" })),
    ] {
        let remote = order["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["channel"] == channel)
            .unwrap()["order_id"]
            .clone();
        let link = json!({ "channel": channel, "order_id": remote, "items": items });
        let (status, body) = app
            .admin_send(
                reqwest::Method::PUT,
                &format!("/admin/orders/{ORDER}/links"),
                Some(link),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }

    let (status, body) = post_fulfillment(&app).await;
    assert_eq!(status, 202, "{body}");
    app.wait_for_order(ORDER, "both channels to deliver the dispatch", |o| {
        ["base-jp", "imweb-kr"].iter().all(|c| {
            o["channels"][c]["status"] == "dispatched" && o["channels"][c]["state"] == "done"
        })
    })
    .await;

    let patches = requests_with(&imweb_server, "PATCH").await;
    assert_eq!(patches.len(), 2, "deposit, then send");
    assert_eq!(
        patches[0].url.path(),
        "/v2/shop/orders/202611220001/deposit"
    );
    assert_eq!(patches[1].url.path(), "/v2/shop/orders/202611220001/send");
    assert_eq!(patches[1].headers.get("access-token").unwrap(), "im-token");
    let send: Value = patches[1].body_json().unwrap();
    assert_eq!(
        send,
        json!({ "prod_order_no": "2026112200012", "etc": { "parcel_code": "DHL", "invoice_no": "JD014600006281230719" } })
    );

    let edits = requests_to(&base_server, EDIT).await;
    assert_eq!(edits.len(), 1, "only the fulfilled line");
    assert_eq!(
        edits[0].headers.get("authorization").unwrap(),
        "Bearer base-access"
    );
    assert_eq!(
        form_body(&edits[0]),
        vec![
            ("order_item_id".to_string(), "123".to_string()),
            ("status".to_string(), "dispatched".to_string()),
            (
                "add_comment".to_string(),
                "[配送業者]DHL [送り状番号]JD014600006281230719".to_string()
            ),
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn woocommerce_ping_answers_200_and_stores_nothing() {
    let app = spawn_app_with(|c| {
        c.sources.insert(
            SourceName::parse("woo").unwrap(),
            SourceConfig {
                kind: SourceKind::Woocommerce,
                secrets: vec![Secret::new("wc-secret")],
                tolerance_secs: 300,
                completed_means: CompletedMeans::Dispatched,
                link_rules: vec![],
            },
        );
    })
    .await;
    let response = app
        .client
        .post(format!("{}/webhooks/woo", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(fixture("woocommerce/ping.form"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let (status, body) = app.admin_get("/admin/orders").await;
    assert_eq!((status, body["orders"].as_array().unwrap().len()), (200, 0));
    app.stop().await;
}
