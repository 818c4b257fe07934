//! Wire types: the JSON shapes of the API. Domain types are converted here, at the
//! edge, so the API can stay stable while the domain evolves. Field names are part
//! of the public contract (the CLI's `--json` output prints these shapes).

use cadre_core::{Event, Goal, Project, Task, TaskLink, TaskTransition, Timestamp};
use serde::{Deserialize, Deserializer, Serialize};

/// A project.
#[derive(Debug, Serialize, Deserialize)]
pub struct ProjectView {
    /// Id.
    pub id: String,
    /// Key, e.g. `WEB`.
    pub key: String,
    /// Name.
    pub name: String,
    /// Main checkout.
    pub repo_path: String,
    /// Base branch.
    pub base_branch: String,
    /// Setup script.
    pub setup_script: Option<String>,
    /// Cleanup script.
    pub cleanup_script: Option<String>,
    /// Dev (preview) script.
    pub dev_script: Option<String>,
    /// Copy-files globs.
    pub copy_files: Vec<String>,
    /// Verification commands (argv lists).
    pub verify_commands: Vec<Vec<String>>,
    /// Default agent.
    pub default_agent: Option<String>,
    /// Created.
    pub created_at: Timestamp,
    /// Updated.
    pub updated_at: Timestamp,
}

impl From<Project> for ProjectView {
    fn from(p: Project) -> Self {
        Self {
            id: p.id.to_string(),
            key: p.key.to_string(),
            name: p.name,
            repo_path: p.repo_path.display().to_string(),
            base_branch: p.base_branch,
            setup_script: p.setup_script,
            cleanup_script: p.cleanup_script,
            dev_script: p.dev_script,
            copy_files: p.copy_files,
            verify_commands: p.verify_commands,
            default_agent: p.default_agent,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A short reference to a task.
#[derive(Debug, Serialize, Deserialize)]
pub struct TaskLinkView {
    /// Id.
    pub id: String,
    /// Key.
    pub key: String,
    /// Title.
    pub title: String,
    /// Status.
    pub status: String,
}

impl From<TaskLink> for TaskLinkView {
    fn from(l: TaskLink) -> Self {
        Self {
            id: l.id.to_string(),
            key: l.key.to_string(),
            title: l.title,
            status: l.status.to_string(),
        }
    }
}

/// A task.
#[derive(Debug, Serialize, Deserialize)]
pub struct TaskView {
    /// Id.
    pub id: String,
    /// Key, e.g. `WEB-12`.
    pub key: String,
    /// Owning project id.
    pub project_id: String,
    /// Title.
    pub title: String,
    /// Markdown description.
    pub description: String,
    /// Status.
    pub status: String,
    /// Priority.
    pub priority: String,
    /// Position within its column, from 0.
    pub position: i64,
    /// Labels.
    pub labels: Vec<String>,
    /// Parent task id.
    pub parent_id: Option<String>,
    /// Goal id.
    pub goal_id: Option<String>,
    /// Dependencies.
    pub depends_on: Vec<TaskLinkView>,
    /// Created.
    pub created_at: Timestamp,
    /// Updated.
    pub updated_at: Timestamp,
}

impl From<Task> for TaskView {
    fn from(t: Task) -> Self {
        Self {
            id: t.id.to_string(),
            key: t.key.to_string(),
            project_id: t.project_id.to_string(),
            title: t.title,
            description: t.description,
            status: t.status.to_string(),
            priority: t.priority.to_string(),
            position: t.position,
            labels: t.labels,
            parent_id: t.parent_id.map(|p| p.to_string()),
            goal_id: t.goal_id.map(|g| g.to_string()),
            depends_on: t.depends_on.into_iter().map(Into::into).collect(),
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// A status change in a task's history.
#[derive(Debug, Serialize, Deserialize)]
pub struct TransitionView {
    /// From.
    pub from: String,
    /// To.
    pub to: String,
    /// `user`, `agent` or `system`.
    pub actor: String,
    /// Why.
    pub reason: Option<String>,
    /// When.
    pub at: Timestamp,
}

impl From<TaskTransition> for TransitionView {
    fn from(t: TaskTransition) -> Self {
        Self {
            from: t.from.to_string(),
            to: t.to.to_string(),
            actor: t.actor.as_str().to_owned(),
            reason: t.reason,
            at: t.at,
        }
    }
}

/// A goal.
#[derive(Debug, Serialize, Deserialize)]
pub struct GoalView {
    /// Id.
    pub id: String,
    /// Owning project id.
    pub project_id: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// `active`, `completed` or `archived`.
    pub status: String,
    /// Created.
    pub created_at: Timestamp,
    /// Updated.
    pub updated_at: Timestamp,
}

impl From<Goal> for GoalView {
    fn from(g: Goal) -> Self {
        Self {
            id: g.id.to_string(),
            project_id: g.project_id.to_string(),
            title: g.title,
            description: g.description,
            status: g.status.to_string(),
            created_at: g.created_at,
            updated_at: g.updated_at,
        }
    }
}

/// A board event.
#[derive(Debug, Serialize, Deserialize)]
pub struct EventView {
    /// Position in the log.
    pub seq: i64,
    /// Dotted kind, e.g. `task.moved`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Project id.
    pub project_id: Option<String>,
    /// Task id.
    pub task_id: Option<String>,
    /// Goal id.
    pub goal_id: Option<String>,
    /// Attempt id.
    pub attempt_id: Option<String>,
    /// Details.
    pub payload: serde_json::Value,
    /// When.
    pub created_at: Timestamp,
}

impl From<&Event> for EventView {
    fn from(e: &Event) -> Self {
        Self {
            seq: e.seq,
            kind: e.kind.to_string(),
            project_id: e.project_id.map(|i| i.to_string()),
            task_id: e.task_id.map(|i| i.to_string()),
            goal_id: e.goal_id.map(|i| i.to_string()),
            attempt_id: e.attempt_id.map(|i| i.to_string()),
            payload: e.payload.clone(),
            created_at: e.created_at,
        }
    }
}

/// Deserializes a field that distinguishes "absent" (`None`) from "null"
/// (`Some(None)`), for PATCH bodies that can clear optional fields.
pub fn double_option<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}
