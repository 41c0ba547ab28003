//! Delivery engine: outbox workers, retry policy, rate limits, scheduling.

pub mod engine;
pub mod health;
mod lanes;
pub mod probe;
pub mod rate_limit;
pub mod retry;
mod slots;
pub mod worker;
