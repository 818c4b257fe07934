//! Incremental line framing over the raw bytes of an agent's output file.
//!
//! The supervisor redirects an agent's stdout/stderr to files and tails them. It feeds
//! whatever bytes it read to a [`LineSplitter`] and gets back complete lines, each with
//! the absolute byte offset just past its terminator. Persisting that offset after
//! handling a line makes resuming after a restart exact: seek to the offset, build a
//! splitter with [`LineSplitter::new`]`(offset)` and continue. A partial trailing line is
//! never reported (and so never counted as consumed) until its newline arrives, or until
//! [`LineSplitter::finish`] is called once the process has ended.
//!
//! Memory stays bounded: of any single line at most `max_line_bytes` are buffered; the
//! rest is counted, dropped, and reported by a visible `… [truncated N bytes]` marker.

/// Default cap on the bytes kept of one line (1 MiB).
pub const DEFAULT_MAX_LINE_BYTES: usize = 1024 * 1024;

/// One complete line cut out of the byte stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The line without its `\n` / `\r\n` terminator, decoded lossily as UTF-8, with a
    /// truncation marker appended when the line exceeded the cap.
    pub text: String,
    /// Absolute byte offset just past this line (terminator included): the offset to
    /// persist once this line has been handled.
    pub end_offset: u64,
    /// How many bytes of the line were dropped because of the cap (0 if none).
    pub truncated_bytes: u64,
}

/// Splits a byte stream into lines incrementally; see the module docs.
#[derive(Debug, Clone)]
pub struct LineSplitter {
    /// Bytes kept of the current, unfinished line (at most `max_line` bytes).
    buf: Vec<u8>,
    /// Bytes of the current line dropped because `buf` was full.
    dropped: u64,
    /// Whether the last dropped byte was `\r`, so a `\r\n` terminator is not counted as
    /// truncated content.
    dropped_ends_with_cr: bool,
    /// Offset just past the last reported line.
    consumed: u64,
    max_line: usize,
}

impl LineSplitter {
    /// A splitter whose first byte is at absolute offset `start_offset` of the file.
    pub fn new(start_offset: u64) -> Self {
        Self::with_max_line_bytes(start_offset, DEFAULT_MAX_LINE_BYTES)
    }

    /// Like [`LineSplitter::new`] with a custom per-line cap (at least 1 byte).
    pub fn with_max_line_bytes(start_offset: u64, max_line_bytes: usize) -> Self {
        Self {
            buf: Vec::new(),
            dropped: 0,
            dropped_ends_with_cr: false,
            consumed: start_offset,
            max_line: max_line_bytes.max(1),
        }
    }

    /// Offset just past the last line returned so far: where to resume reading.
    pub fn consumed_offset(&self) -> u64 {
        self.consumed
    }

    /// Bytes fed but not yet returned as part of a line (the partial trailing line).
    pub fn pending_bytes(&self) -> u64 {
        self.buf.len() as u64 + self.dropped
    }

