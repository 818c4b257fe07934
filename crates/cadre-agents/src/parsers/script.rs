//! Parser for scripts cadre runs around the agent (setup, verification): every
//! line is kept verbatim as a `raw` entry of its stream, because a script's output
//! is a log to read, not a conversation.

use super::OutputParser;
use super::common::raw;
use cadre_core::log::{LogEntryKind, Stream};

/// Keeps every non-blank line as `raw{stream}`; no session, no summary.
#[derive(Debug, Default)]
pub struct ScriptParser {
    last_line: Option<String>,
}

impl ScriptParser {
    /// A parser at the start of a run.
    pub fn new() -> Self {
        Self::default()
    }
}

impl OutputParser for ScriptParser {
    fn parse_line(&mut self, stream: Stream, line: &str) -> Vec<LogEntryKind> {
        if line.trim().is_empty() {
            return Vec::new();
        }
        self.last_line = Some(line.to_owned());
        vec![raw(stream, line)]
    }

    fn finish(&mut self) -> Vec<LogEntryKind> {
        Vec::new()
    }

    fn session_id(&self) -> Option<&str> {
        None
    }

    /// The last line printed, which is usually what explains a failure.
    fn summary(&self) -> Option<&str> {
        self.last_line.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_lines_are_kept_raw_with_their_stream_and_blank_lines_dropped() {
        let mut p = ScriptParser::new();
        assert_eq!(
            p.parse_line(Stream::Stdout, "npm ci"),
            vec![raw(Stream::Stdout, "npm ci")]
        );
        assert!(p.parse_line(Stream::Stdout, "   ").is_empty());
        assert_eq!(
            p.parse_line(Stream::Stderr, "warn: x"),
            vec![raw(Stream::Stderr, "warn: x")]
        );
        assert_eq!(p.summary(), Some("warn: x"));
        assert_eq!(p.session_id(), None);
    }
}
