//! Attempt worktrees: created at start, removed when their task is done or
//! cancelled (after snapshotting uncommitted work), restored on request, and
//! swept at start-up when nothing owns them.
//!
//! Invariant: cadre never loses work here. Cleanup goes through
//! `cadre_git::WorktreeManager::cleanup`, which snapshots uncommitted and untracked
//! files to `refs/cadre/snapshots/<attempt>` before removing anything and keeps any
//! branch that is not merged into its base.

use std::collections::HashSet;
use std::path::PathBuf;

use cadre_core::{Attempt, AttemptId, EventKind, Project, Task, TaskId, ValidationError};
use cadre_git::{BranchFate, Cleanup, CreateWorktree, CreatedWorktree, branch_name, slug};
use serde_json::json;

use crate::{App, AppError, Result, now};

impl App {
    /// Where an attempt's worktree lives: `<root>/<PROJECT-KEY>/<short id>-<slug>`.
    fn worktree_path_for(&self, project: &Project, task: &Task, attempt: AttemptId) -> PathBuf {
        let leaf = match slug(&task.title) {
            s if s.is_empty() => attempt.short(),
            s => format!("{}-{s}", attempt.short()),
        };
        self.worktrees.root().join(project.key.as_str()).join(leaf)
    }

    /// Creates the branch and worktree for a new attempt from `base`, copying the
    /// project's copy-files globs in. Nothing is recorded yet: the caller stores
    /// the attempt, and the start-up sweep removes a worktree whose attempt never
    /// made it to the database.
    pub(crate) async fn create_worktree(
        &self,
        project: &Project,
        task: &Task,
        attempt: AttemptId,
        base: &str,
    ) -> Result<CreatedWorktree> {
        let base_ref = format!("refs/heads/{base}");
        if self
            .git
            .resolve_commit(&project.repo_path, &base_ref)
            .await?
            .is_none()
        {
            return Err(ValidationError::new(
                "base_branch",
                format!(
                    "branch `{base}` does not exist in {}: name an existing branch",
                    project.repo_path.display()
                ),
            )
            .into());
        }
        let branch = branch_name(
            &self.config.branch_prefix,
            &task.key.to_string(),
            &task.title,
            &attempt.short(),
        );
        let request = CreateWorktree {
            repo: project.repo_path.clone(),
            path: self.worktree_path_for(project, task, attempt),
            branch,
            base: base.to_owned(),
            copy_files: project.copy_files.clone(),
        };
        Ok(self.worktrees.create(&request).await?)
    }

    /// Records `worktree.created` for an attempt that was just stored.
    pub(crate) async fn record_worktree_created(
        &self,
        attempt: &Attempt,
        created: &CreatedWorktree,
    ) -> Result<()> {
        let copied: Vec<String> = created
            .copied
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        self.record_attempt_event(
            attempt,
            EventKind::WorktreeCreated,
            json!({
                "path": created.path,
                "branch": created.branch,
                "base_branch": attempt.base_branch,
                "copied_files": copied,
            }),
        )
        .await
    }

    /// The attempt's worktree, or a 409 saying it was cleaned up and how to get it
    /// back.
    pub(crate) fn require_worktree(attempt: &Attempt) -> Result<PathBuf> {
        attempt.worktree_path.clone().ok_or_else(|| {
            AppError::Conflict(format!(
                "the worktree of attempt {} was cleaned up: restore it first (`cadre attempt restore {}`)",
                attempt.id, attempt.id
            ))
        })
    }

