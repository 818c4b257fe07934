//! Task use cases: create, list, show, edit, move, delete, and dependencies.

use cadre_core::{
    Actor, GoalId, NewTask, Priority, ProjectRef, Task, TaskCursor, TaskId, TaskPatch, TaskRef,
    TaskStatus, TaskTransition, ValidationError,
};
use cadre_store::{TaskFilter, TaskPage};

use crate::{App, Result, now};

/// Most tasks in one page of a task list.
pub const MAX_TASK_PAGE: u32 = 1000;

/// Input for creating a task.
#[derive(Debug, Clone, Default)]
pub struct AddTask {
    /// Title.
    pub title: String,
    /// Markdown description.
    pub description: String,
    /// Initial status (default `todo`).
    pub status: Option<TaskStatus>,
    /// Priority.
    pub priority: Priority,
    /// Labels.
    pub labels: Vec<String>,
    /// Parent task.
    pub parent: Option<TaskRef>,
    /// Goal.
    pub goal_id: Option<GoalId>,
    /// Tasks this one depends on.
    pub depends_on: Vec<TaskRef>,
}

/// Which tasks to list.
#[derive(Debug, Clone, Default)]
pub struct TaskQuery {
    /// Only this project's.
    pub project: Option<ProjectRef>,
    /// Only these statuses.
    pub statuses: Vec<TaskStatus>,
    /// Only this goal's.
    pub goal_id: Option<GoalId>,
}

/// A status change request.
#[derive(Debug, Clone)]
pub struct MoveTask {
    /// Target status (the same status reorders).
    pub status: TaskStatus,
    /// 0-based position in the target column; end when absent.
    pub position: Option<i64>,
    /// Who is moving it.
    pub actor: Actor,
    /// Why.
    pub reason: Option<String>,
}

impl App {
    /// Resolves a task reference to its id.
    ///
    /// An id is checked too, so an unknown one is a 404 rather than an empty
    /// answer from whatever reads by it.
    pub async fn task_id(&self, task: &TaskRef) -> Result<TaskId> {
        Ok(match task {
            TaskRef::Id(id) => self.store.task(*id).await?.id,
            TaskRef::Key(key) => self.store.task_by_key(key).await?.id,
        })
    }

    /// Creates a task in `project`.
    pub async fn add_task(&self, project: &ProjectRef, input: AddTask) -> Result<Task> {
        let project_id = self.project(project).await?.id;
        let mut depends_on = Vec::with_capacity(input.depends_on.len());
        for dep in &input.depends_on {
            depends_on.push(self.task_id(dep).await?);
        }
        let parent_id = match &input.parent {
            Some(parent) => Some(self.task_id(parent).await?),
            None => None,
        };
        let new = NewTask {
            title: input.title,
            description: input.description,
            status: input.status,
            priority: input.priority,
            labels: input.labels,
            parent_id,
            goal_id: input.goal_id,
            depends_on,
        };
        self.write(|store| async move { store.create_task(project_id, new, now()).await })
            .await
    }

    /// The task named by `task`.
    pub async fn task(&self, task: &TaskRef) -> Result<Task> {
        Ok(match task {
            TaskRef::Id(id) => self.store.task(*id).await?,
            TaskRef::Key(key) => self.store.task_by_key(key).await?,
        })
    }

    /// Tasks matching `query`, in board order.
    pub async fn tasks(&self, query: &TaskQuery) -> Result<Vec<Task>> {
        let filter = self.task_filter(query).await?;
        Ok(self.store.tasks(&filter).await?)
    }

    /// At most `limit` (1 to [`MAX_TASK_PAGE`], else a validation error) tasks matching `query` after
    /// `after` in board order, and where the next page starts.
    pub async fn task_page(
        &self,
        query: &TaskQuery,
        after: Option<&TaskCursor>,
        limit: u32,
    ) -> Result<TaskPage> {
        if !(1..=MAX_TASK_PAGE).contains(&limit) {
            return Err(ValidationError::new(
                "limit",
                format!("must be between 1 and {MAX_TASK_PAGE}"),
            )
            .into());
        }
        let filter = self.task_filter(query).await?;
        Ok(self.store.task_page(&filter, after, limit).await?)
    }

    async fn task_filter(&self, query: &TaskQuery) -> Result<TaskFilter> {
        let project_id = match &query.project {
            Some(project) => Some(self.project(project).await?.id),
            None => None,
        };
        Ok(TaskFilter {
            project_id,
            statuses: query.statuses.clone(),
            goal_id: query.goal_id,
        })
    }

    /// Edits a task's content.
    pub async fn update_task(&self, task: &TaskRef, patch: TaskPatch) -> Result<Task> {
        let id = self.task_id(task).await?;
        self.write(|store| async move { store.update_task(id, patch, now()).await })
            .await
    }

    /// Moves a task through the state machine and/or within its column.
    ///
    /// Moving to done or cancelled removes the worktrees of the task's settled
    /// attempts (after snapshotting uncommitted work; unmerged branches are kept).
    pub async fn move_task(&self, task: &TaskRef, request: MoveTask) -> Result<Task> {
        let id = self.task_id(task).await?;
        let moved = self
            .write(|store| async move {
                store
                    .move_task(
                        id,
                        request.status,
                        request.position,
                        request.actor,
                        request.reason,
                        now(),
                    )
                    .await
            })
            .await?;
        if moved.status.is_closed() {
            self.cleanup_task_worktrees(moved.id).await;
        }
        Ok(moved)
    }

    /// The task's status history.
    pub async fn task_transitions(&self, task: &TaskRef) -> Result<Vec<TaskTransition>> {
        let id = self.task_id(task).await?;
        Ok(self.store.task_transitions(id).await?)
    }

    /// Deletes a task.
    pub async fn delete_task(&self, task: &TaskRef) -> Result<Task> {
        let id = self.task_id(task).await?;
        self.write(|store| async move { store.delete_task(id, now()).await })
            .await
    }

    /// Makes `task` depend on `depends_on`.
    pub async fn add_dependency(&self, task: &TaskRef, depends_on: &TaskRef) -> Result<Task> {
        let id = self.task_id(task).await?;
        let dep = self.task_id(depends_on).await?;
        self.write(|store| async move { store.add_dependency(id, dep, now()).await })
            .await
    }

    /// Removes a dependency.
    pub async fn remove_dependency(&self, task: &TaskRef, depends_on: &TaskRef) -> Result<Task> {
        let id = self.task_id(task).await?;
        let dep = self.task_id(depends_on).await?;
        self.write(|store| async move { store.remove_dependency(id, dep, now()).await })
            .await
    }

    /// Committed events after `seq`, at most `limit`.
    pub async fn events_since(&self, seq: i64, limit: u32) -> Result<Vec<cadre_core::Event>> {
        Ok(self.store.events_since(seq, limit).await?)
    }

    /// The newest event seq.
    pub async fn latest_seq(&self) -> Result<i64> {
        Ok(self.store.latest_seq().await?)
    }
}
