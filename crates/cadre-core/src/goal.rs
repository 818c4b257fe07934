//! Goals: a larger outcome that groups tasks of one project.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{ValidationError, require_text};
use crate::{GoalId, ProjectId, Timestamp};

/// A goal's life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum GoalStatus {
    /// Being worked towards.
    #[default]
    Active,
    /// Reached.
    Completed,
    /// Put away.
    Archived,
}

impl GoalStatus {
    /// Every status.
    pub const ALL: [GoalStatus; 3] = [
        GoalStatus::Active,
        GoalStatus::Completed,
        GoalStatus::Archived,
    ];

    /// The wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            GoalStatus::Active => "active",
            GoalStatus::Completed => "completed",
            GoalStatus::Archived => "archived",
        }
    }
}

impl fmt::Display for GoalStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for GoalStatus {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|g| g.as_str() == lower)
            .ok_or_else(|| {
                ValidationError::new(
                    "status",
                    format!("`{s}` is not a goal status: use active, completed or archived"),
                )
            })
    }
}

/// A goal as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Goal {
    /// Identity.
    pub id: GoalId,
    /// Owning project.
    pub project_id: ProjectId,
    /// Title.
    pub title: String,
    /// Markdown description.
    pub description: String,
    /// Life cycle.
    pub status: GoalStatus,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

/// What a user supplies to create a goal.
#[derive(Debug, Clone, Default)]
pub struct NewGoal {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
}

/// A partial update of a goal.
#[derive(Debug, Clone, Default)]
pub struct GoalPatch {
    /// New title.
    pub title: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New status.
    pub status: Option<GoalStatus>,
}

impl NewGoal {
    /// Validates and builds the goal.
    pub fn into_goal(
        self,
        id: GoalId,
        project_id: ProjectId,
        now: Timestamp,
    ) -> Result<Goal, ValidationError> {
        Ok(Goal {
            id,
            project_id,
            title: require_text("title", &self.title, 300)?,
            description: crate::task::validate_description(&self.description)?,
            status: GoalStatus::Active,
            created_at: now,
            updated_at: now,
        })
    }
}

impl Goal {
    /// Applies `patch`, validating what changed.
    pub fn apply(&mut self, patch: GoalPatch, now: Timestamp) -> Result<(), ValidationError> {
        if let Some(title) = patch.title {
            self.title = require_text("title", &title, 300)?;
        }
        if let Some(description) = patch.description {
            self.description = crate::task::validate_description(&description)?;
        }
        if let Some(status) = patch.status {
            self.status = status;
        }
        self.updated_at = now;
        Ok(())
    }
}
