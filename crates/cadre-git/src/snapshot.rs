//! Snapshots: all uncommitted and untracked work of a worktree committed onto a
//! hidden ref (`refs/cadre/snapshots/<attempt-id>`), without touching the
//! worktree's branch, HEAD, index or files.
//!
//! Invariants: a snapshot is built in a temporary index (`GIT_INDEX_FILE`), so the
//! user's staging is never disturbed; a new snapshot on an existing ref keeps the
//! previous snapshot as its second parent, so re-snapshotting never drops one.
//! Ignored files (per `.gitignore`) are not part of a snapshot.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::command::CADRE_IDENTITY_ENV;
use crate::{Git, GitError};

/// The hidden ref holding the snapshots of one attempt.
pub fn snapshot_ref(attempt_id: &str) -> String {
    format!("refs/cadre/snapshots/{attempt_id}")
}

/// A snapshot commit written to a hidden ref.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The ref that now points at `commit`.
    pub ref_name: String,
    /// The snapshot commit.
    pub commit: String,
    /// Its tree: the worktree's full content at snapshot time.
    pub tree: String,
    /// The worktree's HEAD at snapshot time (first parent); absent when unborn.
    pub head: Option<String>,
}

/// The worktree's content as a tree object, next to its HEAD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WorktreeTree {
    /// Tree of every tracked and untracked (not ignored) file as on disk.
    pub tree: String,
    /// HEAD commit, absent when unborn.
    pub head: Option<String>,
    /// HEAD's tree, absent when unborn.
    pub head_tree: Option<String>,
}

/// A temporary index file next to the real one, deleted on drop.
struct TempIndex(PathBuf);

impl Drop for TempIndex {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl Git {
    /// Whether the worktree has staged, unstaged or untracked (not ignored) changes.
    pub async fn is_dirty(&self, worktree: &Path) -> Result<bool, GitError> {
        let out = self
            .run(
                worktree,
                ["status", "--porcelain", "-z", "--untracked-files=normal"],
            )
            .await?;
        Ok(!out.stdout.is_empty())
    }

    /// Whether `branch` is contained in `base` (every commit of it is reachable
    /// from `base`, which includes "has no commits beyond it").
    pub async fn is_merged(&self, repo: &Path, branch: &str, base: &str) -> Result<bool, GitError> {
        refuse_option_like(branch)?;
        refuse_option_like(base)?;
        let out = self
            .output(repo, ["merge-base", "--is-ancestor", branch, base])
            .await?;
        match out.status.code() {
            Some(0) => Ok(true),
            Some(1) => Ok(false),
            _ => Err(crate::command::failed(
                format!("git merge-base --is-ancestor {branch} {base}"),
                &out,
            )),
        }
    }

    /// The commit `rev` names, or `None` when it names nothing.
    pub async fn resolve_commit(&self, repo: &Path, rev: &str) -> Result<Option<String>, GitError> {
        refuse_option_like(rev)?;
        let out = self
            .output(
                repo,
                [
                    "rev-parse",
                    "--verify",
                    "--quiet",
                    &format!("{rev}^{{commit}}"),
                ],
            )
            .await?;
        Ok(out
            .status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned()))
    }

