//! Operations on projects and goals (`routes/projects.rs`, `routes/goals.rs`),
//! with the schemas of their request bodies and queries.
//!
//! The functions are documentation only: `#[utoipa::path]` reads their doc
//! comments and attributes; nothing calls them.

#![allow(dead_code, reason = "documentation-only operations and schemas")]

use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::{ErrorBody, GoalStatus};
use crate::wire::{GoalView, ProjectView};

/// The operations of this file.
#[derive(OpenApi)]
#[openapi(paths(
    list_projects,
    create_project,
    show_project,
    update_project,
    delete_project,
    list_goals,
    create_goal,
    show_goal,
    update_goal,
    delete_goal,
))]
pub(super) struct Doc;

/// Body of `POST /projects`: add a git repository as a project.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateProject {
    /// Absolute path of the repository's main checkout.
    #[schema(example = "/home/me/code/web")]
    repo_path: String,
    /// Short uppercase key that prefixes the project's task keys.
    #[schema(example = "WEB")]
    key: String,
    /// Display name; defaults to the directory's name.
    name: Option<String>,
    /// Branch attempts start from; detected from the repository when absent.
    base_branch: Option<String>,
    /// Create the directory and run `git init` when it is not a repository yet.
    #[serde(default)]
    init: bool,
    /// Shell script run in each new worktree before the agent starts.
    setup_script: Option<String>,
    /// Shell script run before a worktree is removed.
    cleanup_script: Option<String>,
    /// Shell script that starts a dev server for previews (gets `PORT`).
    dev_script: Option<String>,
    /// Globs of untracked files copied from the main checkout into new worktrees.
    copy_files: Option<Vec<String>>,
    /// Commands (argv lists) that verify an attempt's work.
    verify_commands: Option<Vec<Vec<String>>>,
    /// Agent used when an attempt names none, e.g. `claude-code`.
    default_agent: Option<String>,
    /// Commit what an agent leaves uncommitted when its run ends (default true).
    auto_commit: Option<bool>,
    /// Start the agent even when the setup script fails (default false).
    allow_setup_failure: Option<bool>,
    /// Standing instructions added to every prompt.
    instructions: Option<String>,
}

/// Body of `PATCH /projects/{project}`: only the fields present change; `null`
/// clears a nullable setting.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct UpdateProject {
    /// New display name.
    name: Option<String>,
    /// New base branch.
    base_branch: Option<String>,
    /// Setup script; `null` removes it.
    setup_script: Option<String>,
    /// Cleanup script; `null` removes it.
    cleanup_script: Option<String>,
    /// Dev (preview) script; `null` removes it.
    dev_script: Option<String>,
    /// Globs copied into new worktrees (replaces the list).
    copy_files: Option<Vec<String>>,
    /// Verification commands (replaces the list).
    verify_commands: Option<Vec<Vec<String>>>,
    /// Default agent; `null` removes it.
    default_agent: Option<String>,
    /// Commit what an agent leaves uncommitted when its run ends.
    auto_commit: Option<bool>,
    /// Start the agent even when the setup script fails.
    allow_setup_failure: Option<bool>,
    /// Standing instructions; `null` removes them.
    instructions: Option<String>,
}

/// Body of `POST /projects/{project}/goals`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateGoal {
    /// Title.
    #[schema(example = "Ship the public beta")]
    title: String,
    /// Markdown description.
    #[serde(default)]
    description: String,
}

/// Body of `PATCH /goals/{goal}`: only the fields present change.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct UpdateGoal {
    /// New title.
    title: Option<String>,
    /// New description.
    description: Option<String>,
    /// New status.
    #[schema(value_type = Option<GoalStatus>)]
    status: Option<String>,
}

/// Query of `GET /goals`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
struct GoalQuery {
    /// Only the goals of this project (key or id).
    #[param(example = "WEB")]
    project: Option<String>,
    /// Only goals in this status.
    #[param(value_type = Option<GoalStatus>)]
    status: Option<String>,
}

/// List projects
///
/// Every project, by key.
#[utoipa::path(get, path = "/projects", tag = "projects",
    responses((status = 200, description = "The projects.", body = Vec<ProjectView>)))]
