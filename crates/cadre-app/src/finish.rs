//! What happens when an attempt's run ends: auto-commit of what the agent left
//! uncommitted, the head commit and diff size, the attempt settled, and the task
//! moved to follow it (`in_review` with changes, `blocked` without or on failure).

use cadre_core::log::LogEntryKind;
use cadre_core::{
    Actor, Attempt, AttemptId, AttemptStatus, DiffTotals, EventKind, NewEvent, TaskRef, TaskStatus,
};
use serde_json::json;

use crate::runtime::LogBatch;
use crate::{App, MoveTask, Result, now};

/// What the worktree looked like when the run ended.
#[derive(Debug, Default)]
struct RunResult {
    head_commit: Option<String>,
    diff: Option<DiffTotals>,
    warning: Option<String>,
}

/// The commit message of an auto-commit: `<KEY>: <title>`, then the first
/// paragraph of the agent's summary as the body.
pub(crate) fn autocommit_message(key: &str, title: &str, summary: Option<&str>) -> String {
    let mut message = format!("{key}: {title}");
    let body = summary
        .and_then(|s| s.split("\n\n").map(str::trim).find(|p| !p.is_empty()))
        .map(|p| p.chars().take(1_000).collect::<String>());
    if let Some(body) = body {
        message.push_str("\n\n");
        message.push_str(&body);
    }
    message
}

impl App {
    /// Settles an attempt after its last process: records what its worktree holds,
    /// moves its task, and cleans up if the task was closed meanwhile. Git trouble
    /// here never hides the outcome: it becomes a warning on the attempt.
    pub(crate) async fn conclude(
        &self,
        attempt: AttemptId,
        status: AttemptStatus,
        reason: Option<String>,
        summary: Option<String>,
    ) -> Result<Attempt> {
        let current = self.store.attempt(attempt).await?;
        let result = match self
            .inspect_worktree(&current, status, summary.as_deref())
            .await
        {
            Ok(result) => result,
            Err(e) => {
                tracing::warn!(%attempt, error = %e, "could not inspect the worktree after the run");
                RunResult {
                    warning: Some(format!("could not inspect the worktree: {e}")),
                    ..RunResult::default()
                }
            }
        };
        let kind = if status == AttemptStatus::Stopped {
            EventKind::AttemptStopped
        } else {
            EventKind::AttemptCompleted
        };
        let settled_reason = reason.clone();
        let settled_summary = summary.clone();
        let settled = self
            .write(|store| async move {
                store
                    .update_attempt(attempt, kind, now(), move |a| {
                        a.status = status;
                        a.failure_reason = settled_reason;
                        if settled_summary.is_some() {
                            a.summary = settled_summary;
                        }
                        if result.head_commit.is_some() {
                            a.head_commit = result.head_commit;
                        }
                        if result.diff.is_some() {
                            a.diff_stat = result.diff;
                        }
                        a.warning = result.warning;
                        a.finished_at = Some(now());
                    })
                    .await
            })
            .await?;
        self.follow_task(&settled, reason.as_deref()).await;
        if self.task_is_closed(&settled).await.unwrap_or(false)
            && let Err(e) = self.cleanup_after_settle(&settled).await
        {
            tracing::warn!(%attempt, error = %e, "cleanup after a closed task failed");
        }
        Ok(settled)
    }

    /// Auto-commits (when the run succeeded and the project wants it), then reads
    /// the head commit and the diff size against the base.
    async fn inspect_worktree(
        &self,
        attempt: &Attempt,
        status: AttemptStatus,
        summary: Option<&str>,
    ) -> Result<RunResult> {
        let Some(path) = attempt.worktree_path.as_deref().filter(|p| p.exists()) else {
            return Ok(RunResult::default());
        };
        let mut result = RunResult::default();
        if self.git.is_dirty(path).await? {
            let project = self.store.project(attempt.project_id).await?;
            if status == AttemptStatus::Succeeded && project.auto_commit {
                let task = self.store.task(attempt.task_id).await?;
                let message = autocommit_message(&task.key.to_string(), &task.title, summary);
                self.record_attempt_event(
                    attempt,
                    EventKind::AttemptAutocommitRequested,
                    json!({ "message": message }),
                )
                .await?;
                if let Some(sha) = self.git.commit_all(path, &message).await? {
                    // The same shape as a commit made through the API: the
                    // attempt, with what happened under `detail`.
                    let detail = json!({ "commit": sha, "message": message, "auto": true });
                    let id = attempt.id;
                    self.write(|store| async move {
                        store
                            .update_attempt_detailed(
                                id,
                                EventKind::GitCommitCreated,
                                now(),
                                detail,
                                move |a| a.head_commit = Some(sha),
                            )
                            .await
                    })
                    .await?;
                }
            } else if status == AttemptStatus::Succeeded {
                result.warning = Some(
                    "the agent left uncommitted changes (auto-commit is off): commit them or send a follow-up"
                        .to_owned(),
                );
            }
        }
        result.head_commit = Some(self.git.head_sha(path).await?);
        let stat = self.git.diff_stat(path, &attempt.base_branch).await?;
        result.diff = Some(DiffTotals {
            files: i64::from(stat.files),
            additions: i64::from(stat.additions),
            deletions: i64::from(stat.deletions),
        });
        Ok(result)
    }

