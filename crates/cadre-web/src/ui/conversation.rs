//! View models of an attempt's conversation (`templates/entries.html`): messages
//! rendered as sanitized markdown, tool calls as cards joined with their results,
//! thinking, errors, usage and raw lines.
//!
//! Entries arrive in pages (the newest first, older ones on scroll, new ones live),
//! so a tool result may come in a later page than its call. A result whose call is
//! in the same page is folded into the call's card here; one whose call is not
//! becomes a standalone entry that names its call, and the page script moves it
//! into the card when both are on screen.

use std::collections::HashMap;
use std::path::Path;

use cadre_core::LogEntry;
use cadre_core::log::{LogEntryKind, ToolAction, ToolStatus};

use super::fmt::{When, tokens, when};
use super::markdown;

/// Longest tool output shown; the rest is summarized (the raw log has it all).
const MAX_OUTPUT: usize = 16 * 1024;
/// Longest edit diff shown, in lines.
const MAX_DIFF_LINES: usize = 400;

/// One line of a file edit's diff.
pub(crate) struct EditLine {
    /// `add`, `del`, `hunk` or `context`.
    pub class: &'static str,
    /// The line.
    pub text: String,
}

/// One todo item.
pub(crate) struct TodoView {
    /// What.
    pub text: String,
    /// The agent's status word.
    pub status: String,
    /// Whether it is completed.
    pub done: bool,
}

/// A tool's result.
pub(crate) struct ResultView {
    /// Whether the tool succeeded.
    pub ok: bool,
    /// Its output, shortened to [`MAX_OUTPUT`].
    pub output: String,
    /// How many bytes were left out.
    pub omitted: usize,
}

/// A tool call card.
pub(crate) struct ToolView {
    /// The agent's call id (pairs results).
    pub call_id: String,
    /// The tool name as the agent spelled it.
    pub name: String,
    /// `edit`, `command`, `read`, `search`, `fetch`, `todo`, `subagent`, `other`.
    pub kind: &'static str,
    /// What it acted on: a path, a command line, a query.
    pub target: String,
    /// Lines of a file edit.
    pub edit: Vec<EditLine>,
    /// Exit code of a command, when reported with the call.
    pub exit_code: Option<i32>,
    /// Output reported with the call (commands).
    pub inline_output: Option<ResultView>,
    /// A todo list.
    pub todos: Vec<TodoView>,
    /// The raw input of an unknown tool, pretty-printed.
    pub input: String,
    /// The result, once paired.
    pub result: Option<ResultView>,
}

impl ToolView {
    /// Whether anything went wrong (failed result or non-zero exit).
    pub(crate) fn failed(&self) -> bool {
        self.result.as_ref().is_some_and(|r| !r.ok) || self.exit_code.is_some_and(|c| c != 0)
    }
}

/// One entry of the conversation.
pub(crate) struct EntryView {
    /// Position in the attempt's log.
    pub seq: i64,
    /// `user`, `assistant`, `thinking`, `tool`, `result`, `system`, `error`,
    /// `usage`, `session`, `raw`.
    pub kind: &'static str,
    /// When it was stored.
    pub at: When,
    /// Sanitized HTML of a message.
    pub html: String,
    /// Plain text of the other kinds.
    pub text: String,
    /// A tool call.
    pub tool: Option<ToolView>,
    /// A result whose call is not in this page: (call id, result).
    pub orphan: Option<(String, ResultView)>,
    /// URLs of the images attached to a user message, shown as thumbnails.
    pub images: Vec<String>,
}

/// Where the server serves attachments; only such URLs become thumbnails.
const ATTACHMENT_URLS: &str = "/api/v1/attachments/";

fn shorten(text: &str) -> ResultView {
    shorten_with(text, true)
}

fn shorten_with(text: &str, ok: bool) -> ResultView {
    if text.len() <= MAX_OUTPUT {
        return ResultView {
            ok,
            output: text.to_owned(),
            omitted: 0,
        };
    }
    let mut end = MAX_OUTPUT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    ResultView {
        ok,
        output: text[..end].to_owned(),
        omitted: text.len() - end,
    }
}

fn edit_lines(diff: Option<&str>, new_content: Option<&str>) -> Vec<EditLine> {
    let lines: Vec<EditLine> = match (diff, new_content) {
        (Some(diff), _) => diff
            .lines()
            .map(|line| EditLine {
                class: match line.as_bytes().first() {
                    Some(b'+') if !line.starts_with("+++") => "add",
                    Some(b'-') if !line.starts_with("---") => "del",
                    Some(b'@') => "hunk",
                    _ => "context",
                },
                text: line.to_owned(),
            })
            .collect(),
        (None, Some(content)) => content
            .lines()
            .map(|line| EditLine {
                class: "add",
                text: format!("+{line}"),
            })
            .collect(),
        (None, None) => vec![],
    };
    let total = lines.len();
    let mut lines: Vec<EditLine> = lines.into_iter().take(MAX_DIFF_LINES).collect();
    if total > MAX_DIFF_LINES {
        lines.push(EditLine {
            class: "hunk",
            text: format!(
                "… {} more lines (see the Changes tab)",
                total - MAX_DIFF_LINES
            ),
        });
    }
    lines
}

