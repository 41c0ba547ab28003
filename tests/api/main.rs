//! One integration-test binary (one link step instead of one per file): the app on a
//! random port with a temporary store, mock marketplaces on wiremock or the sims
//! (`ordersync::sim`), and the real binary for the CLI and the demo.

mod channel_fixtures;
mod channel_imweb;
mod channel_payco;
mod cli;
mod config;
mod delivery;
mod demo;
mod helpers;
mod ingest;
mod scripted;
mod sims;
