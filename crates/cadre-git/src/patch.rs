//! A parser of unified diffs as `git diff -p` writes them.
//!
//! This parses outside input (file contents end up in it), so it never panics:
//! no indexing, no unchecked arithmetic; malformed input yields whatever could be
//! understood. Hunk bodies are consumed by their line counts, so content lines
//! that look like headers (`--- x`, `diff --git`) are read as content.

use serde::Serialize;

/// How a file changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    /// New file.
    Added,
    /// Content or mode changed.
    Modified,
    /// File removed.
    Deleted,
    /// Moved (possibly with edits); `old_path` says from where.
    Renamed,
    /// Copied from `old_path` (possibly with edits).
    Copied,
    /// Changed kind (file ↔ symlink ↔ submodule).
    TypeChanged,
}

/// The kind of one line in a hunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// Present only in the new version.
    Add,
    /// Present only in the old version.
    Del,
    /// Unchanged, shown for context.
    Context,
}

/// One line of a hunk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffLine {
    /// Added, deleted or context.
    pub kind: LineKind,
    /// Line number in the old version (deleted and context lines).
    pub old_line: Option<u32>,
    /// Line number in the new version (added and context lines).
    pub new_line: Option<u32>,
    /// The text without its `+`/`-`/` ` prefix and without the newline.
    pub content: String,
    /// The line has no trailing newline in its file (`\ No newline at end of file`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub no_newline: bool,
}

/// One `@@ … @@` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hunk {
    /// The full `@@ -a,b +c,d @@ context` line.
    pub header: String,
    /// First old line covered.
    pub old_start: u32,
    /// Number of old lines covered.
    pub old_lines: u32,
    /// First new line covered.
    pub new_start: u32,
    /// Number of new lines covered.
    pub new_lines: u32,
    /// The lines.
    pub lines: Vec<DiffLine>,
}

/// One file's section of a unified diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FilePatch {
    /// Path before (absent for added files).
    pub old_path: Option<String>,
    /// Path after (absent for deleted files).
    pub new_path: Option<String>,
    /// How it changed.
    pub status: FileStatus,
    /// Git reported the file as binary.
    pub binary: bool,
    /// Lines added.
    pub additions: u32,
    /// Lines deleted.
    pub deletions: u32,
    /// Its hunks.
    pub hunks: Vec<Hunk>,
}

impl FilePatch {
    fn new(old_path: Option<String>, new_path: Option<String>) -> Self {
        Self {
            old_path,
            new_path,
            status: FileStatus::Modified,
            binary: false,
            additions: 0,
            deletions: 0,
            hunks: Vec::new(),
        }
    }

    /// The path to show: the new one, or the old one for a deletion.
    pub fn path(&self) -> Option<&str> {
        self.new_path.as_deref().or(self.old_path.as_deref())
    }
}

