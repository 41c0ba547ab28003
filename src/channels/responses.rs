//! Marketplace answers built by hand for the classifier unit tests: an `HttpResponse`
//! as `ChannelHttp` hands it over, from a status, headers and a body.

use super::http::HttpResponse;
use reqwest::header::{HeaderMap, HeaderValue};

/// `status` and `body`, no headers.
pub fn response(status: u16, body: &str) -> HttpResponse {
    response_with(status, &[], body)
}

/// `status`, these `(name, value)` headers (names in lower case) and `body`.
pub fn response_with(
    status: u16,
    headers: &[(&'static str, &'static str)],
    body: &str,
) -> HttpResponse {
    let mut map = HeaderMap::new();
    for &(name, value) in headers {
        map.insert(name, HeaderValue::from_static(value));
    }
    HttpResponse {
        status,
        headers: map,
        body: bytes::Bytes::from(body.to_string()),
    }
}
