//! Attempts (one agent working on one task), their execution processes, stored log
//! entries and agent profiles.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ValidationError;
use crate::log::LogEntryKind;
use crate::{AttemptId, ProjectId, TaskId, Timestamp};

macro_rules! named_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal { $($(#[$vdoc:meta])* $variant:ident => $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
        }

        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The wire and database name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    let names: Vec<_> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    ValidationError::new($field, format!("`{s}` is not valid: use one of {}", names.join(", ")))
                })
            }
        }
    };
}

named_enum!(
    /// Where an attempt stands.
    AttemptStatus, "status" {
        /// Created, waiting to start.
        Queued => "queued",
        /// An agent process is running.
        Running => "running",
        /// A stop was requested; waiting for the process to end.
        Stopping => "stopping",
        /// The agent finished successfully.
        Succeeded => "succeeded",
        /// The agent failed (see the failure reason).
        Failed => "failed",
        /// Stopped by a person.
        Stopped => "stopped",
        /// Its process vanished without an exit status (e.g. the machine rebooted).
        Interrupted => "interrupted",
    }
);

impl AttemptStatus {
    /// Whether the attempt is over (a follow-up may start it again).
    pub fn is_settled(self) -> bool {
        matches!(
            self,
            AttemptStatus::Succeeded
                | AttemptStatus::Failed
                | AttemptStatus::Stopped
                | AttemptStatus::Interrupted
        )
    }
}

named_enum!(
    /// What an execution process is for.
    ProcessKind, "kind" {
        /// The project's setup script.
        Setup => "setup",
        /// The coding agent.
        Agent => "agent",
        /// A verification command.
        Verify => "verify",
        /// The project's cleanup script.
        Cleanup => "cleanup",
        /// A preview (dev server).
        Dev => "dev",
    }
);

named_enum!(
    /// Where an execution process stands.
    ProcessStatus, "status" {
        /// Running (or believed to be; the ingester checks).
        Running => "running",
        /// Ended with an exit status, recorded.
        Exited => "exited",
        /// Could not be started.
        FailedToStart => "failed_to_start",
        /// Vanished without an exit status.
        Lost => "lost",
    }
);

/// One agent run on a task, with its follow-ups.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attempt {
    /// Identity.
    pub id: AttemptId,
    /// The task worked on.
    pub task_id: TaskId,
    /// The task's project.
    pub project_id: ProjectId,
    /// Agent id, e.g. `claude-code`.
    pub agent: String,
    /// Profile name, if one was chosen.
    pub profile: Option<String>,
    /// The initial prompt.
    pub prompt: String,
    /// Branch the work started from.
    pub base_branch: String,
    /// Branch the work is on (once a worktree exists).
    pub branch: Option<String>,
    /// Directory the agent works in; `None` once cleaned up.
    pub worktree_path: Option<PathBuf>,
    /// Status.
    pub status: AttemptStatus,
    /// The agent's session id, for resuming.
    pub session_id: Option<String>,
    /// Commit at the end of the run.
    pub head_commit: Option<String>,
    /// The agent's final message.
    pub summary: Option<String>,
    /// Why it failed or stopped.
    pub failure_reason: Option<String>,
    /// Automatic retries made so far.
    pub retry_count: i64,
    /// The settled attempt this one refines: it continues that attempt's session in
    /// that attempt's worktree.
    pub parent_attempt_id: Option<AttemptId>,
    /// Whether this attempt created its worktree and so may remove it. A refine
    /// attempt borrows its parent's and never owns it.
    pub owns_worktree: bool,
    /// Something to know that is not a failure, e.g. uncommitted changes left behind.
    pub warning: Option<String>,
    /// Size of the change against the base branch when the last run ended.
    pub diff_stat: Option<DiffTotals>,
    /// Automatic restarts after the agent crashed (reset by a manual retry).
    pub crash_retries: i64,
    /// The pull request opened from this attempt's branch.
    pub pull_request: Option<PullRequest>,
    /// Created.
    pub created_at: Timestamp,
    /// First process started.
    pub started_at: Option<Timestamp>,
    /// Settled.
    pub finished_at: Option<Timestamp>,
}

/// What a new attempt starts from; everything else starts empty.
#[derive(Debug, Clone)]
pub struct NewAttempt {
    /// Identity (chosen before the worktree is made, which is named after it).
    pub id: AttemptId,
    /// The task.
    pub task_id: TaskId,
    /// The task's project.
    pub project_id: ProjectId,
    /// Agent id.
    pub agent: String,
    /// Profile name.
    pub profile: Option<String>,
    /// The first prompt.
    pub prompt: String,
    /// Branch the work starts from.
    pub base_branch: String,
}

