//! The task status state machine. One table, [`TaskStatus::allowed_moves`], decides
//! every transition; nothing else in cadre may hard-code which moves are legal.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ValidationError;

/// Where a task stands on the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", try_from = "String")]
pub enum TaskStatus {
    /// An idea, not yet planned.
    Backlog,
    /// Planned; ready to start once its dependencies are done.
    Todo,
    /// Being worked on by a person or an agent.
    InProgress,
    /// Work is finished and waits for review.
    InReview,
    /// Cannot proceed: a failure, a missing answer, a dependency.
    Blocked,
    /// Finished and accepted.
    Done,
    /// Abandoned.
    Cancelled,
}

use TaskStatus::*;

impl TaskStatus {
    /// Every status, in board column order.
    pub const ALL: [TaskStatus; 7] = [
        Backlog, Todo, InProgress, InReview, Blocked, Done, Cancelled,
    ];

    /// The status's board column, left to right from 0 (its place in [`Self::ALL`]):
    /// the first key of the board order.
    pub fn column(self) -> i64 {
        match self {
            Backlog => 0,
            Todo => 1,
            InProgress => 2,
            InReview => 3,
            Blocked => 4,
            Done => 5,
            Cancelled => 6,
        }
    }

    /// The statuses a task in `self` may move to. This is the whole state machine.
    ///
    /// Why these edges: work is only *finished* (`in_review`, `done`) from a state
    /// where it was actually worked on; `done` and `cancelled` can be reopened, but
    /// only to a planning state or straight back into work.
    pub fn allowed_moves(self) -> &'static [TaskStatus] {
        match self {
            Backlog => &[Todo, InProgress, Cancelled],
            Todo => &[Backlog, InProgress, Blocked, Cancelled],
            InProgress => &[Todo, InReview, Blocked, Done, Cancelled],
            InReview => &[Todo, InProgress, Blocked, Done, Cancelled],
            Blocked => &[Backlog, Todo, InProgress, Cancelled],
            Done => &[Todo, InProgress],
            Cancelled => &[Backlog, Todo],
        }
    }

    /// Checks a move. Staying in the same status (a reorder) is always allowed.
    pub fn check_move(self, to: TaskStatus) -> Result<(), TransitionError> {
        if self == to || self.allowed_moves().contains(&to) {
            Ok(())
        } else {
            Err(TransitionError::Forbidden {
                from: self,
                to,
                allowed: self.allowed_moves().to_vec(),
            })
        }
    }

    /// Whether this status counts as settled for scheduling and cleanup.
    pub fn is_closed(self) -> bool {
        matches!(self, Done | Cancelled)
    }

    /// The wire and database name, e.g. `in_progress`.
    pub fn as_str(self) -> &'static str {
        match self {
            Backlog => "backlog",
            Todo => "todo",
            InProgress => "in_progress",
            InReview => "in_review",
            Blocked => "blocked",
            Done => "done",
            Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TaskStatus {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let normalized = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Self::ALL
            .into_iter()
            .find(|st| st.as_str() == normalized)
            .ok_or_else(|| {
                ValidationError::new(
                    "status",
                    format!("`{s}` is not a status: use one of {}", join(&Self::ALL)),
                )
            })
    }
}

impl TryFrom<String> for TaskStatus {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// Why a status change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The table has no edge from `from` to `to`.
    #[error("cannot move a task from {from} to {to}; from {from} it can move to: {}", join(.allowed))]
    Forbidden {
        /// Current status.
        from: TaskStatus,
        /// Requested status.
        to: TaskStatus,
        /// What the table allows from `from`.
        allowed: Vec<TaskStatus>,
    },
    /// Starting work before the work it depends on is done.
    #[error("cannot start {task}: it depends on {} which {} not done", .pending.join(", "), if .pending.len() == 1 { "is" } else { "are" })]
    DependenciesNotDone {
        /// Human key of the task.
        task: String,
        /// Keys of the dependencies that are not done.
        pending: Vec<String>,
    },
}

/// Checks the dependency gate: a task may enter `in_progress` only when every task
/// it depends on is `done`. `deps` pairs each dependency's key with its status.
pub fn check_dependencies(
    task_key: &str,
    to: TaskStatus,
    deps: &[(String, TaskStatus)],
) -> Result<(), TransitionError> {
    if to != InProgress {
        return Ok(());
    }
    let pending: Vec<String> = deps
        .iter()
        .filter(|(_, status)| *status != Done)
        .map(|(key, _)| key.clone())
        .collect();
    if pending.is_empty() {
        Ok(())
    } else {
        Err(TransitionError::DependenciesNotDone {
            task: task_key.to_owned(),
            pending,
        })
    }
}

fn join(statuses: &[TaskStatus]) -> String {
    statuses
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The full transition table written out as a matrix, row = from, column = to,
    /// in `TaskStatus::ALL` order. Kept independent of `allowed_moves` on purpose:
    /// changing the state machine must change this test too.
    const EXPECTED: [[bool; 7]; 7] = [
        //  backlog todo  in_prog in_rev blocked done  cancelled
        [true, true, true, false, false, false, true], // backlog
        [true, true, true, false, true, false, true],  // todo
        [false, true, true, true, true, true, true],   // in_progress
        [false, true, true, true, true, true, true],   // in_review
        [true, true, true, false, true, false, true],  // blocked
        [false, true, true, false, false, true, false], // done
        [true, true, false, false, false, false, true], // cancelled
    ];

    #[test]
    fn every_move_in_the_table_is_allowed_or_refused_as_specified() {
        for (i, from) in TaskStatus::ALL.into_iter().enumerate() {
            for (j, to) in TaskStatus::ALL.into_iter().enumerate() {
                let result = from.check_move(to);
                assert_eq!(result.is_ok(), EXPECTED[i][j], "{from} -> {to}: {result:?}");
            }
        }
    }

    #[test]
    fn forbidden_move_names_the_allowed_moves() {
        let err = Backlog
            .check_move(Done)
            .expect_err("backlog -> done is forbidden");
        assert_eq!(
            err.to_string(),
            "cannot move a task from backlog to done; from backlog it can move to: todo, in_progress, cancelled"
        );
    }

    #[test]
    fn starting_with_an_unfinished_dependency_is_refused() {
        let deps = vec![("WEB-1".to_owned(), Done), ("WEB-2".to_owned(), Todo)];
        let err = check_dependencies("WEB-3", InProgress, &deps).expect_err("WEB-2 not done");
        assert_eq!(
            err.to_string(),
            "cannot start WEB-3: it depends on WEB-2 which is not done"
        );
    }

    #[test]
    fn dependencies_only_gate_in_progress() {
        let deps = vec![("WEB-1".to_owned(), Todo)];
        assert!(check_dependencies("WEB-3", Todo, &deps).is_ok());
        assert!(check_dependencies("WEB-3", Cancelled, &deps).is_ok());
        let done = vec![("WEB-1".to_owned(), Done)];
        assert!(check_dependencies("WEB-3", InProgress, &done).is_ok());
    }

    #[test]
    fn status_names_round_trip_and_accept_friendly_spellings() {
        for st in TaskStatus::ALL {
            assert_eq!(st.as_str().parse::<TaskStatus>(), Ok(st));
        }
        assert_eq!("In-Progress".parse::<TaskStatus>(), Ok(InProgress));
        let err = "doing".parse::<TaskStatus>().expect_err("unknown");
        assert!(err.message.contains("backlog, todo, in_progress"), "{err}");
    }
}
