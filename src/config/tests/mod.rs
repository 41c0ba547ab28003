//! Config walks end to end: text in, `Config` or every problem out.

mod channels;
mod defaults;
mod example;
mod problems;
mod sources;

use super::{parse, Config, ConfigErrors};
use std::path::Path;

const WHSEC: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const WHSEC_2: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

fn parse_ok(text: &str) -> Config {
    parse(text, Path::new("/cfg")).unwrap_or_else(|e| panic!("config refused:\n{e}"))
}

fn parse_err(text: &str) -> ConfigErrors {
    match parse(text, Path::new("/cfg")) {
        Ok(config) => panic!("config accepted: {config:?}"),
        Err(errors) => errors,
    }
}

/// The problem at `key`, whose message must contain `fragment`.
#[track_caller]
fn assert_problem(errors: &ConfigErrors, key: &str, fragment: &str) {
    let problem = errors
        .find(key)
        .unwrap_or_else(|| panic!("no problem at {key}; got:\n{errors}"));
    assert!(
        problem.message.contains(fragment),
        "{key}: {:?} lacks {fragment:?}; all:\n{errors}",
        problem.message
    );
}
