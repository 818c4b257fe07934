//! Questions about a repository as a whole: is it one, where is its top, what is its
//! default branch; and creating one.

use std::path::{Path, PathBuf};

use crate::{Git, GitError};

impl Git {
    /// Whether `path` is the top level of a git work tree (not merely inside one).
    ///
    /// A project must point at the checkout itself: a sub-directory would make
    /// worktrees and diffs silently cover the wrong tree.
    pub async fn is_repository_root(&self, path: &Path) -> Result<bool, GitError> {
        if !path.is_dir() {
            return Ok(false);
        }
        let out = self.output(path, ["rev-parse", "--show-toplevel"]).await?;
        if !out.status.success() {
            return Ok(false);
        }
        let top = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        Ok(same_path(&top, path))
    }

    /// The branch new attempts should start from when the user names none.
    ///
    /// Prefers the remote's HEAD (`origin/HEAD`), then the checked-out branch, then
    /// `main`/`master` if either exists. An empty repository reports the branch its
    /// first commit will land on.
    pub async fn default_branch(&self, repo: &Path) -> Result<String, GitError> {
        let remote = self
            .output(
                repo,
                [
                    "symbolic-ref",
                    "--quiet",
                    "--short",
                    "refs/remotes/origin/HEAD",
                ],
            )
            .await?;
        if remote.status.success() {
            let name = String::from_utf8_lossy(&remote.stdout).trim().to_owned();
            if let Some(branch) = name.strip_prefix("origin/") {
                return Ok(branch.to_owned());
            }
        }
        let head = self
            .output(repo, ["symbolic-ref", "--quiet", "--short", "HEAD"])
            .await?;
        if head.status.success() {
            return Ok(String::from_utf8_lossy(&head.stdout).trim().to_owned());
        }
        // Detached HEAD: fall back to a conventional name that exists.
        for candidate in ["main", "master"] {
            let exists = self
                .output(
                    repo,
                    [
                        "rev-parse",
                        "--verify",
                        "--quiet",
                        &format!("refs/heads/{candidate}"),
                    ],
                )
                .await?;
            if exists.status.success() {
                return Ok(candidate.to_owned());
            }
        }
        Ok("main".to_owned())
    }

    /// Creates a repository at `path` (creating the directory) whose first branch is
    /// `initial_branch`.
    pub async fn init(&self, path: &Path, initial_branch: &str) -> Result<(), GitError> {
        std::fs::create_dir_all(path).map_err(|source| GitError::Io {
            action: "could not create directory",
            path: path.to_path_buf(),
            source,
        })?;
        self.run(
            path,
            ["init", "--quiet", "--initial-branch", initial_branch],
        )
        .await?;
        Ok(())
    }
}

fn same_path(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
