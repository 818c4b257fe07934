//! The task panel (`templates/panel.html`): a task's rendered description, its
//! dependencies and dependents, the moves it may make, its attempts and its
//! status history. Built from several use cases; rendered on its own (htmx swaps
//! it into the board's side panel) or inside the board page for a deep link.

use askama::Template;
use cadre_app::{App, TaskQuery};
use cadre_core::{Attempt, AttemptStatus, ProjectRef, Task, TaskRef, TaskStatus};

use super::cards::status_title;
use super::error::UiResult;
use super::fmt::{When, duration, when};
use super::markdown;

/// A task named next to another one.
pub(crate) struct TaskLinkView {
    /// Key.
    pub key: String,
    /// Title.
    pub title: String,
    /// Status name.
    pub status: &'static str,
    /// Status heading.
    pub status_title: &'static str,
}

/// A status the task may move to.
pub(crate) struct MoveOption {
    /// Status name.
    pub status: &'static str,
    /// Heading.
    pub title: &'static str,
}

/// One attempt in the panel's list.
pub(crate) struct AttemptRowView {
    /// Id.
    pub id: String,
    /// Agent id.
    pub agent: String,
    /// Status name.
    pub status: &'static str,
    /// Running, for the spinner.
    pub live: bool,
    /// How long it ran.
    pub duration: String,
    /// Work branch.
    pub branch: String,
    /// When it was created.
    pub created: When,
}

/// One status change.
pub(crate) struct TransitionRow {
    /// From heading.
    pub from: &'static str,
    /// To heading.
    pub to: &'static str,
    /// `user`, `agent` or `system`.
    pub actor: &'static str,
    /// Why.
    pub reason: String,
    /// When.
    pub at: When,
}

/// `templates/panel.html`.
#[derive(Template)]
#[template(path = "panel.html")]
pub(crate) struct TaskPanel {
    /// Project key.
    pub project: String,
    /// Task key.
    pub key: String,
    /// Title.
    pub title: String,
    /// Status name.
    pub status: &'static str,
    /// Status heading.
    pub status_title: &'static str,
    /// Priority name.
    pub priority: &'static str,
    /// Labels.
    pub labels: Vec<String>,
    /// Sanitized HTML of the description; empty when there is none.
    pub description_html: String,
    /// Statuses it may move to.
    pub moves: Vec<MoveOption>,
    /// What it depends on.
    pub deps: Vec<TaskLinkView>,
    /// What depends on it.
    pub dependents: Vec<TaskLinkView>,
    /// Tasks it could depend on (same project, not itself, not already).
    pub candidates: Vec<TaskLinkView>,
    /// Attempts, newest first.
    pub attempts: Vec<AttemptRowView>,
    /// Status history, newest first.
    pub history: Vec<TransitionRow>,
}

fn link(task: &Task) -> TaskLinkView {
    TaskLinkView {
        key: task.key.to_string(),
        title: task.title.clone(),
        status: task.status.as_str(),
        status_title: status_title(task.status),
    }
}

fn attempt_row(a: Attempt) -> AttemptRowView {
    AttemptRowView {
        id: a.id.to_string(),
        live: matches!(
            a.status,
            AttemptStatus::Queued | AttemptStatus::Running | AttemptStatus::Stopping
        ),
        status: a.status.as_str(),
        duration: duration(a.started_at, a.finished_at),
        branch: a.branch.unwrap_or_default(),
        created: when(a.created_at),
        agent: a.agent,
    }
}

impl TaskPanel {
    /// Loads everything the panel of `task` shows.
    pub(crate) async fn load(app: &App, task: &TaskRef) -> UiResult<Self> {
        let task = app.task(task).await?;
        let id = TaskRef::Id(task.id);
        let siblings = app
            .tasks(&TaskQuery {
                project: Some(ProjectRef::Id(task.project_id)),
                ..Default::default()
            })
            .await?;
        let mut attempts = app.attempts_of_task(&id).await?;
        attempts.reverse();
        let mut history = app.task_transitions(&id).await?;
        history.reverse();
        let dep_ids: Vec<_> = task.depends_on.iter().map(|d| d.id).collect();
        let deps = siblings
            .iter()
            .filter(|t| dep_ids.contains(&t.id))
            .map(link)
            .collect();
        let dependents = siblings
            .iter()
            .filter(|t| t.depends_on.iter().any(|d| d.id == task.id))
            .map(link)
            .collect();
        let candidates = siblings
            .iter()
            .filter(|t| t.id != task.id && !dep_ids.contains(&t.id))
            .map(link)
            .collect();
        let project = task.key.project.to_string();
        Ok(Self {
            project,
            key: task.key.to_string(),
            status: task.status.as_str(),
            status_title: status_title(task.status),
            priority: task.priority.as_str(),
            moves: task
                .status
                .allowed_moves()
                .iter()
                .map(|&s: &TaskStatus| MoveOption {
                    status: s.as_str(),
                    title: status_title(s),
                })
                .collect(),
            description_html: if task.description.trim().is_empty() {
                String::new()
            } else {
                markdown::to_html(&task.description)
            },
            deps,
            dependents,
            candidates,
            attempts: attempts.into_iter().map(attempt_row).collect(),
            history: history
                .into_iter()
                .map(|t| TransitionRow {
                    from: status_title(t.from),
                    to: status_title(t.to),
                    actor: t.actor.as_str(),
                    reason: t.reason.unwrap_or_default(),
                    at: when(t.at),
                })
                .collect(),
            labels: task.labels,
            title: task.title,
        })
    }
}