    /// Removes the worktrees of a task's settled attempts when the task is done or
    /// cancelled. Failures are logged and left on the attempt as a warning; they
    /// never undo the move.
    pub(crate) async fn cleanup_task_worktrees(&self, task: TaskId) {
        let attempts = match self.store.attempts_of_task(task).await {
            Ok(attempts) => attempts,
            Err(e) => {
                tracing::error!(%task, error = %e, "cannot list attempts to clean up");
                return;
            }
        };
        for attempt in attempts {
            if !attempt.status.is_settled() {
                // Cleaned up when it settles (see `conclude`).
                continue;
            }
            if let Err(e) = self.cleanup_attempt(&attempt).await {
                tracing::warn!(attempt = %attempt.id, error = %e, "worktree cleanup failed");
                let note = format!("worktree cleanup failed: {e}");
                let id = attempt.id;
                let _ = self
                    .write(|store| async move {
                        store
                            .update_attempt(id, EventKind::AttemptStatusChanged, now(), |a| {
                                a.warning = Some(note)
                            })
                            .await
                    })
                    .await;
            }
        }
    }

    /// Whether the task of `attempt` is done or cancelled (its worktrees should go).
    pub(crate) async fn task_is_closed(&self, attempt: &Attempt) -> Result<bool> {
        Ok(self.store.task(attempt.task_id).await?.status.is_closed())
    }

    /// Snapshots and removes one attempt's worktree (if it owns one), keeps an
    /// unmerged branch, and records `worktree.removed`.
    pub(crate) async fn cleanup_attempt(&self, attempt: &Attempt) -> Result<()> {
        let (Some(path), Some(branch)) = (&attempt.worktree_path, &attempt.branch) else {
            return Ok(());
        };
        if !attempt.owns_worktree {
            return Ok(());
        }
        let borrowers: Vec<Attempt> = self
            .store
            .attempts_of_task(attempt.task_id)
            .await?
            .into_iter()
            .filter(|b| {
                b.id != attempt.id
                    && !b.owns_worktree
                    && b.worktree_path.as_deref() == Some(path.as_path())
            })
            .collect();
        if borrowers.iter().any(|b| !b.status.is_settled()) {
            // A refine attempt still works in this tree; it goes when the last
            // one settles (see `cleanup_after_settle`).
            tracing::info!(attempt = %attempt.id, "worktree cleanup deferred: a refine attempt still runs in it");
            return Ok(());
        }
        // A preview must not keep running in (or recreate files in) a removed tree.
        self.stop_preview_quietly(attempt.id).await;
        let project = self.store.project(attempt.project_id).await?;
        let request = Cleanup {
            repo: project.repo_path.clone(),
            worktree: path.clone(),
            branch: branch.clone(),
            base: attempt.base_branch.clone(),
            snapshot_ref: cadre_git::snapshot_ref(&attempt.id.to_string()),
            // cadre squash-merges by default; such a branch's changes are all in
            // the base, and its tip is archived before the branch goes.
            delete_squash_merged: true,
        };
        let report = self.worktrees.cleanup(&request).await?;
        let fate = match report.branch {
            BranchFate::Deleted => "deleted",
            BranchFate::DeletedSquashMerged => "deleted_squash_merged",
            BranchFate::KeptUnmerged => "kept_unmerged",
            BranchFate::KeptCheckedOut => "kept_checked_out",
            BranchFate::Missing => "missing",
        };
        let detail = json!({
            "path": path,
            "branch": branch,
            "branch_fate": fate,
            "snapshot_ref": report.snapshot.as_ref().map(|s| s.ref_name.clone()),
            "snapshot_commit": report.snapshot.as_ref().map(|s| s.commit.clone()),
            "archived_ref": report.archived_ref,
        });
        if let Some(snapshot) = &report.snapshot {
            self.record_attempt_event(
                attempt,
                EventKind::WorktreeSnapshotted,
                json!({ "ref": snapshot.ref_name, "commit": snapshot.commit }),
            )
            .await?;
        }
        let id = attempt.id;
        self.write(|store| async move {
            store
                .update_attempt_detailed(id, EventKind::WorktreeRemoved, now(), detail, |a| {
                    a.worktree_path = None
                })
                .await
        })
        .await?;
        // Refine attempts borrowed this worktree; it is gone for them too.
        for borrower in borrowers {
            let bid = borrower.id;
            self.write(|store| async move {
                store
                    .update_attempt(bid, EventKind::WorktreeRemoved, now(), |a| {
                        a.worktree_path = None
                    })
                    .await
            })
            .await?;
        }
        Ok(())
    }

