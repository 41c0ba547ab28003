//! Delivery engine: outbox workers, retry policy, rate limits, scheduling.

pub mod rate_limit;
