//! The prompt an agent gets for a task: the card, what its finished dependencies
//! did, the project's standing instructions, and the person's extra words.
//!
//! Pure text building; the caller gathers the inputs from the store.

use cadre_core::Task;

/// What a completed dependency contributes: its key, title and the summary its
/// agent wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependencyNote {
    /// The dependency's key, e.g. `WEB-3`.
    pub key: String,
    /// Its title.
    pub title: String,
    /// The final message of its last successful attempt.
    pub summary: String,
}

/// Summaries longer than this are cut: the agent can read the code itself, and a
/// prompt must not grow with the history of the whole board.
const MAX_SUMMARY_CHARS: usize = 2_000;

/// The prompt for `task`, without dependency notes or project instructions (what
/// the CLI and tests show as "the task's prompt").
pub fn task_prompt(task: &Task, extra: Option<&str>) -> String {
    build_prompt(task, &[], None, extra)
}

/// The full prompt: the card, then `## Context from finished dependencies`, then
/// `## Project instructions`, then the person's extra instructions.
pub(crate) fn build_prompt(
    task: &Task,
    dependencies: &[DependencyNote],
    instructions: Option<&str>,
    extra: Option<&str>,
) -> String {
    let mut prompt = format!("# {}: {}\n", task.key, task.title);
    if !task.description.trim().is_empty() {
        prompt.push('\n');
        prompt.push_str(task.description.trim());
        prompt.push('\n');
    }
    if !dependencies.is_empty() {
        prompt.push_str("\n## Context from finished dependencies\n");
        for dep in dependencies {
            prompt.push_str(&format!("\n### {}: {}\n", dep.key, dep.title));
            prompt.push_str(&truncate(dep.summary.trim(), MAX_SUMMARY_CHARS));
            prompt.push('\n');
        }
    }
    if let Some(text) = instructions.map(str::trim).filter(|t| !t.is_empty()) {
        prompt.push_str("\n## Project instructions\n\n");
        prompt.push_str(text);
        prompt.push('\n');
    }
    if let Some(extra) = extra.map(str::trim).filter(|e| !e.is_empty()) {
        prompt.push('\n');
        prompt.push_str(extra);
        prompt.push('\n');
    }
    prompt
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cadre_core::{Priority, ProjectId, TaskId, TaskStatus};

    fn task() -> Task {
        Task {
            id: TaskId::new(),
            project_id: ProjectId::new(),
            key: "WEB-4".parse().expect("key"),
            title: "Add login".into(),
            description: "Use sessions.".into(),
            status: TaskStatus::Todo,
            priority: Priority::default(),
            position: 0,
            labels: vec![],
            parent_id: None,
            goal_id: None,
            depends_on: vec![],
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn prompt_carries_card_dependency_summaries_instructions_and_extra_in_order() {
        let deps = [DependencyNote {
            key: "WEB-1".into(),
            title: "Add users table".into(),
            summary: "Created `users` with email and hash.".into(),
        }];
        let prompt = build_prompt(
            &task(),
            &deps,
            Some("Run cargo test before finishing."),
            Some("Prefer small commits."),
        );
        let order = [
            "# WEB-4: Add login",
            "Use sessions.",
            "### WEB-1: Add users table",
            "Created `users` with email and hash.",
            "## Project instructions",
            "Run cargo test before finishing.",
            "Prefer small commits.",
        ];
        let positions: Vec<usize> = order
            .iter()
            .map(|needle| {
                prompt
                    .find(needle)
                    .unwrap_or_else(|| panic!("{needle} missing"))
            })
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{prompt}");
    }

    #[test]
    fn long_dependency_summaries_are_cut() {
        let deps = [DependencyNote {
            key: "WEB-1".into(),
            title: "t".into(),
            summary: "é".repeat(5_000),
        }];
        let prompt = build_prompt(&task(), &deps, None, None);
        assert!(prompt.chars().filter(|c| *c == 'é').count() == MAX_SUMMARY_CHARS);
        assert!(prompt.contains('…'));
    }
}
