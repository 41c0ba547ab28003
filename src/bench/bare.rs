//! The HTTP ceiling: an actix server whose only route reads the body and answers 200
//! with a small JSON body, as the daemon's webhook route would without any work. The
//! daemon's ingest throughput divided by this one's is how much of the HTTP limit the
//! durable path leaves.

use actix_web::{web, App, HttpResponse, HttpServer};
use std::net::SocketAddr;

async fn accept(_body: web::Bytes) -> HttpResponse {
    HttpResponse::Accepted()
        .content_type("application/json")
        .body(r#"{"status":"accepted"}"#)
}

/// Serves until killed.
pub fn serve(listen: SocketAddr) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(|| {
            App::new()
                .app_data(web::PayloadConfig::new(1 << 20))
                .route("/webhooks/{source}", web::post().to(accept))
                .route("/readyz", web::get().to(HttpResponse::Ok))
        })
        .bind(listen)?
        .run()
        .await
    })?;
    Ok(())
}
