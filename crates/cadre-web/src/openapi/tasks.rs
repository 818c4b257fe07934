//! Operations on tasks (`routes/tasks.rs`): create, list, show, edit, move,
//! delete, dependencies and history, with the schemas of their bodies and queries.
//!
//! The functions are documentation only: `#[utoipa::path]` reads their doc
//! comments and attributes; nothing calls them.

#![allow(dead_code, reason = "documentation-only operations and schemas")]

use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

use super::{ErrorBody, Priority, TaskStatus};
use crate::wire::{TaskView, TransitionView};

/// The operations of this file.
#[derive(OpenApi)]
#[openapi(paths(
    list_tasks,
    list_project_tasks,
    create_task,
    show_task,
    update_task,
    delete_task,
    move_task,
    task_transitions,
    add_dependency,
    remove_dependency,
))]
pub(super) struct Doc;

/// Body of `POST /projects/{project}/tasks`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateTask {
    /// Title.
    #[schema(example = "Add a dark mode")]
    title: String,
    /// Markdown description.
    #[serde(default)]
    description: String,
    /// Column to create it in (default `todo`).
    #[schema(value_type = Option<TaskStatus>)]
    status: Option<String>,
    /// How urgent it is (default `medium`).
    #[serde(default)]
    #[schema(value_type = Priority)]
    priority: String,
    /// Free-form labels.
    #[serde(default)]
    labels: Vec<String>,
    /// Parent task (key or id), for a subtask.
    parent: Option<String>,
    /// Goal it serves.
    goal_id: Option<Uuid>,
    /// Tasks (keys or ids) that must be done before this one starts.
    #[serde(default)]
    depends_on: Vec<String>,
}

/// Body of `PATCH /tasks/{task}`: only the fields present change; `null` clears
/// `parent` and `goal_id`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct UpdateTask {
    /// New title.
    title: Option<String>,
    /// New description.
    description: Option<String>,
    /// New priority.
    #[schema(value_type = Option<Priority>)]
    priority: Option<String>,
    /// New labels (replaces the list).
    labels: Option<Vec<String>>,
    /// New parent task (key or id); `null` makes it a top-level task.
    parent: Option<String>,
    /// New goal; `null` detaches it.
    goal_id: Option<Uuid>,
}

/// Body of `POST /tasks/{task}/move`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct MoveBody {
    /// Target column; the same column reorders.
    #[schema(value_type = TaskStatus)]
    status: String,
    /// Position in the target column, from 0; the end when absent.
    #[schema(minimum = 0)]
    position: Option<i64>,
    /// Why, kept in the task's history.
    reason: Option<String>,
}

/// Body of `POST /tasks/{task}/dependencies`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct DependencyBody {
    /// The task (key or id) that must be done first.
    #[schema(example = "WEB-3")]
    depends_on: String,
}

/// Query of `GET /tasks`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
struct TaskQuery {
    /// Only the tasks of this project (key or id).
    #[param(example = "WEB")]
    project: Option<String>,
    /// Only tasks in these columns, comma-separated.
    #[param(example = "todo,in_progress")]
    status: Option<String>,
    /// Only the tasks of this goal.
    goal: Option<Uuid>,
    /// Tasks per page, 1 to 1000 (default 100).
    #[param(example = 100)]
    limit: Option<u32>,
    /// Where the page starts: the `cursor` of the previous page's `next` link,
    /// passed unchanged.
    cursor: Option<String>,
}

/// Query of `GET /projects/{project}/tasks`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
struct ProjectTaskQuery {
    /// Only tasks in these columns, comma-separated.
    #[param(example = "todo,in_progress")]
    status: Option<String>,
    /// Only the tasks of this goal.
    goal: Option<Uuid>,
    /// Tasks per page, 1 to 1000 (default 100).
    #[param(example = 100)]
    limit: Option<u32>,
    /// Where the page starts: the `cursor` of the previous page's `next` link,
    /// passed unchanged.
    cursor: Option<String>,
}

/// List tasks
///
/// Tasks of every project, or of the ones the query names, in board order, a
/// page at a time: a `Link` header names the next page.
#[utoipa::path(get, path = "/tasks", tag = "tasks",
    params(TaskQuery),
    responses(
        (status = 200, description = "A page of the tasks that match, in board order.", body = Vec<TaskView>,
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the URL of the next page, when there is one."))),
        (status = 404, description = "No such project.", body = ErrorBody),
        (status = 422, description = "An unknown status, not a valid project key or id, a `limit` out of range, or a `cursor` that is not one.", body = ErrorBody),
    ))]
fn list_tasks() {}

/// List a project's tasks
///
/// A page at a time, in board order: a `Link` header names the next page.
#[utoipa::path(get, path = "/projects/{project}/tasks", tag = "tasks",
    params(
        ("project" = String, Path, description = "Project key (e.g. `WEB`) or id."),
        ProjectTaskQuery,
    ),
    responses(
        (status = 200, description = "A page of the project's tasks that match, in board order.", body = Vec<TaskView>,
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the URL of the next page, when there is one."))),
        (status = 404, description = "No such project.", body = ErrorBody),
        (status = 422, description = "An unknown status, not a valid project key or id, a `limit` out of range, or a `cursor` that is not one.", body = ErrorBody),
    ))]
