//! Tasks: the cards on the board, their keys, priorities and patches.

mod cursor;
mod status;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use cursor::TaskCursor;
pub use status::{TaskStatus, TransitionError, check_dependencies};

use crate::error::{ValidationError, require_text};
use crate::{GoalId, ProjectId, ProjectKey, TaskId, Timestamp};

/// A task's human key, `<PROJECT-KEY>-<number>`, e.g. `WEB-12`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TaskKey {
    /// The project's key.
    pub project: ProjectKey,
    /// The task's number within its project, from 1.
    pub number: i64,
}

impl TaskKey {
    /// Builds a key from its parts.
    pub fn new(project: ProjectKey, number: i64) -> Self {
        Self { project, number }
    }
}

impl fmt::Display for TaskKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.project, self.number)
    }
}

impl FromStr for TaskKey {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || {
            ValidationError::new(
                "task",
                format!("`{s}` is not a task key: use PROJECT-NUMBER, e.g. WEB-12"),
            )
        };
        let (project, number) = s.trim().rsplit_once('-').ok_or_else(invalid)?;
        let project = ProjectKey::parse(&project.to_ascii_uppercase()).map_err(|_| invalid())?;
        let number: i64 = number.parse().map_err(|_| invalid())?;
        if number < 1 {
            return Err(invalid());
        }
        Ok(Self { project, number })
    }
}

impl TryFrom<String> for TaskKey {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<TaskKey> for String {
    fn from(k: TaskKey) -> String {
        k.to_string()
    }
}

/// How a caller names a task: by id or by human key. Both are accepted wherever a
/// task is named (API paths, CLI arguments), since people type keys and programs
/// keep ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskRef {
    /// By id.
    Id(TaskId),
    /// By key, e.g. `WEB-12`.
    Key(TaskKey),
}

impl FromStr for TaskRef {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.parse::<TaskId>() {
            Ok(id) => Ok(TaskRef::Id(id)),
            Err(_) => s.parse().map(TaskRef::Key),
        }
    }
}

impl fmt::Display for TaskRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskRef::Id(id) => id.fmt(f),
            TaskRef::Key(key) => key.fmt(f),
        }
    }
}

/// How urgent a task is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Whenever.
    Low,
    /// The default.
    #[default]
    Medium,
    /// Soon.
    High,
    /// Now.
    Urgent,
}

impl Priority {
    /// Every priority, lowest first.
    pub const ALL: [Priority; 4] = [
        Priority::Low,
        Priority::Medium,
        Priority::High,
        Priority::Urgent,
    ];

    /// The wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Medium => "medium",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Priority {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == lower)
            .ok_or_else(|| {
                ValidationError::new(
                    "priority",
                    format!("`{s}` is not a priority: use low, medium, high or urgent"),
                )
            })
    }
}

/// A reference to another task, as shown next to a task (dependencies, parent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskLink {
    /// Its id.
    pub id: TaskId,
    /// Its human key.
    pub key: TaskKey,
    /// Its title.
    pub title: String,
    /// Its status.
    pub status: TaskStatus,
}

/// A task as stored, with its dependencies resolved to links.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Task {
    /// Identity.
    pub id: TaskId,
    /// Owning project.
    pub project_id: ProjectId,
    /// Human key, e.g. `WEB-12`.
    pub key: TaskKey,
    /// One-line title.
    pub title: String,
    /// Markdown description.
    pub description: String,
    /// Board column.
    pub status: TaskStatus,
    /// Urgency.
    pub priority: Priority,
    /// 0-based order within its column.
    pub position: i64,
    /// Free-form labels, sorted and without duplicates.
    pub labels: Vec<String>,
    /// Parent task, for sub-tasks.
    pub parent_id: Option<TaskId>,
    /// Goal the task belongs to.
    pub goal_id: Option<GoalId>,
    /// Tasks this one depends on.
    pub depends_on: Vec<TaskLink>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

/// One recorded status change of a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskTransition {
    /// Status before.
    pub from: TaskStatus,
    /// Status after.
    pub to: TaskStatus,
    /// Who moved it.
    pub actor: crate::Actor,
    /// Why, when given.
    pub reason: Option<String>,
    /// When.
    pub at: Timestamp,
}

