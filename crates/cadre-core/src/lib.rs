//! Domain types and rules of cadre, free of I/O.
//!
//! Everything here is plain data and pure functions: ids, projects, tasks and their
//! status state machine, the dependency graph, goals, board events and the
//! normalized agent log model. The store persists these types; the application
//! layer drives them. Nothing in this crate touches a file, a socket, a process or
//! the clock: timestamps are passed in. (Ids are UUIDv7, whose generation reads the
//! clock inside the `uuid` crate; that is the one exception, kept for convenience.)

#![warn(clippy::unwrap_used)]

pub mod attachment;
pub mod attempt;
pub mod error;
pub mod event;
pub mod goal;
pub mod graph;
pub mod ids;
pub mod log;
pub mod project;
pub mod review;
pub mod task;

pub use attachment::{AttachmentId, ImageKind};
pub use attempt::{
    Attempt, AttemptStatus, DiffTotals, ExecutionProcess, LogEntry, NewAttempt, PrState, ProcessId,
    ProcessKind, ProcessStatus, Profile, PullRequest,
};
pub use error::{DomainError, ValidationError};
pub use event::{Actor, Event, EventKind, NewEvent};
pub use goal::{Goal, GoalPatch, GoalStatus, NewGoal};
pub use graph::CycleError;
pub use ids::{AttemptId, CommentId, GoalId, ProjectId, TaskId};
pub use project::{NewProject, Project, ProjectKey, ProjectPatch, ProjectRef};
pub use review::{DiffSide, NewComment, ReviewComment};
pub use task::{
    NewTask, Priority, Task, TaskCursor, TaskKey, TaskLink, TaskPatch, TaskRef, TaskStatus,
    TaskTransition, TransitionError,
};

/// Timestamps throughout cadre are UTC.
pub type Timestamp = chrono::DateTime<chrono::Utc>;
