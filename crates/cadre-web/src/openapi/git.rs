//! Operations on an attempt's git side (`routes/git.rs`): its diff, commit,
//! rebase, merge, push, pull request, restore, editor, preview, refine and retry.
//!
//! The functions are documentation only: `#[utoipa::path]` reads their doc
//! comments and attributes; nothing calls them.

#![allow(dead_code, reason = "documentation-only operations and schemas")]

use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::ErrorBody;
use crate::wire::AttemptView;
use crate::wire_git::{DiffView, EditorView, PreviewView, RebaseView};

/// The operations of this file.
#[derive(OpenApi)]
#[openapi(paths(
    diff,
    commit,
    rebase,
    merge,
    push,
    pull_request,
    restore,
    open_editor,
    preview,
    preview_start,
    preview_stop,
    refine,
    retry,
))]
pub(super) struct Doc;

/// Query of `GET /attempts/{attempt}/diff`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
struct DiffQuery {
    /// Include the hunks (default true); false gives counts only.
    hunks: Option<bool>,
    /// Only this file (its path in the repository).
    #[param(example = "src/main.rs")]
    path: Option<String>,
}

/// Body of `POST /attempts/{attempt}/commit`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CommitBody {
    /// The commit message; must not be blank.
    #[schema(example = "WEB-12: handle the empty case")]
    message: String,
}

/// Body of `POST /attempts/{attempt}/merge`; send `{}` for the default.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct MergeBody {
    /// `squash` (the default: one commit on the base) or `merge` (a merge commit).
    #[schema(example = "squash")]
    strategy: Option<String>,
}

/// Body of `POST /attempts/{attempt}/open`; send `{}` for the default editor.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct OpenBody {
    /// Editor command (`code`, `cursor`, `zed`, `idea`, or any command line);
    /// default `$CADRE_EDITOR`, `$VISUAL`, `$EDITOR`, else `code`.
    #[schema(example = "code")]
    editor: Option<String>,
}

/// Body of `POST /attempts/{attempt}/refine`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RefineBody {
    /// What to change; must not be blank.
    #[schema(example = "Rename the helper to `parse_key`.")]
    prompt: String,
}

/// An attempt's diff
///
/// Its changes (committed, uncommitted and untracked) against the merge-base
/// with its base branch.
#[utoipa::path(get, path = "/attempts/{attempt}/diff", tag = "git",
    params(("attempt" = Uuid, Path, description = "Attempt id."), DiffQuery),
    responses(
        (status = 200, description = "The diff.", body = DiffView),
        (status = 404, description = "No such attempt, or `path` is not changed.", body = ErrorBody),
        (status = 409, description = "Its worktree was cleaned up: restore it first.", body = ErrorBody),
        (status = 422, description = "git failed (`git_failed`, with the command and its stderr).", body = ErrorBody),
    ))]
fn diff() {}

/// Commit an attempt's changes
///
/// Commits everything in its worktree. The attempt must be settled.
#[utoipa::path(post, path = "/attempts/{attempt}/commit", tag = "git",
    params(("attempt" = Uuid, Path, description = "Attempt id.")),
    request_body = CommitBody,
    responses(
        (status = 200, description = "The attempt with its new head commit.", body = AttemptView),
        (status = 404, description = "No such attempt.", body = ErrorBody),
        (status = 409, description = "It is still running, its worktree was cleaned up, or there is nothing to commit.", body = ErrorBody),
        (status = 422, description = "A blank message, or git failed (`git_failed`).", body = ErrorBody),
    ))]
fn commit() {}

/// Rebase an attempt onto its base
///
/// Rebases its branch onto the latest base branch. Conflicts abort the rebase
/// (nothing changes) and come back as a result with a suggested follow-up.
#[utoipa::path(post, path = "/attempts/{attempt}/rebase", tag = "git",
    params(("attempt" = Uuid, Path, description = "Attempt id.")),
    responses(
        (status = 200, description = "What the rebase did: `rebased`, `up_to_date` or `conflicted`.", body = RebaseView),
        (status = 404, description = "No such attempt.", body = ErrorBody),
        (status = 409, description = "It is still running, or its worktree was cleaned up.", body = ErrorBody),
        (status = 422, description = "git failed (`git_failed`).", body = ErrorBody),
    ))]
fn rebase() {}

/// Merge an attempt
///
/// Merges its branch into the base (fast-forward only: a base that moved is
/// refused; rebase first) and moves the task to `done`.
#[utoipa::path(post, path = "/attempts/{attempt}/merge", tag = "git",
    params(("attempt" = Uuid, Path, description = "Attempt id.")),
    request_body = MergeBody,
    responses(
        (status = 200, description = "The merged attempt.", body = AttemptView),
        (status = 404, description = "No such attempt.", body = ErrorBody),
        (status = 409, description = "It is still running, has no branch or has uncommitted changes, its worktree was cleaned up, or the base moved (`git_refused`, `git_conflict`).", body = ErrorBody),
        (status = 422, description = "An unknown strategy, or git failed (`git_failed`).", body = ErrorBody),
    ))]
fn merge() {}

/// Push an attempt's branch
#[utoipa::path(post, path = "/attempts/{attempt}/push", tag = "git",
    params(("attempt" = Uuid, Path, description = "Attempt id.")),
    responses(
        (status = 200, description = "The attempt.", body = AttemptView),
        (status = 404, description = "No such attempt.", body = ErrorBody),
        (status = 409, description = "It is still running, has no branch, or its worktree was cleaned up.", body = ErrorBody),
        (status = 422, description = "git failed (`git_failed`), e.g. no `origin` or a rejected push.", body = ErrorBody),
    ))]
