//! Wire types of an attempt's git side: its diff, rebase results, pull requests,
//! the editor launch and the preview process.

use cadre_app::git::{DiffLine, FileDiff, FileStatus, Hunk, LineKind};
use cadre_app::{AttemptDiff, EditorLaunch, PreviewStatus, RebaseResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::wire::{AttemptView, ProcessView};

/// An attempt's diff against the merge-base with its base branch.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DiffView {
    /// The base branch.
    pub base_branch: String,
    /// The attempt's branch.
    pub branch: Option<String>,
    /// The merge-base commit (empty in summaries).
    pub merge_base: String,
    /// Files changed.
    pub files_changed: usize,
    /// Lines added in all files.
    pub additions: u64,
    /// Lines removed in all files.
    pub deletions: u64,
    /// The files, by path.
    pub files: Vec<FileDiffView>,
}

/// One changed file.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FileDiffView {
    /// Path now (the deleted path for deletions).
    pub path: String,
    /// Path before a rename or copy.
    pub old_path: Option<String>,
    /// `added`, `modified`, `deleted`, `renamed`, `copied`, `type_changed`; `binary`
    /// for binary files.
    pub status: String,
    /// Binary: no hunks.
    pub binary: bool,
    /// Too large for hunks: counts only.
    pub too_large: bool,
    /// A lockfile: show collapsed by default.
    pub collapsed: bool,
    /// Lines added.
    pub additions: u32,
    /// Lines removed.
    pub deletions: u32,
    /// Hunks (empty in summaries and for binary or large files).
    pub hunks: Vec<HunkView>,
}

/// One `@@` section.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HunkView {
    /// The `@@ -a,b +c,d @@` line.
    pub header: String,
    /// First old line.
    pub old_start: u32,
    /// Old lines covered.
    pub old_lines: u32,
    /// First new line.
    pub new_start: u32,
    /// New lines covered.
    pub new_lines: u32,
    /// The lines.
    pub lines: Vec<LineView>,
}

/// One diff line.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LineView {
    /// `add`, `del` or `context`.
    pub kind: String,
    /// Line number on the old side.
    pub old_line: Option<u32>,
    /// Line number on the new side.
    pub new_line: Option<u32>,
    /// The text, without prefix or newline.
    pub content: String,
}

impl From<AttemptDiff> for DiffView {
    fn from(d: AttemptDiff) -> Self {
        let files: Vec<FileDiffView> = d.diff.files.into_iter().map(Into::into).collect();
        Self {
            base_branch: d.base_branch,
            branch: d.branch,
            merge_base: d.diff.merge_base,
            files_changed: files.len(),
            additions: files.iter().map(|f| u64::from(f.additions)).sum(),
            deletions: files.iter().map(|f| u64::from(f.deletions)).sum(),
            files,
        }
    }
}

impl From<FileDiff> for FileDiffView {
    fn from(f: FileDiff) -> Self {
        let status = if f.binary {
            "binary"
        } else {
            match f.status {
                FileStatus::Added => "added",
                FileStatus::Modified => "modified",
                FileStatus::Deleted => "deleted",
                FileStatus::Renamed => "renamed",
                FileStatus::Copied => "copied",
                FileStatus::TypeChanged => "type_changed",
            }
        };
        Self {
            path: f.path,
            old_path: f.old_path,
            status: status.to_owned(),
            binary: f.binary,
            too_large: f.too_large,
            collapsed: f.collapsed,
            additions: f.additions,
            deletions: f.deletions,
            hunks: f.hunks.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<Hunk> for HunkView {
    fn from(h: Hunk) -> Self {
        Self {
            header: h.header,
            old_start: h.old_start,
            old_lines: h.old_lines,
            new_start: h.new_start,
            new_lines: h.new_lines,
            lines: h.lines.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<DiffLine> for LineView {
    fn from(l: DiffLine) -> Self {
        let kind = match l.kind {
            LineKind::Add => "add",
            LineKind::Del => "del",
            LineKind::Context => "context",
        };
        Self {
            kind: kind.to_owned(),
            old_line: l.old_line,
            new_line: l.new_line,
            content: l.content,
        }
    }
}

/// What a rebase did.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RebaseView {
    /// `rebased`, `up_to_date` or `conflicted` (aborted; nothing changed).
    pub status: String,
    /// Conflicted files.
    pub conflicts: Vec<String>,
    /// A follow-up to send the agent so it resolves the conflicts.
    pub suggested_followup: Option<String>,
    /// The attempt after the rebase.
    pub attempt: AttemptView,
}

impl From<RebaseResult> for RebaseView {
    fn from(r: RebaseResult) -> Self {
        let status = if !r.conflicts.is_empty() {
            "conflicted"
        } else if r.rebased {
            "rebased"
        } else {
            "up_to_date"
        };
        Self {
            status: status.to_owned(),
            conflicts: r.conflicts,
            suggested_followup: r.suggested_followup,
            attempt: r.attempt.into(),
        }
    }
}

/// What launching an editor did.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EditorView {
    /// The command line run.
    pub command: Vec<String>,
    /// Whether it started.
    pub ok: bool,
    /// Exit status, when it ended quickly.
    pub exit_code: Option<i32>,
    /// What it printed to stderr.
    pub stderr: String,
}

impl From<EditorLaunch> for EditorView {
    fn from(e: EditorLaunch) -> Self {
        Self {
            command: e.command,
            ok: e.ok,
            exit_code: e.exit_code,
            stderr: e.stderr,
        }
    }
}

/// An attempt's preview (dev) process.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PreviewView {
    /// Whether it runs.
    pub running: bool,
    /// The port given in `PORT`.
    pub port: Option<u16>,
    /// `http://127.0.0.1:PORT/` while it runs.
    pub url: Option<String>,
    /// Its latest process.
    pub process: Option<ProcessView>,
    /// The end of its output.
    pub log_tail: String,
}

impl From<PreviewStatus> for PreviewView {
    fn from(p: PreviewStatus) -> Self {
        Self {
            running: p.running,
            port: p.port,
            url: p
                .port
                .filter(|_| p.running)
                .map(|port| format!("http://127.0.0.1:{port}/")),
            process: p.process.map(Into::into),
            log_tail: p.log_tail,
        }
    }
}
