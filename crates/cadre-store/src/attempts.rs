//! Attempts and their execution processes and follow-ups.

use cadre_core::{
    AttachmentId, Attempt, AttemptId, AttemptStatus, DiffTotals, EventKind, ExecutionProcess,
    NewEvent, ProcessId, ProcessStatus, PullRequest, TaskId, Timestamp,
};
use sqlx::{FromRow, SqliteConnection};

use crate::codec::{from_json, parse, parse_opt, to_json, to_value};
use crate::events::{append, commit_with};
use crate::{Committed, Result, Store, StoreError};

pub(crate) const ATTEMPT_COLUMNS: &str =
    "id, task_id, project_id, agent, profile, prompt, base_branch, branch,
    worktree_path, status, session_id, head_commit, summary, failure_reason, retry_count,
    created_at, started_at, finished_at, parent_attempt_id, owns_worktree, warning,
    diff_files, diff_additions, diff_deletions, crash_retries, pr_url, pr_number, pr_state";

#[derive(FromRow)]
pub(crate) struct AttemptRow {
    id: String,
    task_id: String,
    project_id: String,
    agent: String,
    profile: Option<String>,
    prompt: String,
    base_branch: String,
    branch: Option<String>,
    worktree_path: Option<String>,
    status: String,
    session_id: Option<String>,
    head_commit: Option<String>,
    summary: Option<String>,
    failure_reason: Option<String>,
    retry_count: i64,
    created_at: Timestamp,
    started_at: Option<Timestamp>,
    finished_at: Option<Timestamp>,
    parent_attempt_id: Option<String>,
    owns_worktree: bool,
    warning: Option<String>,
    diff_files: Option<i64>,
    diff_additions: Option<i64>,
    diff_deletions: Option<i64>,
    crash_retries: i64,
    pr_url: Option<String>,
    pr_number: Option<i64>,
    pr_state: Option<String>,
}

impl AttemptRow {
    pub(crate) fn into_attempt(self) -> Result<Attempt> {
        Ok(Attempt {
            id: parse("attempts.id", &self.id)?,
            task_id: parse("attempts.task_id", &self.task_id)?,
            project_id: parse("attempts.project_id", &self.project_id)?,
            agent: self.agent,
            profile: self.profile,
            prompt: self.prompt,
            base_branch: self.base_branch,
            branch: self.branch,
            worktree_path: self.worktree_path.map(Into::into),
            status: parse("attempts.status", &self.status)?,
            session_id: self.session_id,
            head_commit: self.head_commit,
            summary: self.summary,
            failure_reason: self.failure_reason,
            retry_count: self.retry_count,
            parent_attempt_id: parse_opt(
                "attempts.parent_attempt_id",
                self.parent_attempt_id.as_deref(),
            )?,
            owns_worktree: self.owns_worktree,
            warning: self.warning,
            diff_stat: self.diff_files.map(|files| DiffTotals {
                files,
                additions: self.diff_additions.unwrap_or(0),
                deletions: self.diff_deletions.unwrap_or(0),
            }),
            crash_retries: self.crash_retries,
            pull_request: match (self.pr_url, self.pr_state) {
                (Some(url), Some(state)) => Some(PullRequest {
                    url,
                    number: self.pr_number,
                    state: parse("attempts.pr_state", &state)?,
                }),
                _ => None,
            },
            created_at: self.created_at,
            started_at: self.started_at,
            finished_at: self.finished_at,
        })
    }
}

const PROCESS_COLUMNS: &str =
    "id, attempt_id, kind, argv, cwd, pid, pgid, status, exit_code, signal,
    run_dir, stdout_offset, stderr_offset, started_at, finished_at";

#[derive(FromRow)]
struct ProcessRow {
    id: String,
    attempt_id: String,
    kind: String,
    argv: String,
    cwd: String,
    pid: Option<i32>,
    pgid: Option<i32>,
    status: String,
    exit_code: Option<i32>,
    signal: Option<i32>,
    run_dir: String,
    stdout_offset: i64,
    stderr_offset: i64,
    started_at: Timestamp,
    finished_at: Option<Timestamp>,
}

