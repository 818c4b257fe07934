//! Parser for Factory Droid `droid exec --output-format stream-json` events.

use super::OutputParser;
use super::common::{Core, Prelude, prelude, raw, str_at, text_of, u64_at};
use super::tools::map_tool;
use cadre_core::log::{LogEntryKind, Stream, ToolStatus};
use serde_json::Value;

/// Parses Droid stream-json.
///
/// * `system` → `session_started`; `message{role, text}` → user/assistant message.
/// * `tool_call{toolName, toolId, parameters}` → tool call;
///   `tool_result{toolId, isError, value|error}` → tool result.
/// * `error` → error; `completion{finalText}` → summary (and usage when present).
#[derive(Debug, Default)]
pub struct DroidParser {
    core: Core,
}

impl DroidParser {
    /// A parser at the start of a run.
    pub fn new() -> Self {
        Self::default()
    }
}

impl OutputParser for DroidParser {
    fn parse_line(&mut self, stream: Stream, line: &str) -> Vec<LogEntryKind> {
        let v = match prelude(stream, line) {
            Prelude::Done(entries) => return entries,
            Prelude::Json(v) => v,
        };
        let mut out = Vec::new();
        let session = str_at(&v, &["session_id", "sessionId"]);
        match str_at(&v, &["type"]) {
            Some("system") => match session {
                Some(id) => self.core.session(id, &mut out),
                None => out.push(raw(stream, line)),
            },
            Some("message") => {
                let text = str_at(&v, &["text", "content"]).unwrap_or_default();
                if str_at(&v, &["role"]) == Some("user") {
                    if !text.trim().is_empty() {
                        out.push(LogEntryKind::UserMessage {
                            text: text.to_owned(),
                            attachments: Vec::new(),
                        });
                    }
                } else {
                    self.core.assistant(text, &mut out);
                }
            }
            Some("tool_call") => {
                let name = str_at(&v, &["toolName", "name"]).unwrap_or("unknown");
                let params = v.get("parameters").cloned().unwrap_or(Value::Null);
                out.push(LogEntryKind::ToolCall {
                    call_id: str_at(&v, &["toolId", "id"]).unwrap_or_default().to_owned(),
                    tool_name: name.to_owned(),
                    action: map_tool(name, &params),
                });
            }
            Some("tool_result") => {
                let failed = v.get("isError").and_then(Value::as_bool).unwrap_or(false);
                let output = match (v.get("error"), v.get("value")) {
                    (Some(err), _) if !err.is_null() => text_of(err),
                    (_, Some(value)) => text_of(value),
                    _ => String::new(),
                };
                out.push(LogEntryKind::ToolResult {
                    call_id: str_at(&v, &["toolId", "id"]).unwrap_or_default().to_owned(),
                    status: if failed {
                        ToolStatus::Failed
                    } else {
                        ToolStatus::Success
                    },
                    output,
                });
            }
            Some("error") => out.push(LogEntryKind::Error {
                message: match v.get("error") {
                    Some(e) if !e.is_null() => text_of(e),
                    _ => str_at(&v, &["message"]).unwrap_or("error").to_owned(),
                },
            }),
            Some("completion") => {
                if let Some(id) = session {
                    self.core.session(id, &mut out);
                }
                let text = str_at(&v, &["finalText", "result"]).unwrap_or_default();
                self.core.final_result(text, &mut out);
                if let Some(usage) = v.get("usage") {
                    out.push(LogEntryKind::Usage {
                        input_tokens: u64_at(usage, &["input_tokens", "inputTokens"]).unwrap_or(0),
                        output_tokens: u64_at(usage, &["output_tokens", "outputTokens"])
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
        Vec::new()
    }

    fn session_id(&self) -> Option<&str> {
        self.core.session_id.as_deref()
    }

    fn summary(&self) -> Option<&str> {
        self.core.summary()
    }
}
