//! The Changes tab (`templates/diff.html`): an attempt's diff against its base
//! with server-side highlighting, unified or split, large and generated files
//! collapsed, and the git actions (commit, rebase, merge, push, PR, editor,
//! preview) above it. Every line has a button to comment on it; open review
//! comments are shown under their lines (see [`super::review`]).

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use cadre_app::git::{FileDiff, FileStatus, LineKind};
use cadre_core::{AttemptId, DiffSide};

use super::error::{UiResult, render};
use super::highlight::{LineHighlighter, escape};
use super::review::{CommentItem, OpenComments};
use crate::AppState;
use crate::extract::{ApiPath, ApiQuery};

/// Lines highlighted per diff; beyond this, lines are shown plain, so a huge
/// change still renders quickly.
const HIGHLIGHT_BUDGET: usize = 6_000;
/// Files with more changed lines than this start collapsed.
const COLLAPSE_LINES: u32 = 600;

/// One line of a hunk.
pub(crate) struct LineView {
    /// `add`, `del` or `context`.
    pub kind: &'static str,
    /// Old line number, or empty.
    pub old: String,
    /// New line number, or empty.
    pub new: String,
    /// The content as (highlighted) HTML.
    pub html: String,
    /// The side a comment on this line is about in the unified view: `old` for
    /// a removed line, else `new`.
    pub side: &'static str,
    /// The line's number on `side`.
    pub line: String,
    /// Open comments on this line (either side).
    pub comments: Vec<CommentItem>,
}

/// One side of a split row.
pub(crate) struct Cell {
    /// `add`, `del` or `context`.
    pub kind: &'static str,
    /// Line number.
    pub num: String,
    /// Content HTML.
    pub html: String,
    /// `old` on the left, `new` on the right: the side a comment is about.
    pub side: &'static str,
}

/// A row of the split view: old on the left, new on the right.
pub(crate) struct SplitRow {
    /// Left side, when any.
    pub left: Option<Cell>,
    /// Right side, when any.
    pub right: Option<Cell>,
    /// Open comments on either side's line.
    pub comments: Vec<CommentItem>,
}

/// One hunk.
pub(crate) struct HunkView {
    /// The `@@` line.
    pub header: String,
    /// Its lines (unified view).
    pub lines: Vec<LineView>,
    /// Its rows (split view).
    pub split: Vec<SplitRow>,
}

/// One changed file.
pub(crate) struct FileView {
    /// Anchor id.
    pub anchor: String,
    /// Path.
    pub path: String,
    /// Path before a rename.
    pub old_path: String,
    /// Status word.
    pub status: &'static str,
    /// Lines added.
    pub additions: u32,
    /// Lines removed.
    pub deletions: u32,
    /// Binary: no lines.
    pub binary: bool,
    /// Too large: counts only.
    pub too_large: bool,
    /// Starts collapsed (lockfiles, big changes).
    pub collapsed: bool,
    /// Hunks.
    pub hunks: Vec<HunkView>,
}

/// `templates/diff.html`.
#[derive(Template)]
#[template(path = "diff.html")]
pub(crate) struct DiffFragment {
    /// Attempt id.
    pub id: String,
    /// Whether the worktree exists (else: restore).
    pub has_worktree: bool,
    /// Whether git actions may run (the attempt is settled).
    pub settled: bool,
    /// Base branch.
    pub base_branch: String,
    /// Work branch.
    pub branch: String,
    /// Totals.
    pub additions: u64,
    /// Totals.
    pub deletions: u64,
    /// Files.
    pub files: Vec<FileView>,
    /// A suggested commit message.
    pub commit_message: String,
    /// Side by side rather than unified.
    pub split: bool,
    /// How many review comments are open.
    pub open_comments: usize,
    /// Open comments whose lines are not in the diff (any more).
    pub other_comments: Vec<CommentItem>,
}

/// The query of the diff fragment.
#[derive(serde::Deserialize)]
pub(crate) struct DiffQuery {
    /// `split` for the side-by-side view.
    view: Option<String>,
}

fn status_word(file: &FileDiff) -> &'static str {
    if file.binary {
        return "binary";
    }
    match file.status {
        FileStatus::Added => "added",
        FileStatus::Modified => "modified",
        FileStatus::Deleted => "deleted",
        FileStatus::Renamed => "renamed",
        FileStatus::Copied => "copied",
        FileStatus::TypeChanged => "type changed",
    }
}

