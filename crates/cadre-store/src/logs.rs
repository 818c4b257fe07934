//! Normalized log entries: appended in batches together with the output offsets
//! they came from, and read back in pages.

use cadre_core::log::LogEntryKind;
use cadre_core::{AttemptId, EventKind, LogEntry, NewEvent, ProcessId, Timestamp};
use serde_json::json;
use sqlx::FromRow;

use crate::attempts::process_id;
use crate::codec::{from_json, parse, to_json};
use crate::events::append;
use crate::{Committed, Result, Store};

#[derive(FromRow)]
struct EntryRow {
    attempt_id: String,
    seq: i64,
    process_id: Option<String>,
    at: Timestamp,
    payload: String,
}

impl EntryRow {
    fn into_entry(self) -> Result<LogEntry> {
        Ok(LogEntry {
            attempt_id: parse("log_entries.attempt_id", &self.attempt_id)?,
            process_id: process_id(self.process_id.as_deref())?,
            seq: self.seq,
            at: self.at,
            entry: from_json("log_entries.payload", &self.payload)?,
        })
    }
}

/// Entries per INSERT statement: 6 bound values each, far below SQLite's limit of
/// 32,766 variables, and large enough to amortize statement preparation.
const ROWS_PER_INSERT: usize = 200;

/// New output offsets of a process, stored with the entries they produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offsets {
    /// The process.
    pub process: ProcessId,
    /// Bytes of stdout consumed.
    pub stdout: i64,
    /// Bytes of stderr consumed.
    pub stderr: i64,
}

/// A page of log entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogPage {
    /// Entries with seq greater than this, oldest first.
    After(i64),
    /// Entries with seq less than this, returned oldest first.
    Before(i64),
    /// The newest entries, returned oldest first.
    Latest,
}

impl Store {
    /// Appends `entries` to an attempt's log and, in the same transaction, records
    /// the output offsets they were read up to. This is what makes ingestion
    /// exactly-once: after a crash either both happened or neither did.
    ///
    /// One `attempt.log.appended` event names the batch's seq range (one per batch,
    /// not per entry, so the event log stays small however chatty the agent is),
    /// plus `attempt.conversation.appended` when the batch holds user or assistant
    /// messages.
    pub async fn append_log(
        &self,
        attempt: AttemptId,
        entries: &[LogEntryKind],
        offsets: Option<Offsets>,
        now: Timestamp,
    ) -> Result<Committed<Vec<LogEntry>>> {
        let mut tx = self.pool.begin().await?;
        let owner = crate::attempts::fetch_attempt(&mut tx, attempt).await?;
        let last: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(seq), 0) FROM log_entries WHERE attempt_id = ?",
        )
        .bind(attempt.to_string())
        .fetch_one(&mut *tx)
        .await?;
        let attempt_text = attempt.to_string();
        let process_text = offsets.map(|o| o.process.to_string());
        let stored: Vec<LogEntry> = entries
            .iter()
            .enumerate()
            .map(|(i, entry)| LogEntry {
                attempt_id: attempt,
                process_id: offsets.map(|o| o.process),
                seq: last + 1 + i as i64,
                at: now,
                entry: entry.clone(),
            })
            .collect();
        // Multi-row inserts: one statement per ROWS_PER_INSERT entries instead of one
        // per entry, which is most of the ingest cost (see BENCHMARKS.md).
        for rows in stored.chunks(ROWS_PER_INSERT) {
            let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "INSERT INTO log_entries (attempt_id, seq, process_id, at, kind, payload) ",
            );
            qb.push_values(rows, |mut b, row| {
                b.push_bind(&attempt_text)
                    .push_bind(row.seq)
                    .push_bind(&process_text)
                    .push_bind(now)
                    .push_bind(row.entry.kind_name())
                    .push_bind(to_json(&row.entry));
            });
            qb.build().execute(&mut *tx).await?;
        }
        if let Some(o) = offsets {
            sqlx::query(
                "UPDATE execution_processes SET stdout_offset = ?, stderr_offset = ? WHERE id = ?",
            )
            .bind(o.stdout)
            .bind(o.stderr)
            .bind(o.process.to_string())
            .execute(&mut *tx)
            .await?;
        }
        let mut events = Vec::new();
        if let (Some(first), Some(last)) = (stored.first(), stored.last()) {
            let scoped = |kind, payload| {
                NewEvent::new(kind, payload)
                    .project(owner.project_id)
                    .task(owner.task_id)
                    .attempt(attempt)
            };
            let payload = json!({
                "attempt_id": attempt,
                "process_id": offsets.map(|o| o.process),
                "first_seq": first.seq,
                "last_seq": last.seq,
                "count": stored.len(),
            });
            events
                .push(append(&mut tx, scoped(EventKind::AttemptLogAppended, payload), now).await?);
            let messages: Vec<i64> = stored
                .iter()
                .filter(|e| {
                    matches!(
                        e.entry,
                        LogEntryKind::UserMessage { .. } | LogEntryKind::AssistantMessage { .. }
                    )
                })
                .map(|e| e.seq)
                .collect();
            if let (Some(first), Some(last)) = (messages.first(), messages.last()) {
                let payload = json!({
                    "attempt_id": attempt,
                    "first_seq": first,
                    "last_seq": last,
                    "messages": messages.len(),
                });
                let event = scoped(EventKind::AttemptConversationAppended, payload);
                events.push(append(&mut tx, event, now).await?);
            }
        }
        tx.commit().await?;
        Ok(Committed {
            value: stored,
            events,
        })
    }

    /// A page of an attempt's log, oldest first, at most `limit` entries.
    pub async fn log_entries(
        &self,
        attempt: AttemptId,
        page: LogPage,
        limit: u32,
    ) -> Result<Vec<LogEntry>> {
        let limit = i64::from(limit);
        let rows: Vec<EntryRow> = match page {
            LogPage::After(seq) => {
                sqlx::query_as(
                    "SELECT attempt_id, seq, process_id, at, payload FROM log_entries
                     WHERE attempt_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                )
                .bind(attempt.to_string())
                .bind(seq)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
            LogPage::Before(seq) => {
                let mut rows: Vec<EntryRow> = sqlx::query_as(
                    "SELECT attempt_id, seq, process_id, at, payload FROM log_entries
                     WHERE attempt_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
                )
                .bind(attempt.to_string())
                .bind(seq)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.reverse();
                rows
            }
            LogPage::Latest => {
                let mut rows: Vec<EntryRow> = sqlx::query_as(
                    "SELECT attempt_id, seq, process_id, at, payload FROM log_entries
                     WHERE attempt_id = ? ORDER BY seq DESC LIMIT ?",
                )
                .bind(attempt.to_string())
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.reverse();
                rows
            }
        };
        rows.into_iter().map(EntryRow::into_entry).collect()
    }

    /// Number of log entries of an attempt.
    pub async fn log_len(&self, attempt: AttemptId) -> Result<i64> {
        Ok(
            sqlx::query_scalar(
                "SELECT COALESCE(MAX(seq), 0) FROM log_entries WHERE attempt_id = ?",
            )
            .bind(attempt.to_string())
            .fetch_one(&self.pool)
            .await?,
        )
    }
}
