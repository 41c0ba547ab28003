//! Typed configuration (CONFIG.md).

mod types;

pub use types::*;
