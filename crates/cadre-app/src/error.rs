//! The application's error type: what went wrong, in terms a caller can act on.
//! The web face maps each variant to an HTTP status in one place.

use cadre_core::{CycleError, DomainError, TransitionError, ValidationError};
use cadre_store::StoreError;

/// A use case failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The named thing does not exist.
    #[error("{entity} `{id}` not found")]
    NotFound {
        /// What kind of thing.
        entity: &'static str,
        /// How the caller named it.
        id: String,
    },
    /// The request clashes with the current state (e.g. a duplicate key).
    #[error("{0}")]
    Conflict(String),
    /// The state machine or the dependency gate refused a move.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// An input value broke a rule.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// A dependency would close a cycle.
    #[error(transparent)]
    Cycle(#[from] CycleError),
    /// A path that must be a git repository is not one.
    #[error(
        "`{0}` is not a git repository: run `git init` there, or use `cadre project add --init`"
    )]
    NotARepository(String),
    /// The request carries no valid credential; the message says how to get one.
    #[error("{0}")]
    Unauthorized(String),
    /// The credential is valid but does not reach this resource.
    #[error("{0}")]
    Forbidden(String),
    /// An upload is larger than allowed; the message names the limit.
    #[error("{0}")]
    TooLarge(String),
    /// An upload is not of a kind cadre accepts; the message lists the kinds.
    #[error("{0}")]
    UnsupportedMedia(String),
    /// git failed.
    #[error(transparent)]
    Git(#[from] cadre_git::GitError),
    /// Something broke that the caller cannot fix; details go to the log.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub(crate) fn internal(message: impl Into<String>) -> Self {
        AppError::Internal(message.into())
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { entity, id } => AppError::NotFound { entity, id },
            StoreError::Conflict(message) => AppError::Conflict(message),
            StoreError::Domain(DomainError::Validation(v)) => AppError::Invalid(v),
            StoreError::Domain(DomainError::Transition(t)) => AppError::Transition(t),
            StoreError::Domain(DomainError::Cycle(c)) => AppError::Cycle(c),
            other => AppError::Internal(other.to_string()),
        }
    }
}

/// Result alias for use cases.
pub type Result<T, E = AppError> = std::result::Result<T, E>;
