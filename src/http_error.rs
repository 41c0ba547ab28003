//! The JSON error body every endpoint uses: `{"error": "<code>", "message": "<text>"}`.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde_json::json;

pub fn error_response(
    status: StatusCode,
    code: &str,
    message: impl std::fmt::Display,
) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "error": code, "message": message.to_string() }))
}
