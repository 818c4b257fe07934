//! Git actions on an attempt: its diff, commit, rebase, merge, push, pull
//! requests and their polling. Each action emits a `git.*` event.
//!
//! Every action needs the attempt's worktree (409 once cleaned up) and, except
//! reading the diff, a settled attempt: cadre does not commit or rebase under a
//! running agent.

use std::sync::Arc;

use cadre_core::{Actor, Attempt, AttemptId, EventKind, PrState, PullRequest, TaskRef, TaskStatus};
use cadre_git::{
    DiffOptions, FileSummary, GitError, MergeRequest, MergeStrategy, PrRequest, WorktreeDiff,
};
use serde_json::json;

use crate::finish::autocommit_message;
use crate::{App, AppError, MoveTask, Result, now};

/// An attempt's diff against the merge-base with its base branch.
#[derive(Debug, Clone)]
pub struct AttemptDiff {
    /// The base branch compared against.
    pub base_branch: String,
    /// The attempt's branch.
    pub branch: Option<String>,
    /// The diff (hunks only when asked for).
    pub diff: WorktreeDiff,
}

/// How to merge.
#[derive(Debug, Clone, Copy, Default)]
pub struct MergeInput {
    /// Squash (default) or a merge commit.
    pub strategy: MergeStrategy,
}

/// What a rebase did: rebased, already up to date, or stopped on conflicts
/// (aborted, the worktree left as it was) with a follow-up to offer the agent.
#[derive(Debug, Clone)]
pub struct RebaseResult {
    /// The attempt after the rebase.
    pub attempt: Attempt,
    /// False when there was nothing to do or on conflicts.
    pub rebased: bool,
    /// Files that conflicted; empty on success.
    pub conflicts: Vec<String>,
    /// On conflicts: a follow-up asking the agent to resolve them.
    pub suggested_followup: Option<String>,
}

/// A pull request that was opened.
#[derive(Debug, Clone)]
pub struct PrOutcome {
    /// The attempt, with its pull request recorded.
    pub attempt: Attempt,
    /// The forge's tool (`gh` or `glab`).
    pub tool: &'static str,
}

impl App {
    /// The attempt's changes (committed, uncommitted and untracked) against the
    /// merge-base with its base branch; `hunks: false` gives counts only.
    pub async fn attempt_diff(&self, attempt: AttemptId, hunks: bool) -> Result<AttemptDiff> {
        let current = self.store.attempt(attempt).await?;
        let path = Self::require_worktree(&current)?;
        let diff = if hunks {
            self.git
                .worktree_diff(&path, &current.base_branch, &DiffOptions::default())
                .await?
        } else {
            let files = self.git.diff_summary(&path, &current.base_branch).await?;
            summary_only(files)
        };
        Ok(AttemptDiff {
            base_branch: current.base_branch,
            branch: current.branch,
            diff,
        })
    }

    /// Commits everything in the worktree with `message`.
    pub async fn commit_attempt(&self, attempt: AttemptId, message: &str) -> Result<Attempt> {
        let message = message.trim();
        if message.is_empty() {
            return Err(
                cadre_core::ValidationError::new("message", "a commit needs a message").into(),
            );
        }
        let current = self.settled_with_worktree(attempt).await?;
        let path = Self::require_worktree(&current)?;
        let Some(sha) = self.git.commit_all(&path, message).await? else {
            return Err(AppError::Conflict(
                "nothing to commit: the worktree has no changes".into(),
            ));
        };
        let detail = json!({ "commit": sha, "message": message, "auto": false });
        self.update_with_event(attempt, EventKind::GitCommitCreated, detail, move |a| {
            a.head_commit = Some(sha);
            a.warning = None;
        })
        .await
    }

