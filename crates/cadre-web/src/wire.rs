//! Wire types: the JSON shapes of the API. Domain types are converted here, at the
//! edge, so the API can stay stable while the domain evolves. Field names are part
//! of the public contract (the CLI's `--json` output prints these shapes).

use cadre_core::{Event, Goal, Project, Task, TaskLink, TaskTransition};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

/// A project: a git repository whose tasks live on the board.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProjectView {
    /// The project's id (a UUID).
    pub id: String,
    /// Short uppercase key that prefixes its task keys, e.g. `WEB`.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Absolute path of the repository's main checkout.
    pub repo_path: String,
    /// Branch attempts start from and merge into.
    pub base_branch: String,
    /// Shell script run in a new worktree before the agent starts.
    pub setup_script: Option<String>,
    /// Shell script run before a worktree is removed.
    pub cleanup_script: Option<String>,
    /// Shell script that starts the project's dev server for previews (gets `PORT`).
    pub dev_script: Option<String>,
    /// Globs of untracked files (e.g. `.env`) copied from the main checkout into new worktrees.
    pub copy_files: Vec<String>,
    /// Verification commands (argv lists).
    pub verify_commands: Vec<Vec<String>>,
    /// Agent used when an attempt names none, e.g. `claude-code`.
    pub default_agent: Option<String>,
    /// Commit what an agent leaves uncommitted when its run ends.
    pub auto_commit: bool,
    /// Start the agent even when the setup script fails.
    pub allow_setup_failure: bool,
    /// Standing instructions added to every prompt.
    pub instructions: Option<String>,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
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
            auto_commit: p.auto_commit,
            allow_setup_failure: p.allow_setup_failure,
            instructions: p.instructions,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A short reference to a task.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TaskLinkView {
    /// The task's id (a UUID).
    pub id: String,
    /// The task's key, e.g. `WEB-12`.
    pub key: String,
    /// Its title.
    pub title: String,
    /// Its status.
    #[schema(value_type = crate::openapi::TaskStatus)]
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

/// A task: a card on the board.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TaskView {
    /// The task's id (a UUID).
    pub id: String,
    /// Key, e.g. `WEB-12`; never reused.
    pub key: String,
    /// Id of the project it belongs to.
    pub project_id: String,
    /// Title.
    pub title: String,
    /// Markdown description.
    pub description: String,
    /// Column it is in.
    #[schema(value_type = crate::openapi::TaskStatus)]
    pub status: String,
    /// How urgent it is.
    #[schema(value_type = crate::openapi::Priority)]
    pub priority: String,
    /// Position within its column, from 0.
    pub position: i64,
    /// Free-form labels.
    pub labels: Vec<String>,
    /// Id of the parent task, for subtasks.
    pub parent_id: Option<String>,
    /// Id of the goal it serves.
    pub goal_id: Option<String>,
    /// Tasks that must be done before this one can start.
    pub depends_on: Vec<TaskLinkView>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
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
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TransitionView {
    /// Status before.
    #[schema(value_type = crate::openapi::TaskStatus)]
    pub from: String,
    /// Status after.
    #[schema(value_type = crate::openapi::TaskStatus)]
    pub to: String,
    /// Who moved it.
    #[schema(value_type = crate::openapi::Actor)]
    pub actor: String,
    /// Why, when given.
    pub reason: Option<String>,
    /// When it moved.
    pub at: DateTime<Utc>,
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

/// A goal: an outcome that groups tasks of one project.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct GoalView {
    /// The goal's id (a UUID).
    pub id: String,
    /// Id of the project it belongs to.
    pub project_id: String,
    /// Title.
    pub title: String,
    /// Markdown description.
    pub description: String,
    /// Where it stands.
    #[schema(value_type = crate::openapi::GoalStatus)]
    pub status: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
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

/// A board event: one entry of the global event log.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EventView {
    /// Position in the log: strictly increasing, never reused. Resume from it with
    /// `?since=` or `Last-Event-ID`.
    pub seq: i64,
    /// Dotted kind, e.g. `task.moved`.
    #[serde(rename = "type")]
    #[schema(value_type = crate::openapi::EventKind)]
    pub kind: String,
    /// Project it concerns, if any.
    pub project_id: Option<String>,
    /// Task it concerns, if any.
    pub task_id: Option<String>,
    /// Goal it concerns, if any.
    pub goal_id: Option<String>,
    /// Attempt it concerns, if any.
    pub attempt_id: Option<String>,
    /// Details of the change; the fields depend on the kind.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
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

/// An attempt: one agent working on one task in its own worktree and branch.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AttemptView {
    /// The attempt's id (a UUID).
    pub id: String,
    /// Id of the task it works on.
    pub task_id: String,
    /// Id of the task's project.
    pub project_id: String,
    /// Agent id, e.g. `claude-code`.
    pub agent: String,
    /// Name of the profile it runs with, if any.
    pub profile: Option<String>,
    /// The prompt the agent was started with.
    pub prompt: String,
    /// Branch it started from and merges into.
    pub base_branch: String,
    /// Its work branch.
    pub branch: Option<String>,
    /// Its worktree; null once cleaned up (restore brings it back).
    pub worktree_path: Option<String>,
    /// Where it stands.
    #[schema(value_type = crate::openapi::AttemptStatus)]
    pub status: String,
    /// The agent's session id, used to resume it for follow-ups.
    pub session_id: Option<String>,
    /// Head commit of its branch when the last run ended.
    pub head_commit: Option<String>,
    /// The agent's final message.
    pub summary: Option<String>,
    /// Why it failed or stopped.
    pub failure_reason: Option<String>,
    /// Automatic retries of transient failures so far.
    pub retry_count: i64,
    /// The attempt this one refines (continuing its session and worktree).
    pub parent_attempt_id: Option<String>,
    /// Whether this attempt created its worktree (and may remove it).
    pub owns_worktree: bool,
    /// Something to know that is not a failure (e.g. uncommitted changes left).
    pub warning: Option<String>,
    /// Size of the change against the base when the last run ended.
    pub diff_stat: Option<DiffTotalsView>,
    /// Automatic restarts after crashes so far.
    pub crash_retries: i64,
    /// The pull request opened from the branch.
    pub pull_request: Option<PullRequestView>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When its first process started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it settled.
    pub finished_at: Option<DateTime<Utc>>,
}

/// Files changed and lines added and removed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DiffTotalsView {
    /// Files changed.
    pub files: i64,
    /// Lines added.
    pub additions: i64,
    /// Lines removed.
    pub deletions: i64,
}

