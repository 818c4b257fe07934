//! View models of the board: columns of cards, each card with what a glance at
//! the board needs (key, title, priority, labels, the newest attempt's agent and
//! state, dependency and pull-request badges) and a search text for the filter.

use std::collections::HashMap;

use cadre_core::{Attempt, AttemptStatus, PrState, Project, Task, TaskId, TaskStatus};

/// The columns shown by default, in order; `cancelled` is rendered hidden.
const COLUMNS: [TaskStatus; 7] = TaskStatus::ALL;

/// A column's heading.
pub(crate) fn status_title(status: TaskStatus) -> &'static str {
    match status {
        TaskStatus::Backlog => "Backlog",
        TaskStatus::Todo => "To do",
        TaskStatus::InProgress => "In progress",
        TaskStatus::InReview => "In review",
        TaskStatus::Blocked => "Blocked",
        TaskStatus::Done => "Done",
        TaskStatus::Cancelled => "Cancelled",
    }
}

/// The board of one project.
pub(crate) struct BoardView {
    /// Project key.
    pub key: String,
    /// Project name.
    pub name: String,
    /// Every column, `cancelled` last.
    pub columns: Vec<ColumnView>,
    /// Number of tasks on the board.
    pub total: usize,
    /// Number of cancelled tasks (shown on the toggle).
    pub cancelled: usize,
}

/// One column.
pub(crate) struct ColumnView {
    /// Status name, e.g. `in_progress`.
    pub status: &'static str,
    /// Heading.
    pub title: &'static str,
    /// Cards in board order.
    pub cards: Vec<CardView>,
    /// Whether the column has a quick-add field (planning columns only).
    pub quick_add: bool,
    /// Hidden unless "show cancelled" is on.
    pub hidden_by_default: bool,
}

/// The newest attempt's state as a badge.
pub(crate) struct AttemptBadge {
    /// Attempt id, for the link.
    pub id: String,
    /// Agent id.
    pub agent: String,
    /// CSS modifier: `running`, `review`, `failed`, `stopped`, `done`.
    pub state: &'static str,
    /// Words on the badge.
    pub label: &'static str,
}

/// A pull request badge.
pub(crate) struct PrBadge {
    /// Its address.
    pub url: String,
    /// `#12`, or `PR` when the forge gave no number.
    pub label: String,
    /// `open`, `merged` or `closed`.
    pub state: &'static str,
}

/// One card.
pub(crate) struct CardView {
    /// Task id.
    pub id: String,
    /// Key, e.g. `WEB-12`.
    pub key: String,
    /// Title.
    pub title: String,
    /// `low`, `medium`, `high`, `urgent`.
    pub priority: &'static str,
    /// Labels.
    pub labels: Vec<String>,
    /// The newest attempt.
    pub attempt: Option<AttemptBadge>,
    /// Its pull request.
    pub pr: Option<PrBadge>,
    /// Keys of dependencies not done yet, comma-separated; empty when none.
    pub waiting_on: String,
    /// Number of dependencies.
    pub deps: usize,
    /// Number of tasks depending on this one.
    pub dependents: usize,
    /// Lower-case text the filter matches against.
    pub search: String,
}

impl AttemptBadge {
    fn new(attempt: &Attempt, task_status: TaskStatus) -> Self {
        let (state, label) = match attempt.status {
            AttemptStatus::Queued => ("running", "queued"),
            AttemptStatus::Running => ("running", "running"),
            AttemptStatus::Stopping => ("running", "stopping"),
            AttemptStatus::Succeeded if task_status == TaskStatus::Done => ("done", "done"),
            AttemptStatus::Succeeded => ("review", "needs review"),
            AttemptStatus::Failed => ("failed", "failed"),
            AttemptStatus::Interrupted => ("failed", "interrupted"),
            AttemptStatus::Stopped => ("stopped", "stopped"),
        };
        Self {
            id: attempt.id.to_string(),
            agent: attempt.agent.clone(),
            state,
            label,
        }
    }
}

fn pr_badge(attempt: &Attempt) -> Option<PrBadge> {
    attempt.pull_request.as_ref().map(|pr| PrBadge {
        url: pr.url.clone(),
        label: pr
            .number
            .map(|n| format!("#{n}"))
            .unwrap_or_else(|| "PR".into()),
        state: match pr.state {
            PrState::Open => "open",
            PrState::Merged => "merged",
            PrState::Closed => "closed",
        },
    })
}

impl CardView {
    /// The card of `task`, given its newest attempt and how many tasks depend on it.
    pub(crate) fn new(task: Task, attempt: Option<&Attempt>, dependents: usize) -> Self {
        let waiting_on = task
            .depends_on
            .iter()
            .filter(|d| d.status != TaskStatus::Done)
            .map(|d| d.key.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let badge = attempt.map(|a| AttemptBadge::new(a, task.status));
        let key = task.key.to_string();
        let mut search = format!("{key} {} {}", task.title, task.priority);
        for label in &task.labels {
            search.push(' ');
            search.push_str(label);
        }
        if let Some(b) = &badge {
            search.push(' ');
            search.push_str(&b.agent);
            search.push(' ');
            search.push_str(b.label);
        }
        Self {
            id: task.id.to_string(),
            priority: task.priority.as_str(),
            pr: attempt.and_then(pr_badge),
            attempt: badge,
            deps: task.depends_on.len(),
            dependents,
            waiting_on,
            labels: task.labels,
            title: task.title,
            search: search.to_lowercase(),
            key,
        }
    }
}

impl BoardView {
    /// Lays out `tasks` (in board order) into columns.
    pub(crate) fn new(project: &Project, tasks: Vec<Task>, attempts: Vec<Attempt>) -> Self {
        let latest: HashMap<TaskId, Attempt> =
            attempts.into_iter().map(|a| (a.task_id, a)).collect();
        let mut dependents: HashMap<TaskId, usize> = HashMap::new();
        for task in &tasks {
            for dep in &task.depends_on {
                *dependents.entry(dep.id).or_default() += 1;
            }
        }
        let total = tasks.len();
        let mut columns: Vec<ColumnView> = COLUMNS
            .iter()
            .map(|&status| ColumnView {
                status: status.as_str(),
                title: status_title(status),
                cards: vec![],
                quick_add: matches!(status, TaskStatus::Backlog | TaskStatus::Todo),
                hidden_by_default: status == TaskStatus::Cancelled,
            })
            .collect();
        for task in tasks {
            let index = COLUMNS.iter().position(|&s| s == task.status).unwrap_or(0);
            let count = dependents.get(&task.id).copied().unwrap_or(0);
            let task_id = task.id;
            let card = CardView::new(task, latest.get(&task_id), count);
            columns[index].cards.push(card);
        }
        let cancelled = columns.last().map_or(0, |c| c.cards.len());
        Self {
            key: project.key.to_string(),
            name: project.name.clone(),
            columns,
            total,
            cancelled,
        }
    }
}
