//! The diff of an attempt: its worktree (commits, uncommitted and untracked
//! files alike) against the merge-base of its HEAD with the base branch.
//!
//! Invariant: computing a diff never changes the worktree's index or files (the
//! working state is captured through a temporary index, see `snapshot.rs`).
//! Paths come from `-z` output, so odd file names survive; binary and very large
//! files are summarized without hunks; lockfiles are flagged `collapsed`.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

use crate::patch::{FilePatch, FileStatus, Hunk, parse_patch};
use crate::snapshot::refuse_option_like;
use crate::{Git, GitError};

/// Files whose diffs are machine-generated noise; the UI shows them collapsed.
pub const LOCKFILES: &[&str] = &[
    "Cargo.lock",
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "poetry.lock",
    "Gemfile.lock",
    "go.sum",
    "composer.lock",
];

/// Limits above which a file is summarized without hunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiffOptions {
    /// Most added + deleted lines a file may have and still get hunks.
    pub max_changed_lines: u32,
    /// Largest new-side file size (bytes) that still gets hunks.
    pub max_file_bytes: u64,
}

impl Default for DiffOptions {
    fn default() -> Self {
        Self {
            max_changed_lines: 2_000,
            max_file_bytes: 512 * 1024,
        }
    }
}

/// One changed file, with counts only (the cheap summary).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileSummary {
    /// Path now (for deletions: the path that was deleted).
    pub path: String,
    /// Path before, for renames and copies.
    pub old_path: Option<String>,
    /// How it changed.
    pub status: FileStatus,
    /// Git considers it binary (no line counts).
    pub binary: bool,
    /// Lines added.
    pub additions: u32,
    /// Lines deleted.
    pub deletions: u32,
}

/// One changed file with its hunks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileDiff {
    /// Path now (for deletions: the path that was deleted).
    pub path: String,
    /// Path before, for renames and copies.
    pub old_path: Option<String>,
    /// How it changed.
    pub status: FileStatus,
    /// Git considers it binary: no hunks.
    pub binary: bool,
    /// Over [`DiffOptions`] limits: counts only, no hunks.
    pub too_large: bool,
    /// A lockfile: show collapsed by default.
    pub collapsed: bool,
    /// Lines added.
    pub additions: u32,
    /// Lines deleted.
    pub deletions: u32,
    /// The hunks (empty for binary, too-large and mode-only changes).
    pub hunks: Vec<Hunk>,
}

/// The whole diff of a worktree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorktreeDiff {
    /// The merge-base of HEAD and the base branch: the diff's old side.
    pub merge_base: String,
    /// A tree of the worktree as on disk: the diff's new side.
    pub tree: String,
    /// Changed files, in git's order (by path).
    pub files: Vec<FileDiff>,
}

impl Git {
    /// `git merge-base a b`.
    pub async fn merge_base(&self, repo: &Path, a: &str, b: &str) -> Result<String, GitError> {
        refuse_option_like(a)?;
        refuse_option_like(b)?;
        self.run_text(repo, ["merge-base", a, b]).await
    }

    /// Changed files with +/- counts, worktree (including uncommitted and
    /// untracked files) against the merge-base with `base`.
    pub async fn diff_summary(
        &self,
        worktree: &Path,
        base: &str,
    ) -> Result<Vec<FileSummary>, GitError> {
        let (merge_base, tree) = self.diff_sides(worktree, base).await?;
        self.summarize(worktree, &merge_base, &tree).await
    }

    /// The full diff, worktree (including uncommitted and untracked files)
    /// against the merge-base with `base`.
    pub async fn worktree_diff(
        &self,
        worktree: &Path,
        base: &str,
        options: &DiffOptions,
    ) -> Result<WorktreeDiff, GitError> {
        let (merge_base, tree) = self.diff_sides(worktree, base).await?;
        let summary = self.summarize(worktree, &merge_base, &tree).await?;
        let too_large: Vec<bool> = summary
            .iter()
            .map(|f| is_too_large(worktree, f, options))
            .collect();
        let mut patches: HashMap<String, FilePatch> = HashMap::new();
        if summary
            .iter()
            .zip(&too_large)
            .any(|(f, big)| !f.binary && !big)
        {
            let mut args: Vec<String> = [
                "diff",
                "-p",
                "-M",
                "--no-color",
                "--no-ext-diff",
                "--no-textconv",
                "--no-relative",
                "--src-prefix=a/",
                "--dst-prefix=b/",
                "-O/dev/null",
                &merge_base,
                &tree,
                "--",
                ".",
            ]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
            for (file, _) in summary.iter().zip(&too_large).filter(|(_, big)| **big) {
                args.push(format!(":(exclude,literal){}", file.path));
            }
            let out = self.run(worktree, &args).await?;
            for patch in parse_patch(&String::from_utf8_lossy(&out.stdout)) {
                if let Some(path) = patch.path() {
                    patches.insert(path.to_owned(), patch);
                }
            }
        }
        let files = summary
            .into_iter()
            .zip(too_large)
            .map(|(file, too_large)| {
                let hunks = if file.binary || too_large {
                    Vec::new()
                } else {
                    patches
                        .remove(&file.path)
                        .map(|p| p.hunks)
                        .unwrap_or_default()
                };
                let collapsed = is_lockfile(&file.path);
                FileDiff {
                    path: file.path,
                    old_path: file.old_path,
                    status: file.status,
                    binary: file.binary,
                    too_large,
                    collapsed,
                    additions: file.additions,
                    deletions: file.deletions,
                    hunks,
                }
            })
            .collect();
        Ok(WorktreeDiff {
            merge_base,
            tree,
            files,
        })
    }