/// A pull (merge) request.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PullRequestView {
    /// Web address.
    pub url: String,
    /// Number on the forge.
    pub number: Option<i64>,
    /// Where it stands on the forge.
    #[schema(value_type = crate::openapi::PrState)]
    pub state: String,
}

impl From<cadre_core::Attempt> for AttemptView {
    fn from(a: cadre_core::Attempt) -> Self {
        Self {
            id: a.id.to_string(),
            task_id: a.task_id.to_string(),
            project_id: a.project_id.to_string(),
            agent: a.agent,
            profile: a.profile,
            prompt: a.prompt,
            base_branch: a.base_branch,
            branch: a.branch,
            worktree_path: a.worktree_path.map(|p| p.display().to_string()),
            status: a.status.to_string(),
            session_id: a.session_id,
            head_commit: a.head_commit,
            summary: a.summary,
            failure_reason: a.failure_reason,
            retry_count: a.retry_count,
            parent_attempt_id: a.parent_attempt_id.map(|p| p.to_string()),
            owns_worktree: a.owns_worktree,
            warning: a.warning,
            diff_stat: a.diff_stat.map(|d| DiffTotalsView {
                files: d.files,
                additions: d.additions,
                deletions: d.deletions,
            }),
            crash_retries: a.crash_retries,
            pull_request: a.pull_request.map(|p| PullRequestView {
                url: p.url,
                number: p.number,
                state: p.state.to_string(),
            }),
            created_at: a.created_at,
            started_at: a.started_at,
            finished_at: a.finished_at,
        }
    }
}