fn list_project_tasks() {}

/// Create a task
#[utoipa::path(post, path = "/projects/{project}/tasks", tag = "tasks",
    params(("project" = String, Path, description = "Project key (e.g. `WEB`) or id.")),
    request_body = CreateTask,
    responses(
        (status = 201, description = "The task, with its new key.", body = TaskView),
        (status = 404, description = "No such project, parent, goal or dependency.", body = ErrorBody),
        (status = 422, description = "An empty title, an invalid reference, or a dependency cycle (`dependency_cycle`).", body = ErrorBody),
    ))]
fn create_task() {}

/// Show a task
#[utoipa::path(get, path = "/tasks/{task}", tag = "tasks",
    params(("task" = String, Path, description = "Task key (e.g. `WEB-12`) or id.")),
    responses(
        (status = 200, description = "The task.", body = TaskView),
        (status = 404, description = "No such task.", body = ErrorBody),
        (status = 422, description = "Not a valid task key or id.", body = ErrorBody),
    ))]
fn show_task() {}

/// Edit a task
///
/// Changes its content; moves go through `POST /tasks/{task}/move`.
#[utoipa::path(patch, path = "/tasks/{task}", tag = "tasks",
    params(("task" = String, Path, description = "Task key (e.g. `WEB-12`) or id.")),
    request_body = UpdateTask,
    responses(
        (status = 200, description = "The changed task.", body = TaskView),
        (status = 404, description = "No such task, parent or goal.", body = ErrorBody),
        (status = 422, description = "An empty title or an invalid reference.", body = ErrorBody),
    ))]
fn update_task() {}

/// Delete a task
#[utoipa::path(delete, path = "/tasks/{task}", tag = "tasks",
    params(("task" = String, Path, description = "Task key (e.g. `WEB-12`) or id.")),
    responses(
        (status = 200, description = "The deleted task.", body = TaskView),
        (status = 404, description = "No such task.", body = ErrorBody),
        (status = 422, description = "Not a valid task key or id.", body = ErrorBody),
    ))]
fn delete_task() {}

/// Move a task
///
/// Moves it to another column (following the status state machine) and/or to a
/// position within its column. A move into `in_progress` needs every dependency
/// done. Moving to `done` or `cancelled` removes the worktrees of its settled
/// attempts, after snapshotting their uncommitted work.
#[utoipa::path(post, path = "/tasks/{task}/move", tag = "tasks",
    params(("task" = String, Path, description = "Task key (e.g. `WEB-12`) or id.")),
    request_body = MoveBody,
    responses(
        (status = 200, description = "The moved task.", body = TaskView),
        (status = 400, description = "A negative position, or a body that could not be read.", body = ErrorBody),
        (status = 404, description = "No such task.", body = ErrorBody),
        (status = 409, description = "The state machine forbids the move (`invalid_transition`), or a dependency is not done (`dependencies_not_done`).", body = ErrorBody),
        (status = 422, description = "Not a valid task key or id.", body = ErrorBody),
    ))]
fn move_task() {}

/// A task's status history
#[utoipa::path(get, path = "/tasks/{task}/transitions", tag = "tasks",
    params(("task" = String, Path, description = "Task key (e.g. `WEB-12`) or id.")),
    responses(
        (status = 200, description = "Its status changes, oldest first.", body = Vec<TransitionView>),
        (status = 404, description = "No such task.", body = ErrorBody),
        (status = 422, description = "Not a valid task key or id.", body = ErrorBody),
    ))]
fn task_transitions() {}

/// Add a dependency
///
/// Makes the task wait for another one of its project; refused when it would
/// close a cycle. Adding an existing dependency changes nothing.
#[utoipa::path(post, path = "/tasks/{task}/dependencies", tag = "tasks",
    params(("task" = String, Path, description = "Task key (e.g. `WEB-12`) or id.")),
    request_body = DependencyBody,
    responses(
        (status = 200, description = "The task with its dependencies.", body = TaskView),
        (status = 404, description = "No such task or dependency.", body = ErrorBody),
        (status = 422, description = "A cycle (`dependency_cycle`, naming it), a task depending on itself or on another project's task, or an invalid reference.", body = ErrorBody),
    ))]
fn add_dependency() {}

/// Remove a dependency
#[utoipa::path(delete, path = "/tasks/{task}/dependencies/{depends_on}", tag = "tasks",
    params(
        ("task" = String, Path, description = "Task key (e.g. `WEB-12`) or id."),
        ("depends_on" = String, Path, description = "Key or id of the task it depends on."),
    ),
    responses(
        (status = 200, description = "The task with its remaining dependencies.", body = TaskView),
        (status = 404, description = "No such task, or no such dependency.", body = ErrorBody),
        (status = 422, description = "Not a valid task key or id.", body = ErrorBody),
    ))]
fn remove_dependency() {}