    /// Rebases the attempt's branch onto the latest base. Conflicts abort the
    /// rebase and come back as a result, not an error.
    pub async fn rebase_attempt(&self, attempt: AttemptId) -> Result<RebaseResult> {
        let current = self.settled_with_worktree(attempt).await?;
        let path = Self::require_worktree(&current)?;
        match self.git.rebase(&path, &current.base_branch).await {
            Ok(outcome) => {
                let detail = json!({ "head": outcome.head, "rebased": outcome.rebased, "onto": current.base_branch });
                let head = outcome.head.clone();
                let attempt = self
                    .update_with_event(attempt, EventKind::GitRebased, detail, move |a| {
                        a.head_commit = Some(head)
                    })
                    .await?;
                Ok(RebaseResult {
                    attempt,
                    rebased: outcome.rebased,
                    conflicts: vec![],
                    suggested_followup: None,
                })
            }
            Err(GitError::Conflict { files, .. }) => {
                let followup = format!(
                    "Rebasing this branch onto `{}` stops on conflicts in: {}. Rebase onto `{}` yourself, resolve the conflicts keeping the intent of both sides, make sure the project still builds and its tests pass, and finish the rebase.",
                    current.base_branch,
                    files.join(", "),
                    current.base_branch
                );
                let detail = json!({ "onto": current.base_branch, "conflicts": files });
                let attempt = self
                    .update_with_event(attempt, EventKind::GitRebaseConflicted, detail, |_| {})
                    .await?;
                Ok(RebaseResult {
                    attempt,
                    rebased: false,
                    conflicts: files,
                    suggested_followup: Some(followup),
                })
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Merges the attempt's branch into its base (squash by default) and moves
    /// the task to done, which cleans up its worktrees. Refused (409) when the
    /// base moved, its checkout is dirty, or the attempt has uncommitted work.
    pub async fn merge_attempt(&self, attempt: AttemptId, input: MergeInput) -> Result<Attempt> {
        let current = self.settled_with_worktree(attempt).await?;
        let path = Self::require_worktree(&current)?;
        let branch = current.branch.clone().ok_or_else(|| {
            AppError::Conflict(format!("attempt {attempt} has no branch to merge"))
        })?;
        if self.git.is_dirty(&path).await? {
            return Err(self
                .merge_refused(
                    &current,
                    format!(
                        "attempt {attempt} has uncommitted changes: commit them first (`cadre attempt commit {attempt} -m MSG`)"
                    ),
                )
                .await);
        }
        let project = self.store.project(current.project_id).await?;
        let task = self.store.task(current.task_id).await?;
        let title = autocommit_message(&task.key.to_string(), &task.title, None);
        let message = match input.strategy {
            MergeStrategy::Squash => autocommit_message(
                &task.key.to_string(),
                &task.title,
                current.summary.as_deref(),
            ),
            MergeStrategy::MergeCommit => format!("Merge branch '{branch}': {title}"),
        };
        let request = MergeRequest {
            branch: branch.clone(),
            base: current.base_branch.clone(),
            strategy: input.strategy,
            message,
        };
        let outcome = match self.git.merge(&project.repo_path, &request).await {
            Ok(outcome) => outcome,
            Err(e @ (GitError::Refused(_) | GitError::Conflict { .. })) => {
                return Err(self.merge_refused(&current, e.to_string()).await);
            }
            Err(e) => return Err(e.into()),
        };
        let strategy = match input.strategy {
            MergeStrategy::Squash => "squash",
            MergeStrategy::MergeCommit => "merge_commit",
        };
        let detail = json!({
            "commit": outcome.commit,
            "previous_base": outcome.previous_base,
            "base_branch": current.base_branch,
            "branch": branch,
            "strategy": strategy,
        });
        let merged = self
            .update_with_event(attempt, EventKind::GitMerged, detail, |_| {})
            .await?;
        self.close_task_after_merge(&merged, "merged into the base branch")
            .await;
        self.store.attempt(attempt).await.map_err(Into::into)
    }

    /// Pushes the attempt's branch to `origin`.
    pub async fn push_attempt(&self, attempt: AttemptId) -> Result<Attempt> {
        let current = self.settled_with_worktree(attempt).await?;
        let path = Self::require_worktree(&current)?;
        let branch = current
            .branch
            .clone()
            .ok_or_else(|| AppError::Conflict(format!("attempt {attempt} has no branch")))?;
        self.git.push(&path, "origin", &branch).await?;
        let detail = json!({ "remote": "origin", "branch": branch });
        self.update_with_event(attempt, EventKind::GitPushed, detail, |_| {})
            .await
    }

    /// Pushes the branch and opens a pull request (`gh`) or merge request
    /// (`glab`) with the task as title and the agent's summary as body.
    pub async fn create_pr(&self, attempt: AttemptId) -> Result<PrOutcome> {
        let current = self.settled_with_worktree(attempt).await?;
        if let Some(pr) = &current.pull_request
            && pr.state == PrState::Open
        {
            return Err(AppError::Conflict(format!(
                "attempt {attempt} already has an open pull request: {}",
                pr.url
            )));
        }
        let project = self.store.project(current.project_id).await?;
        let forge = self.git.forge(&project.repo_path).await?.ok_or_else(|| {
            AppError::Conflict(
                "the repository's `origin` is not on GitHub or GitLab: add such a remote to open pull requests"
                    .into(),
            )
        })?;
        let current = self.push_attempt(attempt).await?;
        let task = self.store.task(current.task_id).await?;
        let branch = current.branch.clone().unwrap_or_default();
        let mut body = current
            .summary
            .clone()
            .unwrap_or_else(|| "Opened by cadre.".to_owned());
        if !task.description.trim().is_empty() {
            body = format!("{body}\n\n## Task\n\n{}", task.description.trim());
        }
        let request = PrRequest {
            title: format!("{}: {}", task.key, task.title),
            body,
            base: current.base_branch.clone(),
            head: branch,
        };
        let url = self
            .git
            .create_pr(&project.repo_path, forge, &request)
            .await?;
        let number = url.rsplit('/').next().and_then(|n| n.parse::<i64>().ok());
        let pr = PullRequest {
            url: url.clone(),
            number,
            state: PrState::Open,
        };
        let detail = json!({ "url": url, "number": number, "tool": forge.tool() });
        let attempt = self
            .update_with_event(attempt, EventKind::GitPrCreated, detail, move |a| {
                a.pull_request = Some(pr)
            })
            .await?;
        Ok(PrOutcome {
            attempt,
            tool: forge.tool(),
        })
    }

    /// Asks the forge about every open pull request once; a merged one moves its
    /// task to done.
    pub async fn poll_pull_requests(&self) -> Result<()> {
        for attempt in self.store.attempts_with_open_pr().await? {
            if let Err(e) = self.poll_one(&attempt).await {
                tracing::warn!(attempt = %attempt.id, error = %e, "pull request poll failed");
            }
        }
        Ok(())
    }

    /// Polls open pull requests every `pr_poll_interval` until the app is dropped.
    pub fn spawn_pr_poller(self: &Arc<Self>) {
        let weak = Arc::downgrade(self);
        let every = self.config.pr_poll_interval;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let Some(app) = weak.upgrade() else { return };
                if let Err(e) = app.poll_pull_requests().await {
                    tracing::warn!(error = %e, "pull request polling failed");
                }
            }
        });
    }

