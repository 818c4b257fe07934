//! Parser for Claude Code `--output-format stream-json --verbose` lines, also printed by
//! Qwen Code and Amp.

use super::OutputParser;
use super::common::{Core, Prelude, prelude, raw, str_at, text_of, u64_at};
use super::tools::map_tool;
use cadre_core::log::{LogEntryKind, Stream, ToolStatus};
use serde_json::Value;

/// Parses Claude-compatible stream-json output.
///
/// * `system` `init` (or Qwen's `session_start`) → `session_started`; `compact_boundary`
///   → a system message; other system subtypes (`status`, ...) and `rate_limit_event`
///   → `raw`, so nothing is lost.
/// * `assistant` content blocks → `assistant_message` / `thinking` / `tool_call`.
/// * `user` content: `tool_result` blocks → `tool_result`; text → `user_message`.
/// * `result` → its text becomes the summary (and an assistant message when it differs
///   from the last one), `error` when `is_error`, and `usage` with the total cost.
/// * `stream_event` (only with `--include-partial-messages`) is skipped: the complete
///   blocks follow anyway.
#[derive(Debug, Default)]
pub struct ClaudeParser {
    core: Core,
}

impl ClaudeParser {
    /// A parser at the start of a run.
    pub fn new() -> Self {
        Self::default()
    }

    fn system(&mut self, v: &Value, line: &str, out: &mut Vec<LogEntryKind>) {
        match str_at(v, &["subtype"]) {
            Some("init" | "session_start") => match str_at(v, &["session_id", "sessionId"]) {
                Some(id) => self.core.session(id, out),
                None => out.push(raw(Stream::Stdout, line)),
            },
            Some("compact_boundary") => out.push(LogEntryKind::SystemMessage {
                text: "Conversation compacted".into(),
            }),
            _ => out.push(raw(Stream::Stdout, line)),
        }
    }

    fn assistant(&mut self, v: &Value, line: &str, out: &mut Vec<LogEntryKind>) {
        let Some(blocks) = content_blocks(v) else {
            out.push(raw(Stream::Stdout, line));
            return;
        };
        for block in blocks {
            match str_at(block, &["type"]) {
                Some("text") => {
                    if let Some(text) = str_at(block, &["text"]) {
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
                Some("tool_use" | "server_tool_use") => {
                    let name = str_at(block, &["name"]).unwrap_or("unknown");
                    let input = block.get("input").cloned().unwrap_or(Value::Null);
                    out.push(LogEntryKind::ToolCall {
                        call_id: str_at(block, &["id"]).unwrap_or_default().to_owned(),
                        tool_name: name.to_owned(),
                        action: map_tool(name, &input),
                    });
                }
                // Redacted thinking carries no readable text.
                Some("redacted_thinking") => {}
                _ => out.push(raw(Stream::Stdout, &block.to_string())),
            }
        }
    }

    fn user(&mut self, v: &Value, line: &str, out: &mut Vec<LogEntryKind>) {
        let content = v.get("message").and_then(|m| m.get("content"));
        match content {
            Some(Value::String(text)) => out.push(LogEntryKind::UserMessage {
                text: text.clone(),
                attachments: Vec::new(),
            }),
            Some(Value::Array(blocks)) => {
                for block in blocks {
                    match str_at(block, &["type"]) {
                        Some("tool_result") => {
                            let failed = block
                                .get("is_error")
                                .and_then(Value::as_bool)
                                .unwrap_or(false);
                            out.push(LogEntryKind::ToolResult {
                                call_id: str_at(block, &["tool_use_id"])
                                    .unwrap_or_default()
                                    .to_owned(),
                                status: if failed {
                                    ToolStatus::Failed
                                } else {
                                    ToolStatus::Success
                                },
                                output: block.get("content").map(text_of).unwrap_or_default(),
                            });
                        }
                        Some("text") => out.push(LogEntryKind::UserMessage {
                            text: str_at(block, &["text"]).unwrap_or_default().to_owned(),
                            attachments: Vec::new(),
                        }),
                        _ => out.push(raw(Stream::Stdout, &block.to_string())),
                    }
                }
            }
            _ => out.push(raw(Stream::Stdout, line)),
        }
    }

    fn result(&mut self, v: &Value, out: &mut Vec<LogEntryKind>) {
        if let Some(id) = str_at(v, &["session_id"]) {
            self.core.session(id, out);
        }
        let text = str_at(v, &["result"]).unwrap_or_default();
        let is_error = v.get("is_error").and_then(Value::as_bool).unwrap_or(false)
            || str_at(v, &["subtype"]).is_some_and(|s| s.starts_with("error"));
        if is_error {
            let message = if text.is_empty() {
                str_at(v, &["subtype"]).unwrap_or("error").to_owned()
            } else {
                text.to_owned()
            };
            out.push(LogEntryKind::Error { message });
        } else {
            self.core.final_result(text, out);
        }
        if let Some(usage) = v.get("usage") {
            let input = u64_at(usage, &["input_tokens"]).unwrap_or(0)
                + u64_at(usage, &["cache_creation_input_tokens"]).unwrap_or(0)
                + u64_at(usage, &["cache_read_input_tokens"]).unwrap_or(0);
            out.push(LogEntryKind::Usage {
                input_tokens: input,
                output_tokens: u64_at(usage, &["output_tokens"]).unwrap_or(0),
                cost_usd: v.get("total_cost_usd").and_then(Value::as_f64),
            });
        }
    }
}

fn content_blocks(v: &Value) -> Option<&Vec<Value>> {
    v.get("message")?.get("content")?.as_array()
}

impl OutputParser for ClaudeParser {
    fn parse_line(&mut self, stream: Stream, line: &str) -> Vec<LogEntryKind> {
        let v = match prelude(stream, line) {
            Prelude::Done(entries) => return entries,
            Prelude::Json(v) => v,
        };
        let mut out = Vec::new();
        match str_at(&v, &["type"]) {
            Some("system") => self.system(&v, line, &mut out),
            Some("assistant") => self.assistant(&v, line, &mut out),
            Some("user") => self.user(&v, line, &mut out),
            Some("result") => self.result(&v, &mut out),
            Some("stream_event") => {}
            _ => out.push(raw(Stream::Stdout, line)),
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
