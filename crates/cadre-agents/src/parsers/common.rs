//! Shared parser plumbing: JSON field access, session/summary bookkeeping, raw lines.

use cadre_core::log::{LogEntryKind, Stream};
use serde_json::Value;

/// What a line looks like before format-specific handling.
pub(crate) enum Prelude {
    /// Fully handled (stderr, blank line, non-JSON): return these entries.
    Done(Vec<LogEntryKind>),
    /// A JSON object to interpret.
    Json(Value),
}

/// Handles what every JSON-lines parser does the same way.
pub(crate) fn prelude(stream: Stream, line: &str) -> Prelude {
    if stream == Stream::Stderr {
        if line.trim().is_empty() {
            return Prelude::Done(Vec::new());
        }
        return Prelude::Done(vec![raw(stream, line)]);
    }
    if line.trim().is_empty() {
        return Prelude::Done(Vec::new());
    }
    match serde_json::from_str::<Value>(line) {
        Ok(v) if v.is_object() => Prelude::Json(v),
        _ => Prelude::Done(vec![raw(stream, line)]),
    }
}

/// A raw entry for a line that was not understood.
pub(crate) fn raw(stream: Stream, line: &str) -> LogEntryKind {
    LogEntryKind::Raw {
        stream,
        text: line.to_owned(),
    }
}

/// The first of `keys` present in `v` as a string.
pub(crate) fn str_at<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|k| v.get(*k).and_then(Value::as_str))
}

/// The first of `keys` present in `v` as an unsigned number.
pub(crate) fn u64_at(v: &Value, keys: &[&str]) -> Option<u64> {
    keys.iter().find_map(|k| v.get(*k).and_then(Value::as_u64))
}

/// Flattens tool output of any shape into text: strings as is, arrays of text blocks
/// joined by newlines, objects by their `text`/`content`/`output` field, anything else
/// as compact JSON.
pub(crate) fn text_of(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(text_of)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("\n"),
        Value::Object(map) => {
            for key in ["text", "content", "output", "stdout", "message"] {
                if let Some(inner) = map.get(key) {
                    return text_of(inner);
                }
            }
            v.to_string()
        }
        other => other.to_string(),
    }
}

/// Session id and final-message bookkeeping shared by all parsers.
#[derive(Debug, Default)]
pub(crate) struct Core {
    pub(crate) session_id: Option<String>,
    pub(crate) result: Option<String>,
    pub(crate) last_assistant: Option<String>,
}

impl Core {
    /// Records the session id and emits `session_started` the first time only.
    pub(crate) fn session(&mut self, id: &str, out: &mut Vec<LogEntryKind>) {
        if self.session_id.is_none() && !id.is_empty() {
            self.session_id = Some(id.to_owned());
            out.push(LogEntryKind::SessionStarted {
                session_id: id.to_owned(),
            });
        }
    }

    /// Emits an assistant message (skipping empty text) and remembers it.
    pub(crate) fn assistant(&mut self, text: &str, out: &mut Vec<LogEntryKind>) {
        if text.trim().is_empty() {
            return;
        }
        self.last_assistant = Some(text.to_owned());
        out.push(LogEntryKind::AssistantMessage {
            text: text.to_owned(),
        });
    }

    /// Records the run's final text. It is emitted as an assistant message only if it
    /// does not end with the last one: Claude repeats its last message there and Cursor
    /// concatenates all of the turn's messages, so re-emitting would duplicate them.
    pub(crate) fn final_result(&mut self, text: &str, out: &mut Vec<LogEntryKind>) {
        if text.trim().is_empty() {
            return;
        }
        self.result = Some(text.to_owned());
        let repeated = self
            .last_assistant
            .as_deref()
            .is_some_and(|last| text.trim().ends_with(last.trim()));
        if !repeated {
            self.assistant(text, out);
        }
    }

    pub(crate) fn summary(&self) -> Option<&str> {
        self.result.as_deref().or(self.last_assistant.as_deref())
    }
}