    /// The merge-base of HEAD with `base`, and a tree of the worktree on disk.
    async fn diff_sides(&self, worktree: &Path, base: &str) -> Result<(String, String), GitError> {
        let merge_base = self.merge_base(worktree, "HEAD", base).await?;
        let state = self.worktree_tree(worktree).await?;
        Ok((merge_base, state.tree))
    }

    /// `--raw --numstat -z` between two trees, joined per file.
    async fn summarize(
        &self,
        repo: &Path,
        from: &str,
        to: &str,
    ) -> Result<Vec<FileSummary>, GitError> {
        let out = self
            .run(
                repo,
                [
                    "diff",
                    "--raw",
                    "--numstat",
                    "-z",
                    "-M",
                    "--no-abbrev",
                    "--no-ext-diff",
                    "--no-textconv",
                    "--no-relative",
                    "-O/dev/null",
                    from,
                    to,
                ],
            )
            .await?;
        Ok(parse_raw_numstat(&out.stdout))
    }
}

/// Whether a file is a known lockfile (by its file name).
pub fn is_lockfile(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    LOCKFILES.contains(&name)
}

fn is_too_large(worktree: &Path, file: &FileSummary, options: &DiffOptions) -> bool {
    if file.additions.saturating_add(file.deletions) > options.max_changed_lines {
        return true;
    }
    // The new side is exactly what is on disk (the tree was written from it).
    file.status != FileStatus::Deleted
        && std::fs::metadata(worktree.join(&file.path))
            .is_ok_and(|m| m.is_file() && m.len() > options.max_file_bytes)
}

/// Parses `git diff --raw --numstat -z`: all raw records, then all numstat
/// records, in the same file order. Never panics.
pub(crate) fn parse_raw_numstat(bytes: &[u8]) -> Vec<FileSummary> {
    let mut fields = bytes
        .split(|b| *b == 0)
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .peekable();
    let mut files = Vec::new();
    while let Some(meta) = fields.next_if(|f| f.starts_with(':')) {
        let letter = meta
            .split(' ')
            .nth(4)
            .and_then(|s| s.chars().next())
            .unwrap_or('M');
        let status = match letter {
            'A' => FileStatus::Added,
            'D' => FileStatus::Deleted,
            'R' => FileStatus::Renamed,
            'C' => FileStatus::Copied,
            'T' => FileStatus::TypeChanged,
            _ => FileStatus::Modified,
        };
        let first = fields.next().unwrap_or_default();
        let (path, old_path) = if matches!(status, FileStatus::Renamed | FileStatus::Copied) {
            (fields.next().unwrap_or_default(), Some(first))
        } else {
            (first, None)
        };
        files.push(FileSummary {
            path,
            old_path,
            status,
            binary: false,
            additions: 0,
            deletions: 0,
        });
    }
    for file in &mut files {
        let Some(record) = fields.next() else { break };
        let mut parts = record.splitn(3, '\t');
        let (added, deleted, path) = (parts.next(), parts.next(), parts.next());
        // Renames put an empty path here, then the two paths as fields.
        if path == Some("") {
            fields.next();
            fields.next();
        }
        match (added, deleted) {
            (Some("-"), Some("-")) => file.binary = true,
            (Some(a), Some(d)) => {
                file.additions = a.parse().unwrap_or(0);
                file.deletions = d.parse().unwrap_or(0);
            }
            _ => {}
        }
    }
    files
}

#[cfg(test)]
#[path = "diff_tests.rs"]
mod tests;
