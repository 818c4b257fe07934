//! Output in the real CLIs' formats: Claude `stream-json` lines or Codex `exec --json`
//! events, one JSON object per line, flushed after every line so tailers see it live.

use crate::cli::Format;
use serde_json::{Value, json};
use std::io::Write;

/// Prints events of one run in the chosen format.
pub struct Emitter {
    format: Format,
    session: String,
    model: String,
    cwd: String,
    /// Counter for message, tool and item ids, unique within the run.
    next_id: u64,
    started: std::time::Instant,
}

/// Writes raw bytes plus a newline to stdout and flushes. Errors (closed pipe) are
/// ignored: the reader went away and nothing useful can be done.
pub fn raw_line(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(bytes);
    let _ = out.write_all(b"\n");
    let _ = out.flush();
}

/// Writes a line to stderr and flushes.
pub fn stderr_line(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{text}");
    let _ = err.flush();
}

impl Emitter {
    /// An emitter for a run of `session` in `cwd`.
    pub fn new(format: Format, session: String, model: Option<String>, cwd: String) -> Self {
        Self {
            format,
            session,
            model: model.unwrap_or_else(|| "fake-model".into()),
            cwd,
            next_id: 0,
            started: std::time::Instant::now(),
        }
    }

    fn line(&self, v: &Value) {
        raw_line(v.to_string().as_bytes());
    }

