//! What the user (or an agent) does with an attempt's branch: commit, rebase,
//! merge into the base, push.
//!
//! Invariants: a rebase that stops on conflicts is aborted before returning, so
//! no repository is left mid-rebase; a merge only fast-forwards the base (to a
//! squash or merge commit whose first parent is the base tip), so it can never
//! conflict or rewrite the base, and it refuses when the base moved (rebase
//! first) or when the base's checkout has uncommitted changes.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::snapshot::refuse_option_like;
use crate::worktree::lock_repo;
use crate::{Git, GitError, Refusal};

/// Totals of a diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct DiffStat {
    /// Files changed.
    pub files: u32,
    /// Lines added.
    pub additions: u32,
    /// Lines deleted.
    pub deletions: u32,
}

/// How to bring a branch into its base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MergeStrategy {
    /// One new commit on the base with the branch's content (the default).
    #[default]
    Squash,
    /// A merge commit with the base tip and the branch as parents.
    MergeCommit,
}

/// A request to merge an attempt branch into its base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeRequest {
    /// The attempt branch.
    pub branch: String,
    /// The base branch that receives it.
    pub base: String,
    /// Squash or merge commit.
    pub strategy: MergeStrategy,
    /// The commit message of the squash or merge commit.
    pub message: String,
}

/// What a merge did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeOutcome {
    /// The new tip of the base branch.
    pub commit: String,
    /// The base tip before the merge.
    pub previous_base: String,
    /// The checkout of the base that was fast-forwarded, when it is checked out.
    pub base_checkout: Option<PathBuf>,
}

/// What a rebase did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebaseOutcome {
    /// HEAD after the rebase.
    pub head: String,
    /// False when the branch already contained the base (nothing to do).
    pub rebased: bool,
}

impl Git {
    /// The commit HEAD points at.
    pub async fn head_sha(&self, worktree: &Path) -> Result<String, GitError> {
        self.run_text(worktree, ["rev-parse", "--verify", "HEAD^{commit}"])
            .await
    }

    /// `git add -A` and commit with `message`; the new sha, or `None` when
    /// there was nothing to commit. Commits get a fallback identity
    /// (`cadre <cadre@localhost>`) when none is configured.
    pub async fn commit_all(
        &self,
        worktree: &Path,
        message: &str,
    ) -> Result<Option<String>, GitError> {
        self.run(worktree, ["add", "-A"]).await?;
        let staged = self
            .output(worktree, ["diff", "--cached", "--quiet", "--no-ext-diff"])
            .await?;
        match staged.status.code() {
            Some(0) => return Ok(None),
            Some(1) => {}
            _ => {
                return Err(crate::command::failed(
                    "git diff --cached --quiet".into(),
                    &staged,
                ));
            }
        }
        let identity = self.identity_args(worktree).await?;
        self.cmd(worktree)
            .args(&identity)
            .args(["commit", "--quiet", "-m", message])
            .run()
            .await?;
        self.head_sha(worktree).await.map(Some)
    }

    /// Files changed and lines added/deleted, worktree against the merge-base
    /// with `base` (uncommitted and untracked files included).
    pub async fn diff_stat(&self, worktree: &Path, base: &str) -> Result<DiffStat, GitError> {
        let files = self.diff_summary(worktree, base).await?;
        Ok(files.iter().fold(DiffStat::default(), |acc, f| DiffStat {
            files: acc.files.saturating_add(1),
            additions: acc.additions.saturating_add(f.additions),
            deletions: acc.deletions.saturating_add(f.deletions),
        }))
    }

    /// Rebases the worktree's branch onto `base`. On conflicts the rebase is
    /// aborted and [`GitError::Conflict`] names the files; a dirty worktree is
    /// refused (commit first).
    pub async fn rebase(&self, worktree: &Path, base: &str) -> Result<RebaseOutcome, GitError> {
        refuse_option_like(base)?;
        if self.is_dirty(worktree).await? {
            return Err(GitError::Refused(Refusal::DirtyWorktree(
                worktree.to_path_buf(),
            )));
        }
        if self.is_merged(worktree, base, "HEAD").await? {
            return Ok(RebaseOutcome {
                head: self.head_sha(worktree).await?,
                rebased: false,
            });
        }
        let identity = self.identity_args(worktree).await?;
        let result = self
            .cmd(worktree)
            .args(&identity)
            .args(["-c", "rebase.autoStash=false", "rebase", "--quiet", base])
            // Nobody is there to edit a message.
            .env("GIT_EDITOR", "true")
            .env("GIT_SEQUENCE_EDITOR", "true")
            .run()
            .await;
        match result {
            Ok(_) => Ok(RebaseOutcome {
                head: self.head_sha(worktree).await?,
                rebased: true,
            }),
            Err(error) => {
                let files = self.conflicted_files(worktree).await.unwrap_or_default();
                if self.rebase_in_progress(worktree).await? {
                    self.run(worktree, ["rebase", "--abort"]).await?;
                }
                if files.is_empty() {
                    Err(error)
                } else {
                    Err(GitError::Conflict {
                        operation: "rebase",
                        files,
                    })
                }
            }
        }
    }

