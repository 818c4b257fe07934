//! The API's routes, one module per resource.

mod access;
mod agents;
mod attachments;
mod attempt_stream;
mod attempts;
mod comments;
mod events;
mod followups;
mod git;
mod goals;
mod list_cache;
mod outbox;
mod projects;
mod tasks;

pub(crate) use events::EventFrames;
pub(crate) use list_cache::ListCache;

use axum::Json;
use axum::Router;
use axum::http::Uri;
use axum::routing::get;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::ApiError;

/// Every route under `/api/v1`.
pub(crate) fn api() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/openapi.json", get(crate::openapi::serve))
        .merge(projects::routes())
        .merge(tasks::routes())
        .merge(goals::routes())
        .merge(events::routes())
        .merge(attempts::routes())
        .merge(attempt_stream::routes())
        .merge(git::routes())
        .merge(agents::routes())
        .merge(access::routes())
        .merge(comments::routes())
        .merge(attachments::routes())
        .merge(followups::routes())
        .fallback(not_found)
}

pub(crate) async fn health() -> Json<Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

/// 404 in the API's error shape for any unknown path.
pub(crate) async fn not_found(uri: Uri) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "not_found",
        format!("no route for `{}`", uri.path()),
    )
}

/// Parses a path or body reference (`WEB`, `WEB-12`, a UUID) into a domain ref.
pub(crate) fn parse_ref<T>(raw: &str) -> Result<T, ApiError>
where
    T: std::str::FromStr<Err = cadre_core::ValidationError>,
{
    raw.parse::<T>()
        .map_err(|e| ApiError::from(cadre_app::AppError::from(e)))
}
