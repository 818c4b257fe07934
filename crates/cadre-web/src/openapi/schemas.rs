//! Schemas of the document that are not wire types: the one error body every
//! failure uses, and the health answer.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The body of every error response, whatever the status.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// What went wrong, for programs (`code`) and for people (`message`).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `not_found`, `conflict`,
    /// `invalid_transition`, `dependencies_not_done`, `invalid`,
    /// `dependency_cycle`, `not_a_repository`, `bad_request`, `forbidden`,
    /// `unsafe_path`, `invalid_branch`, `git_conflict`, `git_refused`,
    /// `git_failed`, `tool_missing`, `forge_failed` or `internal`.
    #[schema(example = "not_found")]
    pub code: String,
    /// What was wrong and what to do about it. A 500's message leaks nothing
    /// internal; the server log has the details.
    #[schema(example = "task `WEB-12` not found")]
    pub message: String,
}

/// The answer of `GET /health`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthView {
    /// Always `ok` when the server answers.
    #[schema(example = "ok")]
    pub status: String,
    /// The server's version.
    #[schema(example = "0.1.0")]
    pub version: String,
}

#[cfg(test)]
mod tests {
    use axum::body::to_bytes;
    use axum::http::StatusCode;
    use axum::response::IntoResponse;

    use super::*;
    use crate::error::ApiError;

    #[tokio::test]
    async fn every_api_error_has_the_documented_body() {
        let response =
            ApiError::new(StatusCode::CONFLICT, "conflict", "already there").into_response();
        let bytes = to_bytes(response.into_body(), 1 << 16)
            .await
            .expect("read the body");
        let body: ErrorBody = serde_json::from_slice(&bytes).expect("the documented shape");
        assert_eq!(body.error.code, "conflict");
        assert_eq!(body.error.message, "already there");
    }

    #[tokio::test]
    async fn health_answers_with_the_documented_body() {
        let response = crate::routes::health().await.into_response();
        let bytes = to_bytes(response.into_body(), 1 << 16)
            .await
            .expect("read the body");
        let body: HealthView = serde_json::from_slice(&bytes).expect("the documented shape");
        assert_eq!(body.version, env!("CARGO_PKG_VERSION"));
    }
}
