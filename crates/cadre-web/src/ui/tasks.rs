//! Task forms and the task panel: quick add and the new-task dialog, the panel,
//! edit, delete, move, and dependencies. Each handler calls one use case and
//! answers with the fragment the form's target shows next.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use cadre_app::{AddTask, MoveTask};
use cadre_core::{Actor, Priority, ProjectRef, TaskPatch, TaskRef, TaskStatus};
use serde::Deserialize;

use super::board::{self, BoardFragment};
use super::error::{UiResult, render};
use super::forms::{UiForm, comma_list, non_blank, redirect};
use super::panel::TaskPanel;
use crate::AppState;
use crate::extract::ApiPath;
use crate::routes::parse_ref;

/// `templates/new_task.html`: the new-task dialog.
#[derive(Template)]
#[template(path = "new_task.html")]
struct NewTaskDialog {
    project: String,
}

/// `templates/task_edit.html`: the panel's edit form.
#[derive(Template)]
#[template(path = "task_edit.html")]
struct EditForm {
    key: String,
    title: String,
    description: String,
    priority: &'static str,
    labels: String,
    priorities: [&'static str; 4],
}

/// The new-task form (quick add sends only `title` and `status`).
#[derive(Deserialize)]
pub(crate) struct NewTaskForm {
    title: String,
    status: Option<String>,
    description: Option<String>,
    priority: Option<String>,
    labels: Option<String>,
    depends_on: Option<String>,
}

/// The edit form.
#[derive(Deserialize)]
pub(crate) struct EditTaskForm {
    title: String,
    description: String,
    priority: String,
    labels: String,
}

/// The move form.
#[derive(Deserialize)]
pub(crate) struct MoveForm {
    status: String,
}

/// The add-dependency form.
#[derive(Deserialize)]
pub(crate) struct DependencyForm {
    depends_on: String,
}

fn task_ref(raw: &str) -> UiResult<TaskRef> {
    Ok(parse_ref(raw)?)
}

async fn panel_html(app: &AppState, task: &TaskRef) -> UiResult<Html<String>> {
    render(&TaskPanel::load(app, task).await?)
}

/// `GET /ui/p/{project}/new-task`.
pub(crate) async fn new_form(
    State(app): State<AppState>,
    ApiPath(project): ApiPath<String>,
) -> UiResult<Html<String>> {
    let project: ProjectRef = parse_ref(&project)?;
    let project = app.project(&project).await?;
    render(&NewTaskDialog {
        project: project.key.to_string(),
    })
}

/// `POST /ui/p/{project}/tasks`: creates a task and answers with the board.
pub(crate) async fn create(
    State(app): State<AppState>,
    ApiPath(project): ApiPath<String>,
    UiForm(form): UiForm<NewTaskForm>,
) -> UiResult<Html<String>> {
    let project_ref: ProjectRef = parse_ref(&project)?;
    let status = non_blank(form.status)
        .map(|s| s.parse::<TaskStatus>())
        .transpose()
        .map_err(cadre_app::AppError::from)?;
    let priority = non_blank(form.priority)
        .map(|p| p.parse::<Priority>())
        .transpose()
        .map_err(cadre_app::AppError::from)?
        .unwrap_or_default();
    let depends_on = comma_list(form.depends_on.as_deref().unwrap_or(""))
        .iter()
        .map(|k| task_ref(k))
        .collect::<UiResult<Vec<_>>>()?;
    let input = AddTask {
        title: form.title,
        description: form.description.unwrap_or_default(),
        status,
        priority,
        labels: comma_list(form.labels.as_deref().unwrap_or("")),
        depends_on,
        ..Default::default()
    };
    app.add_task(&project_ref, input).await?;
    render(&BoardFragment {
        board: board::load(&app, &project).await?,
    })
}

/// `GET /ui/tasks/{task}/panel`.
pub(crate) async fn panel(
    State(app): State<AppState>,
    ApiPath(task): ApiPath<String>,
) -> UiResult<Html<String>> {
    panel_html(&app, &task_ref(&task)?).await
}

/// `GET /ui/tasks/{task}/edit`.
pub(crate) async fn edit_form(
    State(app): State<AppState>,
    ApiPath(task): ApiPath<String>,
) -> UiResult<Html<String>> {
    let task = app.task(&task_ref(&task)?).await?;
    render(&EditForm {
        key: task.key.to_string(),
        priority: task.priority.as_str(),
        labels: task.labels.join(", "),
        description: task.description,
        title: task.title,
        priorities: Priority::ALL.map(Priority::as_str),
    })
}

/// `POST /ui/tasks/{task}/edit`: saves and shows the panel again.
pub(crate) async fn save(
    State(app): State<AppState>,
    ApiPath(task): ApiPath<String>,
    UiForm(form): UiForm<EditTaskForm>,
) -> UiResult<Html<String>> {
    let task = task_ref(&task)?;
    let priority = form
        .priority
        .parse::<Priority>()
        .map_err(cadre_app::AppError::from)?;
    let patch = TaskPatch {
        title: Some(form.title),
        description: Some(form.description),
        priority: Some(priority),
        labels: Some(comma_list(&form.labels)),
        ..Default::default()
    };
    app.update_task(&task, patch).await?;
    panel_html(&app, &task).await
}

/// `POST /ui/tasks/{task}/delete`: deletes and returns to the board.
pub(crate) async fn delete(
    State(app): State<AppState>,
    headers: HeaderMap,
    ApiPath(task): ApiPath<String>,
) -> UiResult<Response> {
    let deleted = app.delete_task(&task_ref(&task)?).await?;
    Ok(redirect(&headers, &format!("/p/{}", deleted.key.project)).into_response())
}

/// `POST /ui/tasks/{task}/move`.
pub(crate) async fn move_to(
    State(app): State<AppState>,
    ApiPath(task): ApiPath<String>,
    UiForm(form): UiForm<MoveForm>,
) -> UiResult<Html<String>> {
    let task = task_ref(&task)?;
    let status: TaskStatus = form.status.parse().map_err(cadre_app::AppError::from)?;
    let request = MoveTask {
        status,
        position: None,
        actor: Actor::User,
        reason: None,
    };
    app.move_task(&task, request).await?;
    panel_html(&app, &task).await
}

/// `POST /ui/tasks/{task}/dependencies`.
pub(crate) async fn add_dependency(
    State(app): State<AppState>,
    ApiPath(task): ApiPath<String>,
    UiForm(form): UiForm<DependencyForm>,
) -> UiResult<Html<String>> {
    let task = task_ref(&task)?;
    app.add_dependency(&task, &task_ref(&form.depends_on)?)
        .await?;
    panel_html(&app, &task).await
}

/// `POST /ui/tasks/{task}/dependencies/{dep}/remove`.
pub(crate) async fn remove_dependency(
    State(app): State<AppState>,
    ApiPath((task, dep)): ApiPath<(String, String)>,
) -> UiResult<Html<String>> {
    let task = task_ref(&task)?;
    app.remove_dependency(&task, &task_ref(&dep)?).await?;
    panel_html(&app, &task).await
}
