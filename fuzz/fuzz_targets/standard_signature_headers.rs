#![no_main]
//! See `ordersync_fuzz::standard` for what this target feeds and checks.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ordersync_fuzz::standard::run(data);
});
