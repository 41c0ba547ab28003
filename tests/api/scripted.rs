//! A wiremock responder that plays a script of answers and records when each request
//! arrived, for retry timing and ordering assertions.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use wiremock::{Request, Respond, ResponseTemplate};

#[derive(Clone)]
pub struct Scripted {
    script: Arc<Mutex<VecDeque<ResponseTemplate>>>,
    then: ResponseTemplate,
    pub arrivals: Arc<Mutex<Vec<(Instant, Request)>>>,
}

impl Scripted {
    /// Answers with `script` in turn, then `then` forever.
    pub fn new(script: Vec<ResponseTemplate>, then: ResponseTemplate) -> Self {
        Self {
            script: Arc::new(Mutex::new(script.into())),
            then,
            arrivals: Arc::new(Mutex::new(Vec::new())),
        }
    }

    pub fn count(&self) -> usize {
        self.arrivals.lock().unwrap().len()
    }

    pub fn times(&self) -> Vec<Instant> {
        self.arrivals
            .lock()
            .unwrap()
            .iter()
            .map(|(t, _)| *t)
            .collect()
    }

    pub fn requests(&self) -> Vec<Request> {
        self.arrivals
            .lock()
            .unwrap()
            .iter()
            .map(|(_, r)| r.clone())
            .collect()
    }
}

impl Respond for Scripted {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.arrivals
            .lock()
            .unwrap()
            .push((Instant::now(), request.clone()));
        self.script
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or_else(|| self.then.clone())
    }
}
