//! Per-attempt access tokens: only their hashes are stored, one per attempt.

use cadre_core::{AttemptId, TaskId, Timestamp};

use crate::codec::parse;
use crate::{Result, Store};

impl Store {
    /// Records `token_hash` as the attempt's token, replacing the previous one.
    /// Not an event: a secret's rotation is nothing a board watcher needs to see.
    pub async fn set_attempt_token(
        &self,
        attempt: AttemptId,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO attempt_tokens (attempt_id, token_hash, created_at) VALUES (?, ?, ?)
             ON CONFLICT (attempt_id) DO UPDATE SET token_hash = excluded.token_hash,
             created_at = excluded.created_at",
        )
        .bind(attempt.to_string())
        .bind(token_hash)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The attempt (and its task) whose token hashes to `token_hash`, if any.
    pub async fn attempt_for_token(&self, token_hash: &str) -> Result<Option<(AttemptId, TaskId)>> {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT a.id, a.task_id FROM attempt_tokens t JOIN attempts a ON a.id = t.attempt_id
             WHERE t.token_hash = ?",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(attempt, task)| {
            Ok((
                parse("attempts.id", &attempt)?,
                parse("attempts.task_id", &task)?,
            ))
        })
        .transpose()
    }
}
