//! Wire types of review comments. Field names are part of the public contract
//! (the CLI's `cadre comment list --json` prints them).

use cadre_core::ReviewComment;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::wire::AttemptView;

/// A review comment on one line of an attempt's diff.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CommentView {
    /// Id.
    pub id: String,
    /// The attempt whose diff it is on.
    pub attempt_id: String,
    /// File path, relative to the repository root.
    pub file: String,
    /// Line number, from 1, on `side`.
    pub line: u32,
    /// `new` (the attempt's version) or `old` (the base version).
    pub side: String,
    /// The remark.
    pub body: String,
    /// Written.
    pub created_at: DateTime<Utc>,
    /// Resolved (sent to the agent, or by hand); null while open.
    pub resolved_at: Option<DateTime<Utc>>,
}

impl From<ReviewComment> for CommentView {
    fn from(c: ReviewComment) -> Self {
        Self {
            id: c.id.to_string(),
            attempt_id: c.attempt_id.to_string(),
            file: c.file,
            line: c.line,
            side: c.side.to_string(),
            body: c.body,
            created_at: c.created_at,
            resolved_at: c.resolved_at,
        }
    }
}

/// The result of sending a review: the attempt, and the comments that went out.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReviewSentView {
    /// The attempt after the follow-up was sent (or queued behind a running turn).
    pub attempt: AttemptView,
    /// The comments sent, now resolved.
    pub comments: Vec<CommentView>,
}
