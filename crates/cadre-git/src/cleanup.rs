//! Removing attempt worktrees without losing work, bringing them back, and
//! sweeping worktrees nobody owns.
//!
//! Architecture Invariant: no function here deletes a branch that is not merged
//! into its base (the one opt-in exception, a squash-merged branch whose changes
//! are all in the base, is first archived under `refs/cadre/archive/`, so no
//! commit becomes unreachable), and no worktree is force-removed before its
//! uncommitted work is committed to a snapshot ref. Restoring never moves or
//! resets a branch.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::snapshot::{Snapshot, refuse_option_like};
use crate::worktree::{WorktreeInfo, lock_repo};
use crate::{Git, GitError, WorktreeManager};

/// What to clean up: one attempt's worktree and branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cleanup {
    /// The main checkout of the project.
    pub repo: PathBuf,
    /// The attempt's worktree (must be under the managed root).
    pub worktree: PathBuf,
    /// The attempt's branch.
    pub branch: String,
    /// The branch it was meant to merge into.
    pub base: String,
    /// Where uncommitted work goes, e.g. [`crate::snapshot_ref`]`(attempt_id)`.
    pub snapshot_ref: String,
    /// Also delete a branch whose changes are all in the base although its
    /// commits are not (it was squash-merged); its tip is first kept under
    /// `refs/cadre/archive/…`, so no commit becomes unreachable.
    pub delete_squash_merged: bool,
}

/// What happened to the branch during cleanup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BranchFate {
    /// Merged into the base (or had no commits beyond it): deleted.
    Deleted,
    /// Its commits are not in the base, but its changes are (squash-merged):
    /// deleted after archiving its tip (see [`CleanupReport::archived_ref`]).
    DeletedSquashMerged,
    /// Has commits the base does not: kept.
    KeptUnmerged,
    /// Still checked out in another worktree: kept.
    KeptCheckedOut,
    /// There was no such branch.
    Missing,
}

/// What a cleanup did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanupReport {
    /// The snapshot holding the worktree's uncommitted work, if it had any.
    pub snapshot: Option<Snapshot>,
    /// Whether a worktree was removed (false when it was already gone).
    pub worktree_removed: bool,
    /// What happened to the branch.
    pub branch: BranchFate,
    /// Where the tip of a squash-merged branch was archived before deletion.
    pub archived_ref: Option<String>,
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreReport {
    /// The recreated worktree.
    pub path: PathBuf,
    /// True when the branch was gone and was recreated at the snapshot's parent.
    pub branch_recreated: bool,
    /// The snapshot commit whose content was re-applied as uncommitted changes.
    pub applied_snapshot: Option<String>,
    /// Files where the snapshot conflicted with commits made on the branch since;
    /// they contain conflict markers.
    pub conflicts: Vec<String>,
}

/// One worktree removed by [`WorktreeManager::sweep_orphans`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweptWorktree {
    /// The repository it belonged to.
    pub repo: PathBuf,
    /// Its path.
    pub path: PathBuf,
    /// Its branch (kept: sweeping never deletes branches).
    pub branch: Option<String>,
    /// The snapshot of its uncommitted work, if it had any.
    pub snapshot: Option<Snapshot>,
}

/// What an orphan sweep found and did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SweepReport {
    /// Registered worktrees under the root that no one owned: snapshotted and removed.
    pub removed: Vec<SweptWorktree>,
    /// Directories under the root that look like checkouts but belong to none of
    /// the given repositories: reported, never touched.
    pub unregistered: Vec<PathBuf>,
    /// Unowned but locked (`git worktree lock`) worktrees: snapshotted, not removed.
    pub locked: Vec<PathBuf>,
}

impl WorktreeManager {
    /// Snapshots uncommitted work (if any), force-removes the worktree, then
    /// deletes the branch only if it is merged into `base`; see [`CleanupReport`].
    pub async fn cleanup(&self, request: &Cleanup) -> Result<CleanupReport, GitError> {
        let git = self.git();
        refuse_option_like(&request.branch)?;
        refuse_option_like(&request.base)?;
        let path = self.resolve(&request.worktree)?;
        let _guard = lock_repo(&request.repo).await;
        let listed = git.list_worktrees(&request.repo).await?;
        let registered = find_worktree(&listed, &path);
        let mut report = CleanupReport {
            snapshot: None,
            worktree_removed: false,
            branch: BranchFate::Missing,
            archived_ref: None,
        };
        if let Some(info) = registered.filter(|_| path.is_dir()) {
            // The `?` is the invariant: no snapshot, no forced removal.
            report.snapshot = git.snapshot(&path, &request.snapshot_ref).await?;
            if info.locked.is_some() {
                // A lock means someone asked git to keep it; only `--force
                // --force` overrides that, and cadre does not.
                return Err(GitError::Refused(crate::Refusal::WorktreeLocked(path)));
            }
            git.run(
                &request.repo,
                [
                    "worktree".as_ref(),
                    "remove".as_ref(),
                    "--force".as_ref(),
                    path.as_os_str(),
                ],
            )
            .await?;
            report.worktree_removed = true;
        } else {
            // Directory already gone: only git's registration is left.
            git.prune_worktrees(&request.repo).await?;
        }
        (report.branch, report.archived_ref) = self
            .delete_branch_if_merged(
                &request.repo,
                &request.branch,
                &request.base,
                request.delete_squash_merged,
            )
            .await?;
        Ok(report)
    }

