//! Targets `shopify_adapter`, `woocommerce_adapter`, `youcan_adapter` (arbitrary headers
//! and body) and their `_signed` variants (the harness signs the arbitrary body correctly
//! with the configured secret, so the fuzzer reaches the payload translation).
//!
//! Oracle, unsigned (INGEST.md: "The signature is always checked on the raw bytes before
//! any parsing"): the answer is `missing_signature` when the signature header is absent
//! or blank, else `invalid_signature` — except WooCommerce's unsigned ping
//! (`webhook_id=<digits>`, no signature header), which is `Ping`. Nothing else, whatever
//! the headers and body.
//!
//! Oracle, signed: never a signature error (Shopify: unless the input brings its own
//! `x-shopify-triggered-at`, which the replay window may refuse); never `Ping`; errors
//! are `invalid_event` or `malformed_json`, the latter only when the body is not JSON;
//! an accepted event is storable and carries the event id its vendor's rule makes.
//!
//! `x-fuzz-completed-means: delivered` picks the WooCommerce source whose `completed`
//! means delivered.

use crate::checks::{expect_error_in, is_json, storable};
use crate::request::{self, present, Headers};
use crate::sign::{body_base64, body_hex};
use ordersync::config::{CompletedMeans, LinkRule, SourceConfig, SourceKind};
use ordersync::domain::{ChannelName, Timestamp};
use ordersync::ingest::{build_adapter, IngestError, RawRequest, SourceAdapter, Translated};
use ordersync::secret::Secret;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    Shopify,
    Woocommerce,
    Youcan,
}

/// Two secrets, the request signed with the second: rotation.
pub const SECRETS: [&str; 2] = ["old-client-secret", "shpss_fuzz_5f9a1c7e3b2d4f6a8c0e1b3d"];
pub const SIGNING_SECRET: &str = SECRETS[1];
/// Shopify's default replay window.
pub const TOLERANCE_SECS: u64 = 14_400;
pub const NOW: &str = "2026-11-25T05:00:10Z";
/// What the harness sends as `x-shopify-triggered-at` when the input has none.
pub const TRIGGERED: &str = "2026-11-25T04:59:10Z";
pub const COMPLETED_INSTRUCTION: &str = "x-fuzz-completed-means";

impl Vendor {
    pub fn signature_header(self) -> &'static str {
        match self {
            Vendor::Shopify => "x-shopify-hmac-sha256",
            Vendor::Woocommerce => "x-wc-webhook-signature",
            Vendor::Youcan => "x-youcan-signature",
        }
    }

    fn kind(self) -> SourceKind {
        match self {
            Vendor::Shopify => SourceKind::Shopify,
            Vendor::Woocommerce => SourceKind::Woocommerce,
            Vendor::Youcan => SourceKind::Youcan,
        }
    }

    fn signature(self, body: &[u8]) -> String {
        match self {
            Vendor::Youcan => body_hex(SIGNING_SECRET, body),
            Vendor::Shopify | Vendor::Woocommerce => body_base64(SIGNING_SECRET, body),
        }
    }

    fn link_rules(self) -> Vec<LinkRule> {
        let rules: &[(&str, &str)] = match self {
            Vendor::Shopify => &[
                ("base-jp", "tags.base:"),
                ("imweb-kr", "note_attributes.imweb_order_no"),
            ],
            Vendor::Woocommerce => &[("payco", "meta_data._payco_imp_uid")],
            Vendor::Youcan => &[],
        };
        rules
            .iter()
            .map(|(channel, from)| LinkRule {
                channel: ChannelName::parse(*channel).expect("a valid channel name"),
                from: from.to_string(),
            })
            .collect()
    }

    fn config(self, completed_means: CompletedMeans) -> SourceConfig {
        SourceConfig {
            kind: self.kind(),
            secrets: SECRETS.iter().map(|s| Secret::new(*s)).collect(),
            tolerance_secs: TOLERANCE_SECS,
            completed_means,
            link_rules: self.link_rules(),
        }
    }

    fn adapter(self, completed_means: CompletedMeans) -> &'static dyn SourceAdapter {
        type Adapters = [Box<dyn SourceAdapter>; 4];
        static ADAPTERS: OnceLock<Adapters> = OnceLock::new();
        let adapters = ADAPTERS.get_or_init(|| {
            [
                build_adapter(&Vendor::Shopify.config(CompletedMeans::Dispatched)),
                build_adapter(&Vendor::Woocommerce.config(CompletedMeans::Dispatched)),
                build_adapter(&Vendor::Woocommerce.config(CompletedMeans::Delivered)),
                build_adapter(&Vendor::Youcan.config(CompletedMeans::Dispatched)),
            ]
        });
        let index = match (self, completed_means) {
            (Vendor::Shopify, _) => 0,
            (Vendor::Woocommerce, CompletedMeans::Dispatched) => 1,
            (Vendor::Woocommerce, CompletedMeans::Delivered) => 2,
            (Vendor::Youcan, _) => 3,
        };
        adapters[index].as_ref()
    }
}

