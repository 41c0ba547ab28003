//! The admin API (CONFIG.md): bearer-token protected; 404 everywhere when no token is
//! configured, so an unconfigured daemon does not even admit the API exists.

mod deliveries;
mod orders;
mod view;

use crate::http_error::error_response;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

pub use view::{order_view, task_view};

pub fn routes(config: &mut web::ServiceConfig) {
    config.service(
        web::scope("/admin")
            .route("/orders", web::get().to(orders::list))
            .route("/orders/{id}", web::get().to(orders::show))
            .route("/orders/{id}/links", web::put().to(orders::add_link))
            .route("/deliveries", web::get().to(deliveries::list))
            .route("/deliveries/retry", web::post().to(deliveries::retry_many))
            .route(
                "/deliveries/{id}/retry",
                web::post().to(deliveries::retry_one),
            )
            .default_service(web::to(not_found)),
    );
}

async fn not_found(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if let Err(response) = authorize(&request, &state) {
        return response;
    }
    error_response(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no admin endpoint {}", request.path()),
    )
}

/// Checks the bearer token in constant time.
pub(crate) fn authorize(request: &HttpRequest, state: &AppState) -> Result<(), HttpResponse> {
    let Some(token) = &state.config.admin.token else {
        return Err(error_response(
            StatusCode::NOT_FOUND,
            "not_found",
            "the admin API is off: no admin token is configured",
        ));
    };
    let presented = request
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match presented {
        Some(presented) if token.matches(presented.as_bytes()) => Ok(()),
        Some(_) => Err(error_response(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "the admin token is wrong",
        )),
        None => Err(error_response(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing Authorization: Bearer <admin token>",
        )),
    }
}

pub(crate) fn store_failure(error: impl std::fmt::Display) -> HttpResponse {
    tracing::error!(error = %error, "admin request failed on the store");
    error_response(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        format!("the store could not be read: {error}"),
    )
}