    async fn delete_branch_if_merged(
        &self,
        repo: &Path,
        branch: &str,
        base: &str,
        squash_merged_too: bool,
    ) -> Result<(BranchFate, Option<String>), GitError> {
        let git = self.git();
        let full = format!("refs/heads/{branch}");
        let Some(tip) = git.resolve_commit(repo, &full).await? else {
            return Ok((BranchFate::Missing, None));
        };
        let mut archived = None;
        if !git.is_merged(repo, &tip, base).await? {
            if !squash_merged_too || !content_in_base(git, repo, &tip, base).await? {
                return Ok((BranchFate::KeptUnmerged, None));
            }
            archived = Some(format!(
                "refs/cadre/archive/{branch}-{}",
                tip.get(..12).unwrap_or(&tip)
            ));
        }
        let listed = git.list_worktrees(repo).await?;
        if listed.iter().any(|w| w.branch.as_deref() == Some(branch)) {
            return Ok((BranchFate::KeptCheckedOut, None));
        }
        if let Some(archive) = &archived {
            // Empty old value: create only; an existing archive of the same tip
            // already holds these commits.
            let out = git.output(repo, ["update-ref", archive, &tip, ""]).await?;
            if !out.status.success()
                && git.resolve_commit(repo, archive).await? != Some(tip.clone())
            {
                return Err(crate::command::failed(
                    format!("git update-ref {archive} {tip}"),
                    &out,
                ));
            }
        }
        // Deleting with the expected old value: if the branch moved since we
        // checked it is merged, git refuses instead of dropping new commits.
        git.run(repo, ["update-ref", "-d", &full, &tip]).await?;
        // The branch's config section (upstream) is bookkeeping; it may not exist.
        let _ = git
            .output(
                repo,
                ["config", "--remove-section", &format!("branch.{branch}")],
            )
            .await;
        let fate = if archived.is_some() {
            BranchFate::DeletedSquashMerged
        } else {
            BranchFate::Deleted
        };
        Ok((fate, archived))
    }

    /// Recreates a cleaned-up attempt worktree at `path`: from `branch` if it
    /// still exists (else a new `branch` at the snapshot's parent), then
    /// re-applies the snapshot's content as uncommitted changes.
    pub async fn restore(
        &self,
        repo: &Path,
        path: &Path,
        branch: &str,
        snapshot_ref: &str,
    ) -> Result<RestoreReport, GitError> {
        let git = self.git();
        refuse_option_like(branch)?;
        let path = self.resolve(path)?;
        if path.symlink_metadata().is_ok() {
            return Err(GitError::PathExists(path));
        }
        let _guard = lock_repo(repo).await;
        // The removed worktree may still be registered if its directory was
        // deleted by hand; git would refuse to add it at the same path.
        git.prune_worktrees(repo).await?;
        let snapshot = git.resolve_commit(repo, snapshot_ref).await?;
        let parent = match &snapshot {
            Some(s) => git.resolve_commit(repo, &format!("{s}^1")).await?,
            None => None,
        };
        let full = format!("refs/heads/{branch}");
        let branch_exists = git.resolve_commit(repo, &full).await?.is_some();
        let path_arg = path.as_os_str();
        let mut branch_recreated = false;
        if branch_exists {
            git.run(
                repo,
                [
                    "worktree".as_ref(),
                    "add".as_ref(),
                    "--quiet".as_ref(),
                    path_arg,
                    branch.as_ref(),
                ],
            )
            .await?;
        } else if let Some(parent) = &parent {
            git.check_branch_name(repo, branch).await?;
            git.run(
                repo,
                [
                    "worktree".as_ref(),
                    "add".as_ref(),
                    "--quiet".as_ref(),
                    "-b".as_ref(),
                    branch.as_ref(),
                    path_arg,
                    parent.as_ref(),
                ],
            )
            .await?;
            branch_recreated = true;
        } else {
            return Err(GitError::Missing {
                what: "branch (and snapshot with a parent)",
                name: branch.to_owned(),
            });
        }
        let mut report = RestoreReport {
            path: path.clone(),
            branch_recreated,
            applied_snapshot: None,
            conflicts: Vec::new(),
        };
        if let (Some(snapshot), Some(parent)) = (snapshot, parent) {
            report.conflicts = apply_snapshot(git, &path, &snapshot, &parent).await?;
            report.applied_snapshot = Some(snapshot);
        }
        Ok(report)
    }