fn push() {}

/// Open a pull request
///
/// Pushes the branch and opens a pull (merge) request with `gh` or `glab`. cadre
/// then polls it every minute; once it is merged the task moves to `done`.
#[utoipa::path(post, path = "/attempts/{attempt}/pr", tag = "git",
    params(("attempt" = Uuid, Path, description = "Attempt id.")),
    responses(
        (status = 201, description = "The attempt with its pull request.", body = AttemptView),
        (status = 404, description = "No such attempt.", body = ErrorBody),
        (status = 409, description = "It is still running, already has an open pull request, its worktree was cleaned up, or `origin` is not on GitHub or GitLab.", body = ErrorBody),
        (status = 422, description = "`gh` or `glab` is not installed (`tool_missing`), or git failed (`git_failed`).", body = ErrorBody),
        (status = 502, description = "`gh` or `glab` failed (`forge_failed`).", body = ErrorBody),
    ))]
fn pull_request() {}

/// Restore an attempt's worktree
///
/// Recreates a cleaned-up worktree from its branch (or from its snapshot when the
/// branch is gone) and re-applies the uncommitted work saved in the snapshot.
#[utoipa::path(post, path = "/attempts/{attempt}/restore", tag = "git",
    params(("attempt" = Uuid, Path, description = "Attempt id.")),
    responses(
        (status = 200, description = "The attempt with its worktree back.", body = AttemptView),
        (status = 404, description = "No such attempt.", body = ErrorBody),
        (status = 409, description = "It still has its worktree, borrowed it (restore the attempt it refines), or never had one.", body = ErrorBody),
        (status = 422, description = "git failed (`git_failed`).", body = ErrorBody),
    ))]
fn restore() {}

/// Open an attempt in an editor
///
/// Launches an editor on the attempt's worktree, on this machine.
#[utoipa::path(post, path = "/attempts/{attempt}/open", tag = "git",
    params(("attempt" = Uuid, Path, description = "Attempt id.")),
    request_body = OpenBody,
    responses(
        (status = 200, description = "What the launch did.", body = EditorView),
        (status = 404, description = "No such attempt.", body = ErrorBody),
        (status = 409, description = "Its worktree was cleaned up: restore it first.", body = ErrorBody),
        (status = 422, description = "A blank editor command.", body = ErrorBody),
    ))]
fn open_editor() {}

/// An attempt's preview
///
/// Its dev-server process (the project's dev script, given a free `PORT`).
#[utoipa::path(get, path = "/attempts/{attempt}/preview", tag = "git",
    params(("attempt" = Uuid, Path, description = "Attempt id.")),
    responses(
        (status = 200, description = "The preview's state.", body = PreviewView),
        (status = 404, description = "No such attempt.", body = ErrorBody),
    ))]
fn preview() {}

/// Start an attempt's preview
#[utoipa::path(post, path = "/attempts/{attempt}/preview/start", tag = "git",
    params(("attempt" = Uuid, Path, description = "Attempt id.")),
    responses(
        (status = 202, description = "The starting preview.", body = PreviewView),
        (status = 404, description = "No such attempt.", body = ErrorBody),
        (status = 409, description = "A preview runs already, it could not start, or the worktree was cleaned up.", body = ErrorBody),
        (status = 422, description = "The project has no dev script.", body = ErrorBody),
    ))]
fn preview_start() {}

/// Stop an attempt's preview
#[utoipa::path(post, path = "/attempts/{attempt}/preview/stop", tag = "git",
    params(("attempt" = Uuid, Path, description = "Attempt id.")),
    responses(
        (status = 200, description = "The stopped preview.", body = PreviewView),
        (status = 404, description = "No such attempt.", body = ErrorBody),
        (status = 409, description = "No preview runs.", body = ErrorBody),
    ))]
fn preview_stop() {}

/// Refine an attempt
///
/// Starts a new attempt that resumes a settled attempt's agent session in its
/// worktree (which it borrows and never removes) with a new prompt.
#[utoipa::path(post, path = "/attempts/{attempt}/refine", tag = "attempts",
    params(("attempt" = Uuid, Path, description = "Attempt id of the one to refine.")),
    request_body = RefineBody,
    responses(
        (status = 202, description = "The new attempt.", body = AttemptView),
        (status = 404, description = "No such attempt.", body = ErrorBody),
        (status = 409, description = "It is still running (send a follow-up instead), or its worktree was cleaned up.", body = ErrorBody),
        (status = 422, description = "A blank prompt.", body = ErrorBody),
    ))]
fn refine() {}

/// Retry an attempt
///
/// Runs a settled attempt again by hand: resumes its agent session (or re-sends
/// its prompt) with fresh automatic-retry budgets.
#[utoipa::path(post, path = "/attempts/{attempt}/retry", tag = "attempts",
    params(("attempt" = Uuid, Path, description = "Attempt id.")),
    responses(
        (status = 202, description = "The attempt, queued again.", body = AttemptView),
        (status = 404, description = "No such attempt.", body = ErrorBody),
        (status = 409, description = "It is still running: stop it first; or its worktree was cleaned up.", body = ErrorBody),
    ))]
fn retry() {}
