//! HTTP face of cadre: the axum router, thin handlers, wire types and the single
//! mapping from application errors to HTTP responses.
//!
//! Handlers parse the request into application-layer inputs, call one use case on
//! [`cadre_app::App`], and turn the result into a wire type from [`wire`]. They
//! hold no business rules. Every error leaves through [`error::ApiError`], so the
//! body is always `{"error":{"code","message"}}`.

#![warn(clippy::unwrap_used)]

pub mod error;
mod extract;
pub mod openapi;
mod routes;
mod security;
mod ui;
pub mod wire;
pub mod wire_git;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use cadre_app::App;
use tokio::net::TcpListener;

pub use security::HostPolicy;

/// Shared state of every handler: the application behind an `Arc`.
#[derive(Debug, Clone)]
pub struct AppState(pub Arc<App>);

impl std::ops::Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

/// Builds the router for `app`, accepting requests addressed to `bound`.
pub fn router(app: Arc<App>, bound: SocketAddr) -> Router {
    let policy = Arc::new(HostPolicy::for_bound_address(bound));
    Router::new()
        .nest("/api/v1", routes::api())
        .merge(ui::routes())
        .fallback(routes::not_found)
        .layer(axum::middleware::from_fn_with_state(
            policy,
            security::check_host_and_origin,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(AppState(app))
}

/// Serves `app` on `listener` until `shutdown` completes, then drains in-flight
/// requests. This is the testable entry point: tests bind port 0 and pass a
/// future they control.
pub async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let bound = listener.local_addr()?;
    let router = router(app, bound);
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}