impl Attempt {
    /// A queued attempt with no worktree, session or results yet.
    pub fn queued(new: NewAttempt, now: Timestamp) -> Self {
        Self {
            id: new.id,
            task_id: new.task_id,
            project_id: new.project_id,
            agent: new.agent,
            profile: new.profile,
            prompt: new.prompt,
            base_branch: new.base_branch,
            branch: None,
            worktree_path: None,
            status: AttemptStatus::Queued,
            session_id: None,
            head_commit: None,
            summary: None,
            failure_reason: None,
            retry_count: 0,
            parent_attempt_id: None,
            owns_worktree: true,
            warning: None,
            diff_stat: None,
            crash_retries: 0,
            pull_request: None,
            created_at: now,
            started_at: None,
            finished_at: None,
        }
    }
}

/// How big a change is: files touched, lines added and removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct DiffTotals {
    /// Files changed.
    pub files: i64,
    /// Lines added.
    pub additions: i64,
    /// Lines removed.
    pub deletions: i64,
}

named_enum!(
    /// Where a pull request stands on its forge.
    PrState, "pr_state" {
        /// Open for review.
        Open => "open",
        /// Merged.
        Merged => "merged",
        /// Closed without merging.
        Closed => "closed",
    }
);

/// A pull (merge) request opened from an attempt's branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PullRequest {
    /// Its web address.
    pub url: String,
    /// Its number on the forge, when known.
    pub number: Option<i64>,
    /// Last known state.
    pub state: PrState,
}

/// Identifies an execution process.
pub type ProcessId = uuid::Uuid;

/// One process run for an attempt.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExecutionProcess {
    /// Identity.
    pub id: ProcessId,
    /// Owning attempt.
    pub attempt_id: AttemptId,
    /// Purpose.
    pub kind: ProcessKind,
    /// Command line.
    pub argv: Vec<String>,
    /// Working directory.
    pub cwd: PathBuf,
    /// Process id of the child, once started.
    pub pid: Option<i32>,
    /// Process group of the child (what stop signals).
    pub pgid: Option<i32>,
    /// Status.
    pub status: ProcessStatus,
    /// Exit code, when it exited normally.
    pub exit_code: Option<i32>,
    /// Signal, when it was killed by one.
    pub signal: Option<i32>,
    /// Directory with its spec, output files and exit record.
    pub run_dir: PathBuf,
    /// Bytes of stdout already ingested.
    pub stdout_offset: i64,
    /// Bytes of stderr already ingested.
    pub stderr_offset: i64,
    /// Started.
    pub started_at: Timestamp,
    /// Ended.
    pub finished_at: Option<Timestamp>,
}

/// A normalized log entry as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogEntry {
    /// Owning attempt.
    pub attempt_id: AttemptId,
    /// Process that produced it (`None` for entries cadre adds, like user messages).
    pub process_id: Option<ProcessId>,
    /// Position within the attempt, from 1.
    pub seq: i64,
    /// When it was ingested.
    pub at: Timestamp,
    /// The entry.
    pub entry: LogEntryKind,
}

/// A named agent configuration: agent, model, extra arguments, environment, timeout.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    /// Name, unique per scope.
    pub name: String,
    /// Project scope; `None` for a global profile.
    pub project_id: Option<ProjectId>,
    /// Agent id.
    pub agent: String,
    /// Model passed to the agent.
    pub model: Option<String>,
    /// Extra command-line arguments.
    pub args: Vec<String>,
    /// Extra environment.
    pub env: Vec<(String, String)>,
    /// Wall-clock limit of one agent process, in seconds.
    pub timeout_secs: Option<i64>,
}

impl Profile {
    /// Validates a profile's fields.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let ok = !self.name.is_empty()
            && self.name.len() <= 64
            && self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !ok {
            return Err(ValidationError::new(
                "name",
                format!(
                    "`{}` is not a profile name: use letters, digits, `-`, `_` or `.`",
                    self.name
                ),
            ));
        }
        if let Some((key, _)) = self
            .env
            .iter()
            .find(|(k, _)| k.is_empty() || k.contains('='))
        {
            return Err(ValidationError::new(
                "env",
                format!("`{key}` is not a variable name"),
            ));
        }
        if self.timeout_secs.is_some_and(|t| t <= 0) {
            return Err(ValidationError::new(
                "timeout",
                "must be a positive number of seconds",
            ));
        }
        Ok(())
    }
}
