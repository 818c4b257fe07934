//! Output parsers: one stateful parser per agent output format, turning lines into
//! normalized [`LogEntryKind`]s.
//!
//! Every parser follows the same rules: stderr lines become `raw{stream: stderr}`;
//! blank stdout lines are ignored; a stdout line that is not understood (not JSON, an
//! unknown event type, a known type missing what we need) becomes `raw{stream: stdout}`
//! so nothing the agent printed is lost; the session id is reported once as
//! `session_started`; and nothing ever panics.

mod claude;
mod codex;
mod common;
mod copilot;
mod cursor;
mod droid;
mod gemini;
mod goose;
mod opencode;
mod plain;
mod script;
mod tools;

pub use claude::ClaudeParser;
pub use codex::CodexParser;
pub use copilot::CopilotParser;
pub use cursor::CursorParser;
pub use droid::DroidParser;
pub use gemini::GeminiParser;
pub use goose::GooseParser;
pub use opencode::OpenCodeParser;
pub use plain::PlainTextParser;
pub use script::ScriptParser;
pub use tools::map_tool;

use crate::agent::AgentId;
use cadre_core::log::{LogEntryKind, Stream};

/// A stateful parser of one agent run's output.
///
/// Feed it every line of the run in order (stdout and stderr, tagged), then call
/// [`OutputParser::finish`] once when the process has exited to flush anything it
/// buffered (streamed text, grouped plain-text lines).
pub trait OutputParser: Send {
    /// Parses one line (without its terminator) and returns the entries it produced,
    /// possibly none.
    fn parse_line(&mut self, stream: Stream, line: &str) -> Vec<LogEntryKind>;

    /// Flushes buffered state at the end of the run.
    fn finish(&mut self) -> Vec<LogEntryKind>;

    /// The agent's session id, once seen (the same value as the `session_started`
    /// entry). Store it to resume the conversation later.
    fn session_id(&self) -> Option<&str>;

    /// The agent's final message for the run: the text of the final `result` event when
    /// the format has one, else the last assistant message seen. Use it as the task's
    /// summary.
    fn summary(&self) -> Option<&str>;
}

/// The parser for `agent`'s output format. Qwen Code and Amp print Claude-compatible
/// lines; Aider and custom commands print plain text.
pub fn parser_for(agent: AgentId) -> Box<dyn OutputParser> {
    match agent {
        AgentId::ClaudeCode | AgentId::QwenCode | AgentId::Amp => Box::new(ClaudeParser::new()),
        AgentId::Codex => Box::new(CodexParser::new()),
        AgentId::Gemini => Box::new(GeminiParser::new()),
        AgentId::Cursor => Box::new(CursorParser::new()),
        AgentId::OpenCode => Box::new(OpenCodeParser::new()),
        AgentId::Copilot => Box::new(CopilotParser::new()),
        AgentId::Droid => Box::new(DroidParser::new()),
        AgentId::Goose => Box::new(GooseParser::new()),
        AgentId::Aider | AgentId::Command => Box::new(PlainTextParser::new()),
    }
}
