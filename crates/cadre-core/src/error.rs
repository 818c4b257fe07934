//! Validation errors for user-supplied domain values.

/// A value supplied by a user (or agent) that breaks a domain rule.
///
/// `field` names what was wrong so the message can tell the user what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {message}")]
pub struct ValidationError {
    /// The field or argument at fault, e.g. `key`.
    pub field: &'static str,
    /// What is wrong and what would be accepted.
    pub message: String,
}

impl ValidationError {
    /// Builds an error for `field`.
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// Any refusal by a domain rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// A value was invalid.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// A status change is not allowed.
    #[error(transparent)]
    Transition(#[from] crate::task::TransitionError),
    /// A dependency would close a cycle.
    #[error(transparent)]
    Cycle(#[from] crate::graph::CycleError),
}

/// Checks that a required text field is non-empty after trimming and not too long.
pub(crate) fn require_text(
    field: &'static str,
    value: &str,
    max_chars: usize,
) -> Result<String, ValidationError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(ValidationError::new(field, "must not be empty"));
    }
    if trimmed.chars().count() > max_chars {
        return Err(ValidationError::new(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
    Ok(trimmed.to_owned())
}
