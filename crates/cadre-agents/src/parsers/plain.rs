//! Parser for agents that print plain text (Aider, custom commands).

use super::OutputParser;
use super::common::{Core, raw};
use cadre_core::log::{LogEntryKind, Stream};

/// Lines grouped into one message before it is flushed anyway, so a command that never
/// prints a blank line still shows progress and memory stays bounded.
const MAX_GROUP_LINES: usize = 50;
/// Bytes grouped into one message before it is flushed anyway.
const MAX_GROUP_BYTES: usize = 64 * 1024;

/// Parses plain text output.
///
/// Consecutive non-blank stdout lines are grouped into one `assistant_message`
/// (paragraph-like), flushed on a blank line, before a stderr line (to keep the order),
/// after 50 lines or 64 KiB, and at
/// [`OutputParser::finish`]. Stderr lines are `raw{stream: stderr}`. There is no session
/// id; the summary is the last message.
#[derive(Debug, Default)]
pub struct PlainTextParser {
    core: Core,
    group: Vec<String>,
    group_bytes: usize,
}

impl PlainTextParser {
    /// A parser at the start of a run.
    pub fn new() -> Self {
        Self::default()
    }

    fn flush(&mut self, out: &mut Vec<LogEntryKind>) {
        if self.group.is_empty() {
            return;
        }
        let text = self.group.join("\n");
        self.group.clear();
        self.group_bytes = 0;
        self.core.assistant(&text, out);
    }
}

impl OutputParser for PlainTextParser {
    fn parse_line(&mut self, stream: Stream, line: &str) -> Vec<LogEntryKind> {
        let mut out = Vec::new();
        if stream == Stream::Stderr {
            if !line.trim().is_empty() {
                self.flush(&mut out);
                out.push(raw(stream, line));
            }
            return out;
        }
        if line.trim().is_empty() {
            self.flush(&mut out);
            return out;
        }
        self.group_bytes += line.len();
        self.group.push(line.trim_end().to_owned());
        if self.group.len() >= MAX_GROUP_LINES || self.group_bytes >= MAX_GROUP_BYTES {
            self.flush(&mut out);
        }
        out
    }

    fn finish(&mut self) -> Vec<LogEntryKind> {
        let mut out = Vec::new();
        self.flush(&mut out);
        out
    }

    fn session_id(&self) -> Option<&str> {
        None
    }

    fn summary(&self) -> Option<&str> {
        self.core.summary()
    }
}