fn now() -> Timestamp {
    static NOW_AT: OnceLock<Timestamp> = OnceLock::new();
    *NOW_AT.get_or_init(|| Timestamp::parse_rfc3339(NOW).expect("a valid time"))
}

fn prepare(data: &[u8]) -> (Headers, &[u8], CompletedMeans) {
    let (mut headers, body) = request::parse(data);
    let completed = request::take_instruction(&mut headers, COMPLETED_INSTRUCTION);
    let completed_means = match completed.as_deref().map(str::trim) {
        Some("delivered") => CompletedMeans::Delivered,
        _ => CompletedMeans::Dispatched,
    };
    (headers, body, completed_means)
}

/// WooCommerce's set-up ping, as INGEST.md describes it: the whole body is
/// `webhook_id=<n>`, at most 20 digits.
pub fn is_woocommerce_ping(body: &[u8]) -> bool {
    body.strip_prefix(b"webhook_id=").is_some_and(|digits| {
        (1..=20).contains(&digits.len()) && digits.iter().all(u8::is_ascii_digit)
    })
}

/// The unsigned targets. The answer is returned for the harness's own tests.
pub fn run_unsigned(vendor: Vendor, data: &[u8]) -> Result<Translated, IngestError> {
    let (headers, body, completed_means) = prepare(data);
    let result = vendor.adapter(completed_means).accept(&RawRequest {
        headers: &headers,
        body,
        now: now(),
    });
    let signature = present(&headers, vendor.signature_header());
    if vendor == Vendor::Woocommerce && signature.is_none() && is_woocommerce_ping(body) {
        assert_eq!(result, Ok(Translated::Ping), "WooCommerce's ping");
    } else if signature.is_none() {
        expect_error_in(&result, &["missing_signature"]);
    } else {
        expect_error_in(&result, &["invalid_signature"]);
    }
    result
}

/// The signed targets. The answer is returned for the harness's own tests.
pub fn run_signed(vendor: Vendor, data: &[u8]) -> Result<Translated, IngestError> {
    let (mut headers, body, completed_means) = prepare(data);
    // First, so that a header of the same name in the input cannot displace it.
    headers.insert(
        0,
        (
            vendor.signature_header().to_string(),
            vendor.signature(body),
        ),
    );
    let own_triggered_at =
        vendor == Vendor::Shopify && request::first(&headers, "x-shopify-triggered-at").is_some();
    if vendor == Vendor::Shopify && !own_triggered_at {
        headers.push(("x-shopify-triggered-at".to_string(), TRIGGERED.to_string()));
    }
    let result = vendor.adapter(completed_means).accept(&RawRequest {
        headers: &headers,
        body,
        now: now(),
    });
    match &result {
        Ok(Translated::Event(event)) => {
            storable(event);
            check_event_id(vendor, &headers, event);
        }
        Ok(Translated::Ignored { .. }) => {}
        Ok(Translated::Ping) => panic!("a signed request answered as a ping"),
        Err(error) => match error.code() {
            "invalid_event" => {}
            "malformed_json" => assert!(
                !is_json(body),
                "malformed_json for a body that is JSON: {error}"
            ),
            "missing_signature" | "invalid_signature" | "timestamp_out_of_tolerance"
                if own_triggered_at =>
            {
                // The input's own X-Shopify-Triggered-At: blank, not RFC 3339, or
                // outside the replay window.
                assert!(
                    error.to_string().contains("x-shopify-triggered-at"),
                    "a correctly signed request was refused: {error:?}"
                );
            }
            _ => panic!("a correctly signed request was refused: {error:?}"),
        },
    }
    result
}

/// The event id each vendor's rule makes (INGEST.md, "Native source kinds").
fn check_event_id(vendor: Vendor, headers: &Headers, event: &ordersync::domain::OrderEvent) {
    let id = event.event_id.as_str();
    match vendor {
        Vendor::Shopify => {
            let topic = present(headers, "x-shopify-topic").expect("a topic was needed");
            let delivery = present(headers, "x-shopify-event-id")
                .or_else(|| present(headers, "x-shopify-webhook-id"))
                .expect("an event id was needed");
            assert_eq!(id, format!("{topic}:{delivery}"));
            assert_eq!(event.kind, topic);
        }
        Vendor::Woocommerce => {
            let topic = present(headers, "x-wc-webhook-topic").expect("a topic was needed");
            let delivery =
                present(headers, "x-wc-webhook-delivery-id").expect("a delivery id was needed");
            assert!(
                id.starts_with(&format!("{delivery}:{}:", event.order_id)),
                "event id {id:?}"
            );
            assert_eq!(event.kind, topic);
        }
        Vendor::Youcan => {
            assert!(
                id.starts_with(&format!("{}:{}:", event.kind, event.order_id)),
                "event id {id:?}"
            );
        }
    }
}
