//! Parser for GitHub Copilot CLI `--output-format json` events.

use super::OutputParser;
use super::common::{Core, Prelude, prelude, raw, str_at, text_of, u64_at};
use super::tools::map_tool;
use cadre_core::log::{LogEntryKind, Stream, ToolStatus};
use serde_json::Value;

/// Parses Copilot JSON events; the payload of each is under `data`.
///
/// * Any `sessionId` (top level or in `data`) → `session_started`, once.
/// * `user.message` / `assistant.message` (`data.content`) → messages;
///   `assistant.reasoning` → thinking.
/// * `tool.execution_start` (`toolCallId`, `toolName`, `arguments`) → tool call;
///   `tool.execution_complete` (`success`, `result` or `error`) → tool result.
/// * `result` → summary from its text if any, usage when present.
/// * Streaming deltas and turn/session bookkeeping events (`*.delta`, `*_delta`,
///   `assistant.turn_*`, `session.*`) are skipped: the complete message follows.
#[derive(Debug, Default)]
pub struct CopilotParser {
    core: Core,
}

impl CopilotParser {
    /// A parser at the start of a run.
    pub fn new() -> Self {
        Self::default()
    }
}

fn is_noise(kind: &str) -> bool {
    kind.ends_with("delta") || kind.starts_with("assistant.turn_") || kind.starts_with("session.")
}

impl OutputParser for CopilotParser {
    fn parse_line(&mut self, stream: Stream, line: &str) -> Vec<LogEntryKind> {
        let v = match prelude(stream, line) {
            Prelude::Done(entries) => return entries,
            Prelude::Json(v) => v,
        };
        let mut out = Vec::new();
        let data = v.get("data").unwrap_or(&Value::Null);
        let session = str_at(&v, &["sessionId", "session_id"])
            .or_else(|| str_at(data, &["sessionId", "session_id"]));
        if let Some(id) = session {
            self.core.session(id, &mut out);
        }
        let content = || data.get("content").map(text_of).unwrap_or_default();
        match str_at(&v, &["type"]) {
            Some("user.message") => {
                let text = content();
                if !text.trim().is_empty() {
                    out.push(LogEntryKind::UserMessage {
                        text,
                        attachments: Vec::new(),
                    });
                }
            }
            Some("assistant.message") => self.core.assistant(&content(), &mut out),
            Some("assistant.reasoning") => {
                let text = content();
                if !text.trim().is_empty() {
                    out.push(LogEntryKind::Thinking { text });
                }
            }
            Some("tool.execution_start") => {
                let name = str_at(data, &["toolName", "name"]).unwrap_or("unknown");
                let args = data.get("arguments").cloned().unwrap_or(Value::Null);
                out.push(LogEntryKind::ToolCall {
                    call_id: str_at(data, &["toolCallId", "id"])
                        .unwrap_or_default()
                        .to_owned(),
                    tool_name: name.to_owned(),
                    action: map_tool(name, &args),
                });
            }
            Some("tool.execution_complete") => {
                let ok = data.get("success").and_then(Value::as_bool).unwrap_or(true);
                let output = match (data.get("error"), data.get("result")) {
                    (Some(err), _) if !err.is_null() => text_of(err),
                    (_, Some(result)) => text_of(result),
                    _ => String::new(),
                };
                out.push(LogEntryKind::ToolResult {
                    call_id: str_at(data, &["toolCallId", "id"])
                        .unwrap_or_default()
                        .to_owned(),
                    status: if ok {
                        ToolStatus::Success
                    } else {
                        ToolStatus::Failed
                    },
                    output,
                });
            }
            Some("result") => {
                let body = if data.is_null() { &v } else { data };
                if let Some(text) = str_at(body, &["result", "content", "finalText"]) {
                    self.core.final_result(text, &mut out);
                }
                if let Some(usage) = body.get("usage") {
                    out.push(LogEntryKind::Usage {
                        input_tokens: u64_at(usage, &["inputTokens", "input_tokens"]).unwrap_or(0),
                        output_tokens: u64_at(usage, &["outputTokens", "output_tokens"])
                            .unwrap_or(0),
                        cost_usd: None,
                    });
                }
            }
            Some("error") => out.push(LogEntryKind::Error {
                message: str_at(data, &["message"])
                    .or_else(|| str_at(&v, &["message"]))
                    .unwrap_or("error")
                    .to_owned(),
            }),
            Some(kind) if is_noise(kind) => {}
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
