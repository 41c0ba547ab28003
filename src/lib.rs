//! ordersync: receives a primary storefront's signed order webhooks, keeps each order's
//! status durably in sled, and pushes every change to the other marketplaces holding a
//! copy of the order.

pub mod admin;
pub mod bench;
pub mod channels;
pub mod cli;
pub mod config;
pub mod delivery;
pub mod demo;
pub mod domain;
pub mod health;
pub mod http_error;
pub mod ingest;
pub mod metrics;
pub mod notify;
pub mod secret;
pub mod sim;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
