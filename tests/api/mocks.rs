//! Mock marketplaces on wiremock, for the connector and the end-to-end tests alike:
//! answers mounted in one call, and what a server received, read and checked exactly.

use serde_json::Value;
use wiremock::matchers::{any, header as header_is, method, path, HeaderExactMatcher};
use wiremock::{Mock, MockBuilder, MockServer, Request, Respond, ResponseTemplate, Times};

/// Requests to `verb route`.
pub fn on(verb: &str, route: impl Into<String>) -> MockBuilder {
    Mock::given(method(verb)).and(path(route))
}

/// Requests carrying `Authorization: Bearer {token}`.
pub fn bearer(token: &str) -> HeaderExactMatcher {
    header_is("authorization", format!("Bearer {token}"))
}

/// Answers `requests` with `answer`, expecting `times` of them (`..`: any number).
pub async fn mount(
    server: &MockServer,
    requests: MockBuilder,
    answer: impl Respond + 'static,
    times: impl Into<Times>,
) {
    requests
        .respond_with(answer)
        .expect(times)
        .mount(server)
        .await;
}

/// Any request reaching the server fails the test.
pub async fn expect_no_requests(server: &MockServer) {
    mount(server, Mock::given(any()), ResponseTemplate::new(500), 0).await;
}

/// Everything the server received, in arrival order.
pub async fn requests(server: &MockServer) -> Vec<Request> {
    server
        .received_requests()
        .await
        .expect("request recording is on")
}

/// The requests the server got on `path`, in arrival order.
pub async fn requests_to(server: &MockServer, path: &str) -> Vec<Request> {
    on_path(&requests(server).await, path)
}

/// The requests the server got with method `verb`, in arrival order.
pub async fn requests_with(server: &MockServer, verb: &str) -> Vec<Request> {
    requests(server)
        .await
        .into_iter()
        .filter(|r| r.method.as_str() == verb)
        .collect()
}

/// The requests to one path, in arrival order.
pub fn on_path(requests: &[Request], path: &str) -> Vec<Request> {
    requests
        .iter()
        .filter(|r| r.url.path() == path)
        .cloned()
        .collect()
}

/// Requests a server received, read in steps: each `next` returns only the new ones.
pub struct Seen<'a> {
    server: &'a MockServer,
    count: usize,
}

impl<'a> Seen<'a> {
    pub fn new(server: &'a MockServer) -> Self {
        Self { server, count: 0 }
    }

    pub async fn next(&mut self) -> Vec<Request> {
        let all = requests(self.server).await;
        let new = all[self.count..].to_vec();
        self.count = all.len();
        new
    }
}

pub fn header<'a>(request: &'a Request, name: &str) -> &'a str {
    request
        .headers
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_else(|| panic!("no {name} header on {} {}", request.method, request.url))
}

pub fn json_body(request: &Request) -> Value {
    serde_json::from_slice(&request.body).expect("a JSON body")
}

pub fn form_body(request: &Request) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(&request.body).expect("a form body")
}

/// Every request carries our User-Agent.
pub async fn assert_user_agent(server: &MockServer) {
    for request in requests(server).await {
        let agent = header(&request, "user-agent");
        assert!(agent.starts_with("ordersync/"), "{agent}");
    }
}

enum Body {
    Empty,
    Json(Value),
    Form(Vec<(String, String)>),
}

/// One request exactly as it must arrive.
pub struct Expect {
    method: &'static str,
    path: String,
    query: Option<String>,
    headers: Vec<(&'static str, String)>,
    body: Body,
}

impl Expect {
    pub fn new(method: &'static str, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            query: None,
            headers: Vec::new(),
            body: Body::Empty,
        }
    }

    pub fn query(mut self, query: &str) -> Self {
        self.query = Some(query.to_string());
        self
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", format!("Bearer {token}"))
    }

    pub fn json(mut self, body: Value) -> Self {
        self.body = Body::Json(body);
        self.header("content-type", "application/json")
    }

    pub fn form(mut self, fields: &[(&str, &str)]) -> Self {
        self.body = Body::Form(
            fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
        self.header("content-type", "application/x-www-form-urlencoded")
    }

    /// Method, path, query, User-Agent, the headers and the body; `at` names the request.
    pub fn check(&self, request: &Request, at: usize) {
        let what = format!("request {at}: {} {}", request.method, request.url);
        assert_eq!(request.method.as_str(), self.method, "{what}");
        assert_eq!(request.url.path(), self.path, "{what}");
        assert_eq!(request.url.query(), self.query.as_deref(), "{what}");
        let agent = header(request, "user-agent");
        assert!(agent.starts_with("ordersync/"), "{what}: {agent}");
        for (name, value) in &self.headers {
            assert_eq!(header(request, name), value, "{what}: {name}");
        }
        match &self.body {
            Body::Empty => assert!(request.body.is_empty(), "{what}: unexpected body"),
            Body::Json(body) => assert_eq!(&json_body(request), body, "{what}"),
            Body::Form(fields) => assert_eq!(&form_body(request), fields, "{what}"),
        }
    }
}

/// Exactly these requests, in this order.
pub fn assert_requests(actual: &[Request], expected: &[Expect]) {
    let shown: Vec<String> = actual
        .iter()
        .map(|r| format!("{} {}", r.method, r.url))
        .collect();
    assert_eq!(actual.len(), expected.len(), "requests: {shown:#?}");
    for (at, (request, expect)) in actual.iter().zip(expected).enumerate() {
        expect.check(request, at);
    }
}
