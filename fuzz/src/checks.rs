//! Checks shared by the targets.

use ordersync::domain::OrderEvent;
use ordersync::ingest::{IngestError, Translated};

/// What the rest of the daemon does with an accepted event must work: the writer stores
/// it as JSON (`store::encode` expects that to succeed), logs and errors print its
/// times.
pub fn storable(event: &OrderEvent) {
    let json = serde_json::to_vec(event)
        .unwrap_or_else(|error| panic!("an accepted event does not serialize: {error}"));
    let back: OrderEvent = serde_json::from_slice(&json).unwrap_or_else(|error| {
        panic!(
            "an accepted event does not read back from the store: {error}: {}",
            String::from_utf8_lossy(&json)
        )
    });
    assert_eq!(&back, event, "an accepted event changes through the store");
    let _ = event.updated_at.to_string();
}

/// The error codes an answer may carry, or panics naming the unexpected answer.
pub fn expect_error_in(result: &Result<Translated, IngestError>, codes: &[&str]) {
    match result {
        Err(error) if codes.contains(&error.code()) => {}
        other => panic!("expected an error in {codes:?}, got {other:?}"),
    }
}

pub fn is_json(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body).is_ok()
}

/// `malformed_json` exactly when the body is not JSON: a syntax error is never reported
/// as a schema error and the other way round. Only for answers that parsed the body.
pub fn malformed_iff_not_json(error: &IngestError, body: &[u8]) {
    let malformed = error.code() == "malformed_json";
    assert_eq!(
        malformed,
        !is_json(body),
        "malformed_json must mean the body is not JSON (and only then): {error}"
    );
}
