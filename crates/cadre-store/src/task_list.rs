//! Listing tasks: every task matching a filter in board order (for the board
//! itself), and the same list a page at a time after a [`TaskCursor`] (for the
//! API).
//!
//! Board order is project key, column left to right, position in the column, then
//! number. Within one project the migration `0005` indexes exactly that order
//! (`tasks_board_order`), so a page of a 10,000-task project reads its rows from
//! the index instead of sorting every task. The column expression below must
//! stay identical to the index's for SQLite to use it.

use std::collections::HashMap;

use cadre_core::{GoalId, ProjectId, Task, TaskCursor, TaskLink, TaskStatus};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::tasks::{LinkRow, SELECT, TaskRow};
use crate::{Result, Store};

/// Which tasks to list. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    /// Only this project's tasks.
    pub project_id: Option<ProjectId>,
    /// Only tasks in one of these statuses.
    pub statuses: Vec<TaskStatus>,
    /// Only tasks of this goal.
    pub goal_id: Option<GoalId>,
}

/// One page of a task list.
#[derive(Debug, Clone)]
pub struct TaskPage {
    /// The tasks, in board order.
    pub tasks: Vec<Task>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<TaskCursor>,
}

/// A task's column, as in the index `tasks_board_order` (see
/// [`TaskStatus::column`], which a test keeps in step with it).
const COLUMN: &str = "(CASE t.status WHEN 'backlog' THEN 0 WHEN 'todo' THEN 1 \
    WHEN 'in_progress' THEN 2 WHEN 'in_review' THEN 3 WHEN 'blocked' THEN 4 \
    WHEN 'done' THEN 5 ELSE 6 END)";

/// Appends the WHERE clause for `filter` to `qb`.
fn push_filter<'a>(qb: &mut QueryBuilder<'a, Sqlite>, filter: &'a TaskFilter) {
    qb.push(" WHERE 1 = 1");
    if let Some(project) = filter.project_id {
        qb.push(" AND t.project_id = ")
            .push_bind(project.to_string());
    }
    if let Some(goal) = filter.goal_id {
        qb.push(" AND t.goal_id = ").push_bind(goal.to_string());
    }
    if !filter.statuses.is_empty() {
        qb.push(" AND t.status IN (");
        let mut list = qb.separated(", ");
        for status in &filter.statuses {
            list.push_bind(status.as_str());
        }
        qb.push(")");
    }
}

/// The ORDER BY of `filter`'s list. Within one project the key is left out, so
/// that the order is the index's.
fn order(filter: &TaskFilter) -> String {
    let key = if filter.project_id.is_some() {
        ""
    } else {
        "p.key, "
    };
    format!(" ORDER BY {key}{COLUMN}, t.position, t.number")
}

/// Keeps only tasks after `cursor` in board order.
fn push_after<'a>(qb: &mut QueryBuilder<'a, Sqlite>, filter: &TaskFilter, cursor: &'a TaskCursor) {
    if filter.project_id.is_some() {
        qb.push(format!(" AND ({COLUMN}, t.position, t.number) > ("));
    } else {
        qb.push(format!(" AND (p.key, {COLUMN}, t.position, t.number) > ("));
        qb.push_bind(cursor.project.to_string()).push(", ");
    }
    qb.push_bind(cursor.column)
        .push(", ")
        .push_bind(cursor.position)
        .push(", ")
        .push_bind(cursor.number)
        .push(")");
}

/// Dependencies of the tasks matched by `filter`, grouped by the depending task's id.
async fn links_for(
    conn: &mut SqliteConnection,
    filter: &TaskFilter,
) -> Result<HashMap<String, Vec<TaskLink>>> {
    let mut qb = QueryBuilder::new(
        "SELECT d.task_id AS owner, t.id, p.key AS project_key, t.number, t.title, t.status
         FROM task_dependencies d JOIN tasks t ON t.id = d.depends_on_id
         JOIN projects p ON p.id = t.project_id
         WHERE d.task_id IN (SELECT t.id FROM tasks t",
    );
    push_filter(&mut qb, filter);
    qb.push(") ORDER BY t.number");
    group_links(qb.build_query_as().fetch_all(&mut *conn).await?)
}

/// Dependencies of the tasks `ids`, grouped by the depending task's id.
async fn links_of(
    conn: &mut SqliteConnection,
    ids: &[String],
) -> Result<HashMap<String, Vec<TaskLink>>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut qb = QueryBuilder::new(
        "SELECT d.task_id AS owner, t.id, p.key AS project_key, t.number, t.title, t.status
         FROM task_dependencies d JOIN tasks t ON t.id = d.depends_on_id
         JOIN projects p ON p.id = t.project_id
         WHERE d.task_id IN (",
    );
    let mut list = qb.separated(", ");
    for id in ids {
        list.push_bind(id);
    }
    qb.push(") ORDER BY t.number");
    group_links(qb.build_query_as().fetch_all(&mut *conn).await?)
}

fn group_links(rows: Vec<LinkRow>) -> Result<HashMap<String, Vec<TaskLink>>> {
    let mut map: HashMap<String, Vec<TaskLink>> = HashMap::new();
    for row in rows {
        let (owner, link) = row.into_link()?;
        map.entry(owner).or_default().push(link);
    }
    Ok(map)
}

fn with_links(rows: Vec<TaskRow>, mut links: HashMap<String, Vec<TaskLink>>) -> Result<Vec<Task>> {
    rows.into_iter()
        .map(|row| {
            let deps = links.remove(&row.id).unwrap_or_default();
            row.into_task(deps)
        })
        .collect()
}

impl Store {
    /// Every task matching `filter`, in board order.
    pub async fn tasks(&self, filter: &TaskFilter) -> Result<Vec<Task>> {
        let mut conn = self.pool.acquire().await?;
        let mut qb = QueryBuilder::new(SELECT);
        push_filter(&mut qb, filter);
        qb.push(order(filter));
        let rows: Vec<TaskRow> = qb.build_query_as().fetch_all(&mut *conn).await?;
        let links = links_for(&mut conn, filter).await?;
        with_links(rows, links)
    }

    /// At most `limit` tasks matching `filter` that come after `after` in board
    /// order (from the first when `None`), and where the next page starts.
    pub async fn task_page(
        &self,
        filter: &TaskFilter,
        after: Option<&TaskCursor>,
        limit: u32,
    ) -> Result<TaskPage> {
        let limit = limit.max(1);
        let mut conn = self.pool.acquire().await?;
        let mut qb = QueryBuilder::new(SELECT);
        push_filter(&mut qb, filter);
        if let Some(cursor) = after {
            push_after(&mut qb, filter, cursor);
        }
        qb.push(order(filter));
        // One more than asked tells whether there is a next page.
        qb.push(" LIMIT ").push_bind(i64::from(limit) + 1);
        let mut rows: Vec<TaskRow> = qb.build_query_as().fetch_all(&mut *conn).await?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let links = links_of(&mut conn, &ids).await?;
        let tasks = with_links(rows, links)?;
        let next = if more {
            tasks.last().map(TaskCursor::after)
        } else {
            None
        };
        Ok(TaskPage { tasks, next })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_column_expression_ranks_statuses_as_the_domain_does() {
        for status in TaskStatus::ALL {
            let rank = format!("WHEN '{}' THEN {}", status.as_str(), status.column());
            let last = format!("ELSE {} END", status.column());
            assert!(
                COLUMN.contains(&rank) || COLUMN.contains(&last),
                "{status} is not column {} in {COLUMN}",
                status.column()
            );
        }
    }
}