/// Pairs deletions with the additions that follow them, for the split view:
/// (left index, right index) into `lines`.
fn split_pairs(lines: &[LineView]) -> Vec<(Option<usize>, Option<usize>)> {
    let mut rows = vec![];
    let mut i = 0;
    while i < lines.len() {
        if lines[i].kind == "context" {
            rows.push((Some(i), Some(i)));
            i += 1;
            continue;
        }
        let dels: Vec<usize> = (i..lines.len())
            .take_while(|&j| lines[j].kind == "del")
            .collect();
        let after = i + dels.len();
        let adds: Vec<usize> = (after..lines.len())
            .take_while(|&j| lines[j].kind == "add")
            .collect();
        for k in 0..dels.len().max(adds.len()) {
            rows.push((dels.get(k).copied(), adds.get(k).copied()));
        }
        i = after + adds.len();
    }
    rows
}

/// The split view's rows of `lines`, which it consumes.
fn split_rows(lines: Vec<LineView>) -> Vec<SplitRow> {
    let pairs = split_pairs(&lines);
    let mut cells: Vec<Option<LineView>> = lines.into_iter().map(Some).collect();
    let mut take = |i: Option<usize>, left: bool| -> (Option<Cell>, Vec<CommentItem>) {
        let line = i.and_then(|i| {
            // A context line sits on both sides: copy it for the left one (its
            // comments go with the right one, so they show once).
            match cells.get(i).and_then(|c| c.as_ref()) {
                Some(l) if l.kind == "context" && left => Some(LineView {
                    kind: l.kind,
                    old: l.old.clone(),
                    new: l.new.clone(),
                    html: l.html.clone(),
                    side: l.side,
                    line: l.line.clone(),
                    comments: vec![],
                }),
                _ => cells.get_mut(i).and_then(Option::take),
            }
        });
        let Some(line) = line else {
            return (None, vec![]);
        };
        let cell = Cell {
            kind: line.kind,
            num: if left { line.old } else { line.new },
            html: line.html,
            side: if left { "old" } else { "new" },
        };
        (Some(cell), line.comments)
    };
    pairs
        .into_iter()
        .map(|(l, r)| {
            let (left, mut comments) = take(l, true);
            let (right, more) = take(r, false);
            comments.extend(more);
            SplitRow {
                left,
                right,
                comments,
            }
        })
        .collect()
}

fn file_view(
    index: usize,
    file: FileDiff,
    budget: &mut usize,
    split: bool,
    open: &mut OpenComments,
) -> FileView {
    // Each side is highlighted in order, so multi-line constructs keep state.
    let mut old_side = LineHighlighter::for_path(file.old_path.as_deref().unwrap_or(&file.path));
    let mut new_side = LineHighlighter::for_path(&file.path);
    let status = status_word(&file);
    let hunks = file
        .hunks
        .into_iter()
        .map(|hunk| {
            let lines: Vec<LineView> = hunk
                .lines
                .into_iter()
                .map(|line| {
                    let html = if *budget == 0 {
                        escape(&line.content)
                    } else {
                        *budget -= 1;
                        let side = match line.kind {
                            LineKind::Del => old_side.as_mut(),
                            LineKind::Add => new_side.as_mut(),
                            LineKind::Context => {
                                // Keep the old side's state in step too.
                                if let Some(old) = old_side.as_mut() {
                                    old.line(&line.content);
                                }
                                new_side.as_mut()
                            }
                        };
                        side.map_or_else(|| escape(&line.content), |h| h.line(&line.content))
                    };
                    let path = &file.path;
                    let (kind, side, comments) = match line.kind {
                        LineKind::Add => (
                            "add",
                            line.new_line,
                            open.take(path, DiffSide::New, line.new_line),
                        ),
                        LineKind::Del => (
                            "del",
                            line.old_line,
                            open.take(path, DiffSide::Old, line.old_line),
                        ),
                        LineKind::Context => {
                            let mut both = open.take(path, DiffSide::Old, line.old_line);
                            both.extend(open.take(path, DiffSide::New, line.new_line));
                            ("context", line.new_line, both)
                        }
                    };
                    LineView {
                        kind,
                        old: line.old_line.map(|n| n.to_string()).unwrap_or_default(),
                        new: line.new_line.map(|n| n.to_string()).unwrap_or_default(),
                        html,
                        side: if kind == "del" { "old" } else { "new" },
                        line: side.map(|n| n.to_string()).unwrap_or_default(),
                        comments,
                    }
                })
                .collect();
            if split {
                HunkView {
                    header: hunk.header,
                    split: split_rows(lines),
                    lines: vec![],
                }
            } else {
                HunkView {
                    header: hunk.header,
                    split: vec![],
                    lines,
                }
            }
        })
        .collect();
    FileView {
        anchor: format!("file-{index}"),
        status,
        old_path: file.old_path.unwrap_or_default(),
        additions: file.additions,
        deletions: file.deletions,
        binary: file.binary,
        too_large: file.too_large,
        collapsed: file.collapsed || file.additions + file.deletions > COLLAPSE_LINES,
        path: file.path,
        hunks,
    }
}