/// A process an attempt ran: its setup script, an agent turn, a verification, a
/// cleanup or its preview server.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProcessView {
    /// The process's id (a UUID).
    pub id: String,
    /// What it is for.
    #[schema(value_type = crate::openapi::ProcessKind)]
    pub kind: String,
    /// Its command line.
    pub argv: Vec<String>,
    /// Its working directory.
    pub cwd: String,
    /// Its operating-system pid.
    pub pid: Option<i32>,
    /// Where it stands.
    #[schema(value_type = crate::openapi::ProcessStatus)]
    pub status: String,
    /// Exit code, once it exited.
    pub exit_code: Option<i32>,
    /// Signal that ended it, if one did.
    pub signal: Option<i32>,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<cadre_core::ExecutionProcess> for ProcessView {
    fn from(p: cadre_core::ExecutionProcess) -> Self {
        Self {
            id: p.id.to_string(),
            kind: p.kind.to_string(),
            argv: p.argv,
            cwd: p.cwd.display().to_string(),
            pid: p.pid,
            status: p.status.to_string(),
            exit_code: p.exit_code,
            signal: p.signal,
            started_at: p.started_at,
            finished_at: p.finished_at,
        }
    }
}

/// An attempt with its processes: every field of the attempt, plus `processes`
/// and `log_len`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AttemptDetailView {
    /// The attempt.
    #[serde(flatten)]
    pub attempt: AttemptView,
    /// Its processes, oldest first.
    pub processes: Vec<ProcessView>,
    /// Number of entries in its log.
    pub log_len: i64,
}

/// One normalized log entry. `entry` has a `kind` tag (`assistant_message`,
/// `tool_call`, ...) and the kind's fields.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LogEntryView {
    /// Position within the attempt's log, from 1; page and resume with it.
    pub seq: i64,
    /// When it was ingested.
    pub at: DateTime<Utc>,
    /// Process that produced it; null for entries cadre wrote itself.
    pub process_id: Option<String>,
    /// The entry: an object with a `kind` tag and the kind's fields.
    #[schema(value_type = Object)]
    pub entry: serde_json::Value,
}

impl From<cadre_core::LogEntry> for LogEntryView {
    fn from(e: cadre_core::LogEntry) -> Self {
        Self {
            seq: e.seq,
            at: e.at,
            process_id: e.process_id.map(|p| p.to_string()),
            entry: serde_json::to_value(&e.entry).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// An agent profile: a named configuration of an agent CLI.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProfileView {
    /// Name, unique within its scope.
    pub name: String,
    /// Project id, null for a global profile.
    pub project_id: Option<String>,
    /// Agent id, e.g. `claude-code`.
    pub agent: String,
    /// Model passed to the agent.
    pub model: Option<String>,
    /// Extra command-line arguments.
    pub args: Vec<String>,
    /// Extra environment, as `KEY=VALUE` strings.
    pub env: Vec<String>,
    /// A run taking longer is stopped, in seconds.
    pub timeout_secs: Option<i64>,
}

impl From<cadre_core::Profile> for ProfileView {
    fn from(p: cadre_core::Profile) -> Self {
        Self {
            name: p.name,
            project_id: p.project_id.map(|i| i.to_string()),
            agent: p.agent,
            model: p.model,
            args: p.args,
            env: p.env.into_iter().map(|(k, v)| format!("{k}={v}")).collect(),
            timeout_secs: p.timeout_secs,
        }
    }
}

/// An agent CLI as found on this machine.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AgentView {
    /// Id, e.g. `claude-code`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Whether its binary was found.
    pub installed: bool,
    /// Path of its binary, when found.
    pub path: Option<String>,
    /// What its `--version` printed.
    pub version: Option<String>,
}
