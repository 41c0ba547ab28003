//! One integration-test binary (one link step instead of one per file): the app on a
//! random port with a temporary store, mock marketplaces on wiremock.

mod channel_base;
mod channel_fixtures;
mod channel_imweb;
mod channel_payco;
mod channel_youcan;
mod cli;
mod config;
mod crash;
mod crash_loop;
mod daemon;
mod delivery;
mod demo;
mod e2e_base;
mod e2e_five;
mod e2e_imweb;
mod e2e_items;
mod e2e_payco;
mod e2e_support;
mod e2e_tracking;
mod e2e_wizcommerce;
mod e2e_youcan;
mod faults;
mod faults_tcp;
mod helpers;
mod ingest;
mod native;
mod ordering;
mod reauthorize;
mod scripted;
mod sims;