    fn id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}{}", self.next_id)
    }

    fn item(&mut self) -> String {
        self.next_id += 1;
        format!("item_{}", self.next_id)
    }

    /// Claude `assistant` line holding one content block.
    fn assistant_block(&mut self, block: Value) {
        let id = self.id("msg_fake_");
        self.line(&json!({
            "type": "assistant",
            "message": {"id": id, "type": "message", "role": "assistant", "model": self.model,
                        "content": [block], "stop_reason": null},
            "parent_tool_use_id": null,
            "session_id": self.session,
        }));
    }

    /// Session start: Claude `system/init`, Codex `thread.started` + `turn.started`.
    pub fn init(&mut self) {
        match self.format {
            Format::Claude => self.line(&json!({
                "type": "system", "subtype": "init", "cwd": self.cwd,
                "session_id": self.session,
                "tools": ["Bash", "Edit", "Read", "Write"], "model": self.model,
                "permissionMode": "bypassPermissions", "apiKeySource": "none",
            })),
            Format::Codex => {
                self.line(&json!({"type": "thread.started", "thread_id": self.session}));
                self.line(&json!({"type": "turn.started"}));
            }
        }
    }

    /// An assistant message.
    pub fn text(&mut self, text: &str) {
        match self.format {
            Format::Claude => self.assistant_block(json!({"type": "text", "text": text})),
            Format::Codex => {
                let id = self.item();
                self.line(&json!({"type": "item.completed",
                    "item": {"id": id, "type": "agent_message", "text": text}}));
            }
        }
    }

    /// A reasoning block.
    pub fn thinking(&mut self, text: &str) {
        match self.format {
            Format::Claude => self.assistant_block(
                json!({"type": "thinking", "thinking": text, "signature": "fake"}),
            ),
            Format::Codex => {
                let id = self.item();
                self.line(&json!({"type": "item.completed",
                    "item": {"id": id, "type": "reasoning", "text": text}}));
            }
        }
    }

    /// A generic tool call and its result.
    pub fn tool(&mut self, name: &str, input: &Value, output: &str, failed: bool) {
        match self.format {
            Format::Claude => {
                let id = self.id("toolu_fake_");
                self.assistant_block(
                    json!({"type": "tool_use", "id": id, "name": name, "input": input}),
                );
                self.line(&json!({
                    "type": "user",
                    "message": {"role": "user", "content": [
                        {"type": "tool_result", "tool_use_id": id, "content": output,
                         "is_error": failed}]},
                    "parent_tool_use_id": null,
                    "session_id": self.session,
                }));
            }
            Format::Codex => {
                if let Some(command) = input.get("command").and_then(Value::as_str)
                    && matches!(name, "Bash" | "shell")
                {
                    let code = if failed { 1 } else { 0 };
                    self.command(command, output, code);
                    return;
                }
                let id = self.item();
                let error = if failed {
                    json!({"message": output})
                } else {
                    Value::Null
                };
                self.line(&json!({"type": "item.completed", "item": {
                    "id": id, "type": "mcp_tool_call", "server": "fake", "tool": name,
                    "arguments": input,
                    "result": {"content": [{"type": "text", "text": output}]},
                    "error": error,
                    "status": if failed { "failed" } else { "completed" },
                }}));
            }
        }
    }

    /// A shell command with its real output and exit code.
    pub fn command(&mut self, command: &str, output: &str, exit_code: i32) {
        match self.format {
            Format::Claude => {
                self.tool("Bash", &json!({"command": command}), output, exit_code != 0);
            }
            Format::Codex => {
                let id = self.item();
                self.line(&json!({"type": "item.started", "item": {
                    "id": id, "type": "command_execution", "command": command,
                    "aggregated_output": "", "exit_code": null, "status": "in_progress"}}));
                self.line(&json!({"type": "item.completed", "item": {
                    "id": id, "type": "command_execution", "command": command,
                    "aggregated_output": output, "exit_code": exit_code,
                    "status": if exit_code == 0 { "completed" } else { "failed" }}}));
            }
        }
    }

    /// A file change: Claude reports `claude_tool` with `input`; Codex a `file_change`
    /// item of `kind` (`add`, `update`, `delete`).
    pub fn file_change(&mut self, change: FileChange<'_>) {
        match self.format {
            Format::Claude => self.tool(
                change.claude_tool,
                &change.input,
                change.output,
                change.failed,
            ),
            Format::Codex => {
                let id = self.item();
                self.line(&json!({"type": "item.completed", "item": {
                    "id": id, "type": "file_change",
                    "changes": [{"path": change.path, "kind": change.kind}],
                    "status": if change.failed { "failed" } else { "completed" }}}));
            }
        }
    }

    /// The successful end of the turn.
    pub fn result(&mut self, text: &str, turns: u64) {
        match self.format {
            Format::Claude => self.line(&json!({
                "type": "result", "subtype": "success", "is_error": false,
                "duration_ms": self.elapsed_ms(), "num_turns": turns, "result": text,
                "session_id": self.session, "total_cost_usd": 0.0012,
                "usage": {"input_tokens": 100, "output_tokens": 20},
            })),
            Format::Codex => {
                if !text.is_empty() {
                    self.text(text);
                }
                self.line(&json!({"type": "turn.completed", "usage": {
                    "input_tokens": 100, "cached_input_tokens": 0, "output_tokens": 20}}));
            }
        }
    }

    /// A failed end of the turn.
    pub fn result_error(&mut self, text: &str, turns: u64) {
        match self.format {
            Format::Claude => self.line(&json!({
                "type": "result", "subtype": "success", "is_error": true,
                "duration_ms": self.elapsed_ms(), "num_turns": turns, "result": text,
                "session_id": self.session, "total_cost_usd": 0.0,
                "usage": {"input_tokens": 0, "output_tokens": 0},
            })),
            Format::Codex => {
                self.line(&json!({"type": "turn.failed", "error": {"message": text}}));
            }
        }
    }

    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

/// A file change to report; see [`Emitter::file_change`].
pub struct FileChange<'a> {
    /// Claude tool name (`Write`, `Edit`, `Bash`).
    pub claude_tool: &'a str,
    /// Claude tool input.
    pub input: Value,
    /// Absolute path.
    pub path: &'a str,
    /// Codex change kind.
    pub kind: &'a str,
    /// Tool output text.
    pub output: &'a str,
    /// Whether the change failed.
    pub failed: bool,
}
