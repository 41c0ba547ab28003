//! The harness behind the fuzz targets in `fuzz_targets/`. Each target is one line that
//! calls a `run` function here, so the harness itself can be unit-tested on the seeds
//! (`cargo test` in `fuzz/`) without libFuzzer.
//!
//! Every target checks more than "does not panic": each has an oracle drawn from
//! INGEST.md (signature before parsing, the error taxonomy, round trips) that panics,
//! and so makes libFuzzer report a crash, when the adapter's answer is wrong.

pub mod canonical;
pub mod checks;
pub mod request;
pub mod sign;
pub mod standard;
pub mod structured;
pub mod vendor;

#[cfg(test)]
mod tests;
