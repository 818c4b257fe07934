//! The one error type of cadre-git: every failure names what was run and why it failed.

use std::path::PathBuf;

/// A failure to run git, or an operation cadre refused to perform.
///
/// Git failures carry the command line and git's stderr; refusals (a path outside
/// the managed root, a merge that needs a rebase first, a conflict) are their own
/// variants so the app can map them to user-facing answers (e.g. HTTP 422/409).
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The git binary could not be started at all.
    #[error("could not run `{program}`: {source}. Install git or set CADRE_GIT_BIN")]
    Spawn {
        /// The program we tried to start.
        program: String,
        /// Why the OS refused.
        source: std::io::Error,
    },
    /// git ran and reported failure.
    #[error("`{command}` failed ({status}): {stderr}")]
    Failed {
        /// The command line, for the user to reproduce it.
        command: String,
        /// Exit status as text.
        status: String,
        /// What git wrote on stderr, trimmed.
        stderr: String,
    },
    /// A filesystem operation around git failed.
    #[error("{action} `{path}`: {source}")]
    Io {
        /// What we were doing.
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A path given to git does not exist or is not a directory.
    #[error("`{0}` is not a directory")]
    NotADirectory(PathBuf),
    /// A worktree path resolves outside the managed root (after `..` and symlinks).
    #[error("`{path}` is outside the managed worktree root `{root}`")]
    PathOutsideRoot {
        /// The path that was asked for.
        path: PathBuf,
        /// The root every managed worktree must live under.
        root: PathBuf,
    },
    /// The target path of a new worktree already exists and is not an empty directory.
    #[error("`{0}` already exists; refusing to create a worktree over it")]
    PathExists(PathBuf),
    /// A branch or ref name that git would not accept.
    #[error("`{name}` is not a valid {what} name")]
    InvalidRefName {
        /// What kind of name (branch, ref).
        what: &'static str,
        /// The offending name.
        name: String,
    },
    /// A copy-files pattern that could reach outside the checkout.
    #[error("copy-files pattern `{0}` must be relative and must not contain `..`")]
    InvalidPattern(String),
    /// An operation stopped on conflicting files and was rolled back.
    #[error("{operation} stopped on conflicts in {}; nothing was changed", .files.join(", "))]
    Conflict {
        /// What was being done (rebase, restore).
        operation: &'static str,
        /// Conflicted paths, relative to the repository root.
        files: Vec<String>,
    },
    /// cadre refused an operation because it could lose or mangle work.
    #[error("{0}")]
    Refused(Refusal),
    /// An external tool (`gh`, `glab`) is not installed or not on `PATH`.
    #[error("`{tool}` is not installed or not on PATH; install it to use pull/merge requests")]
    ToolMissing {
        /// The missing program name.
        tool: String,
    },
    /// An external tool ran and failed, or answered something we could not read.
    #[error("`{command}` failed: {message}")]
    Tool {
        /// The command line.
        command: String,
        /// stderr or a description of the unreadable answer.
        message: String,
    },
    /// Something expected to exist (a branch, a snapshot ref, a worktree) does not.
    #[error("{what} `{name}` does not exist")]
    Missing {
        /// What kind of thing.
        what: &'static str,
        /// Its name or path.
        name: String,
    },
}

/// Why cadre refused an operation; each is a user-fixable state, not a bug.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The base branch has commits the attempt's branch does not: rebase first.
    #[error("`{base}` has moved since `{branch}` was based on it; rebase the branch first")]
    BaseMoved {
        /// The attempt branch.
        branch: String,
        /// The base branch.
        base: String,
    },
    /// The base branch is checked out with uncommitted changes that a merge could clobber.
    #[error("`{base}` is checked out at `{}` with uncommitted changes; commit or stash them first", .checkout.display())]
    BaseCheckoutDirty {
        /// The base branch.
        base: String,
        /// Where it is checked out.
        checkout: PathBuf,
    },
    /// The worktree has uncommitted changes and the operation needs a clean one.
    #[error("`{}` has uncommitted changes; commit them first", .0.display())]
    DirtyWorktree(PathBuf),
    /// The worktree is locked (`git worktree lock`); cadre does not override that.
    #[error("worktree `{}` is locked; unlock it first", .0.display())]
    WorktreeLocked(PathBuf),
    /// The branch has nothing to merge.
    #[error("`{branch}` has no commits beyond `{base}`; nothing to merge")]
    NothingToMerge {
        /// The attempt branch.
        branch: String,
        /// The base branch.
        base: String,
    },
}
