//! The only crate of cadre that runs git.
//!
//! Every git invocation goes through [`Git`], which passes arguments as argv (never
//! through a shell) and turns a failure into a [`GitError`] that carries the command
//! and git's stderr, so callers can show the user exactly what went wrong.
//!
//! # Code map
//!
//! - `command` — [`Git`]: the process runner. Extra env per handle
//!   ([`Git::with_env`]), inherited `GIT_DIR`-style variables scrubbed, no prompts.
//! - `error` — [`GitError`] and [`Refusal`]: git failures (command + stderr), path
//!   refusals, conflicts and "cadre will not do that" each have their own variant.
//! - `repo` — is this a repository root, its default branch, `init`.
//! - `worktree` — [`branch_name`]/[`slug`], [`WorktreeManager`]: create (new branch
//!   from a base, copy-files globs), list, remove. *Invariant:* a managed worktree
//!   never resolves outside the managed root; changes to one repository's worktrees
//!   are serialized by an in-process lock keyed by its canonical path.
//! - `snapshot` — [`Git::snapshot`] to `refs/cadre/snapshots/<attempt>` through a
//!   temporary index, [`Git::is_dirty`], [`Git::is_merged`]. *Invariant:* taking a
//!   snapshot never changes branch, HEAD, index or files; a re-snapshot keeps the
//!   previous one as a parent.
//! - `cleanup` — [`WorktreeManager::cleanup`], [`WorktreeManager::restore`],
//!   [`WorktreeManager::sweep_orphans`]. *Architecture Invariant:* no function
//!   here deletes a branch that is not merged into its base (opt-in exception:
//!   a squash-merged branch, archived under `refs/cadre/archive/` first), and no
//!   worktree is force-removed before its uncommitted work is in a snapshot ref.
//! - `diff` + `patch` — [`Git::worktree_diff`] / [`Git::diff_summary`]: the
//!   worktree (committed, uncommitted and untracked) against the merge-base with
//!   the base; [`parse_patch`] never panics on any input.
//! - `actions` — [`Git::commit_all`], [`Git::rebase`] (aborted on conflict: never
//!   left mid-rebase), [`Git::merge`] (only fast-forwards the base to a squash or
//!   merge commit; refuses when the base moved or its checkout is dirty),
//!   [`Git::push`].
//! - `forge` — `gh`/`glab` pull requests, picked from the origin URL.
//! - `testing` (feature `testing`) — hermetic repositories for tests.
//!
//! Commits cadre makes for the user ([`Git::commit_all`], rebase, merge) fall back
//! to `cadre <cadre@localhost>` only when no identity is configured; snapshot
//! commits always use that identity.

#![warn(clippy::unwrap_used)]

mod actions;
mod cleanup;
mod command;
mod diff;
mod error;
mod forge;
mod patch;
mod repo;
mod snapshot;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod worktree;

pub use actions::{DiffStat, MergeOutcome, MergeRequest, MergeStrategy, RebaseOutcome};
pub use cleanup::{BranchFate, Cleanup, CleanupReport, RestoreReport, SweepReport, SweptWorktree};
pub use command::Git;
pub use diff::{DiffOptions, FileDiff, FileSummary, LOCKFILES, WorktreeDiff, is_lockfile};
pub use error::{GitError, Refusal};
pub use forge::{ForgeKind, PrRequest, PrState, PrStatus};
pub use patch::{DiffLine, FilePatch, FileStatus, Hunk, LineKind, parse_patch};
pub use snapshot::{Snapshot, snapshot_ref};
pub use worktree::{
    CreateWorktree, CreatedWorktree, DEFAULT_BRANCH_PREFIX, WorktreeInfo, WorktreeManager,
    branch_name, slug,
};
