//! Review use cases: comments on an attempt's diff, and sending the open ones to
//! the agent as one follow-up.

use std::sync::Arc;

use cadre_core::review::review_message;
use cadre_core::{Attempt, AttemptId, CommentId, DiffSide, NewComment, ReviewComment};

use crate::{App, Result, now};

/// Input for a new review comment.
#[derive(Debug, Clone)]
pub struct AddComment {
    /// File path relative to the repository root.
    pub file: String,
    /// Line number, from 1.
    pub line: i64,
    /// Diff side; defaults to the attempt's version.
    pub side: Option<String>,
    /// The remark.
    pub body: String,
}

/// What sending a review did.
#[derive(Debug, Clone)]
pub struct ReviewSent {
    /// The attempt after the follow-up was sent or queued.
    pub attempt: Attempt,
    /// The comments sent, now resolved.
    pub comments: Vec<ReviewComment>,
}

impl App {
    /// Writes a comment on one line of `attempt`'s diff.
    pub async fn add_comment(
        &self,
        attempt: AttemptId,
        input: AddComment,
    ) -> Result<ReviewComment> {
        let side = match input.side.as_deref() {
            Some(side) => side.parse()?,
            None => DiffSide::default(),
        };
        let new = NewComment::new(&input.file, input.line, side, &input.body)?;
        self.write(|store| async move { store.create_comment(attempt, new, now()).await })
            .await
    }

    /// The comments on `attempt`, oldest first.
    pub async fn comments(&self, attempt: AttemptId) -> Result<Vec<ReviewComment>> {
        self.store.attempt(attempt).await?;
        Ok(self.store.comments_of_attempt(attempt).await?)
    }

    /// One comment.
    pub async fn comment(&self, id: CommentId) -> Result<ReviewComment> {
        Ok(self.store.comment(id).await?)
    }

    /// Marks a comment resolved by hand.
    pub async fn resolve_comment(&self, id: CommentId) -> Result<ReviewComment> {
        let mut resolved = self
            .write(|store| async move { store.resolve_comments(&[id], now()).await })
            .await?;
        resolved
            .pop()
            .ok_or_else(|| crate::AppError::internal("resolving a comment returned nothing"))
    }

    /// Deletes a comment.
    pub async fn delete_comment(&self, id: CommentId) -> Result<ReviewComment> {
        self.write(|store| async move { store.delete_comment(id, now()).await })
            .await
    }

    /// Sends every open comment on `attempt` to its agent as one follow-up naming
    /// file and line for each, then marks them resolved. Nothing open is a 422:
    /// there is nothing to send.
    pub async fn send_review(self: &Arc<Self>, attempt: AttemptId) -> Result<ReviewSent> {
        let open: Vec<ReviewComment> = self
            .comments(attempt)
            .await?
            .into_iter()
            .filter(ReviewComment::is_open)
            .collect();
        if open.is_empty() {
            return Err(cadre_core::ValidationError::new(
                "comments",
                "there are no open review comments to send: add some first",
            )
            .into());
        }
        let updated = self.follow_up(attempt, &review_message(&open)).await?;
        // Only the comments that went out: any written meanwhile stay open.
        let ids: Vec<CommentId> = open.iter().map(|c| c.id).collect();
        let comments = self
            .write(|store| async move { store.resolve_comments(&ids, now()).await })
            .await?;
        Ok(ReviewSent {
            attempt: updated,
            comments,
        })
    }
}
