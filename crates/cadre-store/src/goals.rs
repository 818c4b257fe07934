//! Goals: create, read, list, update, delete.

use cadre_core::{
    EventKind, Goal, GoalId, GoalPatch, GoalStatus, NewEvent, NewGoal, ProjectId, Timestamp,
};
use sqlx::{FromRow, SqliteConnection};

use crate::codec::{parse, to_value};
use crate::events::{append, commit_with};
use crate::{Committed, Result, Store, StoreError};

const COLUMNS: &str = "id, project_id, title, description, status, created_at, updated_at";

#[derive(FromRow)]
struct GoalRow {
    id: String,
    project_id: String,
    title: String,
    description: String,
    status: String,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl GoalRow {
    fn into_goal(self) -> Result<Goal> {
        Ok(Goal {
            id: parse("goals.id", &self.id)?,
            project_id: parse("goals.project_id", &self.project_id)?,
            title: self.title,
            description: self.description,
            status: parse("goals.status", &self.status)?,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

async fn fetch(conn: &mut SqliteConnection, id: GoalId) -> Result<Goal> {
    let row: Option<GoalRow> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM goals WHERE id = ?"))
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    row.ok_or_else(|| StoreError::not_found("goal", id))?
        .into_goal()
}

impl Store {
    /// Creates a goal in `project`.
    pub async fn create_goal(
        &self,
        project: ProjectId,
        new: NewGoal,
        now: Timestamp,
    ) -> Result<Committed<Goal>> {
        let goal = new.into_goal(GoalId::new(), project, now)?;
        let mut tx = self.pool.begin().await?;
        crate::projects::fetch(&mut tx, project).await?;
        sqlx::query(&format!(
            "INSERT INTO goals ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(goal.id.to_string())
        .bind(project.to_string())
        .bind(&goal.title)
        .bind(&goal.description)
        .bind(goal.status.as_str())
        .bind(goal.created_at)
        .bind(goal.updated_at)
        .execute(&mut *tx)
        .await?;
        let event = NewEvent::new(EventKind::GoalCreated, to_value(&goal))
            .project(project)
            .goal(goal.id);
        commit_with(tx, event, now, goal).await
    }

    /// The goal with `id`.
    pub async fn goal(&self, id: GoalId) -> Result<Goal> {
        let mut conn = self.pool.acquire().await?;
        fetch(&mut conn, id).await
    }

    /// Goals, optionally of one project and in one status, oldest first.
    pub async fn goals(
        &self,
        project: Option<ProjectId>,
        status: Option<GoalStatus>,
    ) -> Result<Vec<Goal>> {
        let rows: Vec<GoalRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM goals WHERE (?1 IS NULL OR project_id = ?1)
             AND (?2 IS NULL OR status = ?2) ORDER BY id"
        ))
        .bind(project.map(|p| p.to_string()))
        .bind(status.map(GoalStatus::as_str))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(GoalRow::into_goal).collect()
    }

    /// Applies `patch` to a goal.
    pub async fn update_goal(
        &self,
        id: GoalId,
        patch: GoalPatch,
        now: Timestamp,
    ) -> Result<Committed<Goal>> {
        let mut tx = self.pool.begin().await?;
        let mut goal = fetch(&mut tx, id).await?;
        goal.apply(patch, now)?;
        sqlx::query(
            "UPDATE goals SET title = ?, description = ?, status = ?, updated_at = ? WHERE id = ?",
        )
        .bind(&goal.title)
        .bind(&goal.description)
        .bind(goal.status.as_str())
        .bind(now)
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        let event = NewEvent::new(EventKind::GoalUpdated, to_value(&goal))
            .project(goal.project_id)
            .goal(id);
        commit_with(tx, event, now, goal).await
    }

    /// Deletes a goal; its tasks stay, without a goal, and each gets a
    /// `task.updated` event so live boards drop the goal from their cards.
    pub async fn delete_goal(&self, id: GoalId, now: Timestamp) -> Result<Committed<Goal>> {
        let mut tx = self.pool.begin().await?;
        let goal = fetch(&mut tx, id).await?;
        let members: Vec<String> = sqlx::query_scalar("SELECT id FROM tasks WHERE goal_id = ?")
            .bind(id.to_string())
            .fetch_all(&mut *tx)
            .await?;
        sqlx::query("UPDATE tasks SET goal_id = NULL, updated_at = ? WHERE goal_id = ?")
            .bind(now)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM goals WHERE id = ?")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        let mut events = Vec::with_capacity(members.len() + 1);
        for task in members {
            let task = crate::tasks::fetch(&mut tx, parse("tasks.id", &task)?).await?;
            let event = NewEvent::new(EventKind::TaskUpdated, to_value(&task))
                .project(task.project_id)
                .task(task.id);
            events.push(append(&mut tx, event, now).await?);
        }
        let payload = serde_json::json!({ "id": id, "title": goal.title });
        let event = NewEvent::new(EventKind::GoalDeleted, payload)
            .project(goal.project_id)
            .goal(id);
        events.push(append(&mut tx, event, now).await?);
        tx.commit().await?;
        Ok(Committed {
            value: goal,
            events,
        })
    }
}
