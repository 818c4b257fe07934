//! Board events: the append-only record of every state change.
//!
//! Each change appends one event in the same transaction as the change itself, with
//! a global, strictly increasing `seq`. Live subscribers get events from an
//! in-process broadcast; anyone who missed some replays them by `seq`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{AttemptId, GoalId, ProjectId, TaskId, Timestamp};

macro_rules! event_kinds {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)*) => {
        /// What happened. The dotted name (`task.moved`) is the wire and database form.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum EventKind {
            $($(#[$doc])* $variant,)*
        }

        impl EventKind {
            /// Every kind.
            pub const ALL: &'static [EventKind] = &[$(EventKind::$variant,)*];

            /// The dotted name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(EventKind::$variant => $name,)*
                }
            }
        }
    };
}

event_kinds! {
    /// A project was added.
    ProjectCreated => "project.created",
    /// A project's settings changed.
    ProjectUpdated => "project.updated",
    /// A project was removed.
    ProjectDeleted => "project.deleted",
    /// A task was created.
    TaskCreated => "task.created",
    /// A task's content changed.
    TaskUpdated => "task.updated",
    /// A task changed status or position.
    TaskMoved => "task.moved",
    /// A task was deleted.
    TaskDeleted => "task.deleted",
    /// A dependency was added to a task.
    TaskDependencyAdded => "task.dependency.added",
    /// A dependency was removed from a task.
    TaskDependencyRemoved => "task.dependency.removed",
    /// A goal was created.
    GoalCreated => "goal.created",
    /// A goal changed.
    GoalUpdated => "goal.updated",
    /// A goal was deleted.
    GoalDeleted => "goal.deleted",
    /// An attempt was created and waits to start.
    AttemptQueued => "attempt.queued",
    /// An attempt's agent process started.
    AttemptStarted => "attempt.started",
    /// An attempt changed status.
    AttemptStatusChanged => "attempt.status.changed",
    /// The agent's session id was captured.
    AttemptSessionRecorded => "attempt.session.recorded",
    /// A follow-up was queued or sent.
    AttemptFollowupQueued => "attempt.followup.queued",
    /// An attempt's run ended (succeeded or failed).
    AttemptCompleted => "attempt.completed",
    /// Log entries were appended to an attempt (payload: the seq range).
    AttemptLogAppended => "attempt.log.appended",
    /// User or assistant messages were appended to an attempt's conversation.
    AttemptConversationAppended => "attempt.conversation.appended",
    /// An attempt was started again by hand (retry counters reset).
    AttemptRetried => "attempt.retried",
    /// An attempt was stopped by a person.
    AttemptStopped => "attempt.stopped",
    /// A profile was created or replaced.
    ProfileSaved => "profile.saved",
    /// A profile was removed.
    ProfileDeleted => "profile.deleted",
    /// An attempt's worktree was created.
    WorktreeCreated => "worktree.created",
    /// An attempt's worktree was removed (its work kept in its branch or snapshot).
    WorktreeRemoved => "worktree.removed",
    /// A cleaned-up worktree was recreated.
    WorktreeRestored => "worktree.restored",
    /// Uncommitted work was snapshotted to a hidden ref.
    WorktreeSnapshotted => "worktree.snapshotted",
    /// cadre is about to commit what the agent left uncommitted.
    AttemptAutocommitRequested => "attempt.autocommit.requested",
    /// An agent's setup script ran.
    AttemptSetupFinished => "attempt.setup.finished",
    /// A commit was made in an attempt's worktree.
    GitCommitCreated => "git.commit.created",
    /// An attempt's branch was rebased onto its base.
    GitRebased => "git.rebased",
    /// A rebase hit conflicts and was aborted.
    GitRebaseConflicted => "git.rebase.conflicted",
    /// An attempt's branch was merged into its base.
    GitMerged => "git.merged",
    /// A merge was refused (base moved, dirty checkout, conflicts).
    GitMergeRefused => "git.merge.refused",
    /// An attempt's branch was pushed.
    GitPushed => "git.pushed",
    /// A pull request was opened.
    GitPrCreated => "git.pr.created",
    /// A pull request changed state on its forge.
    GitPrStatusChanged => "git.pr.status.changed",
    /// Opening an editor was requested.
    EditorOpenRequested => "editor.open.requested",
    /// The editor started.
    EditorOpenSucceeded => "editor.open.succeeded",
    /// The editor could not be started.
    EditorOpenFailed => "editor.open.failed",
    /// A preview (dev) process started.
    PreviewStarted => "preview.started",
    /// A preview (dev) process stopped.
    PreviewStopped => "preview.stopped",
    /// The files of a running attempt's worktree changed (debounced).
    AttemptDiffChanged => "attempt.diff.changed",
    /// A review comment was written on an attempt's diff.
    ReviewCommentCreated => "review.comment.created",
    /// A review comment was resolved (sent to the agent, or marked by hand).
    ReviewCommentResolved => "review.comment.resolved",
    /// A review comment was deleted.
    ReviewCommentDeleted => "review.comment.deleted",
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An event name that cadre does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown event kind `{0}`")]
pub struct UnknownEventKind(pub String);

impl FromStr for EventKind {
    type Err = UnknownEventKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownEventKind(s.to_owned()))
    }
}