/// Parses `git diff -p` output into per-file patches. Never panics.
pub fn parse_patch(input: &str) -> Vec<FilePatch> {
    let mut files: Vec<FilePatch> = Vec::new();
    let mut lines = input.split('\n').peekable();
    while let Some(line) = lines.next() {
        if let Some(rest) = line.strip_prefix("diff --git ") {
            let (old, new) = split_git_header(rest);
            files.push(FilePatch::new(old, new));
            continue;
        }
        let Some(file) = files.last_mut() else {
            continue;
        };
        if let Some(header) = parse_hunk_header(line) {
            let mut hunk = header;
            let mut old_left = hunk.old_lines;
            let mut new_left = hunk.new_lines;
            let mut old_no = hunk.old_start;
            let mut new_no = hunk.new_start;
            while old_left > 0 || new_left > 0 {
                let Some(body) = lines.peek() else { break };
                let (kind, content) = match body.as_bytes().first() {
                    Some(b'+') if new_left > 0 => (LineKind::Add, body.get(1..).unwrap_or("")),
                    Some(b'-') if old_left > 0 => (LineKind::Del, body.get(1..).unwrap_or("")),
                    Some(b' ') if old_left > 0 && new_left > 0 => {
                        (LineKind::Context, body.get(1..).unwrap_or(""))
                    }
                    // Some tools strip the space of an empty context line.
                    None if old_left > 0 && new_left > 0 => (LineKind::Context, ""),
                    Some(b'\\') => {
                        mark_no_newline(&mut hunk);
                        lines.next();
                        continue;
                    }
                    _ => break,
                };
                let (old_line, new_line) = match kind {
                    LineKind::Add => {
                        new_left -= 1;
                        file.additions = file.additions.saturating_add(1);
                        (None, Some(bump(&mut new_no)))
                    }
                    LineKind::Del => {
                        old_left -= 1;
                        file.deletions = file.deletions.saturating_add(1);
                        (Some(bump(&mut old_no)), None)
                    }
                    LineKind::Context => {
                        old_left -= 1;
                        new_left -= 1;
                        (Some(bump(&mut old_no)), Some(bump(&mut new_no)))
                    }
                };
                hunk.lines.push(DiffLine {
                    kind,
                    old_line,
                    new_line,
                    content: content.to_owned(),
                    no_newline: false,
                });
                lines.next();
            }
            // The marker for the hunk's last line comes after the counts run out.
            if lines.peek().is_some_and(|l| l.starts_with('\\')) {
                mark_no_newline(&mut hunk);
                lines.next();
            }
            file.hunks.push(hunk);
        } else if !file.hunks.is_empty() {
            // Stray text after a hunk that is not a new file: ignore it.
        } else if line.starts_with("new file mode") {
            file.status = FileStatus::Added;
        } else if line.starts_with("deleted file mode") {
            file.status = FileStatus::Deleted;
        } else if let Some(p) = line.strip_prefix("rename from ") {
            file.status = FileStatus::Renamed;
            file.old_path = Some(unquote(p));
        } else if let Some(p) = line.strip_prefix("rename to ") {
            file.status = FileStatus::Renamed;
            file.new_path = Some(unquote(p));
        } else if let Some(p) = line.strip_prefix("copy from ") {
            file.status = FileStatus::Copied;
            file.old_path = Some(unquote(p));
        } else if let Some(p) = line.strip_prefix("copy to ") {
            file.status = FileStatus::Copied;
            file.new_path = Some(unquote(p));
        } else if line.starts_with("Binary files ") || line.starts_with("GIT binary patch") {
            file.binary = true;
        } else if let Some(p) = line.strip_prefix("--- ") {
            file.old_path =
                side_path(p, "a/").or(file.old_path.take().filter(|_| p != "/dev/null"));
        } else if let Some(p) = line.strip_prefix("+++ ") {
            file.new_path =
                side_path(p, "b/").or(file.new_path.take().filter(|_| p != "/dev/null"));
        }
    }
    for file in &mut files {
        match file.status {
            FileStatus::Added => file.old_path = None,
            FileStatus::Deleted => file.new_path = None,
            _ => {}
        }
    }
    files
}

/// Returns the current value and advances, saturating at `u32::MAX`.
fn bump(n: &mut u32) -> u32 {
    let current = *n;
    *n = n.saturating_add(1);
    current
}

fn mark_no_newline(hunk: &mut Hunk) {
    if let Some(last) = hunk.lines.last_mut() {
        last.no_newline = true;
    }
}

/// `@@ -a[,b] +c[,d] @@ …` into an empty hunk.
fn parse_hunk_header(line: &str) -> Option<Hunk> {
    let rest = line.strip_prefix("@@ -")?;
    let (ranges, _) = rest.split_once(" @@")?;
    let (old, new) = ranges.split_once(" +")?;
    let (old_start, old_lines) = parse_range(old)?;
    let (new_start, new_lines) = parse_range(new)?;
    Some(Hunk {
        header: line.to_owned(),
        old_start,
        old_lines,
        new_start,
        new_lines,
        lines: Vec::new(),
    })
}

