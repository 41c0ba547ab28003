//! One integration-test binary (one link step instead of one per file): the app on a
//! random port with a temporary store, mock marketplaces on wiremock.

mod channel_base;
mod channel_youcan;
