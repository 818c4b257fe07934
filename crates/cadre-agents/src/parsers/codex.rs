//! Parser for `codex exec --json` events.

use super::OutputParser;
use super::common::{Core, Prelude, prelude, raw, str_at, text_of, u64_at};
use super::tools::{map_tool, todo_items};
use cadre_core::log::{LogEntryKind, Stream, ToolAction, ToolStatus};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// Parses Codex JSON events.
///
/// * `thread.started` → `session_started` (the thread id resumes the conversation).
/// * Items: `agent_message` → assistant message, `reasoning` → thinking,
///   `command_execution` → a `tool_call` when it starts and a `tool_result` when it
///   completes, `file_change` → one `file_edit` call + result per changed path,
///   `mcp_tool_call` / `web_search` → call + result, `todo_list` → a `todo` call each
///   time the list changes, `error` item → error.
/// * `turn.completed` → usage; `turn.failed` and top-level `error` → error.
/// * `turn.started` and other `item.updated` events carry nothing new and are skipped.
#[derive(Debug, Default)]
pub struct CodexParser {
    core: Core,
    /// Items whose `tool_call` was already emitted (on `item.started`).
    started: HashSet<String>,
    /// Last todo list emitted per item, to emit only changes.
    todos: HashMap<String, Value>,
}

impl CodexParser {
    /// A parser at the start of a run.
    pub fn new() -> Self {
        Self::default()
    }

    fn item(&mut self, event: &str, item: &Value, line: &str, out: &mut Vec<LogEntryKind>) {
        let id = str_at(item, &["id"]).unwrap_or_default().to_owned();
        let completed = event == "item.completed";
        let kind = str_at(item, &["type", "item_type"]);
        match kind {
            Some("agent_message") if completed => {
                self.core
                    .assistant(str_at(item, &["text"]).unwrap_or_default(), out);
            }
            Some("reasoning") if completed => {
                if let Some(text) = str_at(item, &["text"])
                    && !text.trim().is_empty()
                {
                    out.push(LogEntryKind::Thinking {
                        text: text.to_owned(),
                    });
                }
            }
            Some("command_execution") => {
                let command = str_at(item, &["command"]).unwrap_or_default().to_owned();
                if !completed && self.started.insert(id.clone()) {
                    out.push(call(
                        &id,
                        "command_execution",
                        command_run(command, None, None),
                    ));
                } else if completed {
                    let exit = item
                        .get("exit_code")
                        .and_then(Value::as_i64)
                        .and_then(|c| i32::try_from(c).ok());
                    let output = str_at(item, &["aggregated_output"]).unwrap_or_default();
                    if !self.started.contains(&id) {
                        let action = command_run(command, exit, Some(output.to_owned()));
                        out.push(call(&id, "command_execution", action));
                    }
                    let ok = exit.map_or(status_ok(item), |c| c == 0);
                    out.push(result(&id, ok, output.to_owned()));
                }
            }
            Some("file_change") if completed => {
                let changes = item.get("changes").and_then(Value::as_array);
                for (i, change) in changes.into_iter().flatten().enumerate() {
                    let path = str_at(change, &["path"]).unwrap_or_default().to_owned();
                    let change_kind = str_at(change, &["kind"]).unwrap_or("update");
                    let call_id = format!("{id}#{i}");
                    let action = ToolAction::FileEdit {
                        path,
                        diff: Some(format!("({change_kind})")),
                        new_content: None,
                    };
                    out.push(call(&call_id, "file_change", action));
                    out.push(result(&call_id, status_ok(item), change_kind.to_owned()));
                }
            }
            Some("mcp_tool_call") if completed => {
                let server = str_at(item, &["server"]).unwrap_or("mcp");
                let tool = str_at(item, &["tool"]).unwrap_or("tool");
                let name = format!("{server}.{tool}");
                let args = item.get("arguments").cloned().unwrap_or(Value::Null);
                out.push(call(&id, &name, map_tool(tool, &args)));
                let output = match item.get("error") {
                    Some(err) if !err.is_null() => text_of(err),
                    _ => item.get("result").map(text_of).unwrap_or_default(),
                };
                out.push(result(&id, status_ok(item), output));
            }
            Some("web_search") if completed => {
                let query = str_at(item, &["query"]).unwrap_or_default().to_owned();
                out.push(call(&id, "web_search", ToolAction::Search { query }));
                out.push(result(&id, true, String::new()));
            }
            Some("todo_list") => {
                let items = item.get("items").cloned().unwrap_or(Value::Null);
                if self.todos.get(&id) != Some(&items) {
                    let action = ToolAction::Todo {
                        items: todo_items(&items),
                    };
                    out.push(call(&id, "todo_list", action));
                    self.todos.insert(id, items);
                }
            }
            Some("error") if completed => out.push(LogEntryKind::Error {
                message: str_at(item, &["message", "text"])
                    .unwrap_or_default()
                    .to_owned(),
            }),
            Some(
                "agent_message" | "reasoning" | "file_change" | "mcp_tool_call" | "web_search"
                | "error",
            ) => {}
            _ => out.push(raw(Stream::Stdout, line)),
        }
    }
}