fn list_projects() {}

/// Add a project
///
/// Adds a git repository (or, with `init`, a new one) as a project. The base
/// branch is detected from the repository unless given.
#[utoipa::path(post, path = "/projects", tag = "projects",
    request_body = CreateProject,
    responses(
        (status = 201, description = "The project.", body = ProjectView),
        (status = 409, description = "A project with this key exists.", body = ErrorBody),
        (status = 422, description = "A relative path, a path that is not a repository (`not_a_repository`), or an invalid key or setting.", body = ErrorBody),
    ))]
fn create_project() {}

/// Show a project
#[utoipa::path(get, path = "/projects/{project}", tag = "projects",
    params(("project" = String, Path, description = "Project key (e.g. `WEB`) or id.")),
    responses(
        (status = 200, description = "The project.", body = ProjectView),
        (status = 404, description = "No such project.", body = ErrorBody),
        (status = 422, description = "Not a valid key or id.", body = ErrorBody),
    ))]
fn show_project() {}

/// Change a project's settings
#[utoipa::path(patch, path = "/projects/{project}", tag = "projects",
    params(("project" = String, Path, description = "Project key (e.g. `WEB`) or id.")),
    request_body = UpdateProject,
    responses(
        (status = 200, description = "The changed project.", body = ProjectView),
        (status = 404, description = "No such project.", body = ErrorBody),
        (status = 422, description = "An invalid setting, key or id.", body = ErrorBody),
    ))]
fn update_project() {}

/// Remove a project
///
/// Removes the project with its goals and tasks. The repository is not touched.
#[utoipa::path(delete, path = "/projects/{project}", tag = "projects",
    params(("project" = String, Path, description = "Project key (e.g. `WEB`) or id.")),
    responses(
        (status = 200, description = "The removed project.", body = ProjectView),
        (status = 404, description = "No such project.", body = ErrorBody),
        (status = 422, description = "Not a valid key or id.", body = ErrorBody),
    ))]
fn delete_project() {}

/// List goals
#[utoipa::path(get, path = "/goals", tag = "goals",
    params(GoalQuery),
    responses(
        (status = 200, description = "The goals that match.", body = Vec<GoalView>),
        (status = 404, description = "No such project.", body = ErrorBody),
        (status = 422, description = "Not a valid project key or id.", body = ErrorBody),
    ))]
fn list_goals() {}

/// Add a goal to a project
#[utoipa::path(post, path = "/projects/{project}/goals", tag = "goals",
    params(("project" = String, Path, description = "Project key (e.g. `WEB`) or id.")),
    request_body = CreateGoal,
    responses(
        (status = 201, description = "The goal.", body = GoalView),
        (status = 404, description = "No such project.", body = ErrorBody),
        (status = 422, description = "An empty title, or not a valid project key or id.", body = ErrorBody),
    ))]
fn create_goal() {}

/// Show a goal
#[utoipa::path(get, path = "/goals/{goal}", tag = "goals",
    params(("goal" = Uuid, Path, description = "Goal id.")),
    responses(
        (status = 200, description = "The goal.", body = GoalView),
        (status = 404, description = "No such goal.", body = ErrorBody),
    ))]
fn show_goal() {}

/// Change a goal
#[utoipa::path(patch, path = "/goals/{goal}", tag = "goals",
    params(("goal" = Uuid, Path, description = "Goal id.")),
    request_body = UpdateGoal,
    responses(
        (status = 200, description = "The changed goal.", body = GoalView),
        (status = 404, description = "No such goal.", body = ErrorBody),
        (status = 422, description = "An empty title.", body = ErrorBody),
    ))]
fn update_goal() {}

/// Remove a goal
///
/// Its tasks stay and lose the goal.
#[utoipa::path(delete, path = "/goals/{goal}", tag = "goals",
    params(("goal" = Uuid, Path, description = "Goal id.")),
    responses(
        (status = 200, description = "The removed goal.", body = GoalView),
        (status = 404, description = "No such goal.", body = ErrorBody),
    ))]
fn delete_goal() {}