    /// Commits all uncommitted and untracked changes of `worktree` onto
    /// `ref_name` (a full ref such as [`snapshot_ref`]) with HEAD as parent,
    /// leaving branch, HEAD, index and files as they were. `None` when the
    /// worktree has nothing beyond HEAD.
    pub async fn snapshot(
        &self,
        worktree: &Path,
        ref_name: &str,
    ) -> Result<Option<Snapshot>, GitError> {
        self.check_ref_name(worktree, ref_name).await?;
        let state = self.worktree_tree(worktree).await?;
        if state.head_tree.as_deref() == Some(state.tree.as_str()) {
            return Ok(None);
        }
        let previous = self.resolve_commit(worktree, ref_name).await?;
        if let Some(previous) = &previous {
            // Same content on the same HEAD: the existing snapshot already holds it.
            let out = self
                .run_text(
                    worktree,
                    ["show", "-s", "--format=%T %P", previous.as_str()],
                )
                .await?;
            let mut fields = out.split(' ');
            let (tree, first_parent) = (fields.next(), fields.next());
            if tree == Some(state.tree.as_str()) && first_parent == state.head.as_deref() {
                return Ok(Some(Snapshot {
                    ref_name: ref_name.to_owned(),
                    commit: previous.clone(),
                    tree: state.tree,
                    head: state.head,
                }));
            }
        }
        let mut args = vec!["commit-tree".to_owned(), state.tree.clone()];
        for parent in state.head.iter().chain(previous.iter()) {
            args.extend(["-p".to_owned(), parent.clone()]);
        }
        args.extend([
            "-m".to_owned(),
            format!("cadre snapshot of {}", worktree.display()),
        ]);
        let commit = self
            .cmd(worktree)
            .args(&args)
            .envs(CADRE_IDENTITY_ENV)
            .text()
            .await?;
        // Compare-and-swap on the old value: a concurrent snapshot to the same
        // ref makes this fail instead of silently dropping the other one.
        self.run(
            worktree,
            [
                "update-ref",
                "-m",
                "cadre snapshot",
                ref_name,
                &commit,
                previous.as_deref().unwrap_or(""),
            ],
        )
        .await?;
        Ok(Some(Snapshot {
            ref_name: ref_name.to_owned(),
            commit,
            tree: state.tree,
            head: state.head,
        }))
    }

    /// Refuses a ref name that is not under `refs/` or that git would reject.
    pub(crate) async fn check_ref_name(&self, repo: &Path, name: &str) -> Result<(), GitError> {
        let invalid = || GitError::InvalidRefName {
            what: "ref",
            name: name.to_owned(),
        };
        if !name.starts_with("refs/") {
            return Err(invalid());
        }
        let out = self.output(repo, ["check-ref-format", name]).await?;
        if out.status.success() {
            Ok(())
        } else {
            Err(invalid())
        }
    }

    /// Writes the worktree's on-disk content (tracked changes and untracked,
    /// non-ignored files) as a tree, using a throwaway copy of the index.
    pub(crate) async fn worktree_tree(&self, worktree: &Path) -> Result<WorktreeTree, GitError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let index = PathBuf::from(
            self.run_text(
                worktree,
                ["rev-parse", "--path-format=absolute", "--git-path", "index"],
            )
            .await?,
        );
        let temp = TempIndex(index.with_file_name(format!(
            "cadre-index-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        )));
        // Starting from a copy of the real index keeps git's stat cache, so only
        // files that actually changed are re-hashed.
        match std::fs::copy(&index, &temp.0) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(GitError::Io {
                    action: "could not copy index to",
                    path: temp.0.clone(),
                    source,
                });
            }
        }
        self.cmd(worktree)
            .args(["add", "-A", "--", "."])
            .env("GIT_INDEX_FILE", &temp.0)
            .run()
            .await?;
        let tree = self
            .cmd(worktree)
            .arg("write-tree")
            .env("GIT_INDEX_FILE", &temp.0)
            .text()
            .await?;
        let out = self
            .output(worktree, ["rev-parse", "HEAD", "HEAD^{tree}"])
            .await?;
        let (head, head_tree) = if out.status.success() {
            let text = String::from_utf8_lossy(&out.stdout);
            let mut lines = text.lines().map(str::to_owned);
            (lines.next(), lines.next())
        } else {
            (None, None)
        };
        Ok(WorktreeTree {
            tree,
            head,
            head_tree,
        })
    }
}

/// Refuses revision names git would read as options.
pub(crate) fn refuse_option_like(rev: &str) -> Result<(), GitError> {
    if rev.starts_with('-') || rev.is_empty() {
        Err(GitError::InvalidRefName {
            what: "revision",
            name: rev.to_owned(),
        })
    } else {
        Ok(())
    }
}

#[cfg(test)]
#[path = "snapshot_tests.rs"]
mod tests;