fn command_run(command: String, exit_code: Option<i32>, output: Option<String>) -> ToolAction {
    ToolAction::CommandRun {
        command,
        exit_code,
        output,
    }
}

fn status_ok(item: &Value) -> bool {
    !matches!(
        str_at(item, &["status"]),
        Some("failed" | "declined" | "error")
    )
}

fn call(id: &str, name: &str, action: ToolAction) -> LogEntryKind {
    LogEntryKind::ToolCall {
        call_id: id.to_owned(),
        tool_name: name.to_owned(),
        action,
    }
}

fn result(id: &str, ok: bool, output: String) -> LogEntryKind {
    LogEntryKind::ToolResult {
        call_id: id.to_owned(),
        status: if ok {
            ToolStatus::Success
        } else {
            ToolStatus::Failed
        },
        output,
    }
}

fn error_message(v: &Value) -> String {
    match v.get("error") {
        Some(err) if !err.is_null() => text_of(err),
        _ => str_at(v, &["message"]).unwrap_or("error").to_owned(),
    }
}

impl OutputParser for CodexParser {
    fn parse_line(&mut self, stream: Stream, line: &str) -> Vec<LogEntryKind> {
        let v = match prelude(stream, line) {
            Prelude::Done(entries) => return entries,
            Prelude::Json(v) => v,
        };
        let mut out = Vec::new();
        match str_at(&v, &["type"]) {
            Some("thread.started") => match str_at(&v, &["thread_id"]) {
                Some(id) => self.core.session(id, &mut out),
                None => out.push(raw(stream, line)),
            },
            Some("turn.started") => {}
            Some(event @ ("item.started" | "item.updated" | "item.completed")) => {
                match v.get("item") {
                    Some(item) => self.item(event, item, line, &mut out),
                    None => out.push(raw(stream, line)),
                }
            }
            Some("turn.completed") => {
                let usage = v.get("usage").unwrap_or(&Value::Null);
                out.push(LogEntryKind::Usage {
                    input_tokens: u64_at(usage, &["input_tokens"]).unwrap_or(0),
                    output_tokens: u64_at(usage, &["output_tokens"]).unwrap_or(0),
                    cost_usd: None,
                });
            }
            Some("turn.failed" | "error") => out.push(LogEntryKind::Error {
                message: error_message(&v),
            }),
            _ => out.push(raw(stream, line)),
        }
        out
    }

    fn finish(&mut self) -> Vec<LogEntryKind> {
        Vec::new()
    }

    fn session_id(&self) -> Option<&str> {
        self.core.session_id.as_deref()
    }

    fn summary(&self) -> Option<&str> {
        self.core.summary()
    }
}