/// What a user supplies to create a task.
#[derive(Debug, Clone, Default)]
pub struct NewTask {
    /// Title.
    pub title: String,
    /// Markdown description.
    pub description: String,
    /// Initial status; `todo` when absent.
    pub status: Option<TaskStatus>,
    /// Priority.
    pub priority: Priority,
    /// Labels.
    pub labels: Vec<String>,
    /// Parent task.
    pub parent_id: Option<TaskId>,
    /// Goal.
    pub goal_id: Option<GoalId>,
    /// Dependencies, by id.
    pub depends_on: Vec<TaskId>,
}

/// A partial update of a task's content (status moves go through the state machine
/// instead). `Some(None)` clears an optional field.
#[derive(Debug, Clone, Default)]
pub struct TaskPatch {
    /// New title.
    pub title: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New priority.
    pub priority: Option<Priority>,
    /// New labels.
    pub labels: Option<Vec<String>>,
    /// New parent.
    pub parent_id: Option<Option<TaskId>>,
    /// New goal.
    pub goal_id: Option<Option<GoalId>>,
}

/// Longest title accepted, in characters.
pub const MAX_TITLE: usize = 300;
/// Longest description accepted, in bytes (descriptions are markdown documents).
pub const MAX_DESCRIPTION: usize = 100_000;

/// Validates and trims a title.
pub fn validate_title(title: &str) -> Result<String, ValidationError> {
    require_text("title", title, MAX_TITLE)
}

/// Validates a description.
pub fn validate_description(description: &str) -> Result<String, ValidationError> {
    if description.len() > MAX_DESCRIPTION {
        return Err(ValidationError::new(
            "description",
            format!("must be at most {MAX_DESCRIPTION} bytes"),
        ));
    }
    Ok(description.to_owned())
}

/// Normalizes labels: trimmed, non-empty, at most 50 characters, sorted, unique.
pub fn normalize_labels(labels: Vec<String>) -> Result<Vec<String>, ValidationError> {
    let mut out = Vec::with_capacity(labels.len());
    for label in labels {
        let label = label.trim().to_owned();
        if label.is_empty() || label.chars().count() > 50 || label.contains(',') {
            return Err(ValidationError::new(
                "labels",
                format!("`{label}` is not a label: use 1 to 50 characters without commas"),
            ));
        }
        out.push(label);
    }
    out.sort();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_keys_parse_and_print() {
        let key: TaskKey = "WEB-12".parse().expect("valid key");
        assert_eq!(key.project.as_str(), "WEB");
        assert_eq!(key.number, 12);
        assert_eq!(key.to_string(), "WEB-12");
        assert_eq!(
            "web-3"
                .parse::<TaskKey>()
                .expect("lowercase accepted")
                .to_string(),
            "WEB-3"
        );
    }

    #[test]
    fn malformed_task_keys_are_rejected_with_an_example() {
        for bad in ["WEB", "WEB-", "WEB-0", "WEB--1", "W-1", "WEB-x", "-1"] {
            let err = bad.parse::<TaskKey>().expect_err(bad);
            assert!(err.message.contains("e.g. WEB-12"), "{bad}: {err}");
        }
    }

    proptest::proptest! {
        /// Task references come from users: parsing never panics, and whatever
        /// parses as a key prints back in canonical form and parses again.
        #[test]
        fn task_refs_never_panic_and_keys_round_trip(raw in "\\PC{0,20}|[A-Za-z]{1,7}-[0-9]{1,4}") {
            if let Ok(TaskRef::Key(key)) = raw.parse::<TaskRef>() {
                proptest::prop_assert_eq!(key.to_string().parse::<TaskKey>(), Ok(key));
            }
            let _ = raw.parse::<crate::ProjectRef>();
        }
    }

    #[test]
    fn labels_are_trimmed_sorted_and_unique() {
        let labels =
            normalize_labels(vec![" ui ".into(), "bug".into(), "ui".into()]).expect("valid");
        assert_eq!(labels, vec!["bug", "ui"]);
        assert!(normalize_labels(vec!["".into()]).is_err());
    }

    #[test]
    fn titles_must_have_content() {
        assert_eq!(validate_title("  Fix login  ").expect("valid"), "Fix login");
        assert_eq!(validate_title("   ").expect_err("blank").field, "title");
        assert!(validate_title(&"x".repeat(MAX_TITLE + 1)).is_err());
    }
}
