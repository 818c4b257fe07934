//! Carrying a conversation in the prompt for agents that cannot resume a session.

use cadre_core::log::LogEntryKind;

/// Default budget of [`follow_up_prompt`] for the transcript, in characters.
pub const DEFAULT_TRANSCRIPT_CHARS: usize = 12_000;

/// Longest excerpt of a single entry kept in the transcript, in characters.
const MAX_ENTRY_CHARS: usize = 2_000;

fn clip(text: &str, max: usize) -> String {
    let text = text.trim();
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// One transcript line for an entry, or `None` for entries not worth repeating
/// (thinking, raw output, usage, session ids, tool results).
fn transcript_line(entry: &LogEntryKind) -> Option<String> {
    let line = match entry {
        LogEntryKind::UserMessage { text, .. } => format!("User: {}", clip(text, MAX_ENTRY_CHARS)),
        LogEntryKind::AssistantMessage { text } => {
            format!("Assistant: {}", clip(text, MAX_ENTRY_CHARS))
        }
        LogEntryKind::ToolCall {
            tool_name, action, ..
        } => {
            let detail = match action {
                cadre_core::log::ToolAction::FileRead { path } => format!("read {path}"),
                cadre_core::log::ToolAction::FileEdit { path, .. } => format!("edited {path}"),
                cadre_core::log::ToolAction::CommandRun { command, .. } => {
                    format!("ran `{}`", clip(command, 200))
                }
                cadre_core::log::ToolAction::Search { query } => format!("searched {query}"),
                cadre_core::log::ToolAction::WebFetch { url } => format!("fetched {url}"),
                cadre_core::log::ToolAction::Todo { items } => {
                    format!("updated todo list ({} items)", items.len())
                }
                cadre_core::log::ToolAction::Subagent { description } => {
                    format!("delegated: {}", clip(description, 200))
                }
                cadre_core::log::ToolAction::Other { name, .. } => format!("used {name}"),
            };
            format!("Assistant [{tool_name}]: {detail}")
        }
        LogEntryKind::Error { message } => format!("Error: {}", clip(message, 500)),
        _ => return None,
    };
    Some(line)
}

/// Renders the conversation so far as a plain-text transcript of at most about
/// `max_chars` characters. When it does not fit, the oldest lines are dropped (the
/// first user message, the original task, is always kept) and an omission marker is
/// inserted.
pub fn summarize_for_prompt(entries: &[LogEntryKind], max_chars: usize) -> String {
    let first_user = entries
        .iter()
        .position(|e| matches!(e, LogEntryKind::UserMessage { .. }));
    let head = first_user.and_then(|i| transcript_line(&entries[i]));
    let rest: Vec<String> = entries
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != first_user)
        .filter_map(|(_, e)| transcript_line(e))
        .collect();
    let mut budget = max_chars.saturating_sub(head.as_ref().map_or(0, |h| h.chars().count() + 1));
    // Walk back from the newest line while the budget allows.
    let mut start = rest.len();
    while start > 0 {
        let cost = rest[start - 1].chars().count() + 1;
        if cost > budget {
            break;
        }
        budget -= cost;
        start -= 1;
    }
    let mut out = String::new();
    if let Some(h) = head {
        out.push_str(&h);
        out.push('\n');
    }
    if start > 0 {
        out.push_str("[… earlier conversation omitted …]\n");
    }
    for line in &rest[start..] {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// A follow-up prompt for an agent without resume: the transcript so far, then the new
/// request.
pub fn follow_up_prompt(entries: &[LogEntryKind], new_prompt: &str) -> String {
    let transcript = summarize_for_prompt(entries, DEFAULT_TRANSCRIPT_CHARS);
    if transcript.is_empty() {
        return new_prompt.to_owned();
    }
    format!(
        "This continues an earlier session. Conversation so far:\n\n{transcript}\nNew request:\n{new_prompt}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use cadre_core::log::ToolAction;

    fn user(t: &str) -> LogEntryKind {
        LogEntryKind::UserMessage {
            text: t.into(),
            attachments: vec![],
        }
    }
    fn assistant(t: &str) -> LogEntryKind {
        LogEntryKind::AssistantMessage { text: t.into() }
    }

    #[test]
    fn transcript_lists_messages_and_tool_calls_in_order() {
        let entries = vec![
            user("add a test"),
            LogEntryKind::Thinking {
                text: "hidden".into(),
            },
            LogEntryKind::ToolCall {
                call_id: "1".into(),
                tool_name: "Bash".into(),
                action: ToolAction::CommandRun {
                    command: "cargo test".into(),
                    exit_code: None,
                    output: None,
                },
            },
            assistant("done"),
        ];
        assert_eq!(
            summarize_for_prompt(&entries, 10_000),
            "User: add a test\nAssistant [Bash]: ran `cargo test`\nAssistant: done\n"
        );
    }

    #[test]
    fn over_budget_keeps_the_task_and_the_latest_lines() {
        let mut entries = vec![user("the original task")];
        for i in 0..100 {
            entries.push(assistant(&format!("message number {i}")));
        }
        let out = summarize_for_prompt(&entries, 200);
        assert!(out.starts_with("User: the original task\n[… earlier conversation omitted …]\n"));
        assert!(out.ends_with("Assistant: message number 99\n"));
        assert!(!out.contains("message number 0\n"));
        assert!(out.chars().count() <= 200 + 40);
    }

    #[test]
    fn follow_up_prompt_without_history_is_just_the_prompt() {
        assert_eq!(follow_up_prompt(&[], "go"), "go");
        let p = follow_up_prompt(&[user("a"), assistant("b")], "go");
        assert!(p.contains("User: a\nAssistant: b\n"));
        assert!(p.ends_with("New request:\ngo"));
    }
}
