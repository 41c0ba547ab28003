#![no_main]
//! See `ordersync_fuzz::canonical` for what this target feeds and checks.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| ordersync_fuzz::canonical::run(data));
