//! Tasks: create, read, list, update, move through the state machine, delete, and
//! their dependencies.

use std::collections::HashMap;

use cadre_core::graph::{CycleError, cycle_with};
use cadre_core::task::{
    check_dependencies, normalize_labels, validate_description, validate_title,
};
use cadre_core::{
    Actor, EventKind, GoalId, NewEvent, NewTask, ProjectId, Task, TaskId, TaskKey, TaskLink,
    TaskPatch, TaskStatus, TaskTransition, Timestamp, ValidationError,
};
use sqlx::{FromRow, SqliteConnection};

use crate::codec::{from_json, parse, parse_opt, to_json, to_value};
use crate::events::{append, commit_with};
use crate::{Committed, Result, Store, StoreError};

pub(crate) const SELECT: &str =
    "SELECT t.id, t.project_id, p.key AS project_key, t.number, t.title, t.description,
    t.status, t.priority, t.position, t.labels, t.parent_id, t.goal_id, t.created_at, t.updated_at
    FROM tasks t JOIN projects p ON p.id = t.project_id";

#[derive(FromRow)]
pub(crate) struct TaskRow {
    pub(crate) id: String,
    project_id: String,
    project_key: String,
    number: i64,
    title: String,
    description: String,
    status: String,
    priority: String,
    position: i64,
    labels: String,
    parent_id: Option<String>,
    goal_id: Option<String>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl TaskRow {
    pub(crate) fn into_task(self, depends_on: Vec<TaskLink>) -> Result<Task> {
        Ok(Task {
            id: parse("tasks.id", &self.id)?,
            project_id: parse("tasks.project_id", &self.project_id)?,
            key: TaskKey::new(parse("projects.key", &self.project_key)?, self.number),
            title: self.title,
            description: self.description,
            status: parse("tasks.status", &self.status)?,
            priority: parse("tasks.priority", &self.priority)?,
            position: self.position,
            labels: from_json("tasks.labels", &self.labels)?,
            parent_id: parse_opt("tasks.parent_id", self.parent_id.as_deref())?,
            goal_id: parse_opt("tasks.goal_id", self.goal_id.as_deref())?,
            depends_on,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(FromRow)]
pub(crate) struct LinkRow {
    owner: String,
    id: String,
    project_key: String,
    number: i64,
    title: String,
    status: String,
}

impl LinkRow {
    pub(crate) fn into_link(self) -> Result<(String, TaskLink)> {
        let link = TaskLink {
            id: parse("tasks.id", &self.id)?,
            key: TaskKey::new(parse("projects.key", &self.project_key)?, self.number),
            title: self.title,
            status: parse("tasks.status", &self.status)?,
        };
        Ok((self.owner, link))
    }
}

pub(crate) async fn fetch(conn: &mut SqliteConnection, id: TaskId) -> Result<Task> {
    let row: Option<TaskRow> = sqlx::query_as(&format!("{SELECT} WHERE t.id = ?"))
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    let row = row.ok_or_else(|| StoreError::not_found("task", id))?;
    let links: Vec<LinkRow> = sqlx::query_as(
        "SELECT d.task_id AS owner, t.id, p.key AS project_key, t.number, t.title, t.status
         FROM task_dependencies d JOIN tasks t ON t.id = d.depends_on_id
         JOIN projects p ON p.id = t.project_id WHERE d.task_id = ? ORDER BY t.number",
    )
    .bind(id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let links = links
        .into_iter()
        .map(|l| l.into_link().map(|(_, link)| link))
        .collect::<Result<_>>()?;
    row.into_task(links)
}

/// Checks that `other` exists and belongs to `project`; `what` names the field.
async fn same_project_task(
    conn: &mut SqliteConnection,
    project: ProjectId,
    other: TaskId,
    what: &'static str,
) -> Result<Task> {
    let task = fetch(conn, other).await?;
    if task.project_id != project {
        return Err(ValidationError::new(
            what,
            format!("task {} belongs to another project", task.key),
        )
        .into());
    }
    Ok(task)
}

async fn check_goal(
    conn: &mut SqliteConnection,
    project: ProjectId,
    goal: Option<GoalId>,
) -> Result<()> {
    let Some(goal) = goal else { return Ok(()) };
    let owner: Option<String> = sqlx::query_scalar("SELECT project_id FROM goals WHERE id = ?")
        .bind(goal.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    match owner {
        None => Err(StoreError::not_found("goal", goal)),
        Some(owner) if owner == project.to_string() => Ok(()),
        Some(_) => {
            Err(ValidationError::new("goal_id", "the goal belongs to another project").into())
        }
    }
}

/// Rewrites positions in `status`'s column of `project` so that `task` sits at
/// `index` (end of column when `None`) and the rest keep their order, 0-based.
async fn place(
    conn: &mut SqliteConnection,
    project: ProjectId,
    status: TaskStatus,
    task: TaskId,
    index: Option<i64>,
) -> Result<i64> {
    let mut column: Vec<(String, i64)> = sqlx::query_as(
        "SELECT id, position FROM tasks WHERE project_id = ? AND status = ? AND id <> ?
         ORDER BY position, number",
    )
    .bind(project.to_string())
    .bind(status.as_str())
    .bind(task.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let len = column.len() as i64;
    let at = index.map_or(len, |i| i.clamp(0, len));
    column.insert(at as usize, (task.to_string(), -1));
    for (i, (id, old)) in column.iter().enumerate() {
        let i = i as i64;
        if *old != i {
            sqlx::query("UPDATE tasks SET position = ? WHERE id = ?")
                .bind(i)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(at)
}

impl Store {
    /// Creates a task in `project`, at the end of its column.
    pub async fn create_task(
        &self,
        project: ProjectId,
        new: NewTask,
        now: Timestamp,
    ) -> Result<Committed<Task>> {
        let title = validate_title(&new.title)?;
        let description = validate_description(&new.description)?;
        let labels = normalize_labels(new.labels)?;
        let status = new.status.unwrap_or(TaskStatus::Todo);
        let mut tx = self.pool.begin().await?;
        crate::projects::fetch(&mut tx, project).await?;
        if let Some(parent) = new.parent_id {
            same_project_task(&mut tx, project, parent, "parent_id").await?;
        }
        check_goal(&mut tx, project, new.goal_id).await?;
        let mut deps = Vec::with_capacity(new.depends_on.len());
        for dep in &new.depends_on {
            deps.push(same_project_task(&mut tx, project, *dep, "depends_on").await?);
        }
        if status == TaskStatus::InProgress {
            let pending: Vec<_> = deps.iter().map(|d| (d.key.to_string(), d.status)).collect();
            check_dependencies(&format!("the new task `{title}`"), status, &pending)?;
        }
        let number: i64 = sqlx::query_scalar(
            "UPDATE projects SET next_task_number = next_task_number + 1 WHERE id = ?
             RETURNING next_task_number - 1",
        )
        .bind(project.to_string())
        .fetch_one(&mut *tx)
        .await?;
        let position: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(position) + 1, 0) FROM tasks WHERE project_id = ? AND status = ?",
        )
        .bind(project.to_string())
        .bind(status.as_str())
        .fetch_one(&mut *tx)
        .await?;
        let id = TaskId::new();
        sqlx::query(
            "INSERT INTO tasks (id, project_id, number, title, description, status, priority, position,
             labels, parent_id, goal_id, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id.to_string())
        .bind(project.to_string())
        .bind(number)
        .bind(&title)
        .bind(&description)
        .bind(status.as_str())
        .bind(new.priority.as_str())
        .bind(position)
        .bind(to_json(&labels))
        .bind(new.parent_id.map(|p| p.to_string()))
        .bind(new.goal_id.map(|g| g.to_string()))
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        for dep in &deps {
            // A brand-new task has no dependents, so its edges cannot close a cycle.
            sqlx::query(
                "INSERT OR IGNORE INTO task_dependencies (task_id, depends_on_id) VALUES (?, ?)",
            )
            .bind(id.to_string())
            .bind(dep.id.to_string())
            .execute(&mut *tx)
            .await?;
        }
        let task = fetch(&mut tx, id).await?;
        let event = NewEvent::new(EventKind::TaskCreated, to_value(&task))
            .project(project)
            .task(id);
        commit_with(tx, event, now, task).await
    }

    /// The task with `id`.
    pub async fn task(&self, id: TaskId) -> Result<Task> {
        let mut conn = self.pool.acquire().await?;
        fetch(&mut conn, id).await
    }

    /// The task with human key `key`, e.g. `WEB-12`.
    pub async fn task_by_key(&self, key: &TaskKey) -> Result<Task> {
        let id: Option<String> = sqlx::query_scalar(
            "SELECT t.id FROM tasks t JOIN projects p ON p.id = t.project_id WHERE p.key = ? AND t.number = ?",
        )
        .bind(key.project.as_str())
        .bind(key.number)
        .fetch_optional(&self.pool)
        .await?;
        let id = id.ok_or_else(|| StoreError::not_found("task", key))?;
        self.task(parse("tasks.id", &id)?).await
    }

    /// Applies a content patch to a task.
    pub async fn update_task(
        &self,
        id: TaskId,
        patch: TaskPatch,
        now: Timestamp,
    ) -> Result<Committed<Task>> {
        let mut tx = self.pool.begin().await?;
        let mut task = fetch(&mut tx, id).await?;
        if let Some(title) = patch.title {
            task.title = validate_title(&title)?;
        }
        if let Some(description) = patch.description {
            task.description = validate_description(&description)?;
        }
        if let Some(priority) = patch.priority {
            task.priority = priority;
        }
        if let Some(labels) = patch.labels {
            task.labels = normalize_labels(labels)?;
        }
        if let Some(parent) = patch.parent_id {
            if let Some(parent) = parent {
                if parent == id {
                    return Err(ValidationError::new(
                        "parent_id",
                        "a task cannot be its own parent",
                    )
                    .into());
                }
                same_project_task(&mut tx, task.project_id, parent, "parent_id").await?;
            }
            task.parent_id = parent;
        }
        if let Some(goal) = patch.goal_id {
            check_goal(&mut tx, task.project_id, goal).await?;
            task.goal_id = goal;
        }
        task.updated_at = now;
        sqlx::query(
            "UPDATE tasks SET title = ?, description = ?, priority = ?, labels = ?, parent_id = ?,
             goal_id = ?, updated_at = ? WHERE id = ?",
        )
        .bind(&task.title)
        .bind(&task.description)
        .bind(task.priority.as_str())
        .bind(to_json(&task.labels))
        .bind(task.parent_id.map(|p| p.to_string()))
        .bind(task.goal_id.map(|g| g.to_string()))
        .bind(now)
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        let event = NewEvent::new(EventKind::TaskUpdated, to_value(&task))
            .project(task.project_id)
            .task(id);
        commit_with(tx, event, now, task).await
    }

    /// Moves a task to `to` at `position` (0-based within the column; end when `None`).
    ///
    /// The state machine and the dependency gate decide; a refused move changes
    /// nothing. A status change is recorded as a transition with `actor` and `reason`.
    pub async fn move_task(
        &self,
        id: TaskId,
        to: TaskStatus,
        position: Option<i64>,
        actor: Actor,
        reason: Option<String>,
        now: Timestamp,
    ) -> Result<Committed<Task>> {
        let mut tx = self.pool.begin().await?;
        let before = fetch(&mut tx, id).await?;
        let from = before.status;
        from.check_move(to)?;
        let deps: Vec<_> = before
            .depends_on
            .iter()
            .map(|d| (d.key.to_string(), d.status))
            .collect();
        if from != to {
            check_dependencies(&before.key.to_string(), to, &deps)?;
        }
        if from == to && position.is_none_or(|p| p == before.position) {
            // Nothing to do: no write and no event for a no-op.
            return Ok(Committed {
                value: before,
                events: vec![],
            });
        }
        let placed = place(&mut tx, before.project_id, to, id, position).await?;
        sqlx::query("UPDATE tasks SET status = ?, position = ?, updated_at = ? WHERE id = ?")
            .bind(to.as_str())
            .bind(placed)
            .bind(now)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        if from != to {
            sqlx::query(
                "INSERT INTO task_transitions (task_id, from_status, to_status, actor, reason, created_at)
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(id.to_string())
            .bind(from.as_str())
            .bind(to.as_str())
            .bind(actor.as_str())
            .bind(&reason)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let task = fetch(&mut tx, id).await?;
        let payload = serde_json::json!({
            "from": from, "to": to, "position": placed, "actor": actor, "reason": reason, "task": task,
        });
        let event = NewEvent::new(EventKind::TaskMoved, payload)
            .project(task.project_id)
            .task(id);
        commit_with(tx, event, now, task).await
    }

    /// Every recorded status change of a task, oldest first.
    pub async fn task_transitions(&self, id: TaskId) -> Result<Vec<TaskTransition>> {
        let rows: Vec<(String, String, String, Option<String>, Timestamp)> = sqlx::query_as(
            "SELECT from_status, to_status, actor, reason, created_at FROM task_transitions
             WHERE task_id = ? ORDER BY id",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(from, to, actor, reason, at)| {
                Ok(TaskTransition {
                    from: parse("task_transitions.from_status", &from)?,
                    to: parse("task_transitions.to_status", &to)?,
                    actor: parse("task_transitions.actor", &actor)?,
                    reason,
                    at,
                })
            })
            .collect()
    }

    /// Deletes a task; its dependency edges go with it.
    pub async fn delete_task(&self, id: TaskId, now: Timestamp) -> Result<Committed<Task>> {
        let mut tx = self.pool.begin().await?;
        let task = fetch(&mut tx, id).await?;
        sqlx::query("DELETE FROM tasks WHERE id = ?")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        let payload = serde_json::json!({ "id": id, "key": task.key, "status": task.status });
        let event = NewEvent::new(EventKind::TaskDeleted, payload)
            .project(task.project_id)
            .task(id);
        commit_with(tx, event, now, task).await
    }

    /// Makes `task` depend on `depends_on`. Both must be in the same project, and
    /// the edge must not close a cycle.
    pub async fn add_dependency(
        &self,
        task: TaskId,
        depends_on: TaskId,
        now: Timestamp,
    ) -> Result<Committed<Task>> {
        let mut tx = self.pool.begin().await?;
        let owner = fetch(&mut tx, task).await?;
        let dep = same_project_task(&mut tx, owner.project_id, depends_on, "depends_on").await?;
        let edges: Vec<(String, String)> = sqlx::query_as(
            "SELECT d.task_id, d.depends_on_id FROM task_dependencies d
             JOIN tasks t ON t.id = d.task_id WHERE t.project_id = ?",
        )
        .bind(owner.project_id.to_string())
        .fetch_all(&mut *tx)
        .await?;
        if let Some(cycle) = cycle_with(&edges, &task.to_string(), &depends_on.to_string()) {
            let keys = project_keys(&mut tx, owner.project_id).await?;
            let cycle = cycle
                .iter()
                .map(|id| keys.get(id).cloned().unwrap_or_else(|| id.clone()))
                .collect();
            return Err(StoreError::Domain(CycleError { cycle }.into()));
        }
        let inserted = sqlx::query(
            "INSERT OR IGNORE INTO task_dependencies (task_id, depends_on_id) VALUES (?, ?)",
        )
        .bind(task.to_string())
        .bind(depends_on.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let after = fetch(&mut tx, task).await?;
        let mut events = vec![];
        if inserted > 0 {
            let payload = serde_json::json!({ "task": after.key, "depends_on": dep.key });
            let event = NewEvent::new(EventKind::TaskDependencyAdded, payload)
                .project(after.project_id)
                .task(task);
            events.push(append(&mut tx, event, now).await?);
        }
        tx.commit().await?;
        Ok(Committed {
            value: after,
            events,
        })
    }

    /// Removes the dependency of `task` on `depends_on`, if any.
    pub async fn remove_dependency(
        &self,
        task: TaskId,
        depends_on: TaskId,
        now: Timestamp,
    ) -> Result<Committed<Task>> {
        let mut tx = self.pool.begin().await?;
        let owner = fetch(&mut tx, task).await?;
        let dep = fetch(&mut tx, depends_on).await?;
        let removed =
            sqlx::query("DELETE FROM task_dependencies WHERE task_id = ? AND depends_on_id = ?")
                .bind(task.to_string())
                .bind(depends_on.to_string())
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if removed == 0 {
            return Err(StoreError::NotFound {
                entity: "dependency",
                id: format!("{} -> {}", owner.key, dep.key),
            });
        }
        let after = fetch(&mut tx, task).await?;
        let payload = serde_json::json!({ "task": after.key, "depends_on": dep.key });
        let event = NewEvent::new(EventKind::TaskDependencyRemoved, payload)
            .project(after.project_id)
            .task(task);
        commit_with(tx, event, now, after).await
    }
}

/// Task id -> human key for one project, to name cycles.
async fn project_keys(
    conn: &mut SqliteConnection,
    project: ProjectId,
) -> Result<HashMap<String, String>> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT t.id, p.key, t.number FROM tasks t JOIN projects p ON p.id = t.project_id WHERE t.project_id = ?",
    )
    .bind(project.to_string())
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, key, n)| (id, format!("{key}-{n}")))
        .collect())
}
