//! Convenience glue: one parser plus a line splitter per output stream.
//!
//! [`OutputPipeline`] is what a supervisor tailing an agent's stdout and stderr files
//! needs: feed it bytes per stream, get back, per complete line, the entries it produced
//! and the byte offset to persist together with them (in one transaction, so a restart
//! neither loses nor duplicates entries).

use crate::agent::AgentId;
use crate::lines::LineSplitter;
use crate::parsers::{OutputParser, parser_for};
use cadre_core::log::{LogEntryKind, Stream};

/// The entries produced by one line, and the offset to persist with them.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedLine {
    /// The stream (file) the line came from.
    pub stream: Stream,
    /// Offset in that stream's file just past the line: the resume point once the
    /// entries are stored.
    pub end_offset: u64,
    /// The entries, possibly none.
    pub entries: Vec<LogEntryKind>,
}

/// A parser with one [`LineSplitter`] per stream; see the module docs.
pub struct OutputPipeline {
    parser: Box<dyn OutputParser>,
    stdout: LineSplitter,
    stderr: LineSplitter,
}

impl OutputPipeline {
    /// A pipeline for `agent`'s output, resuming at the given file offsets (0, 0 for a
    /// new run).
    pub fn new(agent: AgentId, stdout_offset: u64, stderr_offset: u64) -> Self {
        Self::with_parser(parser_for(agent), stdout_offset, stderr_offset)
    }

    /// A pipeline with an explicit parser, e.g. [`crate::parsers::ScriptParser`]
    /// for a setup script's output.
    pub fn with_parser(
        parser: Box<dyn OutputParser>,
        stdout_offset: u64,
        stderr_offset: u64,
    ) -> Self {
        Self {
            parser,
            stdout: LineSplitter::new(stdout_offset),
            stderr: LineSplitter::new(stderr_offset),
        }
    }

    fn splitter(&mut self, stream: Stream) -> &mut LineSplitter {
        match stream {
            Stream::Stdout => &mut self.stdout,
            Stream::Stderr => &mut self.stderr,
        }
    }

    /// Feeds bytes read from `stream`'s file; returns one [`ParsedLine`] per completed
    /// line.
    pub fn push(&mut self, stream: Stream, bytes: &[u8]) -> Vec<ParsedLine> {
        let lines = self.splitter(stream).push(bytes);
        lines
            .into_iter()
            .map(|line| ParsedLine {
                stream,
                end_offset: line.end_offset,
                entries: self.parser.parse_line(stream, &line.text),
            })
            .collect()
    }

    /// Ends the run (call once the process has exited and both files are drained):
    /// parses any unterminated last lines, then flushes the parser. The flushed entries
    /// come last, attributed to stdout at its final offset.
    pub fn finish(&mut self) -> Vec<ParsedLine> {
        let mut out = Vec::new();
        for stream in [Stream::Stdout, Stream::Stderr] {
            if let Some(line) = self.splitter(stream).finish() {
                out.push(ParsedLine {
                    stream,
                    end_offset: line.end_offset,
                    entries: self.parser.parse_line(stream, &line.text),
                });
            }
        }
        let flushed = self.parser.finish();
        if !flushed.is_empty() {
            out.push(ParsedLine {
                stream: Stream::Stdout,
                end_offset: self.stdout.consumed_offset(),
                entries: flushed,
            });
        }
        out
    }

    /// Offset up to which `stream` has been consumed.
    pub fn consumed_offset(&self, stream: Stream) -> u64 {
        match stream {
            Stream::Stdout => self.stdout.consumed_offset(),
            Stream::Stderr => self.stderr.consumed_offset(),
        }
    }

    /// The agent's session id, once seen.
    pub fn session_id(&self) -> Option<&str> {
        self.parser.session_id()
    }

    /// The agent's final message; complete only after [`OutputPipeline::finish`].
    pub fn summary(&self) -> Option<&str> {
        self.parser.summary()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipeline_can_move_across_threads() {
        fn assert_send<T: Send>() {}
        assert_send::<OutputPipeline>();
    }

    #[test]
    fn pipeline_reports_entries_with_their_line_offsets() {
        let mut p = OutputPipeline::new(AgentId::Aider, 0, 100);
        let first = p.push(Stream::Stdout, b"hello\n\nwor");
        assert_eq!(first.len(), 2);
        assert_eq!(first[0].end_offset, 6);
        assert!(first[0].entries.is_empty(), "grouped until the blank line");
        assert_eq!(
            first[1].entries,
            [LogEntryKind::AssistantMessage {
                text: "hello".into()
            }]
        );
        let err = p.push(Stream::Stderr, b"oops\n");
        assert_eq!(err[0].end_offset, 105);
        let last = p.finish();
        assert_eq!(last.len(), 2, "unterminated line, then the parser flush");
        assert_eq!(last[0].end_offset, 10);
        assert!(last[0].entries.is_empty());
        assert_eq!(last[1].end_offset, 10);
        assert_eq!(
            last[1].entries,
            [LogEntryKind::AssistantMessage { text: "wor".into() }]
        );
        assert_eq!(p.summary(), Some("wor"));
        assert_eq!(p.consumed_offset(Stream::Stderr), 105);
    }
}
