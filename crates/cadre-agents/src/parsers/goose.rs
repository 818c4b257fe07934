//! Defensive parser for Goose `goose run --output-format stream-json` output, whose
//! schema is not confirmed.

use super::OutputParser;
use super::common::{Core, Prelude, prelude, raw, str_at, text_of, u64_at};
use super::tools::map_tool;
use cadre_core::log::{LogEntryKind, Stream, ToolStatus};
use serde_json::Value;

/// Parses Goose stream-json defensively.
///
/// Expected shape: `{"type":"message","message":{"role","content":[blocks]}}` with
/// blocks `text`, `thinking`, `toolRequest{id, toolCall{value{name, arguments}}}` and
/// `toolResponse{id, toolResult{value|error}}`; `{"type":"error","error"}`; and
/// `{"type":"complete", total_tokens?}`. Any `session_id` seen → `session_started`.
/// Every other shape → `raw`.
#[derive(Debug, Default)]
pub struct GooseParser {
    core: Core,
}

impl GooseParser {
    /// A parser at the start of a run.
    pub fn new() -> Self {
        Self::default()
    }

    fn block(&mut self, role: &str, block: &Value, out: &mut Vec<LogEntryKind>) {
        match str_at(block, &["type"]) {
            Some("text") => {
                let text = str_at(block, &["text"]).unwrap_or_default();
                if role == "user" {
                    if !text.trim().is_empty() {
                        out.push(LogEntryKind::UserMessage {
                            text: text.to_owned(),
                            attachments: Vec::new(),
                        });
                    }
                } else {
                    self.core.assistant(text, out);
                }
            }
            Some("thinking") => {
                if let Some(text) = str_at(block, &["thinking", "text"])
                    && !text.trim().is_empty()
                {
                    out.push(LogEntryKind::Thinking {
                        text: text.to_owned(),
                    });
                }
            }
            Some("toolRequest") => {
                let call = block
                    .get("toolCall")
                    .map(|c| c.get("value").unwrap_or(c))
                    .unwrap_or(&Value::Null);
                let name = str_at(call, &["name"]).unwrap_or("unknown");
                let args = call.get("arguments").cloned().unwrap_or(Value::Null);
                out.push(LogEntryKind::ToolCall {
                    call_id: str_at(block, &["id"]).unwrap_or_default().to_owned(),
                    tool_name: name.to_owned(),
                    action: map_tool(name, &args),
                });
            }
            Some("toolResponse") => {
                let result = block.get("toolResult").unwrap_or(&Value::Null);
                let (status, output) = match result.get("error") {
                    Some(err) if !err.is_null() => (ToolStatus::Failed, text_of(err)),
                    _ => (
                        ToolStatus::Success,
                        text_of(result.get("value").unwrap_or(result)),
                    ),
                };
                out.push(LogEntryKind::ToolResult {
                    call_id: str_at(block, &["id"]).unwrap_or_default().to_owned(),
                    status,
                    output,
                });
            }
            _ => out.push(raw(Stream::Stdout, &block.to_string())),
        }
    }
}

impl OutputParser for GooseParser {
    fn parse_line(&mut self, stream: Stream, line: &str) -> Vec<LogEntryKind> {
        let v = match prelude(stream, line) {
            Prelude::Done(entries) => return entries,
            Prelude::Json(v) => v,
        };
        let mut out = Vec::new();
        if let Some(id) = str_at(&v, &["session_id", "sessionId"]) {
            self.core.session(id, &mut out);
        }
        match str_at(&v, &["type"]) {
            Some("message") => {
                let message = v.get("message").unwrap_or(&Value::Null);
                let role = str_at(message, &["role"]).unwrap_or("assistant").to_owned();
                match message.get("content").and_then(Value::as_array) {
                    Some(blocks) => {
                        for block in blocks {
                            self.block(&role, block, &mut out);
                        }
                    }
                    None => out.push(raw(stream, line)),
                }
            }
            Some("error") => out.push(LogEntryKind::Error {
                message: match v.get("error") {
                    Some(e) if !e.is_null() => text_of(e),
                    _ => str_at(&v, &["message"]).unwrap_or("error").to_owned(),
                },
            }),
            Some("complete") => {
                // Only a total may be reported; it cannot be split, so usage is emitted
                // only when input and output counts are given.
                if let (Some(input), Some(output)) = (
                    u64_at(&v, &["input_tokens"]),
                    u64_at(&v, &["output_tokens"]),
                ) {
                    out.push(LogEntryKind::Usage {
                        input_tokens: input,
                        output_tokens: output,
                        cost_usd: None,
                    });
                }
            }
            // Notifications are progress chatter from extensions.
            Some("notification") => {}
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