fn parse_range(range: &str) -> Option<(u32, u32)> {
    match range.split_once(',') {
        Some((start, len)) => Some((start.parse().ok()?, len.parse().ok()?)),
        None => Some((range.parse().ok()?, 1)),
    }
}

/// The path of a `---`/`+++` line, without its `a/`/`b/` prefix; `None` for
/// `/dev/null`. Git appends a tab after names containing spaces.
fn side_path(raw: &str, prefix: &str) -> Option<String> {
    let raw = raw.strip_suffix('\t').unwrap_or(raw);
    if raw == "/dev/null" {
        return None;
    }
    let path = unquote(raw);
    Some(path.strip_prefix(prefix).map(str::to_owned).unwrap_or(path))
}

/// The two paths of `diff --git a/X b/Y`, as a fallback for files whose section
/// has no `---`/`+++` lines (binary, mode-only, pure renames).
fn split_git_header(rest: &str) -> (Option<String>, Option<String>) {
    let strip = |p: String, prefix: &str| p.strip_prefix(prefix).map(str::to_owned).unwrap_or(p);
    if rest.starts_with('"') {
        let (old, tail) = take_quoted(rest);
        let tail = tail.trim_start();
        let new = if tail.starts_with('"') {
            take_quoted(tail).0
        } else {
            tail.to_owned()
        };
        return (Some(strip(old, "a/")), Some(strip(new, "b/")));
    }
    // Unquoted names may contain spaces: when both sides name the same path the
    // header is `a/P b/P`, so try the midpoint first.
    let bytes = rest.len();
    if bytes % 2 == 1 {
        let mid = bytes / 2;
        if let (Some(a), Some(b)) = (rest.get(..mid), rest.get(mid + 1..))
            && let (Some(a), Some(b)) = (a.strip_prefix("a/"), b.strip_prefix("b/"))
            && a == b
        {
            return (Some(a.to_owned()), Some(b.to_owned()));
        }
    }
    match rest.split_once(" b/") {
        Some((a, b)) => (Some(strip(a.to_owned(), "a/")), Some(b.to_owned())),
        None => (None, None),
    }
}

/// Undoes git's C-style quoting (`"a\tb\303\251"`) when present.
pub(crate) fn unquote(raw: &str) -> String {
    if raw.starts_with('"') {
        take_quoted(raw).0
    } else {
        raw.to_owned()
    }
}

/// Reads one quoted string from the start of `s`; returns it and the rest.
fn take_quoted(s: &str) -> (String, &str) {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 1; // past the opening quote
    while let Some(&b) = bytes.get(i) {
        i += 1;
        match b {
            b'"' => break,
            b'\\' => {
                let Some(&e) = bytes.get(i) else { break };
                i += 1;
                match e {
                    b'n' => out.push(b'\n'),
                    b't' => out.push(b'\t'),
                    b'r' => out.push(b'\r'),
                    b'a' => out.push(7),
                    b'b' => out.push(8),
                    b'f' => out.push(12),
                    b'v' => out.push(11),
                    b'0'..=b'7' => {
                        let mut value = u32::from(e - b'0');
                        for _ in 0..2 {
                            match bytes.get(i) {
                                Some(&d @ b'0'..=b'7') => {
                                    value = value * 8 + u32::from(d - b'0');
                                    i += 1;
                                }
                                _ => break,
                            }
                        }
                        out.push(u8::try_from(value & 0xff).unwrap_or(b'?'));
                    }
                    other => out.push(other),
                }
            }
            other => out.push(other),
        }
    }
    let rest = s.get(i..).unwrap_or("");
    (String::from_utf8_lossy(&out).into_owned(), rest)
}

#[cfg(test)]
#[path = "patch_tests.rs"]
mod tests;
