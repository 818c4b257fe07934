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
    /// Commit what an agent leaves uncommitted when its run ends.
    pub auto_commit: bool,
    /// Start the agent even when the setup script fails.
    pub allow_setup_failure: bool,
    /// Standing instructions added to every prompt.
    pub instructions: Option<String>,
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
            auto_commit: p.auto_commit,
            allow_setup_failure: p.allow_setup_failure,
            instructions: p.instructions,
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

/// An attempt.
#[derive(Debug, Serialize, Deserialize)]
pub struct AttemptView {
    /// Id.
    pub id: String,
    /// Task id.
    pub task_id: String,
    /// Project id.
    pub project_id: String,
    /// Agent id.
    pub agent: String,
    /// Profile.
    pub profile: Option<String>,
    /// Initial prompt.
    pub prompt: String,
    /// Base branch.
    pub base_branch: String,
    /// Work branch.
    pub branch: Option<String>,
    /// Working directory; null once cleaned up.
    pub worktree_path: Option<String>,
    /// `queued`, `running`, `stopping`, `succeeded`, `failed`, `stopped` or `interrupted`.
    pub status: String,
    /// The agent's session id.
    pub session_id: Option<String>,
    /// Commit at the end.
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
    /// Created.
    pub created_at: Timestamp,
    /// Started.
    pub started_at: Option<Timestamp>,
    /// Finished.
    pub finished_at: Option<Timestamp>,
}

/// Files changed and lines added and removed.
#[derive(Debug, Serialize, Deserialize)]
pub struct DiffTotalsView {
    /// Files changed.
    pub files: i64,
    /// Lines added.
    pub additions: i64,
    /// Lines removed.
    pub deletions: i64,
}

/// A pull (merge) request.
#[derive(Debug, Serialize, Deserialize)]
pub struct PullRequestView {
    /// Web address.
    pub url: String,
    /// Number on the forge.
    pub number: Option<i64>,
    /// `open`, `merged` or `closed`.
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

/// An execution process of an attempt.
#[derive(Debug, Serialize, Deserialize)]
pub struct ProcessView {
    /// Id.
    pub id: String,
    /// `setup`, `agent`, `verify`, `cleanup` or `dev`.
    pub kind: String,
    /// Command line.
    pub argv: Vec<String>,
    /// Working directory.
    pub cwd: String,
    /// Child pid.
    pub pid: Option<i32>,
    /// `running`, `exited`, `failed_to_start` or `lost`.
    pub status: String,
    /// Exit code.
    pub exit_code: Option<i32>,
    /// Terminating signal.
    pub signal: Option<i32>,
    /// Started.
    pub started_at: Timestamp,
    /// Finished.
    pub finished_at: Option<Timestamp>,
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

/// An attempt with its processes.
#[derive(Debug, Serialize, Deserialize)]
pub struct AttemptDetailView {
    /// The attempt.
    #[serde(flatten)]
    pub attempt: AttemptView,
    /// Its processes.
    pub processes: Vec<ProcessView>,
    /// Number of log entries.
    pub log_len: i64,
}

/// One normalized log entry. `entry` has a `kind` tag (`assistant_message`,
/// `tool_call`, ...) and the kind's fields.
#[derive(Debug, Serialize, Deserialize)]
pub struct LogEntryView {
    /// Position within the attempt.
    pub seq: i64,
    /// When it was ingested.
    pub at: Timestamp,
    /// Process that produced it.
    pub process_id: Option<String>,
    /// The entry.
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

/// An agent profile.
#[derive(Debug, Serialize, Deserialize)]
pub struct ProfileView {
    /// Name.
    pub name: String,
    /// Project id, null for a global profile.
    pub project_id: Option<String>,
    /// Agent id.
    pub agent: String,
    /// Model.
    pub model: Option<String>,
    /// Extra arguments.
    pub args: Vec<String>,
    /// Extra environment, as `KEY=VALUE` strings.
    pub env: Vec<String>,
    /// Timeout in seconds.
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
#[derive(Debug, Serialize, Deserialize)]
pub struct AgentView {
    /// Id, e.g. `claude-code`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Whether its binary was found.
    pub installed: bool,
    /// Binary path.
    pub path: Option<String>,
    /// Output of `--version`.
    pub version: Option<String>,
}
