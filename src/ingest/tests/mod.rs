//! Tests of the signature schemes and payload parsers, on fixtures shaped after the
//! vendors' documented payloads (`tests/fixtures/`).

mod canonical;
mod canonical_json;
mod fuzz_regressions;
mod properties;
mod shopify;
mod shopify_checks;
mod standard;
mod support;
mod woocommerce;
mod youcan;