    async fn poll_one(&self, attempt: &Attempt) -> Result<()> {
        let (Some(branch), Some(pr)) = (&attempt.branch, &attempt.pull_request) else {
            return Ok(());
        };
        let project = self.store.project(attempt.project_id).await?;
        let Some(forge) = self.git.forge(&project.repo_path).await? else {
            return Ok(());
        };
        let status = self
            .git
            .pr_status(&project.repo_path, forge, branch)
            .await?;
        let state = match status.state {
            cadre_git::PrState::Open => PrState::Open,
            cadre_git::PrState::Merged => PrState::Merged,
            cadre_git::PrState::Closed => PrState::Closed,
            cadre_git::PrState::Other => return Ok(()),
        };
        if state == pr.state {
            return Ok(());
        }
        let detail = json!({ "url": pr.url, "from": pr.state, "to": state });
        let updated = self
            .update_with_event(
                attempt.id,
                EventKind::GitPrStatusChanged,
                detail,
                move |a| {
                    if let Some(pr) = a.pull_request.as_mut() {
                        pr.state = state;
                    }
                },
            )
            .await?;
        if state == PrState::Merged {
            self.close_task_after_merge(&updated, "pull request merged")
                .await;
        }
        Ok(())
    }

    /// Moves the task to done after its work landed; a forbidden move (e.g. the
    /// card is blocked) is logged, never an error for the merge itself.
    async fn close_task_after_merge(&self, attempt: &Attempt, why: &str) {
        let Ok(task) = self.store.task(attempt.task_id).await else {
            return;
        };
        if task.status == TaskStatus::Done {
            return;
        }
        let request = MoveTask {
            status: TaskStatus::Done,
            position: None,
            actor: Actor::System,
            reason: Some(format!("attempt {}: {why}", attempt.id.short())),
        };
        if let Err(e) = self.move_task(&TaskRef::Id(task.id), request).await {
            tracing::info!(task = %task.key, error = %e, "task not moved to done after merge");
        }
    }

    /// Records `git.merge.refused` and returns the 409 to send back.
    async fn merge_refused(&self, attempt: &Attempt, reason: String) -> AppError {
        let _ = self
            .record_attempt_event(
                attempt,
                EventKind::GitMergeRefused,
                json!({ "reason": reason }),
            )
            .await;
        AppError::Conflict(reason)
    }

    /// The attempt, if it is settled and still has its worktree.
    async fn settled_with_worktree(&self, attempt: AttemptId) -> Result<Attempt> {
        let current = self.store.attempt(attempt).await?;
        if !current.status.is_settled() || self.runtime.is_active(attempt) {
            return Err(AppError::Conflict(format!(
                "attempt {attempt} is {}: wait until the agent finishes or stop it",
                current.status
            )));
        }
        Self::require_worktree(&current)?;
        Ok(current)
    }

    /// Updates an attempt and records `kind` with `detail`, in one transaction.
    async fn update_with_event(
        &self,
        attempt: AttemptId,
        kind: EventKind,
        detail: serde_json::Value,
        change: impl FnOnce(&mut Attempt) + Send + 'static,
    ) -> Result<Attempt> {
        self.write(|store| async move {
            store
                .update_attempt_detailed(attempt, kind, now(), detail, change)
                .await
        })
        .await
    }
}

/// A diff with counts and no hunks, from the cheap summary.
fn summary_only(files: Vec<FileSummary>) -> WorktreeDiff {
    WorktreeDiff {
        merge_base: String::new(),
        tree: String::new(),
        files: files
            .into_iter()
            .map(|f| cadre_git::FileDiff {
                collapsed: cadre_git::is_lockfile(&f.path),
                path: f.path,
                old_path: f.old_path,
                status: f.status,
                binary: f.binary,
                too_large: false,
                additions: f.additions,
                deletions: f.deletions,
                hunks: vec![],
            })
            .collect(),
    }
}
