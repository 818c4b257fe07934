//! Read-only summaries for overview screens: the newest attempt of every task in a
//! project (the board's cards), an attempt's token usage totals and its follow-ups
//! still waiting to be sent. Each is one query, so a screen of a thousand cards or
//! an attempt of a hundred thousand log entries costs one round trip, not one per
//! row.

use cadre_core::{Attempt, AttemptId, ProjectId, Timestamp};

use crate::attempts::{ATTEMPT_COLUMNS, AttemptRow};
use crate::{Result, Store};

/// Token usage and cost summed over an attempt's `usage` log entries.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct UsageTotals {
    /// Input (prompt) tokens.
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Cost in US dollars, when any entry reported one.
    pub cost_usd: Option<f64>,
    /// How many usage entries were summed (turns, usually).
    pub reports: u64,
}

/// A follow-up queued while the agent was busy, not yet sent.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingFollowup {
    /// The message.
    pub text: String,
    /// When it was queued.
    pub queued_at: Timestamp,
}

impl Store {
    /// The newest attempt of each task of `project` that has any. Attempt ids are
    /// UUIDv7, so the greatest id is the newest attempt.
    pub async fn latest_attempts_of_project(&self, project: ProjectId) -> Result<Vec<Attempt>> {
        let rows: Vec<AttemptRow> = sqlx::query_as(&format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE id IN
             (SELECT MAX(id) FROM attempts WHERE project_id = ? GROUP BY task_id)"
        ))
        .bind(project.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(AttemptRow::into_attempt).collect()
    }

    /// Sums the usage entries of an attempt's log in SQL, so the log itself is
    /// never loaded.
    pub async fn usage_totals(&self, attempt: AttemptId) -> Result<UsageTotals> {
        let (input, output, cost, reports): (i64, i64, Option<f64>, i64) = sqlx::query_as(
            "SELECT COALESCE(SUM(json_extract(payload, '$.input_tokens')), 0),
                    COALESCE(SUM(json_extract(payload, '$.output_tokens')), 0),
                    SUM(json_extract(payload, '$.cost_usd')),
                    COUNT(*)
             FROM log_entries WHERE attempt_id = ? AND kind = 'usage'",
        )
        .bind(attempt.to_string())
        .fetch_one(&self.pool)
        .await?;
        Ok(UsageTotals {
            input_tokens: u64::try_from(input).unwrap_or(0),
            output_tokens: u64::try_from(output).unwrap_or(0),
            cost_usd: cost,
            reports: u64::try_from(reports).unwrap_or(0),
        })
    }

    /// Follow-ups of an attempt still waiting for the running turn to end, oldest
    /// first.
    pub async fn pending_followups(&self, attempt: AttemptId) -> Result<Vec<PendingFollowup>> {
        let rows: Vec<(String, Timestamp)> = sqlx::query_as(
            "SELECT text, created_at FROM followups
             WHERE attempt_id = ? AND sent_at IS NULL ORDER BY id",
        )
        .bind(attempt.to_string())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(text, queued_at)| PendingFollowup { text, queued_at })
            .collect())
    }
}
