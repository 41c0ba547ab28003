//! The admin API (CONFIG.md): bearer-token protected; 404 everywhere when no token is
//! configured, so an unconfigured daemon does not even admit the API exists.

mod deliveries;
mod orders;
mod view;

use crate::http_error::error_response;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

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

/// Every way an admin request is refused.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("the admin API is off: no admin token is configured")]
    Off,
    #[error("missing Authorization: Bearer <admin token>")]
    MissingToken,
    #[error("the admin token is wrong")]
    WrongToken,
    #[error("{0}")]
    BadRequest(String),
    #[error("no order {0:?} is stored")]
    UnknownOrder(String),
    #[error("no queued delivery {0:?}")]
    UnknownDelivery(String),
    #[error("{0}")]
    NotFound(String),
    #[error("channel: no channel named {0:?} is configured")]
    UnknownChannel(String),
    #[error("{0}")]
    InvalidLink(String),
    #[error("the store could not be used: {0}")]
    Store(String),
}

impl AdminError {
    fn code(&self) -> &'static str {
        match self {
            AdminError::Off | AdminError::NotFound(_) => "not_found",
            AdminError::MissingToken | AdminError::WrongToken => "unauthorized",
            AdminError::BadRequest(_) => "bad_request",
            AdminError::UnknownOrder(_) => "unknown_order",
            AdminError::UnknownDelivery(_) => "unknown_delivery",
            AdminError::UnknownChannel(_) => "unknown_channel",
            AdminError::InvalidLink(_) => "invalid_link",
            AdminError::Store(_) => "unavailable",
        }
    }
}

impl ResponseError for AdminError {
    fn status_code(&self) -> StatusCode {
        match self {
            AdminError::Off
            | AdminError::NotFound(_)
            | AdminError::UnknownOrder(_)
            | AdminError::UnknownDelivery(_) => StatusCode::NOT_FOUND,
            AdminError::MissingToken | AdminError::WrongToken => StatusCode::UNAUTHORIZED,
            AdminError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AdminError::UnknownChannel(_) | AdminError::InvalidLink(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AdminError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AdminError::Store(error) = self {
            tracing::error!(error = %error, "admin request failed on the store");
        }
        error_response(self.status_code(), self.code(), self)
    }
}

async fn not_found(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AdminError> {
    authorize(&request, &state)?;
    Err(AdminError::NotFound(format!(
        "no admin endpoint {}",
        request.path()
    )))
}

/// Checks the bearer token in constant time.
pub(crate) fn authorize(request: &HttpRequest, state: &AppState) -> Result<(), AdminError> {
    let token = state.config.admin.token.as_ref().ok_or(AdminError::Off)?;
    let presented = request
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or(AdminError::MissingToken)?;
    if token.matches(presented.as_bytes()) {
        Ok(())
    } else {
        Err(AdminError::WrongToken)
    }
}

pub(crate) fn store_failure(error: impl std::fmt::Display) -> AdminError {
    AdminError::Store(error.to_string())
}