impl ProcessRow {
    fn into_process(self) -> Result<ExecutionProcess> {
        Ok(ExecutionProcess {
            id: parse("execution_processes.id", &self.id)?,
            attempt_id: parse("execution_processes.attempt_id", &self.attempt_id)?,
            kind: parse("execution_processes.kind", &self.kind)?,
            argv: from_json("execution_processes.argv", &self.argv)?,
            cwd: self.cwd.into(),
            pid: self.pid,
            pgid: self.pgid,
            status: parse("execution_processes.status", &self.status)?,
            exit_code: self.exit_code,
            signal: self.signal,
            run_dir: self.run_dir.into(),
            stdout_offset: self.stdout_offset,
            stderr_offset: self.stderr_offset,
            started_at: self.started_at,
            finished_at: self.finished_at,
        })
    }
}

pub(crate) async fn fetch_attempt(conn: &mut SqliteConnection, id: AttemptId) -> Result<Attempt> {
    let row: Option<AttemptRow> = sqlx::query_as(&format!(
        "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE id = ?"
    ))
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    row.ok_or_else(|| StoreError::not_found("attempt", id))?
        .into_attempt()
}

async fn write_attempt(conn: &mut SqliteConnection, a: &Attempt) -> Result<()> {
    sqlx::query(
        "UPDATE attempts SET profile = ?, branch = ?, worktree_path = ?, status = ?, session_id = ?,
         head_commit = ?, summary = ?, failure_reason = ?, retry_count = ?, started_at = ?, finished_at = ?,
         warning = ?, diff_files = ?, diff_additions = ?, diff_deletions = ?, crash_retries = ?,
         pr_url = ?, pr_number = ?, pr_state = ?
         WHERE id = ?",
    )
    .bind(&a.profile)
    .bind(&a.branch)
    .bind(a.worktree_path.as_ref().map(|p| p.to_string_lossy().into_owned()))
    .bind(a.status.as_str())
    .bind(&a.session_id)
    .bind(&a.head_commit)
    .bind(&a.summary)
    .bind(&a.failure_reason)
    .bind(a.retry_count)
    .bind(a.started_at)
    .bind(a.finished_at)
    .bind(&a.warning)
    .bind(a.diff_stat.map(|d| d.files))
    .bind(a.diff_stat.map(|d| d.additions))
    .bind(a.diff_stat.map(|d| d.deletions))
    .bind(a.crash_retries)
    .bind(a.pull_request.as_ref().map(|p| p.url.clone()))
    .bind(a.pull_request.as_ref().and_then(|p| p.number))
    .bind(a.pull_request.as_ref().map(|p| p.state.as_str()))
    .bind(a.id.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn attempt_event(kind: EventKind, a: &Attempt) -> NewEvent {
    NewEvent::new(kind, to_value(a))
        .project(a.project_id)
        .task(a.task_id)
        .attempt(a.id)
}

impl Store {
    /// Records a new attempt (status `queued`).
    pub async fn create_attempt(&self, attempt: Attempt) -> Result<Committed<Attempt>> {
        let mut tx = self.pool.begin().await?;
        crate::tasks::fetch(&mut tx, attempt.task_id).await?;
        sqlx::query(
            "INSERT INTO attempts (id, task_id, project_id, agent, profile, prompt, base_branch,
             status, created_at, parent_attempt_id, owns_worktree)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(attempt.id.to_string())
        .bind(attempt.task_id.to_string())
        .bind(attempt.project_id.to_string())
        .bind(&attempt.agent)
        .bind(&attempt.profile)
        .bind(&attempt.prompt)
        .bind(&attempt.base_branch)
        .bind(attempt.status.as_str())
        .bind(attempt.created_at)
        .bind(attempt.parent_attempt_id.map(|id| id.to_string()))
        .bind(attempt.owns_worktree)
        .execute(&mut *tx)
        .await?;
        // Everything else (branch, worktree, ...) goes through the one UPDATE.
        write_attempt(&mut tx, &attempt).await?;
        let event = append(
            &mut tx,
            attempt_event(EventKind::AttemptQueued, &attempt),
            attempt.created_at,
        )
        .await?;
        tx.commit().await?;
        Ok(Committed {
            value: attempt,
            events: vec![event],
        })
    }

    /// The attempt with `id`.
    pub async fn attempt(&self, id: AttemptId) -> Result<Attempt> {
        let mut conn = self.pool.acquire().await?;
        fetch_attempt(&mut conn, id).await
    }

    /// Attempts of a task, oldest first.
    pub async fn attempts_of_task(&self, task: TaskId) -> Result<Vec<Attempt>> {
        let rows: Vec<AttemptRow> = sqlx::query_as(&format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE task_id = ? ORDER BY id"
        ))
        .bind(task.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(AttemptRow::into_attempt).collect()
    }

    /// Attempts in any of `statuses`, oldest first.
    pub async fn attempts_with_status(&self, statuses: &[AttemptStatus]) -> Result<Vec<Attempt>> {
        let mut qb = sqlx::QueryBuilder::new(format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE status IN ("
        ));
        let mut list = qb.separated(", ");
        for status in statuses {
            list.push_bind(status.as_str());
        }
        qb.push(") ORDER BY id");
        let rows: Vec<AttemptRow> = qb.build_query_as().fetch_all(&self.pool).await?;
        rows.into_iter().map(AttemptRow::into_attempt).collect()
    }

    /// Applies `change` to an attempt and records `kind` (with the attempt as payload).
    ///
    /// The closure sees the current row inside the transaction, so read-modify-write
    /// races between the ingester and API calls cannot lose an update.
    pub async fn update_attempt(
        &self,
        id: AttemptId,
        kind: EventKind,
        now: Timestamp,
        change: impl FnOnce(&mut Attempt) + Send,
    ) -> Result<Committed<Attempt>> {
        self.update_attempt_detailed(id, kind, now, serde_json::Value::Null, change)
            .await
    }

    /// Like [`Store::update_attempt`], with `detail` (what happened: a commit's sha,
    /// conflicted files, ...) added to the event payload under `"detail"`.
    pub async fn update_attempt_detailed(
        &self,
        id: AttemptId,
        kind: EventKind,
        now: Timestamp,
        detail: serde_json::Value,
        change: impl FnOnce(&mut Attempt) + Send,
    ) -> Result<Committed<Attempt>> {
        let mut tx = self.pool.begin().await?;
        let mut attempt = fetch_attempt(&mut tx, id).await?;
        change(&mut attempt);
        write_attempt(&mut tx, &attempt).await?;
        let mut event = attempt_event(kind, &attempt);
        if !detail.is_null()
            && let Some(map) = event.payload.as_object_mut()
        {
            map.insert("detail".to_owned(), detail);
        }
        commit_with(tx, event, now, attempt).await
    }

    /// Attempts that own a worktree which still exists on disk (per the database).
    pub async fn attempts_with_worktree(&self) -> Result<Vec<Attempt>> {
        let rows: Vec<AttemptRow> = sqlx::query_as(&format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE worktree_path IS NOT NULL ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(AttemptRow::into_attempt).collect()
    }

    /// Attempts whose pull request is open, to poll their forge.
    pub async fn attempts_with_open_pr(&self) -> Result<Vec<Attempt>> {
        let rows: Vec<AttemptRow> = sqlx::query_as(&format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE pr_state = 'open' ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(AttemptRow::into_attempt).collect()
    }

    /// Records a process about to be launched.
    pub async fn create_process(&self, process: &ExecutionProcess) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO execution_processes ({PROCESS_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(process.id.to_string())
        .bind(process.attempt_id.to_string())
        .bind(process.kind.as_str())
        .bind(to_json(&process.argv))
        .bind(process.cwd.to_string_lossy().into_owned())
        .bind(process.pid)
        .bind(process.pgid)
        .bind(process.status.as_str())
        .bind(process.exit_code)
        .bind(process.signal)
        .bind(process.run_dir.to_string_lossy().into_owned())
        .bind(process.stdout_offset)
        .bind(process.stderr_offset)
        .bind(process.started_at)
        .bind(process.finished_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records the pid and process group of a launched process.
    pub async fn set_process_pid(&self, id: ProcessId, pid: i32, pgid: i32) -> Result<()> {
        sqlx::query("UPDATE execution_processes SET pid = ?, pgid = ? WHERE id = ?")
            .bind(pid)
            .bind(pgid)
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records how a process ended.
    pub async fn finish_process(
        &self,
        id: ProcessId,
        status: ProcessStatus,
        exit_code: Option<i32>,
        signal: Option<i32>,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE execution_processes SET status = ?, exit_code = ?, signal = ?, finished_at = ? WHERE id = ?",
        )
        .bind(status.as_str())
        .bind(exit_code)
        .bind(signal)
        .bind(now)
        .bind(id.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The process with `id`.
    pub async fn process(&self, id: ProcessId) -> Result<ExecutionProcess> {
        let row: Option<ProcessRow> = sqlx::query_as(&format!(
            "SELECT {PROCESS_COLUMNS} FROM execution_processes WHERE id = ?"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.ok_or_else(|| StoreError::not_found("process", id))?
            .into_process()
    }

    /// Processes of an attempt, oldest first.
    pub async fn processes_of_attempt(&self, attempt: AttemptId) -> Result<Vec<ExecutionProcess>> {
        let rows: Vec<ProcessRow> = sqlx::query_as(&format!(
            "SELECT {PROCESS_COLUMNS} FROM execution_processes WHERE attempt_id = ? ORDER BY started_at, id"
        ))
        .bind(attempt.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(ProcessRow::into_process).collect()
    }

    /// Every process still marked running (to resume after a restart).
    pub async fn running_processes(&self) -> Result<Vec<ExecutionProcess>> {
        let rows: Vec<ProcessRow> = sqlx::query_as(&format!(
            "SELECT {PROCESS_COLUMNS} FROM execution_processes WHERE status = 'running' ORDER BY started_at"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(ProcessRow::into_process).collect()
    }

    /// Queues a follow-up message (and its image attachments) for an attempt.
    pub async fn queue_followup(
        &self,
        attempt: AttemptId,
        text: &str,
        attachments: &[AttachmentId],
        now: Timestamp,
    ) -> Result<Committed<i64>> {
        let mut tx = self.pool.begin().await?;
        let a = fetch_attempt(&mut tx, attempt).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO followups (attempt_id, text, attachments, created_at) VALUES (?, ?, ?, ?) RETURNING id",
        )
        .bind(attempt.to_string())
        .bind(text)
        .bind(to_json(&attachments))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let urls: Vec<String> = attachments.iter().map(AttachmentId::url).collect();
        let payload = serde_json::json!({
            "attempt_id": attempt, "followup_id": id, "text": text, "attachments": urls,
        });
        let event = NewEvent::new(EventKind::AttemptFollowupQueued, payload)
            .project(a.project_id)
            .task(a.task_id)
            .attempt(attempt);
        commit_with(tx, event, now, id).await
    }

    /// Takes the oldest unsent follow-up of an attempt, marking it sent.
    pub async fn take_followup(
        &self,
        attempt: AttemptId,
        now: Timestamp,
    ) -> Result<Option<QueuedFollowUp>> {
        let mut tx = self.pool.begin().await?;
        let next: Option<(i64, String, String)> = sqlx::query_as(
            "SELECT id, text, attachments FROM followups WHERE attempt_id = ? AND sent_at IS NULL ORDER BY id LIMIT 1",
        )
        .bind(attempt.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let Some((id, text, attachments)) = next else {
            return Ok(None);
        };
        sqlx::query("UPDATE followups SET sent_at = ? WHERE id = ?")
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(QueuedFollowUp {
            text,
            attachments: from_json("followups.attachments", &attachments)?,
        }))
    }
}

/// A follow-up that waited for its attempt's turn to end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedFollowUp {
    /// The message.
    pub text: String,
    /// Its image attachments.
    pub attachments: Vec<AttachmentId>,
}

/// Parses an optional process id column (kept here so the log module can share it).
pub(crate) fn process_id(raw: Option<&str>) -> Result<Option<ProcessId>> {
    parse_opt("log_entries.process_id", raw)
}
