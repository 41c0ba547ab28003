//! The harness on its own seeds (`cargo test` in `fuzz/`): every seed passes its target's
//! oracle, and the seeds that should reach the payload parsers do.

use crate::vendor::{run_signed, run_unsigned, Vendor};
use ordersync::ingest::{IngestError, Translated};
use std::path::PathBuf;

fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("seeds")
        .join(target);
    let mut seeds: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    seeds.sort();
    assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
    seeds
}

fn is_event(result: &Result<Translated, IngestError>) -> bool {
    matches!(result, Ok(Translated::Event(_)))
}

#[test]
fn canonical_seeds() {
    for (_, data) in seeds("canonical_event") {
        crate::canonical::run(&data);
    }
    for (_, data) in seeds("canonical_event_structured") {
        crate::structured::run(&data);
    }
}

#[test]
fn standard_seeds_reach_the_parser() {
    for (name, data) in seeds("standard_signature_headers") {
        let result = crate::standard::run(&data);
        let expected = name.starts_with("signed_")
            || name.starts_with("test_vector")
            || name == "rotated_list";
        match name.as_str() {
            // The test vector's body is not a canonical event.
            "test_vector_literal" | "test_vector_placeholder" => assert_eq!(
                result.unwrap_err().code(),
                "invalid_event",
                "{name} must pass the signature check"
            ),
            _ => assert_eq!(is_event(&result), expected, "{name}: {result:?}"),
        }
    }
}

#[test]
fn vendor_seeds() {
    for (vendor, target) in [
        (Vendor::Shopify, "shopify"),
        (Vendor::Woocommerce, "woocommerce"),
        (Vendor::Youcan, "youcan"),
    ] {
        for (name, data) in seeds(&format!("{target}_adapter")) {
            let result = run_unsigned(vendor, &data);
            let ping = name.starts_with("ping");
            assert_eq!(result == Ok(Translated::Ping), ping, "{target} {name}");
        }
        for (name, data) in seeds(&format!("{target}_adapter_signed")) {
            let result = run_signed(vendor, &data);
            let expected = !matches!(
                name.as_str(),
                "ignored_topic"
                    | "signed_ping"
                    | "regression_triggered_at_before_0000"
                    | "regression_unix_seconds_before_0000"
            );
            assert_eq!(is_event(&result), expected, "{target} {name}: {result:?}");
        }
    }
}

/// The structured generator reaches every verdict of its model, from plain bytes.
#[test]
fn structured_generator_is_not_stuck() {
    let mut accepted = 0;
    let mut refused = 0;
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..20_000 {
        let data: Vec<u8> = (0..256)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        let event_id = ordersync::domain::EventId::parse("x").unwrap();
        crate::structured::run(&data);
        // Count what the parser made of the same payload.
        if let Some(body) = crate::structured::payload_bytes(&data) {
            match ordersync::ingest::parse_canonical(event_id, &body) {
                Ok(_) => accepted += 1,
                Err(_) => refused += 1,
            }
        }
    }
    println!("{accepted} accepted, {refused} refused");
    assert!(
        accepted > 100,
        "only {accepted} accepted (of {refused} refused)"
    );
    assert!(
        refused > 100,
        "only {refused} refused (of {accepted} accepted)"
    );
}
