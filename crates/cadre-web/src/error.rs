//! The one place where errors become HTTP responses.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cadre_app::AppError;
use cadre_app::git::GitError;
use cadre_core::TransitionError;
use serde::Serialize;

/// An error on its way to the client: a status, a stable machine-readable code, and
/// a message that says what was wrong and what to do.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code, e.g. `not_found`.
    pub code: &'static str,
    /// Human message.
    pub message: String,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
}

impl ApiError {
    /// Builds an error.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400 for a request that could not be read.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 403 for a request refused by the security policy.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        use StatusCode as S;
        let message = err.to_string();
        let (status, code) = match &err {
            AppError::NotFound { .. } => (S::NOT_FOUND, "not_found"),
            AppError::Conflict(_) => (S::CONFLICT, "conflict"),
            AppError::Transition(TransitionError::Forbidden { .. }) => {
                (S::CONFLICT, "invalid_transition")
            }
            AppError::Transition(TransitionError::DependenciesNotDone { .. }) => {
                (S::CONFLICT, "dependencies_not_done")
            }
            AppError::Invalid(_) => (S::UNPROCESSABLE_ENTITY, "invalid"),
            AppError::Cycle(_) => (S::UNPROCESSABLE_ENTITY, "dependency_cycle"),
            AppError::NotARepository(_) => (S::UNPROCESSABLE_ENTITY, "not_a_repository"),
            AppError::Unauthorized(_) => (S::UNAUTHORIZED, "unauthorized"),
            AppError::Forbidden(_) => (S::FORBIDDEN, "forbidden"),
            AppError::TooLarge(_) => (S::PAYLOAD_TOO_LARGE, "too_large"),
            AppError::UnsupportedMedia(_) => (S::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            AppError::Git(git) => match git_status(git) {
                Some(mapped) => mapped,
                None => {
                    tracing::error!(error = %err, "git could not run");
                    return Self::new(
                        S::INTERNAL_SERVER_ERROR,
                        "internal",
                        "internal error; the server log has the details",
                    );
                }
            },
            AppError::Internal(_) => {
                // Log the details; the client gets a message that leaks nothing.
                tracing::error!(error = %err, "internal error");
                return Self::new(
                    S::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error; the server log has the details",
                );
            }
        };
        Self::new(status, code, message)
    }
}

/// The status and code of a git failure the client can act on; `None` for those
/// it cannot (git missing, disk errors), which are logged as internal.
fn git_status(err: &GitError) -> Option<(StatusCode, &'static str)> {
    use StatusCode as S;
    Some(match err {
        GitError::PathOutsideRoot { .. } | GitError::NotADirectory(_) => {
            (S::UNPROCESSABLE_ENTITY, "unsafe_path")
        }
        GitError::InvalidRefName { .. } => (S::UNPROCESSABLE_ENTITY, "invalid_branch"),
        GitError::InvalidPattern(_) => (S::UNPROCESSABLE_ENTITY, "invalid_pattern"),
        GitError::PathExists(_) => (S::CONFLICT, "path_exists"),
        GitError::Conflict { .. } => (S::CONFLICT, "git_conflict"),
        GitError::Refused(_) => (S::CONFLICT, "git_refused"),
        GitError::Missing { .. } => (S::UNPROCESSABLE_ENTITY, "git_missing"),
        GitError::ToolMissing { .. } => (S::UNPROCESSABLE_ENTITY, "tool_missing"),
        GitError::Tool { .. } => (S::BAD_GATEWAY, "forge_failed"),
        // The command and git's stderr are what the person needs to fix it.
        GitError::Failed { .. } => (S::UNPROCESSABLE_ENTITY, "git_failed"),
        GitError::Spawn { .. } | GitError::Io { .. } => return None,
    })
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: Inner {
                code: self.code,
                message: &self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

/// Result alias for handlers.
pub type ApiResult<T> = Result<T, ApiError>;