    /// Moves the task after a run: changes → `in_review`; none → `blocked` with the
    /// agent's last message; failure → `blocked` with the reason. Stopped and
    /// interrupted runs leave the task alone (a person is on it). A move the
    /// state machine forbids (the card was moved meanwhile) is skipped.
    async fn follow_task(&self, attempt: &Attempt, reason: Option<&str>) {
        let (status, why) = match attempt.status {
            AttemptStatus::Succeeded => match attempt.diff_stat {
                Some(d) if d.files > 0 => (
                    TaskStatus::InReview,
                    format!("attempt {} finished with changes", attempt.id.short()),
                ),
                _ => {
                    let last = attempt.summary.as_deref().unwrap_or("").trim();
                    let why = if last.is_empty() {
                        "agent finished without changes".to_owned()
                    } else {
                        format!("agent finished without changes: {last}")
                    };
                    (TaskStatus::Blocked, why)
                }
            },
            AttemptStatus::Failed => (
                TaskStatus::Blocked,
                reason.unwrap_or("the attempt failed").to_owned(),
            ),
            _ => return,
        };
        let Ok(task) = self.store.task(attempt.task_id).await else {
            return;
        };
        if task.status == status || task.status.check_move(status).is_err() {
            return;
        }
        let request = MoveTask {
            status,
            position: None,
            actor: Actor::System,
            reason: Some(why),
        };
        if let Err(e) = self.move_task(&TaskRef::Id(task.id), request).await {
            tracing::info!(task = %task.key, error = %e, "task did not follow its attempt");
        }
    }

    /// Records an event about `attempt` that changes no row.
    pub(crate) async fn record_attempt_event(
        &self,
        attempt: &Attempt,
        kind: EventKind,
        mut payload: serde_json::Value,
    ) -> Result<()> {
        if let Some(map) = payload.as_object_mut() {
            map.insert("attempt_id".to_owned(), json!(attempt.id));
        }
        let event = NewEvent::new(kind, payload)
            .project(attempt.project_id)
            .task(attempt.task_id)
            .attempt(attempt.id);
        self.write(|store| async move { store.record_events(vec![event], now()).await })
            .await?;
        Ok(())
    }

    /// Adds a note from cadre itself to the attempt's conversation.
    pub(crate) async fn append_system_message(
        &self,
        attempt: AttemptId,
        text: String,
    ) -> Result<()> {
        self.append_entry(attempt, LogEntryKind::SystemMessage { text })
            .await
    }

    /// Appends one entry that no process produced, and publishes it.
    pub(crate) async fn append_entry(&self, attempt: AttemptId, entry: LogEntryKind) -> Result<()> {
        let stored = self
            .write(|store| async move { store.append_log(attempt, &[entry], None, now()).await })
            .await?;
        self.runtime.publish(LogBatch {
            attempt_id: attempt,
            entries: stored,
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn autocommit_message_is_key_and_title_then_first_summary_paragraph() {
        let message = autocommit_message(
            "WEB-12",
            "Fix login",
            Some("\n\nFixed the redirect loop.\nAdded a test.\n\nDetails follow."),
        );
        assert_eq!(
            message,
            "WEB-12: Fix login\n\nFixed the redirect loop.\nAdded a test."
        );
        assert_eq!(autocommit_message("WEB-1", "T", None), "WEB-1: T");
        assert_eq!(autocommit_message("WEB-1", "T", Some("  ")), "WEB-1: T");
    }
}
