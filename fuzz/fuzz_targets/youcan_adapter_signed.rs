#![no_main]
//! YouCan: arbitrary headers and a body the harness signs correctly, so the payload
//! translation is reached; see `ordersync_fuzz::vendor`.

use libfuzzer_sys::fuzz_target;
use ordersync_fuzz::vendor::{run_signed, Vendor};

fuzz_target!(|data: &[u8]| {
    let _ = run_signed(Vendor::Youcan, data);
});
