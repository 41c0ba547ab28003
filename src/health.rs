//! `/healthz` (the process serves) and `/readyz` (the store takes writes and no
//! channel refuses our credentials).

use crate::state::AppState;
use actix_web::{web, HttpResponse};
use serde_json::json;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let store = state.store.clone();
    let writable = store.run(|store| store.is_writable()).await;
    let mut reasons = Vec::new();
    if !writable {
        reasons.push("store: not writable".to_string());
    }
    for (channel, error) in state.health.auth_failed() {
        reasons.push(format!("channel {channel}: credentials refused ({error})"));
    }
    if reasons.is_empty() {
        HttpResponse::Ok().json(json!({ "status": "ready" }))
    } else {
        HttpResponse::ServiceUnavailable()
            .json(json!({ "status": "unavailable", "reasons": reasons }))
    }
}