    /// Cleans up after `attempt` settled on a closed task: its own worktree, or,
    /// for a refine attempt, the worktree it borrowed, through the owner (once
    /// the owner and every other borrower are settled too).
    pub(crate) async fn cleanup_after_settle(&self, attempt: &Attempt) -> Result<()> {
        if attempt.owns_worktree {
            return self.cleanup_attempt(attempt).await;
        }
        let Some(path) = &attempt.worktree_path else {
            return Ok(());
        };
        let owner = self
            .store
            .attempts_of_task(attempt.task_id)
            .await?
            .into_iter()
            .find(|a| a.owns_worktree && a.worktree_path.as_deref() == Some(path.as_path()));
        match owner {
            Some(owner) if owner.status.is_settled() => self.cleanup_attempt(&owner).await,
            _ => Ok(()),
        }
    }

    /// Recreates a cleaned-up attempt worktree from its branch (or from its
    /// snapshot when the branch is gone) and re-applies its snapshot.
    pub async fn restore_attempt(&self, attempt: AttemptId) -> Result<Attempt> {
        let current = self.store.attempt(attempt).await?;
        if current.worktree_path.is_some() {
            return Err(AppError::Conflict(format!(
                "attempt {attempt} still has its worktree; nothing to restore"
            )));
        }
        if !current.owns_worktree {
            let owner = current
                .parent_attempt_id
                .map(|p| p.to_string())
                .unwrap_or_default();
            return Err(AppError::Conflict(format!(
                "attempt {attempt} borrowed its worktree: restore attempt {owner} instead"
            )));
        }
        let Some(branch) = current.branch.clone() else {
            return Err(AppError::Conflict(format!(
                "attempt {attempt} never had a worktree"
            )));
        };
        let project = self.store.project(current.project_id).await?;
        let task = self.store.task(current.task_id).await?;
        let path = self.worktree_path_for(&project, &task, attempt);
        let report = self
            .worktrees
            .restore(
                &project.repo_path,
                &path,
                &branch,
                &cadre_git::snapshot_ref(&attempt.to_string()),
            )
            .await?;
        let detail = json!({
            "path": report.path,
            "branch_recreated": report.branch_recreated,
            "applied_snapshot": report.applied_snapshot,
            "conflicts": report.conflicts,
        });
        let restored = report.path.clone();
        self.write(|store| async move {
            store
                .update_attempt_detailed(attempt, EventKind::WorktreeRestored, now(), detail, |a| {
                    a.worktree_path = Some(restored)
                })
                .await
        })
        .await
    }

    /// Removes worktrees under the managed root that no attempt owns (dirty ones are
    /// snapshotted first; branches are kept). Run at start-up.
    pub async fn sweep_orphan_worktrees(&self) -> Result<()> {
        let repos: Vec<PathBuf> = self
            .store
            .projects()
            .await?
            .into_iter()
            .map(|p| p.repo_path)
            .filter(|p| p.exists())
            .collect();
        let owned: HashSet<PathBuf> = self
            .store
            .attempts_with_worktree()
            .await?
            .into_iter()
            .filter_map(|a| a.worktree_path)
            .collect();
        let report = self.worktrees.sweep_orphans(&repos, &owned).await?;
        for swept in &report.removed {
            tracing::info!(
                path = %swept.path.display(),
                snapshot = ?swept.snapshot.as_ref().map(|s| &s.ref_name),
                "removed an orphaned worktree"
            );
        }
        for path in report.unregistered.iter().chain(&report.locked) {
            tracing::warn!(path = %path.display(), "left an unowned directory under the worktree root alone");
        }
        Ok(())
    }
}
