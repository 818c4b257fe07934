//! Parser for `opencode run --format json` events.

use super::OutputParser;
use super::common::{Core, Prelude, prelude, raw, str_at, text_of, u64_at};
use super::tools::map_tool;
use cadre_core::log::{LogEntryKind, Stream, ToolStatus};
use serde_json::Value;
use std::collections::HashSet;

/// Parses OpenCode JSON events (`{type, timestamp, sessionID, part}`).
///
/// * The first `sessionID` seen → `session_started`.
/// * `text` → assistant message, `reasoning` → thinking.
/// * `tool_use` → a tool call the first time a `callID` is seen, and a tool result once
///   its `state.status` is `completed` or `error` (one event may yield both).
/// * `step_finish` → usage (`part.tokens`, `part.cost`); `error` → error.
/// * `step_start` and `done` carry nothing to show and are skipped.
#[derive(Debug, Default)]
pub struct OpenCodeParser {
    core: Core,
    called: HashSet<String>,
    finished: HashSet<String>,
}

impl OpenCodeParser {
    /// A parser at the start of a run.
    pub fn new() -> Self {
        Self::default()
    }

    fn tool_use(&mut self, part: &Value, out: &mut Vec<LogEntryKind>) {
        let call_id = str_at(part, &["callID", "callId", "id"])
            .unwrap_or_default()
            .to_owned();
        let tool = str_at(part, &["tool"]).unwrap_or("unknown");
        let state = part.get("state").unwrap_or(&Value::Null);
        if self.called.insert(call_id.clone()) {
            let input = state.get("input").cloned().unwrap_or(Value::Null);
            out.push(LogEntryKind::ToolCall {
                call_id: call_id.clone(),
                tool_name: tool.to_owned(),
                action: map_tool(tool, &input),
            });
        }
        let status = match str_at(state, &["status"]) {
            Some("completed") => ToolStatus::Success,
            Some("error") => ToolStatus::Failed,
            _ => return,
        };
        if self.finished.insert(call_id.clone()) {
            let output = match status {
                ToolStatus::Success => state.get("output").map(text_of),
                ToolStatus::Failed => state.get("error").map(text_of),
            };
            out.push(LogEntryKind::ToolResult {
                call_id,
                status,
                output: output.unwrap_or_default(),
            });
        }
    }
}

impl OutputParser for OpenCodeParser {
    fn parse_line(&mut self, stream: Stream, line: &str) -> Vec<LogEntryKind> {
        let v = match prelude(stream, line) {
            Prelude::Done(entries) => return entries,
            Prelude::Json(v) => v,
        };
        let mut out = Vec::new();
        if let Some(id) = str_at(&v, &["sessionID", "sessionId"]) {
            self.core.session(id, &mut out);
        }
        let part = v.get("part").unwrap_or(&Value::Null);
        match str_at(&v, &["type"]) {
            Some("text") => {
                let text = str_at(part, &["text"]).unwrap_or_default();
                self.core.assistant(text, &mut out);
            }
            Some("reasoning") => {
                if let Some(text) = str_at(part, &["text"])
                    && !text.trim().is_empty()
                {
                    out.push(LogEntryKind::Thinking {
                        text: text.to_owned(),
                    });
                }
            }
            Some("tool_use") => self.tool_use(part, &mut out),
            Some("step_finish") => {
                let tokens = part.get("tokens").unwrap_or(&Value::Null);
                let cache = tokens.get("cache").unwrap_or(&Value::Null);
                out.push(LogEntryKind::Usage {
                    input_tokens: u64_at(tokens, &["input"]).unwrap_or(0)
                        + u64_at(cache, &["read"]).unwrap_or(0)
                        + u64_at(cache, &["write"]).unwrap_or(0),
                    output_tokens: u64_at(tokens, &["output"]).unwrap_or(0)
                        + u64_at(tokens, &["reasoning"]).unwrap_or(0),
                    cost_usd: part.get("cost").and_then(Value::as_f64),
                });
            }
            Some("error") => {
                let err = v.get("error").or_else(|| part.get("error"));
                let message = match err {
                    Some(e) => e
                        .get("data")
                        .and_then(|d| str_at(d, &["message"]))
                        .map_or_else(|| text_of(e), str::to_owned),
                    None => str_at(&v, &["message"]).unwrap_or("error").to_owned(),
                };
                out.push(LogEntryKind::Error { message });
            }
            Some("step_start" | "done") => {}
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
