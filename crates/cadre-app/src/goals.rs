//! Goal use cases.

use cadre_core::{Goal, GoalId, GoalPatch, GoalStatus, NewGoal, ProjectRef};

use crate::{App, Result, now};

/// Which goals to list.
#[derive(Debug, Clone, Default)]
pub struct GoalFilter {
    /// Only this project's.
    pub project: Option<ProjectRef>,
    /// Only this status.
    pub status: Option<GoalStatus>,
}

impl App {
    /// Creates a goal in `project`.
    pub async fn add_goal(&self, project: &ProjectRef, new: NewGoal) -> Result<Goal> {
        let id = self.project(project).await?.id;
        self.write(|store| async move { store.create_goal(id, new, now()).await })
            .await
    }

    /// The goal with `id`.
    pub async fn goal(&self, id: GoalId) -> Result<Goal> {
        Ok(self.store.goal(id).await?)
    }

    /// Goals matching `filter`.
    pub async fn goals(&self, filter: &GoalFilter) -> Result<Vec<Goal>> {
        let project = match &filter.project {
            Some(p) => Some(self.project(p).await?.id),
            None => None,
        };
        Ok(self.store.goals(project, filter.status).await?)
    }

    /// Changes a goal.
    pub async fn update_goal(&self, id: GoalId, patch: GoalPatch) -> Result<Goal> {
        self.write(|store| async move { store.update_goal(id, patch, now()).await })
            .await
    }

    /// Deletes a goal; its tasks stay.
    pub async fn delete_goal(&self, id: GoalId) -> Result<Goal> {
        self.write(|store| async move { store.delete_goal(id, now()).await })
            .await
    }
}
