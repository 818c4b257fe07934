//! Parser for `cursor-agent -p --output-format stream-json` events.

use super::OutputParser;
use super::common::{Core, Prelude, prelude, raw, str_at, text_of, u64_at};
use super::tools::map_tool;
use cadre_core::log::{LogEntryKind, Stream, ToolStatus};
use serde_json::Value;

/// Parses Cursor stream-json.
///
/// * `system` `init` → `session_started`; `user` / `assistant` → messages (text blocks
///   of `message.content` joined).
/// * `thinking` `delta`s are joined and emitted as one thinking entry on `completed` or
///   when anything else arrives.
/// * `tool_call` `started` → tool call, `completed` → tool result. The call payload is
///   an object with one key such as `shellToolCall` or `editToolCall`; the key without
///   its `ToolCall` suffix is the tool name (`shell`, `edit`, ...).
/// * `result` → summary, error when `is_error`, usage when present.
#[derive(Debug, Default)]
pub struct CursorParser {
    core: Core,
    thinking: String,
}

impl CursorParser {
    /// A parser at the start of a run.
    pub fn new() -> Self {
        Self::default()
    }

    fn flush_thinking(&mut self, out: &mut Vec<LogEntryKind>) {
        let text = std::mem::take(&mut self.thinking);
        if !text.trim().is_empty() {
            out.push(LogEntryKind::Thinking { text });
        }
    }

    fn tool_call(&mut self, v: &Value, line: &str, out: &mut Vec<LogEntryKind>) {
        let call_id = str_at(v, &["call_id", "callId"])
            .unwrap_or_default()
            .to_owned();
        let Some((key, payload)) = v
            .get("tool_call")
            .and_then(Value::as_object)
            .and_then(|m| m.iter().next())
        else {
            out.push(raw(Stream::Stdout, line));
            return;
        };
        let name = key.strip_suffix("ToolCall").unwrap_or(key);
        match str_at(v, &["subtype"]) {
            Some("started") => {
                let args = payload.get("args").cloned().unwrap_or(Value::Null);
                out.push(LogEntryKind::ToolCall {
                    call_id,
                    tool_name: name.to_owned(),
                    action: map_tool(name, &args),
                });
            }
            Some("completed") => {
                let result = payload.get("result").unwrap_or(&Value::Null);
                let (status, output) = match result.get("success") {
                    Some(success) => (ToolStatus::Success, tool_output(success)),
                    None => {
                        let failure = ["error", "failure", "rejected"]
                            .iter()
                            .find_map(|k| result.get(*k));
                        match failure {
                            Some(f) => (ToolStatus::Failed, tool_output(f)),
                            None => (ToolStatus::Success, text_of(result)),
                        }
                    }
                };
                out.push(LogEntryKind::ToolResult {
                    call_id,
                    status,
                    output,
                });
            }
            _ => out.push(raw(Stream::Stdout, line)),
        }
    }
}

/// Cursor results carry e.g. `{stdout, stderr, exitCode}` or `{content}`.
fn tool_output(v: &Value) -> String {
    let stdout =
        str_at(v, &["stdout", "content", "output", "message", "error"]).filter(|s| !s.is_empty());
    let stderr = str_at(v, &["stderr"]).filter(|s| !s.is_empty());
    match (stdout, stderr) {
        (Some(o), Some(e)) => format!("{o}\n{e}"),
        (Some(o), None) => o.to_owned(),
        (None, Some(e)) => e.to_owned(),
        (None, None) => text_of(v),
    }
}

fn message_text(v: &Value) -> Option<String> {
    v.get("message").and_then(|m| m.get("content")).map(text_of)
}

impl OutputParser for CursorParser {
    fn parse_line(&mut self, stream: Stream, line: &str) -> Vec<LogEntryKind> {
        let v = match prelude(stream, line) {
            Prelude::Done(entries) => return entries,
            Prelude::Json(v) => v,
        };
        let mut out = Vec::new();
        let kind = str_at(&v, &["type"]);
        if kind != Some("thinking") {
            self.flush_thinking(&mut out);
        }
        match kind {
            Some("system") => match str_at(&v, &["session_id"]) {
                Some(id) => self.core.session(id, &mut out),
                None => out.push(raw(stream, line)),
            },
            Some("user") => match message_text(&v) {
                Some(text) => out.push(LogEntryKind::UserMessage {
                    text,
                    attachments: Vec::new(),
                }),
                None => out.push(raw(stream, line)),
            },
            Some("assistant") => match message_text(&v) {
                Some(text) => self.core.assistant(&text, &mut out),
                None => out.push(raw(stream, line)),
            },
            Some("thinking") => {
                if let Some(text) = str_at(&v, &["text"]) {
                    self.thinking.push_str(text);
                }
                if str_at(&v, &["subtype"]) != Some("delta") {
                    self.flush_thinking(&mut out);
                }
            }
            Some("tool_call") => self.tool_call(&v, line, &mut out),
            Some("result") => {
                if let Some(id) = str_at(&v, &["session_id"]) {
                    self.core.session(id, &mut out);
                }
                let text = str_at(&v, &["result"]).unwrap_or_default();
                if v.get("is_error").and_then(Value::as_bool).unwrap_or(false) {
                    out.push(LogEntryKind::Error {
                        message: if text.is_empty() { "error" } else { text }.to_owned(),
                    });
                } else {
                    self.core.final_result(text, &mut out);
                }
                if let Some(usage) = v.get("usage") {
                    out.push(LogEntryKind::Usage {
                        input_tokens: u64_at(usage, &["inputTokens", "input_tokens"]).unwrap_or(0),
                        output_tokens: u64_at(usage, &["outputTokens", "output_tokens"])
                            .unwrap_or(0),
                        cost_usd: None,
                    });
                }
            }
            _ => out.push(raw(stream, line)),
        }
        out
    }

    fn finish(&mut self) -> Vec<LogEntryKind> {
        let mut out = Vec::new();
        self.flush_thinking(&mut out);
        out
    }

    fn session_id(&self) -> Option<&str> {
        self.core.session_id.as_deref()
    }

    fn summary(&self) -> Option<&str> {
        self.core.summary()
    }
}
