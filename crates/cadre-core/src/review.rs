//! Review comments: remarks a person leaves on one line of an attempt's diff, and
//! the follow-up message that sends the open ones to the agent.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{ValidationError, require_text};
use crate::{AttemptId, CommentId, Timestamp};

/// Longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 20_000;
/// Longest file path, in characters.
pub const MAX_PATH_CHARS: usize = 4096;

/// Which side of a diff a line number counts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DiffSide {
    /// The base version (a removed or unchanged line, numbered as before).
    Old,
    /// The attempt's version (an added or unchanged line, numbered as after).
    #[default]
    New,
}

impl DiffSide {
    /// The wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            DiffSide::Old => "old",
            DiffSide::New => "new",
        }
    }
}

impl fmt::Display for DiffSide {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DiffSide {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "old" => Ok(DiffSide::Old),
            "new" => Ok(DiffSide::New),
            other => Err(ValidationError::new(
                "side",
                format!("`{other}` is not a diff side: use old or new"),
            )),
        }
    }
}

/// A review comment as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewComment {
    /// Id.
    pub id: CommentId,
    /// The attempt whose diff it is on.
    pub attempt_id: AttemptId,
    /// Path of the file, relative to the repository root.
    pub file: String,
    /// Line number, from 1, on `side`.
    pub line: u32,
    /// Which side of the diff `line` counts on.
    pub side: DiffSide,
    /// What the reviewer says.
    pub body: String,
    /// When it was written.
    pub created_at: Timestamp,
    /// When it was resolved (sent to the agent, or marked by hand).
    pub resolved_at: Option<Timestamp>,
}

impl ReviewComment {
    /// Whether it still waits to be addressed.
    pub fn is_open(&self) -> bool {
        self.resolved_at.is_none()
    }
}

/// A comment about to be written, validated by [`NewComment::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComment {
    /// Relative path of the file.
    pub file: String,
    /// Line number, from 1.
    pub line: u32,
    /// Diff side.
    pub side: DiffSide,
    /// The remark.
    pub body: String,
}

impl NewComment {
    /// Checks a comment: a relative path inside the repository, a line from 1, and
    /// some text.
    pub fn new(file: &str, line: i64, side: DiffSide, body: &str) -> Result<Self, ValidationError> {
        let file = require_text("file", file, MAX_PATH_CHARS)?;
        if file.starts_with('/') || file.contains('\0') || file.split('/').any(|c| c == "..") {
            return Err(ValidationError::new(
                "file",
                format!("`{file}` must be a path relative to the repository root, without `..`"),
            ));
        }
        let line = u32::try_from(line)
            .ok()
            .filter(|l| *l >= 1)
            .ok_or_else(|| ValidationError::new("line", "must be a line number from 1"))?;
        let body = require_text("body", body, MAX_COMMENT_CHARS)?;
        Ok(Self {
            file,
            line,
            side,
            body,
        })
    }
}

/// The follow-up message that asks the agent to address `comments`, naming file,
/// line and side of each, in the order given.
pub fn review_message(comments: &[ReviewComment]) -> String {
    let mut text = String::from("Please address these review comments on your changes:\n");
    for (i, c) in comments.iter().enumerate() {
        let side = match c.side {
            DiffSide::New => "",
            DiffSide::Old => " (in the base version, before your change)",
        };
        text.push_str(&format!("\n{}. {}:{}{side}\n", i + 1, c.file, c.line));
        for line in c.body.lines() {
            text.push_str("   ");
            text.push_str(line);
            text.push('\n');
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment(file: &str, line: u32, side: DiffSide, body: &str) -> ReviewComment {
        ReviewComment {
            id: CommentId::new(),
            attempt_id: AttemptId::new(),
            file: file.into(),
            line,
            side,
            body: body.into(),
            created_at: chrono::DateTime::UNIX_EPOCH,
            resolved_at: None,
        }
    }

    #[test]
    fn comments_need_a_relative_path_a_line_from_one_and_text() {
        assert!(NewComment::new("src/a.rs", 3, DiffSide::New, " ok ").is_ok());
        let field = |r: Result<NewComment, ValidationError>| r.expect_err("refused").field;
        assert_eq!(field(NewComment::new("", 1, DiffSide::New, "x")), "file");
        assert_eq!(
            field(NewComment::new("/etc/passwd", 1, DiffSide::New, "x")),
            "file"
        );
        assert_eq!(
            field(NewComment::new("a/../../b", 1, DiffSide::New, "x")),
            "file"
        );
        assert_eq!(
            field(NewComment::new("a.rs", 0, DiffSide::New, "x")),
            "line"
        );
        assert_eq!(
            field(NewComment::new("a.rs", -4, DiffSide::New, "x")),
            "line"
        );
        assert_eq!(
            field(NewComment::new("a.rs", 1, DiffSide::New, "  ")),
            "body"
        );
        assert_eq!(
            "middle".parse::<DiffSide>().expect_err("side").field,
            "side"
        );
    }

    #[test]
    fn review_message_names_file_line_and_side_of_each_comment() {
        let text = review_message(&[
            comment("src/a.rs", 12, DiffSide::New, "Rename this.\nAnd test it."),
            comment("src/b.rs", 4, DiffSide::Old, "Why remove this?"),
        ]);
        assert_eq!(
            text,
            "Please address these review comments on your changes:\n\
             \n1. src/a.rs:12\n   Rename this.\n   And test it.\n\
             \n2. src/b.rs:4 (in the base version, before your change)\n   Why remove this?\n"
        );
    }
}