fn tool_view(call_id: String, tool_name: String, action: ToolAction) -> ToolView {
    let mut view = ToolView {
        call_id,
        name: tool_name,
        kind: "other",
        target: String::new(),
        edit: vec![],
        exit_code: None,
        inline_output: None,
        todos: vec![],
        input: String::new(),
        result: None,
    };
    match action {
        ToolAction::FileRead { path } => {
            view.kind = "read";
            view.target = path;
        }
        ToolAction::FileEdit {
            path,
            diff,
            new_content,
        } => {
            view.kind = "edit";
            view.edit = edit_lines(diff.as_deref(), new_content.as_deref());
            view.target = path;
        }
        ToolAction::CommandRun {
            command,
            exit_code,
            output,
        } => {
            view.kind = "command";
            view.target = command;
            view.exit_code = exit_code;
            view.inline_output = output.as_deref().map(shorten);
        }
        ToolAction::Search { query } => {
            view.kind = "search";
            view.target = query;
        }
        ToolAction::WebFetch { url } => {
            view.kind = "fetch";
            view.target = url;
        }
        ToolAction::Todo { items } => {
            view.kind = "todo";
            view.target = format!("{} items", items.len());
            view.todos = items
                .into_iter()
                .map(|i| TodoView {
                    done: matches!(i.status.as_str(), "completed" | "done"),
                    text: i.text,
                    status: i.status,
                })
                .collect();
        }
        ToolAction::Subagent { description } => {
            view.kind = "subagent";
            view.target = description;
        }
        ToolAction::Other { name, input } => {
            view.target = name;
            view.input = serde_json::to_string_pretty(&input).unwrap_or_default();
        }
    }
    view
}

fn plain(seq: i64, at: When, kind: &'static str, text: String) -> EntryView {
    EntryView {
        seq,
        kind,
        at,
        html: String::new(),
        text,
        tool: None,
        orphan: None,
        images: vec![],
    }
}

/// Shows a path inside the worktree relative to it: the absolute prefix is the
/// same on every line and only hides the part that matters.
fn relative(path: String, root: Option<&Path>) -> String {
    root.and_then(|root| Path::new(&path).strip_prefix(root).ok())
        .map(|rel| rel.display().to_string())
        .filter(|rel| !rel.is_empty())
        .unwrap_or(path)
}

/// Builds the views of one page of entries, folding results into their calls.
/// `root` is the attempt's worktree, for showing paths relative to it.
pub(crate) fn entries(page: Vec<LogEntry>, root: Option<&Path>) -> Vec<EntryView> {
    let mut views: Vec<EntryView> = Vec::with_capacity(page.len());
    let mut calls: HashMap<String, usize> = HashMap::new();
    for entry in page {
        let (seq, at) = (entry.seq, when(entry.at));
        let view = match entry.entry {
            LogEntryKind::UserMessage { text, attachments } => {
                // Shown verbatim: prompts are structured text whose line breaks
                // matter, and markdown would fold them. Images are thumbnails.
                let (images, others): (Vec<String>, Vec<String>) = attachments
                    .into_iter()
                    .partition(|a| a.starts_with(ATTACHMENT_URLS));
                let mut text = text;
                for a in others {
                    text.push_str(&format!("\n[attached: {a}]"));
                }
                EntryView {
                    images,
                    ..plain(seq, at, "user", text)
                }
            }
            LogEntryKind::AssistantMessage { text } => EntryView {
                html: markdown::to_html(&text),
                ..plain(seq, at, "assistant", String::new())
            },
            LogEntryKind::Thinking { text } => plain(seq, at, "thinking", text),
            LogEntryKind::ToolCall {
                call_id,
                tool_name,
                action,
            } => {
                calls.insert(call_id.clone(), views.len());
                let mut tool = tool_view(call_id, tool_name, action);
                if matches!(tool.kind, "read" | "edit") {
                    tool.target = relative(tool.target, root);
                }
                EntryView {
                    tool: Some(tool),
                    ..plain(seq, at, "tool", String::new())
                }
            }
            LogEntryKind::ToolResult {
                call_id,
                status,
                output,
            } => {
                let result = shorten_with(&output, status == ToolStatus::Success);
                let call = calls.get(&call_id).and_then(|&i| views.get_mut(i));
                if let Some(tool) = call.and_then(|v| v.tool.as_mut()) {
                    tool.result = Some(result);
                    continue;
                }
                EntryView {
                    orphan: Some((call_id, result)),
                    ..plain(seq, at, "result", String::new())
                }
            }
            LogEntryKind::SystemMessage { text } => plain(seq, at, "system", text),
            LogEntryKind::Error { message } => plain(seq, at, "error", message),
            LogEntryKind::Usage {
                input_tokens,
                output_tokens,
                cost_usd,
            } => {
                let cost = cost_usd.map(|c| format!(", ${c:.4}")).unwrap_or_default();
                let text = format!(
                    "{} tokens in, {} out{cost}",
                    tokens(input_tokens),
                    tokens(output_tokens)
                );
                plain(seq, at, "usage", text)
            }
            LogEntryKind::SessionStarted { session_id } => {
                plain(seq, at, "session", format!("session {session_id}"))
            }
            LogEntryKind::Raw { stream, text } => {
                plain(seq, at, "raw", format!("[{}] {text}", stream.as_str()))
            }
        };
        views.push(view);
    }
    views
}

