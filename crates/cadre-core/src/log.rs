//! The normalized log model: what an agent said and did, independent of which agent it was.
//!
//! Every agent CLI prints its own event format; the parsers in `cadre-agents` turn those
//! lines into [`LogEntryKind`] values so the store, the web UI and the CLI only ever deal
//! with one shape. The model is plain data: no I/O, no timestamps (the caller stamps an
//! entry when it persists it).
//!
//! # Serialization
//! [`LogEntryKind`] serializes as a JSON object with an internal `"kind"` tag in
//! snake_case, e.g. `{"kind":"assistant_message","text":"hi"}`. [`ToolAction`] nested in a
//! tool call uses an internal `"type"` tag, e.g. `{"type":"command_run","command":"ls",...}`.
//! The store may keep [`LogEntryKind::kind_name`] in its own column and the whole value
//! as the payload; deserializing the payload alone is enough to get the entry back because
//! the tag is part of it.

use serde::{Deserialize, Serialize};

/// Which output stream of the agent process a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stream {
    /// Standard output: where agents print their structured events.
    Stdout,
    /// Standard error: diagnostics, never parsed as events.
    Stderr,
}

impl Stream {
    /// The stable lowercase name (`stdout` / `stderr`), same as the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }
}

/// Outcome of a tool call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolStatus {
    /// The tool ran and reported success.
    Success,
    /// The tool failed or was refused.
    Failed,
}

/// One item of a todo list an agent maintains (e.g. Claude's `TodoWrite`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TodoItem {
    /// What is to be done.
    pub text: String,
    /// The agent's own status word (`pending`, `in_progress`, `completed`, ...), kept
    /// verbatim because agents do not agree on a vocabulary.
    pub status: String,
}

/// What a tool call does, normalized across agents so the UI can render it meaningfully.
///
/// Serialized with an internal `"type"` tag in snake_case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToolAction {
    /// Reads a file.
    FileRead {
        /// Path as the agent gave it (often absolute inside the worktree).
        path: String,
    },
    /// Creates, edits or deletes a file.
    FileEdit {
        /// Path as the agent gave it.
        path: String,
        /// A textual diff or before/after description, when the agent gives one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        diff: Option<String>,
        /// The whole new content, when the agent writes a file from scratch.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        new_content: Option<String>,
    },
    /// Runs a shell command.
    CommandRun {
        /// The command line.
        command: String,
        /// Exit code, when the agent reports it together with the call.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exit_code: Option<i32>,
        /// Output, when the agent reports it together with the call.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        output: Option<String>,
    },
    /// Searches files or the web.
    Search {
        /// The pattern or query.
        query: String,
    },
    /// Fetches a URL.
    WebFetch {
        /// The URL.
        url: String,
    },
    /// Replaces the agent's todo list.
    Todo {
        /// The full list after the call.
        items: Vec<TodoItem>,
    },
    /// Delegates work to a sub-agent.
    Subagent {
        /// What the sub-agent was asked to do.
        description: String,
    },
    /// Any other tool; the raw input is kept so nothing is lost.
    Other {
        /// The tool name.
        name: String,
        /// The tool input as the agent sent it.
        input: serde_json::Value,
    },
}

impl ToolAction {
    /// The stable snake_case name of the action type (same as the serde tag).
    pub fn type_name(&self) -> &'static str {
        match self {
            ToolAction::FileRead { .. } => "file_read",
            ToolAction::FileEdit { .. } => "file_edit",
            ToolAction::CommandRun { .. } => "command_run",
            ToolAction::Search { .. } => "search",
            ToolAction::WebFetch { .. } => "web_fetch",
            ToolAction::Todo { .. } => "todo",
            ToolAction::Subagent { .. } => "subagent",
            ToolAction::Other { .. } => "other",
        }
    }
}