    /// Removes registered worktrees under the root that are not in `owned`
    /// (after snapshotting their uncommitted work to
    /// `refs/cadre/orphans/<path under root>`), and reports checkout-like
    /// directories under the root that no given repository knows. Branches are
    /// kept. Runs `git worktree prune` on each repository first.
    pub async fn sweep_orphans(
        &self,
        repos: &[PathBuf],
        owned: &HashSet<PathBuf>,
    ) -> Result<SweepReport, GitError> {
        let git = self.git();
        let owned: HashSet<PathBuf> = owned
            .iter()
            .map(|p| p.canonicalize().unwrap_or_else(|_| p.clone()))
            .collect();
        let mut report = SweepReport::default();
        let mut registered = HashSet::new();
        for repo in repos {
            let _guard = lock_repo(repo).await;
            git.prune_worktrees(repo).await?;
            for info in git.list_worktrees(repo).await? {
                let path = info
                    .path
                    .canonicalize()
                    .unwrap_or_else(|_| info.path.clone());
                registered.insert(path.clone());
                if !path.starts_with(self.root()) || path == self.root() || owned.contains(&path) {
                    continue;
                }
                let rel = path.strip_prefix(self.root()).unwrap_or(&path);
                let name = crate::worktree::branch_name("", "", &rel.to_string_lossy(), "");
                let name = if name.is_empty() {
                    "unnamed".to_owned()
                } else {
                    name
                };
                let snapshot = git
                    .snapshot(&path, &format!("refs/cadre/orphans/{name}"))
                    .await?;
                if info.locked.is_some() {
                    report.locked.push(path);
                    continue;
                }
                git.run(
                    repo,
                    [
                        "worktree".as_ref(),
                        "remove".as_ref(),
                        "--force".as_ref(),
                        path.as_os_str(),
                    ],
                )
                .await?;
                report.removed.push(SweptWorktree {
                    repo: repo.clone(),
                    path,
                    branch: info.branch,
                    snapshot,
                });
            }
        }
        report.unregistered = unregistered_checkouts(self.root(), &registered);
        Ok(report)
    }
}

/// The registered worktree at `path` (canonical), excluding the main checkout,
/// which cleanup must never remove.
fn find_worktree<'a>(listed: &'a [WorktreeInfo], path: &Path) -> Option<&'a WorktreeInfo> {
    listed
        .iter()
        .skip(1)
        .find(|w| w.path == path || w.path.canonicalize().is_ok_and(|p| p == path))
}

/// Whether merging `tip` into `base` would change nothing: every change of the
/// branch is already in the base (e.g. it was squash-merged).
async fn content_in_base(git: &Git, repo: &Path, tip: &str, base: &str) -> Result<bool, GitError> {
    let out = git
        .output(
            repo,
            ["merge-tree", "--write-tree", "--no-messages", base, tip],
        )
        .await?;
    if out.status.code() != Some(0) {
        return Ok(false);
    }
    let merged = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let base_tree = git
        .run_text(repo, ["rev-parse", &format!("{base}^{{tree}}")])
        .await?;
    Ok(merged == base_tree)
}

/// Puts the snapshot's changes (relative to its parent) into a fresh worktree
/// as uncommitted changes, merging with commits made on the branch since.
/// Returns conflicted paths (left with conflict markers).
async fn apply_snapshot(
    git: &Git,
    worktree: &Path,
    snapshot: &str,
    parent: &str,
) -> Result<Vec<String>, GitError> {
    // merge-tree computes the result without touching index or files, so a
    // conflict cannot leave the worktree half-merged.
    let out = git
        .output(
            worktree,
            [
                "merge-tree",
                "--write-tree",
                "--name-only",
                "--no-messages",
                "-z",
                &format!("--merge-base={parent}"),
                "HEAD",
                snapshot,
            ],
        )
        .await?;
    if !matches!(out.status.code(), Some(0 | 1)) {
        return Err(crate::command::failed(
            format!("git merge-tree --write-tree --merge-base={parent} HEAD {snapshot}"),
            &out,
        ));
    }
    let mut fields = out
        .stdout
        .split(|b| *b == 0)
        .map(|f| String::from_utf8_lossy(f).into_owned());
    let tree = fields.next().unwrap_or_default();
    let mut conflicts: Vec<String> = fields.filter(|f| !f.is_empty()).collect();
    conflicts.dedup();
    // Two-tree read-tree moves index and files from HEAD to the merged tree;
    // the mixed reset then unstages everything, leaving plain uncommitted work.
    git.run(worktree, ["read-tree", "-u", "-m", "HEAD", &tree])
        .await?;
    git.run(worktree, ["reset", "--quiet"]).await?;
    Ok(conflicts)
}

/// Directories under `root` (up to four levels down) holding a `.git` entry
/// that are not registered worktrees.
fn unregistered_checkouts(root: &Path, registered: &HashSet<PathBuf>) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![(root.to_path_buf(), 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            // file_type does not follow symlinks: never wander out of the root.
            if !entry.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            if path.join(".git").symlink_metadata().is_ok() {
                if !registered.contains(&path) {
                    found.push(path);
                }
            } else if depth < 3 {
                stack.push((path, depth + 1));
            }
        }
    }
    found.sort();
    found
}

#[cfg(test)]
#[path = "cleanup_tests.rs"]
mod tests;