impl Serialize for EventKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

/// Who caused a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// A person, through the UI, CLI or API.
    #[default]
    User,
    /// A coding agent.
    Agent,
    /// cadre itself (scheduler, reconciliation, cleanup).
    System,
}

impl Actor {
    /// The wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Actor::User => "user",
            Actor::Agent => "agent",
            Actor::System => "system",
        }
    }
}

impl FromStr for Actor {
    type Err = crate::ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "user" => Ok(Actor::User),
            "agent" => Ok(Actor::Agent),
            "system" => Ok(Actor::System),
            other => Err(crate::ValidationError::new(
                "actor",
                format!("`{other}` is not an actor: use user, agent or system"),
            )),
        }
    }
}

/// An event about to be appended; the store assigns `seq` and the time.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// What happened.
    pub kind: EventKind,
    /// Project concerned, if any.
    pub project_id: Option<ProjectId>,
    /// Task concerned, if any.
    pub task_id: Option<TaskId>,
    /// Goal concerned, if any.
    pub goal_id: Option<GoalId>,
    /// Attempt concerned, if any.
    pub attempt_id: Option<AttemptId>,
    /// Kind-specific details, usually a snapshot of the entity after the change.
    pub payload: serde_json::Value,
}

impl NewEvent {
    /// An event of `kind` with `payload` and no entity ids yet.
    pub fn new(kind: EventKind, payload: serde_json::Value) -> Self {
        Self {
            kind,
            project_id: None,
            task_id: None,
            goal_id: None,
            attempt_id: None,
            payload,
        }
    }

    /// Sets the project.
    pub fn project(mut self, id: ProjectId) -> Self {
        self.project_id = Some(id);
        self
    }

    /// Sets the task.
    pub fn task(mut self, id: TaskId) -> Self {
        self.task_id = Some(id);
        self
    }

    /// Sets the goal.
    pub fn goal(mut self, id: GoalId) -> Self {
        self.goal_id = Some(id);
        self
    }

    /// Sets the attempt.
    pub fn attempt(mut self, id: AttemptId) -> Self {
        self.attempt_id = Some(id);
        self
    }
}

/// An event as recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Global position in the log, strictly increasing, from 1.
    pub seq: i64,
    /// What happened.
    pub kind: EventKind,
    /// Project concerned, if any.
    pub project_id: Option<ProjectId>,
    /// Task concerned, if any.
    pub task_id: Option<TaskId>,
    /// Goal concerned, if any.
    pub goal_id: Option<GoalId>,
    /// Attempt concerned, if any.
    pub attempt_id: Option<AttemptId>,
    /// Kind-specific details.
    pub payload: serde_json::Value,
    /// When it was recorded.
    pub created_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_kind_names_are_unique_dotted_and_round_trip() {
        let mut names = std::collections::HashSet::new();
        for kind in EventKind::ALL {
            assert!(names.insert(kind.as_str()), "duplicate {kind}");
            assert!(kind.as_str().contains('.'), "{kind}");
            assert_eq!(kind.as_str().parse::<EventKind>(), Ok(*kind));
        }
        assert!("task.exploded".parse::<EventKind>().is_err());
    }
}