/// `GET /ui/attempts/{attempt}/diff`.
pub(crate) async fn fragment(
    State(app): State<AppState>,
    ApiPath(attempt): ApiPath<AttemptId>,
    ApiQuery(q): ApiQuery<DiffQuery>,
) -> UiResult<Html<String>> {
    let split = q.view.as_deref() == Some("split");
    let detail = app.attempt(attempt).await?;
    let a = detail.attempt;
    let task = app.task(&cadre_core::TaskRef::Id(a.task_id)).await?;
    let mut view = DiffFragment {
        id: a.id.to_string(),
        has_worktree: a.worktree_path.is_some(),
        settled: a.status.is_settled(),
        base_branch: a.base_branch.clone(),
        branch: a.branch.clone().unwrap_or_default(),
        additions: 0,
        deletions: 0,
        files: vec![],
        commit_message: format!("{}: {}", task.key, task.title),
        split,
        open_comments: 0,
        other_comments: vec![],
    };
    if view.has_worktree {
        let mut open = OpenComments::load(&app, attempt).await?;
        view.open_comments = open.len();
        let diff = app.attempt_diff(attempt, true).await?;
        let mut budget = HIGHLIGHT_BUDGET;
        view.additions = diff.diff.files.iter().map(|f| u64::from(f.additions)).sum();
        view.deletions = diff.diff.files.iter().map(|f| u64::from(f.deletions)).sum();
        view.files = diff
            .diff
            .files
            .into_iter()
            .enumerate()
            .map(|(i, f)| file_view(i, f, &mut budget, split, &mut open))
            .collect();
        view.other_comments = open.rest();
    }
    render(&view)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(kind: &'static str) -> LineView {
        LineView {
            kind,
            old: String::new(),
            new: String::new(),
            html: String::new(),
            side: "new",
            line: String::new(),
            comments: vec![],
        }
    }

    #[test]
    fn split_rows_put_old_lines_left_and_new_lines_right() {
        let lines: Vec<LineView> = ["context", "del", "add"].into_iter().map(line).collect();
        let rows = split_rows(lines);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].left.as_ref().map(|c| c.kind), Some("context"));
        assert_eq!(rows[0].right.as_ref().map(|c| c.kind), Some("context"));
        assert_eq!(rows[1].left.as_ref().map(|c| c.kind), Some("del"));
        assert_eq!(rows[1].right.as_ref().map(|c| c.kind), Some("add"));
    }

    fn noted(kind: &'static str, place: &str) -> LineView {
        LineView {
            comments: vec![CommentItem {
                id: String::new(),
                place: place.into(),
                body: String::new(),
                at: super::super::fmt::when(chrono::DateTime::UNIX_EPOCH),
            }],
            ..line(kind)
        }
    }

    #[test]
    fn split_rows_show_each_comment_once_under_its_row() {
        let lines = vec![noted("context", "c"), noted("del", "d"), noted("add", "a")];
        let rows = split_rows(lines);
        let places: Vec<Vec<&str>> = rows
            .iter()
            .map(|r| r.comments.iter().map(|c| c.place.as_str()).collect())
            .collect();
        assert_eq!(places, [vec!["c"], vec!["d", "a"]]);
        assert_eq!(rows[0].left.as_ref().map(|c| c.side), Some("old"));
        assert_eq!(rows[0].right.as_ref().map(|c| c.side), Some("new"));
    }

    #[test]
    fn split_view_pairs_deletions_with_the_additions_after_them() {
        let lines: Vec<LineView> = ["context", "del", "del", "add", "context", "add"]
            .into_iter()
            .map(line)
            .collect();
        let rows = split_pairs(&lines);
        assert_eq!(
            rows,
            vec![
                (Some(0), Some(0)),
                (Some(1), Some(3)),
                (Some(2), None),
                (Some(4), Some(4)),
                (None, Some(5)),
            ]
        );
    }
}