#[cfg(test)]
mod tests {
    use super::*;
    use cadre_core::AttemptId;

    fn entry(seq: i64, kind: LogEntryKind) -> LogEntry {
        LogEntry {
            attempt_id: AttemptId::new(),
            process_id: None,
            seq,
            at: chrono::Utc::now(),
            entry: kind,
        }
    }

    #[test]
    fn results_fold_into_their_calls_and_orphans_name_theirs() {
        let page = vec![
            entry(
                1,
                LogEntryKind::ToolCall {
                    call_id: "c1".into(),
                    tool_name: "Bash".into(),
                    action: ToolAction::CommandRun {
                        command: "ls".into(),
                        exit_code: None,
                        output: None,
                    },
                },
            ),
            entry(
                2,
                LogEntryKind::ToolResult {
                    call_id: "c1".into(),
                    status: ToolStatus::Failed,
                    output: "boom".into(),
                },
            ),
            entry(
                3,
                LogEntryKind::ToolResult {
                    call_id: "earlier".into(),
                    status: ToolStatus::Success,
                    output: "ok".into(),
                },
            ),
        ];
        let views = entries(page, None);
        assert_eq!(views.len(), 2);
        let tool = views[0].tool.as_ref().expect("a tool card");
        assert_eq!(tool.kind, "command");
        assert!(tool.failed());
        assert_eq!(views[1].kind, "result");
        assert_eq!(
            views[1].orphan.as_ref().map(|o| o.0.as_str()),
            Some("earlier")
        );
    }

    #[test]
    fn messages_are_sanitized_markdown_and_long_output_is_cut() {
        let page = vec![
            entry(
                1,
                LogEntryKind::AssistantMessage {
                    text: "**done** <script>x</script>".into(),
                },
            ),
            entry(
                2,
                LogEntryKind::ToolResult {
                    call_id: "c".into(),
                    status: ToolStatus::Success,
                    output: "é".repeat(MAX_OUTPUT),
                },
            ),
        ];
        let views = entries(page, None);
        assert!(views[0].html.contains("<strong>done</strong>"));
        assert!(!views[0].html.contains("<script"));
        let (_, result) = views[1].orphan.as_ref().expect("orphan");
        assert!(result.omitted > 0);
        assert!(result.output.len() <= MAX_OUTPUT);
    }

    #[test]
    fn a_user_message_shows_its_images_as_thumbnails() {
        let url = format!("/api/v1/attachments/{}", "a".repeat(64));
        let page = vec![entry(
            1,
            LogEntryKind::UserMessage {
                text: "look".into(),
                attachments: vec![url.clone(), "elsewhere.png".into()],
            },
        )];
        let views = entries(page, None);
        assert_eq!(views[0].images, [url]);
        assert_eq!(views[0].text, "look\n[attached: elsewhere.png]");
    }

    #[test]
    fn paths_inside_the_worktree_are_shown_relative() {
        let root = Path::new("/data/worktrees/WEB/x");
        assert_eq!(
            relative("/data/worktrees/WEB/x/src/a.rs".into(), Some(root)),
            "src/a.rs"
        );
        assert_eq!(relative("/etc/hosts".into(), Some(root)), "/etc/hosts");
        assert_eq!(relative("a.rs".into(), None), "a.rs");
    }

    #[test]
    fn edits_show_their_diff_lines() {
        let lines = edit_lines(Some("--- a\n+++ b\n@@ -1 +1 @@\n-old\n+new\n same"), None);
        let classes: Vec<&str> = lines.iter().map(|l| l.class).collect();
        assert_eq!(
            classes,
            ["context", "context", "hunk", "del", "add", "context"]
        );
        let written = edit_lines(None, Some("a\nb"));
        assert!(written.iter().all(|l| l.class == "add"));
    }
}