/// One normalized entry of an agent conversation.
///
/// Serialized with an internal `"kind"` tag in snake_case; see the module docs.
/// The variants are what a reader of the board needs to follow a run: messages, the
/// agent's reasoning, tool calls paired with their results by `call_id`, token usage,
/// the session id used to resume, and `Raw` for anything that could not be understood
/// (kept verbatim so nothing printed by the agent is ever silently dropped).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LogEntryKind {
    /// A message from the user (the prompt or a follow-up).
    UserMessage {
        /// The message text.
        text: String,
        /// References to attached files or URLs.
        #[serde(default)]
        attachments: Vec<String>,
    },
    /// Text the agent addressed to the user.
    AssistantMessage {
        /// The message text (markdown as the agent wrote it).
        text: String,
    },
    /// The agent's visible reasoning.
    Thinking {
        /// The reasoning text.
        text: String,
    },
    /// The agent invoked a tool.
    ToolCall {
        /// Agent-assigned id pairing this call with its [`LogEntryKind::ToolResult`].
        call_id: String,
        /// The tool name as the agent spelled it.
        tool_name: String,
        /// What the call does, normalized.
        action: ToolAction,
    },
    /// The result of an earlier tool call.
    ToolResult {
        /// Id of the matching [`LogEntryKind::ToolCall`].
        call_id: String,
        /// Whether the tool succeeded.
        status: ToolStatus,
        /// The tool output (possibly abridged by the agent).
        output: String,
    },
    /// A notice from the agent runtime or from cadre itself (not from the model).
    SystemMessage {
        /// The notice text.
        text: String,
    },
    /// An error reported by the agent.
    Error {
        /// The error message.
        message: String,
    },
    /// Token usage and cost, typically reported once at the end of a turn.
    Usage {
        /// Input (prompt) tokens.
        input_tokens: u64,
        /// Output (completion) tokens.
        output_tokens: u64,
        /// Cost in US dollars, when the agent reports it.
        #[serde(default)]
        cost_usd: Option<f64>,
    },
    /// The agent announced the session id to use to resume this conversation.
    SessionStarted {
        /// The agent's session (thread, chat) id.
        session_id: String,
    },
    /// A line that was not understood, kept verbatim.
    Raw {
        /// The stream the line came from.
        stream: Stream,
        /// The line text.
        text: String,
    },
}

