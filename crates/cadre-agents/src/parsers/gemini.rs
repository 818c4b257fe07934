//! Parser for Gemini CLI `--output-format stream-json` events.

use super::OutputParser;
use super::common::{Core, Prelude, prelude, raw, str_at, text_of, u64_at};
use super::tools::map_tool;
use cadre_core::log::{LogEntryKind, Stream, ToolStatus};
use serde_json::Value;

/// Parses Gemini stream-json.
///
/// * `init` → `session_started`.
/// * `message` with `delta: true` is a chunk of a streamed message: chunks of the same
///   role are joined and emitted as one message when anything else arrives (or at
///   `finish`), so the log holds readable messages instead of token fragments.
/// * `tool_use` / `tool_result` → tool call / result; `error` → error (a `warning`
///   severity becomes a system message); `result` → usage from `stats`, and an error
///   when its status is not success.
#[derive(Debug, Default)]
pub struct GeminiParser {
    core: Core,
    /// Role and text of the message being streamed.
    pending: Option<(String, String)>,
}

impl GeminiParser {
    /// A parser at the start of a run.
    pub fn new() -> Self {
        Self::default()
    }

    fn flush(&mut self, out: &mut Vec<LogEntryKind>) {
        if let Some((role, text)) = self.pending.take() {
            self.emit_message(&role, &text, out);
        }
    }

    fn emit_message(&mut self, role: &str, text: &str, out: &mut Vec<LogEntryKind>) {
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

    fn message(&mut self, v: &Value, out: &mut Vec<LogEntryKind>) {
        let role = str_at(v, &["role"]).unwrap_or("assistant").to_owned();
        let content = v.get("content").map(text_of).unwrap_or_default();
        let delta = v.get("delta").and_then(Value::as_bool).unwrap_or(false);
        if !delta {
            self.flush(out);
            self.emit_message(&role, &content, out);
            return;
        }
        match &mut self.pending {
            Some((pending_role, text)) if *pending_role == role => text.push_str(&content),
            _ => {
                self.flush(out);
                self.pending = Some((role, content));
            }
        }
    }
}

impl OutputParser for GeminiParser {
    fn parse_line(&mut self, stream: Stream, line: &str) -> Vec<LogEntryKind> {
        let v = match prelude(stream, line) {
            Prelude::Done(entries) => return entries,
            Prelude::Json(v) => v,
        };
        let mut out = Vec::new();
        let kind = str_at(&v, &["type"]);
        if kind != Some("message") {
            self.flush(&mut out);
        }
        match kind {
            Some("init") => match str_at(&v, &["session_id", "sessionId"]) {
                Some(id) => self.core.session(id, &mut out),
                None => out.push(raw(stream, line)),
            },
            Some("message") => self.message(&v, &mut out),
            Some("tool_use") => {
                let name = str_at(&v, &["tool_name", "name"]).unwrap_or("unknown");
                let params = v.get("parameters").cloned().unwrap_or(Value::Null);
                out.push(LogEntryKind::ToolCall {
                    call_id: str_at(&v, &["tool_id", "id"])
                        .unwrap_or_default()
                        .to_owned(),
                    tool_name: name.to_owned(),
                    action: map_tool(name, &params),
                });
            }
            Some("tool_result") => {
                let ok = str_at(&v, &["status"]).is_none_or(|s| s == "success");
                let output = match v.get("error") {
                    Some(err) if !err.is_null() => text_of(err),
                    _ => v.get("output").map(text_of).unwrap_or_default(),
                };
                out.push(LogEntryKind::ToolResult {
                    call_id: str_at(&v, &["tool_id", "id"])
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
            Some("error") => {
                let message = str_at(&v, &["message"]).unwrap_or("error").to_owned();
                if str_at(&v, &["severity"]) == Some("warning") {
                    out.push(LogEntryKind::SystemMessage { text: message });
                } else {
                    out.push(LogEntryKind::Error { message });
                }
            }
            Some("result") => {
                let status = str_at(&v, &["status"]).unwrap_or("success");
                if status != "success" {
                    let message = match v.get("error") {
                        Some(err) if !err.is_null() => text_of(err),
                        _ => format!("run ended with status {status}"),
                    };
                    out.push(LogEntryKind::Error { message });
                }
                if let Some(stats) = v.get("stats") {
                    out.push(LogEntryKind::Usage {
                        input_tokens: u64_at(stats, &["input_tokens", "prompt_tokens", "input"])
                            .unwrap_or(0),
                        output_tokens: u64_at(
                            stats,
                            &["output_tokens", "candidates_tokens", "output"],
                        )
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
        self.flush(&mut out);
        out
    }

    fn session_id(&self) -> Option<&str> {
        self.core.session_id.as_deref()
    }

    fn summary(&self) -> Option<&str> {
        self.core.summary()
    }
}
