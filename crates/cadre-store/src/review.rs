//! Review comments on an attempt's diff.

use cadre_core::{
    Attempt, AttemptId, CommentId, EventKind, NewComment, NewEvent, ReviewComment, Timestamp,
};
use sqlx::{FromRow, SqliteConnection};

use crate::attempts::fetch_attempt;
use crate::codec::{parse, to_value};
use crate::events::{append, commit_with};
use crate::{Committed, Result, Store, StoreError};

const COLUMNS: &str = "id, attempt_id, file, line, side, body, created_at, resolved_at";

#[derive(FromRow)]
struct CommentRow {
    id: String,
    attempt_id: String,
    file: String,
    line: i64,
    side: String,
    body: String,
    created_at: Timestamp,
    resolved_at: Option<Timestamp>,
}

impl CommentRow {
    fn into_comment(self) -> Result<ReviewComment> {
        Ok(ReviewComment {
            id: parse("review_comments.id", &self.id)?,
            attempt_id: parse("review_comments.attempt_id", &self.attempt_id)?,
            file: self.file,
            line: u32::try_from(self.line).map_err(|_| {
                StoreError::Corrupt(format!("review_comments.line `{}`", self.line))
            })?,
            side: parse("review_comments.side", &self.side)?,
            body: self.body,
            created_at: self.created_at,
            resolved_at: self.resolved_at,
        })
    }
}

async fn fetch(conn: &mut SqliteConnection, id: CommentId) -> Result<ReviewComment> {
    let row: Option<CommentRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM review_comments WHERE id = ?"
    ))
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    row.ok_or_else(|| StoreError::not_found("review comment", id))?
        .into_comment()
}

fn event(kind: EventKind, attempt: &Attempt, comment: &ReviewComment) -> NewEvent {
    NewEvent::new(kind, to_value(comment))
        .project(attempt.project_id)
        .task(attempt.task_id)
        .attempt(attempt.id)
}

impl Store {
    /// Writes a comment on `attempt`'s diff.
    pub async fn create_comment(
        &self,
        attempt: AttemptId,
        new: NewComment,
        now: Timestamp,
    ) -> Result<Committed<ReviewComment>> {
        let mut tx = self.pool.begin().await?;
        let a = fetch_attempt(&mut tx, attempt).await?;
        let comment = ReviewComment {
            id: CommentId::new(),
            attempt_id: attempt,
            file: new.file,
            line: new.line,
            side: new.side,
            body: new.body,
            created_at: now,
            resolved_at: None,
        };
        sqlx::query(&format!(
            "INSERT INTO review_comments ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(comment.id.to_string())
        .bind(attempt.to_string())
        .bind(&comment.file)
        .bind(i64::from(comment.line))
        .bind(comment.side.as_str())
        .bind(&comment.body)
        .bind(comment.created_at)
        .bind(comment.resolved_at)
        .execute(&mut *tx)
        .await?;
        let new_event = event(EventKind::ReviewCommentCreated, &a, &comment);
        commit_with(tx, new_event, now, comment).await
    }

    /// The comment with `id`.
    pub async fn comment(&self, id: CommentId) -> Result<ReviewComment> {
        let mut conn = self.pool.acquire().await?;
        fetch(&mut conn, id).await
    }

    /// Comments on `attempt`, oldest first.
    pub async fn comments_of_attempt(&self, attempt: AttemptId) -> Result<Vec<ReviewComment>> {
        let rows: Vec<CommentRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM review_comments WHERE attempt_id = ? ORDER BY id"
        ))
        .bind(attempt.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(CommentRow::into_comment).collect()
    }

    /// Marks the comments `ids` resolved, in one transaction with one event each.
    /// A comment already resolved is a conflict, and nothing is written.
    pub async fn resolve_comments(
        &self,
        ids: &[CommentId],
        now: Timestamp,
    ) -> Result<Committed<Vec<ReviewComment>>> {
        let mut tx = self.pool.begin().await?;
        let mut resolved = Vec::with_capacity(ids.len());
        let mut events = Vec::with_capacity(ids.len());
        for id in ids {
            let mut comment = fetch(&mut tx, *id).await?;
            if !comment.is_open() {
                return Err(StoreError::Conflict(format!(
                    "review comment {id} is already resolved"
                )));
            }
            sqlx::query("UPDATE review_comments SET resolved_at = ? WHERE id = ?")
                .bind(now)
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
            comment.resolved_at = Some(now);
            let a = fetch_attempt(&mut tx, comment.attempt_id).await?;
            let new_event = event(EventKind::ReviewCommentResolved, &a, &comment);
            events.push(append(&mut tx, new_event, now).await?);
            resolved.push(comment);
        }
        tx.commit().await?;
        Ok(Committed {
            value: resolved,
            events,
        })
    }

    /// Deletes a comment; returns it as it was.
    pub async fn delete_comment(
        &self,
        id: CommentId,
        now: Timestamp,
    ) -> Result<Committed<ReviewComment>> {
        let mut tx = self.pool.begin().await?;
        let comment = fetch(&mut tx, id).await?;
        let a = fetch_attempt(&mut tx, comment.attempt_id).await?;
        sqlx::query("DELETE FROM review_comments WHERE id = ?")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        let new_event = event(EventKind::ReviewCommentDeleted, &a, &comment);
        commit_with(tx, new_event, now, comment).await
    }
}
