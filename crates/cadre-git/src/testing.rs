//! Hermetic git repositories for tests (cadre-git's own, and the app's via the
//! `testing` feature): a temp dir, fixed identities and dates, and no global or
//! system git config, so results do not depend on the machine running them.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};

use crate::Git;

/// The fixed date every test commit carries, so shas are reproducible.
pub const TEST_DATE: &str = "2026-01-01T00:00:00+00:00";

/// A throwaway repository with one commit on `main`, plus a managed root for
/// worktrees, all inside one temp dir that is deleted on drop.
pub struct TestRepo {
    dir: tempfile::TempDir,
    /// A git handle whose commands never read the user's or system config.
    pub git: Git,
    /// The main checkout (canonical path).
    pub path: PathBuf,
    /// Where managed worktrees go (exists, canonical).
    pub root: PathBuf,
}

/// A git handle isolated from the machine: `HOME` in `home`, no global/system
/// config, and (when `identity`) a fixed author/committer with fixed dates.
pub fn hermetic_git(home: &Path, identity: bool) -> Git {
    let git = Git::new().with_envs([
        ("HOME", home.as_os_str().to_owned()),
        ("XDG_CONFIG_HOME", home.join(".config").into_os_string()),
        ("GIT_CONFIG_GLOBAL", "/dev/null".into()),
        ("GIT_CONFIG_NOSYSTEM", "1".into()),
        ("GIT_AUTHOR_DATE", TEST_DATE.into()),
        ("GIT_COMMITTER_DATE", TEST_DATE.into()),
        ("LC_ALL", "C".into()),
    ]);
    if identity {
        git.with_envs([
            ("GIT_AUTHOR_NAME", "Test Author"),
            ("GIT_AUTHOR_EMAIL", "author@example.com"),
            ("GIT_COMMITTER_NAME", "Test Committer"),
            ("GIT_COMMITTER_EMAIL", "committer@example.com"),
        ])
    } else {
        git
    }
}

impl TestRepo {
    /// A repo with `README.md` committed on `main`, and a fixed identity.
    pub async fn new() -> Self {
        Self::build(true).await
    }

    /// Like [`TestRepo::new`] but with no git identity configured anywhere, to
    /// prove cadre's own commits still get an author.
    pub async fn without_identity() -> Self {
        Self::build(false).await
    }

    async fn build(identity: bool) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let base = dir.path().canonicalize().expect("canonical temp dir");
        let home = base.join("home");
        std::fs::create_dir_all(&home).expect("home");
        let path = base.join("repo");
        let root = base.join("worktrees");
        std::fs::create_dir_all(&root).expect("root");
        let git = hermetic_git(&home, identity);
        git.init(&path, "main").await.expect("git init");
        let repo = Self {
            dir,
            git,
            path,
            root,
        };
        repo.write("README.md", "hello\n");
        if identity {
            repo.commit_all("initial").await;
        } else {
            repo.git(&[
                "-c",
                "user.name=Setup",
                "-c",
                "user.email=setup@example.com",
                "add",
                "-A",
            ])
            .await;
            repo.git(&[
                "-c",
                "user.name=Setup",
                "-c",
                "user.email=setup@example.com",
                "commit",
                "-q",
                "-m",
                "initial",
            ])
            .await;
        }
        repo
    }

    /// The temp dir holding everything (repo, root, home).
    pub fn base(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `content` to `rel` in the main checkout, creating parents.
    pub fn write(&self, rel: &str, content: &str) {
        write_file(&self.path, rel, content);
    }

    /// Runs git in the main checkout and returns trimmed stdout; panics on failure.
    pub async fn git(&self, args: &[&str]) -> String {
        self.git_in(&self.path, args).await
    }

    /// Runs git in `dir` and returns trimmed stdout; panics on failure.
    pub async fn git_in(&self, dir: &Path, args: &[&str]) -> String {
        self.git
            .run_text(dir, args)
            .await
            .unwrap_or_else(|e| panic!("git {args:?} in {}: {e}", dir.display()))
    }

    /// `git add -A && git commit` in the main checkout; returns the new sha.
    pub async fn commit_all(&self, message: &str) -> String {
        self.commit_all_in(&self.path, message).await
    }

    /// `git add -A && git commit` in `dir`; returns the new sha.
    pub async fn commit_all_in(&self, dir: &Path, message: &str) -> String {
        self.git_in(dir, &["add", "-A"]).await;
        self.git_in(dir, &["commit", "-q", "--allow-empty", "-m", message])
            .await;
        self.git_in(dir, &["rev-parse", "HEAD"]).await
    }

    /// Whether `refs/heads/<branch>` exists.
    pub async fn branch_exists(&self, branch: &str) -> bool {
        self.git
            .output(
                &self.path,
                [
                    "rev-parse",
                    "--verify",
                    "--quiet",
                    &format!("refs/heads/{branch}"),
                ],
            )
            .await
            .expect("rev-parse")
            .status
            .success()
    }
}

/// Writes `content` to `dir/rel`, creating parent directories.
pub fn write_file(dir: &Path, rel: &str, content: &str) {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create parents");
    }
    std::fs::write(&path, content).expect("write file");
}