    /// Merges `request.branch` into `request.base` in the repository at `repo`
    /// (squash by default), fast-forwarding the base's checkout when the base
    /// is checked out. See the module invariants for what is refused.
    pub async fn merge(
        &self,
        repo: &Path,
        request: &MergeRequest,
    ) -> Result<MergeOutcome, GitError> {
        let (branch, base) = (request.branch.as_str(), request.base.as_str());
        refuse_option_like(branch)?;
        refuse_option_like(base)?;
        let _guard = lock_repo(repo).await;
        let missing = |name: &str| GitError::Missing {
            what: "branch",
            name: name.to_owned(),
        };
        let base_tip = self
            .resolve_commit(repo, &format!("refs/heads/{base}"))
            .await?
            .ok_or_else(|| missing(base))?;
        let branch_tip = self
            .resolve_commit(repo, &format!("refs/heads/{branch}"))
            .await?
            .ok_or_else(|| missing(branch))?;
        let refusal = |r| Err(GitError::Refused(r));
        if self.is_merged(repo, &branch_tip, &base_tip).await? {
            return refusal(Refusal::NothingToMerge {
                branch: branch.into(),
                base: base.into(),
            });
        }
        if !self.is_merged(repo, &base_tip, &branch_tip).await? {
            return refusal(Refusal::BaseMoved {
                branch: branch.into(),
                base: base.into(),
            });
        }
        let checkout = self
            .list_worktrees(repo)
            .await?
            .into_iter()
            .find(|w| w.branch.as_deref() == Some(base) && !w.bare)
            .map(|w| w.path);
        if let Some(checkout) = &checkout {
            let status = self
                .run(
                    checkout,
                    ["status", "--porcelain", "-z", "--untracked-files=no"],
                )
                .await?;
            if !status.stdout.is_empty() {
                return refusal(Refusal::BaseCheckoutDirty {
                    base: base.into(),
                    checkout: checkout.clone(),
                });
            }
        }
        let tree = self
            .run_text(repo, ["rev-parse", &format!("{branch_tip}^{{tree}}")])
            .await?;
        let mut args = vec!["commit-tree", &tree, "-p", &base_tip];
        if request.strategy == MergeStrategy::MergeCommit {
            args.extend(["-p", &branch_tip]);
        }
        args.extend(["-m", &request.message]);
        let identity = self.identity_args(repo).await?;
        let commit = self.cmd(repo).args(&identity).args(&args).text().await?;
        match &checkout {
            // A fast-forward in the checkout moves branch, index and files
            // together; git refuses (changing nothing) if it would clobber an
            // untracked file.
            Some(dir) => {
                self.run(dir, ["merge", "--ff-only", "--quiet", &commit])
                    .await?;
            }
            None => {
                self.run(
                    repo,
                    [
                        "update-ref",
                        "-m",
                        &format!("cadre: merge {branch}"),
                        &format!("refs/heads/{base}"),
                        &commit,
                        &base_tip,
                    ],
                )
                .await?;
            }
        }
        Ok(MergeOutcome {
            commit,
            previous_base: base_tip,
            base_checkout: checkout,
        })
    }

    /// `git push -u <remote> <branch>`.
    pub async fn push(&self, worktree: &Path, remote: &str, branch: &str) -> Result<(), GitError> {
        refuse_option_like(remote)?;
        refuse_option_like(branch)?;
        self.run(worktree, ["push", "--quiet", "-u", remote, branch])
            .await?;
        Ok(())
    }

    /// Paths with unresolved conflicts in the worktree's index.
    async fn conflicted_files(&self, worktree: &Path) -> Result<Vec<String>, GitError> {
        let out = self
            .run(worktree, ["diff", "--name-only", "--diff-filter=U", "-z"])
            .await?;
        let mut files: Vec<String> = out
            .stdout
            .split(|b| *b == 0)
            .filter(|f| !f.is_empty())
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect();
        files.dedup();
        Ok(files)
    }

    async fn rebase_in_progress(&self, worktree: &Path) -> Result<bool, GitError> {
        for dir in ["rebase-merge", "rebase-apply"] {
            let path = self
                .run_text(
                    worktree,
                    ["rev-parse", "--path-format=absolute", "--git-path", dir],
                )
                .await?;
            if Path::new(&path).exists() {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

#[cfg(test)]
#[path = "actions_tests.rs"]
mod tests;