impl LogEntryKind {
    /// The stable snake_case name of the variant (same as the serde `"kind"` tag), for
    /// the store's kind column and for filtering.
    pub fn kind_name(&self) -> &'static str {
        match self {
            LogEntryKind::UserMessage { .. } => "user_message",
            LogEntryKind::AssistantMessage { .. } => "assistant_message",
            LogEntryKind::Thinking { .. } => "thinking",
            LogEntryKind::ToolCall { .. } => "tool_call",
            LogEntryKind::ToolResult { .. } => "tool_result",
            LogEntryKind::SystemMessage { .. } => "system_message",
            LogEntryKind::Error { .. } => "error",
            LogEntryKind::Usage { .. } => "usage",
            LogEntryKind::SessionStarted { .. } => "session_started",
            LogEntryKind::Raw { .. } => "raw",
        }
    }

    /// Every kind name, in declaration order (useful for validation and filters).
    pub const KIND_NAMES: [&'static str; 10] = [
        "user_message",
        "assistant_message",
        "thinking",
        "tool_call",
        "tool_result",
        "system_message",
        "error",
        "usage",
        "session_started",
        "raw",
    ];
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn samples() -> Vec<LogEntryKind> {
        vec![
            LogEntryKind::UserMessage {
                text: "fix the bug".into(),
                attachments: vec!["file:///tmp/a.png".into()],
            },
            LogEntryKind::AssistantMessage {
                text: "done".into(),
            },
            LogEntryKind::Thinking { text: "hmm".into() },
            LogEntryKind::ToolCall {
                call_id: "c1".into(),
                tool_name: "Bash".into(),
                action: ToolAction::CommandRun {
                    command: "ls".into(),
                    exit_code: Some(0),
                    output: None,
                },
            },
            LogEntryKind::ToolCall {
                call_id: "c2".into(),
                tool_name: "Edit".into(),
                action: ToolAction::FileEdit {
                    path: "a.rs".into(),
                    diff: Some("-a\n+b".into()),
                    new_content: None,
                },
            },
            LogEntryKind::ToolCall {
                call_id: "c3".into(),
                tool_name: "TodoWrite".into(),
                action: ToolAction::Todo {
                    items: vec![TodoItem {
                        text: "x".into(),
                        status: "pending".into(),
                    }],
                },
            },
            LogEntryKind::ToolCall {
                call_id: "c4".into(),
                tool_name: "Mystery".into(),
                action: ToolAction::Other {
                    name: "Mystery".into(),
                    input: json!({"a": [1, 2]}),
                },
            },
            LogEntryKind::ToolResult {
                call_id: "c1".into(),
                status: ToolStatus::Failed,
                output: "boom".into(),
            },
            LogEntryKind::SystemMessage { text: "sys".into() },
            LogEntryKind::Error {
                message: "bad".into(),
            },
            LogEntryKind::Usage {
                input_tokens: 10,
                output_tokens: 20,
                cost_usd: Some(0.5),
            },
            LogEntryKind::SessionStarted {
                session_id: "s".into(),
            },
            LogEntryKind::Raw {
                stream: Stream::Stderr,
                text: "oops".into(),
            },
        ]
    }

    #[test]
    fn every_entry_kind_survives_a_json_round_trip() {
        for entry in samples() {
            let text = serde_json::to_string(&entry).expect("serialize");
            let back: LogEntryKind = serde_json::from_str(&text).expect("deserialize");
            assert_eq!(back, entry, "{text}");
        }
    }

    #[test]
    fn kind_tag_in_json_matches_kind_name() {
        for entry in samples() {
            let value = serde_json::to_value(&entry).expect("serialize");
            assert_eq!(value["kind"], json!(entry.kind_name()));
            assert!(LogEntryKind::KIND_NAMES.contains(&entry.kind_name()));
        }
    }

    #[test]
    fn tool_action_is_tagged_by_type_in_snake_case() {
        let entry = LogEntryKind::ToolCall {
            call_id: "c".into(),
            tool_name: "WebFetch".into(),
            action: ToolAction::WebFetch {
                url: "https://example.com".into(),
            },
        };
        let value = serde_json::to_value(&entry).expect("serialize");
        assert_eq!(
            value,
            json!({"kind": "tool_call", "call_id": "c", "tool_name": "WebFetch",
                   "action": {"type": "web_fetch", "url": "https://example.com"}})
        );
    }

    #[test]
    fn raw_entry_names_its_stream_in_lowercase() {
        let value = serde_json::to_value(LogEntryKind::Raw {
            stream: Stream::Stdout,
            text: "x".into(),
        })
        .expect("serialize");
        assert_eq!(
            value,
            json!({"kind": "raw", "stream": "stdout", "text": "x"})
        );
    }

    #[test]
    fn optional_fields_may_be_missing_when_deserializing() {
        let entry: LogEntryKind = serde_json::from_value(json!({
            "kind": "user_message", "text": "hi"
        }))
        .expect("deserialize");
        assert_eq!(
            entry,
            LogEntryKind::UserMessage {
                text: "hi".into(),
                attachments: vec![]
            }
        );
        let action: ToolAction =
            serde_json::from_value(json!({"type": "file_edit", "path": "p"})).expect("action");
        assert_eq!(
            action,
            ToolAction::FileEdit {
                path: "p".into(),
                diff: None,
                new_content: None
            }
        );
    }

    #[test]
    fn unknown_kind_is_rejected() {
        let err = serde_json::from_value::<LogEntryKind>(json!({"kind": "nope"}));
        assert!(err.is_err());
    }
}
