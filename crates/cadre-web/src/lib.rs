//! HTTP face of cadre: the axum router, thin handlers, wire types and the single
//! mapping from application errors to HTTP responses.
//!
//! Handlers parse the request into application-layer inputs, call one use case on
//! [`cadre_app::App`], and turn the result into a wire type from [`wire`]. They
//! hold no business rules. Every error leaves through [`error::ApiError`], so the
//! body is always `{"error":{"code","message"}}`.

#![warn(clippy::unwrap_used)]

mod auth;
pub mod error;
mod extract;
pub mod openapi;
mod routes;
mod security;
mod ui;
mod upload;
pub mod wire;
pub mod wire_attachment;
pub mod wire_git;
pub mod wire_review;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use cadre_app::App;
use tokio::net::TcpListener;

pub use auth::{Access, LOGIN_PATH, Principal, SESSION_COOKIE};
pub use security::{CONTENT_SECURITY_POLICY, HostPolicy};

/// Shared state of every handler: the application behind an `Arc`.
#[derive(Debug, Clone)]
pub struct AppState(pub Arc<App>);

impl std::ops::Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

/// How the server admits requests: the names it answers to and its access rules.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Extra DNS names (beyond the bound address and loopback names) accepted in
    /// `Host` and `Origin`.
    pub allowed_names: Vec<String>,
    /// Token checks and login codes.
    pub access: Arc<Access>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            allowed_names: Vec::new(),
            access: Arc::new(Access::open()),
        }
    }
}

/// Tells long-lived responses (the SSE streams) that the server is shutting
/// down: graceful shutdown waits for every response to end, and a stream would
/// otherwise never end.
#[derive(Debug, Clone, Default)]
pub(crate) struct Shutdown(Option<tokio::sync::watch::Receiver<bool>>);

impl Shutdown {
    /// Completes when shutdown begins (never, for a router built without `serve`).
    pub(crate) fn signalled(&self) -> impl Future<Output = ()> + Send + 'static {
        let receiver = self.0.clone();
        async move {
            match receiver {
                Some(mut rx) => {
                    let _ = rx.wait_for(|stop| *stop).await;
                }
                None => std::future::pending::<()>().await,
            }
        }
    }
}

/// Builds the router for `app`, accepting requests addressed to `bound` under
/// `options`.
pub fn router(app: Arc<App>, bound: SocketAddr, options: &ServeOptions) -> Router {
    build(app, bound, options, Shutdown::default())
}

fn build(app: Arc<App>, bound: SocketAddr, options: &ServeOptions, shutdown: Shutdown) -> Router {
    let policy = options
        .allowed_names
        .iter()
        .fold(HostPolicy::for_bound_address(bound), |p, name| {
            p.allow_name(name)
        });
    let login = Router::new()
        .route(LOGIN_PATH, axum::routing::get(auth::login))
        .with_state(options.access.clone());
    Router::new()
        .nest("/api/v1", routes::api())
        .merge(login)
        .merge(ui::routes())
        .fallback(routes::not_found)
        // Layers run outside-in in the reverse order of these calls: the headers
        // wrap everything, the Host/Origin checks come before authentication.
        .layer(axum::middleware::from_fn_with_state(
            auth::AuthState {
                access: options.access.clone(),
                app: app.clone(),
            },
            auth::authenticate,
        ))
        .layer(axum::Extension(options.access.clone()))
        .layer(axum::Extension(shutdown))
        .layer(axum::Extension(Arc::new(routes::EventFrames::default())))
        .layer(axum::Extension(Arc::new(routes::ListCache::default())))
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(policy),
            security::check_host_and_origin,
        ))
        .layer(axum::middleware::from_fn(security::add_security_headers))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(AppState(app))
}

/// Serves `app` on `listener` until `shutdown` completes, then ends the live
/// streams and drains in-flight requests. This is the testable entry point:
/// tests bind port 0 and pass a future they control.
pub async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let bound = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let router = build(app, bound, &options, Shutdown(Some(stopped)));
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            shutdown.await;
            let _ = stop.send(true);
        })
        .await
}