    /// Feeds the next chunk of bytes and returns every line it completes.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<Line> {
        let mut lines = Vec::new();
        let mut rest = chunk;
        while !rest.is_empty() {
            match rest.iter().position(|&b| b == b'\n') {
                Some(pos) => {
                    self.append(&rest[..pos]);
                    lines.push(self.take_line(1));
                    rest = &rest[pos + 1..];
                }
                None => {
                    self.append(rest);
                    break;
                }
            }
        }
        lines
    }

    /// Ends the stream: returns the partial trailing line, if any, as a complete line.
    /// Call it only once the writer has exited, or a line still being written is cut.
    pub fn finish(&mut self) -> Option<Line> {
        if self.pending_bytes() == 0 {
            return None;
        }
        Some(self.take_line(0))
    }

    fn append(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let room = self.max_line.saturating_sub(self.buf.len());
        let kept = room.min(bytes.len());
        self.buf.extend_from_slice(&bytes[..kept]);
        if kept < bytes.len() {
            self.dropped += (bytes.len() - kept) as u64;
            self.dropped_ends_with_cr = bytes.last() == Some(&b'\r');
        }
    }

    /// Cuts the current line; `terminator_len` is 1 for `\n`, 0 at end of stream.
    fn take_line(&mut self, terminator_len: u64) -> Line {
        let raw_len = self.buf.len() as u64 + self.dropped;
        self.consumed += raw_len + terminator_len;
        let mut dropped = self.dropped;
        // A `\r` right before the `\n` belongs to the terminator, not the content.
        if terminator_len == 1 {
            if dropped > 0 && self.dropped_ends_with_cr {
                dropped -= 1;
            } else if dropped == 0 && self.buf.last() == Some(&b'\r') {
                self.buf.pop();
            }
        }
        let mut text = String::from_utf8_lossy(&self.buf).into_owned();
        if dropped > 0 {
            text.push_str(&format!("… [truncated {dropped} bytes]"));
        }
        self.buf.clear();
        self.dropped = 0;
        self.dropped_ends_with_cr = false;
        Line {
            text,
            end_offset: self.consumed,
            truncated_bytes: dropped,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn texts(lines: &[Line]) -> Vec<&str> {
        lines.iter().map(|l| l.text.as_str()).collect()
    }

    #[test]
    fn complete_lines_are_returned_with_end_offsets() {
        let mut s = LineSplitter::new(0);
        let lines = s.push(b"ab\ncd\n");
        assert_eq!(texts(&lines), ["ab", "cd"]);
        assert_eq!(lines[0].end_offset, 3);
        assert_eq!(lines[1].end_offset, 6);
        assert_eq!(s.consumed_offset(), 6);
    }

    #[test]
    fn partial_line_is_not_consumed_until_its_newline_arrives() {
        let mut s = LineSplitter::new(10);
        assert!(s.push(b"hel").is_empty());
        assert_eq!(s.consumed_offset(), 10);
        assert_eq!(s.pending_bytes(), 3);
        let lines = s.push(b"lo\nwor");
        assert_eq!(texts(&lines), ["hello"]);
        assert_eq!(s.consumed_offset(), 16);
        let last = s.finish().expect("partial line at finish");
        assert_eq!(last.text, "wor");
        assert_eq!(last.end_offset, 19);
        assert!(s.finish().is_none());
    }

    #[test]
    fn crlf_terminator_is_stripped_but_counted() {
        let mut s = LineSplitter::new(0);
        let lines = s.push(b"a\r\n\r\nb\rc\n");
        assert_eq!(texts(&lines), ["a", "", "b\rc"]);
        assert_eq!(s.consumed_offset(), 9);
    }

    #[test]
    fn invalid_utf8_is_replaced_not_rejected() {
        let mut s = LineSplitter::new(0);
        let lines = s.push(b"ok \xff\xfe end\n");
        assert_eq!(lines[0].text, "ok \u{fffd}\u{fffd} end");
        assert_eq!(lines[0].end_offset, 10);
    }

    #[test]
    fn overlong_line_is_truncated_with_marker_and_fully_consumed() {
        let mut s = LineSplitter::with_max_line_bytes(0, 4);
        let lines = s.push(b"abcdefgh\r\nxy\n");
        assert_eq!(lines[0].text, "abcd… [truncated 4 bytes]");
        assert_eq!(lines[0].truncated_bytes, 4);
        assert_eq!(lines[0].end_offset, 10);
        assert_eq!(lines[1].text, "xy");
        assert_eq!(s.consumed_offset(), 13);
    }

    #[test]
    fn buffer_never_grows_past_the_cap() {
        let mut s = LineSplitter::with_max_line_bytes(0, 8);
        for _ in 0..1000 {
            assert!(s.push(&[b'x'; 100]).is_empty());
        }
        assert!(s.buf.len() <= 8);
        assert_eq!(s.pending_bytes(), 100_000);
        let line = s.finish().expect("line");
        assert_eq!(line.end_offset, 100_000);
        assert_eq!(line.truncated_bytes, 100_000 - 8);
    }

    fn split_all(data: &[u8], cuts: &[usize], max: usize) -> (Vec<Line>, u64) {
        let mut s = LineSplitter::with_max_line_bytes(5, max);
        let mut out = Vec::new();
        let mut start = 0;
        let mut points: Vec<usize> = cuts.iter().map(|c| c % (data.len() + 1)).collect();
        points.sort_unstable();
        for p in points {
            out.extend(s.push(&data[start..p.max(start)]));
            start = p.max(start);
        }
        out.extend(s.push(&data[start..]));
        out.extend(s.finish());
        (out, s.consumed_offset())
    }

    proptest! {
        #[test]
        fn any_chunking_gives_the_same_lines_and_offsets(
            data in proptest::collection::vec(
                prop_oneof![Just(b'\n'), Just(b'\r'), Just(0xffu8), any::<u8>(), Just(b'a')], 0..300),
            cuts in proptest::collection::vec(any::<usize>(), 0..20),
            max in 1usize..40,
        ) {
            let (whole, end_whole) = split_all(&data, &[], max);
            let (chunked, end_chunked) = split_all(&data, &cuts, max);
            prop_assert_eq!(&whole, &chunked);
            prop_assert_eq!(end_whole, end_chunked);
            prop_assert_eq!(end_whole, 5 + data.len() as u64);
            if let Some(last) = whole.last() {
                prop_assert_eq!(last.end_offset, 5 + data.len() as u64);
            }
        }
    }
}
