#![no_main]
//! YouCan: arbitrary headers and body; see `ordersync_fuzz::vendor`.

use libfuzzer_sys::fuzz_target;
use ordersync_fuzz::vendor::{run_unsigned, Vendor};

fuzz_target!(|data: &[u8]| {
    let _ = run_unsigned(Vendor::Youcan, data);
});
