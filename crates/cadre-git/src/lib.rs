//! The only crate of cadre that runs git.
//!
//! Every git invocation goes through [`Git`], which passes arguments as argv (never
//! through a shell) and turns a failure into a [`GitError`] that carries the command
//! and git's stderr, so callers can show the user exactly what went wrong.

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
