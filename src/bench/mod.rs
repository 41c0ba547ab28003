//! The `bench` binary's logic: a load generator of signed events (open or closed loop,
//! HDR histograms), the daemon under test as a pinned child process, the simulated
//! marketplaces as the far end, bulk store loading, and the crash loop.
//!
//! Nothing on the production path (`serve`) uses this module.

pub mod bare;
pub mod bulk;
pub mod cli;
pub mod crash;
pub mod daemon;
pub mod env;
pub mod events;
pub mod load;
pub mod scenarios;
pub mod storage;
pub mod suite;
