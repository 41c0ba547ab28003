//! Every call the simulated marketplaces receive, in arrival order, shared by all sims so
//! that tests, the demo and benchmarks can see what ordersync sent and when.

use crate::domain::ChannelKind;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A header a sender may set with its own send time, so a benchmark can measure the
/// network leg separately from queueing inside ordersync.
pub const SENT_AT_HEADER: &str = "x-ordersync-sent-at";

#[derive(Debug, Clone)]
pub struct RecordedCall {
    /// Position in the recorder, from 0.
    pub seq: usize,
    pub kind: ChannelKind,
    pub method: String,
    pub path: String,
    /// The raw query string. imweb's `/v2/auth` carries the credentials here: never
    /// print it.
    pub query: String,
    /// The request body as text (JSON or form-encoded).
    pub body: String,
    pub arrived: Instant,
    /// The sender's `X-Ordersync-Sent-At` header, when it set one.
    pub sent_at: Option<String>,
    /// The status the sim answered with.
    pub status: u16,
    pub answer: String,
}

impl RecordedCall {
    /// The body as JSON, when it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.body).ok()
    }

    /// The body as form fields, in order.
    pub fn form(&self) -> Vec<(String, String)> {
        serde_urlencoded::from_str(&self.body).unwrap_or_default()
    }

    /// Token endpoints, as opposed to the status calls they enable.
    pub fn is_auth(&self) -> bool {
        matches!(
            self.path.as_str(),
            "/users/getToken" | "/v2/auth" | "/oauth/token" | "/1/oauth/token"
        )
    }
}

/// Cheap to clone; all clones share one log.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    calls: Arc<Mutex<Vec<RecordedCall>>>,
}

impl Recorder {
    pub(super) fn push(&self, mut call: RecordedCall) {
        let mut calls = self.calls.lock().expect("recorder lock");
        call.seq = calls.len();
        calls.push(call);
    }

    /// Every call so far.
    pub fn calls(&self) -> Vec<RecordedCall> {
        self.calls.lock().expect("recorder lock").clone()
    }

    /// How many calls so far: a mark to pass to `since`.
    pub fn mark(&self) -> usize {
        self.calls.lock().expect("recorder lock").len()
    }

    /// The calls recorded after `mark`.
    pub fn since(&self, mark: usize) -> Vec<RecordedCall> {
        let calls = self.calls.lock().expect("recorder lock");
        calls.get(mark..).unwrap_or_default().to_vec()
    }

    /// The calls one marketplace received.
    pub fn calls_to(&self, kind: ChannelKind) -> Vec<RecordedCall> {
        self.calls
            .lock()
            .expect("recorder lock")
            .iter()
            .filter(|call| call.kind == kind)
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(kind: ChannelKind, path: &str, body: &str) -> RecordedCall {
        RecordedCall {
            seq: 99,
            kind,
            method: "POST".into(),
            path: path.into(),
            query: String::new(),
            body: body.into(),
            arrived: Instant::now(),
            sent_at: None,
            status: 200,
            answer: String::new(),
        }
    }

    #[test]
    fn numbers_calls_and_slices_by_mark() {
        let recorder = Recorder::default();
        let shared = recorder.clone();
        shared.push(call(ChannelKind::Base, "/1/oauth/token", "a=1&b=x+y"));
        let mark = recorder.mark();
        shared.push(call(ChannelKind::Wizcommerce, "/v1/orders/w/status", "{}"));
        assert_eq!(mark, 1);
        let later = recorder.since(mark);
        assert_eq!(later.len(), 1);
        assert_eq!(later[0].seq, 1);
        assert_eq!(recorder.since(5).len(), 0);
        assert_eq!(recorder.calls_to(ChannelKind::Base).len(), 1);
        let first = &recorder.calls()[0];
        assert!(first.is_auth());
        assert_eq!(
            first.form(),
            [("a".into(), "1".into()), ("b".into(), "x y".into())]
        );
        assert!(!later[0].is_auth());
        assert_eq!(later[0].json(), Some(serde_json::json!({})));
    }
}
