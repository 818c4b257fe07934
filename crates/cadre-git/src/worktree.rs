//! Worktrees for attempts: branch naming, creation under a managed root, listing,
//! removal, and copying untracked files (`.env`, …) from the main checkout.
//!
//! Invariants: a managed worktree path never resolves outside the managed root
//! (after `..`, symlinks and relative paths are resolved); creations on one
//! repository are serialized in-process so concurrent attempts do not race on
//! `.git/worktrees`; copy-files globs never read or write outside the checkouts.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use tokio::sync::OwnedMutexGuard;

use crate::{Git, GitError};

/// Prefix of attempt branches when the project sets none.
pub const DEFAULT_BRANCH_PREFIX: &str = "cadre";

/// Longest slug of a card title kept in a branch name.
const SLUG_MAX: usize = 40;

/// `title` as lowercase ASCII words joined by `-`, at most 40 characters, with no
/// leading/trailing/double dashes. Non-ASCII characters act as separators.
pub fn slug(title: &str) -> String {
    let mut out = kebab(title, SLUG_MAX);
    out.truncate(SLUG_MAX);
    out.trim_end_matches('-').to_owned()
}

/// Lowercase ASCII alphanumeric words of `s` joined by `-`, stopping once `max`
/// bytes are reached (all output is ASCII, so bytes are characters).
fn kebab(s: &str, max: usize) -> String {
    let mut out = String::new();
    for word in s
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if out.len() >= max {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word.to_ascii_lowercase());
    }
    out
}

/// `<prefix>/<task key lowercased>-<slug of title>-<short id>`, e.g.
/// `cadre/cad-12-fix-login-redirect-a1b2c3`. Empty parts are left out (an empty
/// prefix gives no `/`). Validate the result with [`Git::check_branch_name`].
pub fn branch_name(prefix: &str, task_key: &str, title: &str, short_id: &str) -> String {
    // The key and id go through the same cleaning as the title (without the
    // length cap) so a key like "CAD 12" cannot produce an invalid ref.
    let leaf = [
        kebab(task_key, usize::MAX),
        slug(title),
        kebab(short_id, usize::MAX),
    ]
    .into_iter()
    .filter(|p| !p.is_empty())
    .collect::<Vec<_>>()
    .join("-");
    let prefix = prefix.trim_matches('/');
    if prefix.is_empty() {
        leaf
    } else {
        format!("{prefix}/{leaf}")
    }
}

/// A request to create one attempt worktree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateWorktree {
    /// The main checkout of the project.
    pub repo: PathBuf,
    /// Where the worktree goes: absolute, or relative to the managed root.
    pub path: PathBuf,
    /// The new branch to create (e.g. from [`branch_name`]).
    pub branch: String,
    /// The branch (or any commit-ish) the new branch starts from.
    pub base: String,
    /// Globs, relative to the checkout, of untracked files to copy over
    /// (e.g. `.env`, `config/*.local`).
    pub copy_files: Vec<String>,
}

/// A worktree that was just created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedWorktree {
    /// Canonical path of the new worktree.
    pub path: PathBuf,
    /// Its branch.
    pub branch: String,
    /// Files copied from the main checkout, relative to the worktree root.
    pub copied: Vec<PathBuf>,
}

/// One entry of `git worktree list`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WorktreeInfo {
    /// Path of the worktree as git records it.
    pub path: PathBuf,
    /// Commit checked out, absent for an unborn branch.
    pub head: Option<String>,
    /// Short branch name, absent when detached.
    pub branch: Option<String>,
    /// The main repository of a bare clone.
    pub bare: bool,
    /// HEAD is detached.
    pub detached: bool,
    /// Lock reason, when locked (empty string when locked without a reason).
    pub locked: Option<String>,
    /// Why git thinks it can be pruned (e.g. its directory is gone).
    pub prunable: Option<String>,
}

/// Creates and removes attempt worktrees, all under one managed root directory.
#[derive(Debug, Clone)]
pub struct WorktreeManager {
    git: Git,
    root: PathBuf,
}

impl WorktreeManager {
    /// A manager for worktrees under `root`, which is created if missing.
    pub fn new(git: Git, root: impl AsRef<Path>) -> Result<Self, GitError> {
        let root = root.as_ref();
        std::fs::create_dir_all(root).map_err(|source| GitError::Io {
            action: "could not create worktree root",
            path: root.to_path_buf(),
            source,
        })?;
        let root = root.canonicalize().map_err(|source| GitError::Io {
            action: "could not resolve worktree root",
            path: root.to_path_buf(),
            source,
        })?;
        Ok(Self { git, root })
    }

    /// The canonical managed root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The git handle this manager runs.
    pub fn git(&self) -> &Git {
        &self.git
    }

    /// Resolves `path` (absolute, or relative to the root) to an absolute path
    /// strictly inside the root, or refuses with [`GitError::PathOutsideRoot`].
    /// The path itself need not exist; symlinks in its existing part are resolved.
    pub fn resolve(&self, path: &Path) -> Result<PathBuf, GitError> {
        resolve_under(&self.root, path)
    }

    /// Creates the worktree and its branch from `base`, then copies the
    /// requested untracked files into it.
    pub async fn create(&self, request: &CreateWorktree) -> Result<CreatedWorktree, GitError> {
        let path = self.resolve(&request.path)?;
        if let Ok(mut entries) = std::fs::read_dir(&path)
            && entries.next().is_some()
        {
            return Err(GitError::PathExists(path));
        } else if path.symlink_metadata().is_ok() && !path.is_dir() {
            return Err(GitError::PathExists(path));
        }
        // Refuse bad patterns before anything exists, not after the checkout.
        for pattern in &request.copy_files {
            check_pattern(pattern)?;
        }
        self.git
            .check_branch_name(&request.repo, &request.branch)
            .await?;
        {
            let _guard = lock_repo(&request.repo).await;
            let args: Vec<std::ffi::OsString> = vec![
                "worktree".into(),
                "add".into(),
                "--quiet".into(),
                "-b".into(),
                request.branch.clone().into(),
                path.clone().into(),
                request.base.clone().into(),
            ];
            match self.git.run(&request.repo, &args).await {
                Ok(_) => {}
                Err(GitError::Failed { stderr, .. }) if is_stale_metadata(&stderr) => {
                    // A crashed earlier attempt can leave registrations or locks
                    // behind; pruning them is safe (it only drops entries whose
                    // directories are gone) and then one retry is enough.
                    tracing::warn!(%stderr, "git worktree add failed on stale metadata; pruning and retrying");
                    self.git.run(&request.repo, ["worktree", "prune"]).await?;
                    // `worktree add -b` creates the branch before it fails on the
                    // stale entry. The branch did not exist before (git checks that
                    // first), so it is ours, still at `base`: check it out as is.
                    let branch_ref = format!("refs/heads/{}", request.branch);
                    let exists = self
                        .git
                        .output(
                            &request.repo,
                            ["rev-parse", "--verify", "--quiet", &branch_ref],
                        )
                        .await?
                        .status
                        .success();
                    if exists {
                        let retry = [
                            "worktree".as_ref(),
                            "add".as_ref(),
                            "--quiet".as_ref(),
                            path.as_os_str(),
                            request.branch.as_ref(),
                        ];
                        let retry: [&std::ffi::OsStr; 5] = retry;
                        self.git.run(&request.repo, retry).await?;
                    } else {
                        self.git.run(&request.repo, &args).await?;
                    }
                }
                Err(e) => return Err(e),
            }
        }
        let copied = copy_files(&request.repo, &path, &request.copy_files).await?;
        Ok(CreatedWorktree {
            path,
            branch: request.branch.clone(),
            copied,
        })
    }

    /// Removes a managed worktree. Git refuses when it has uncommitted or
    /// untracked changes; use [`WorktreeManager::cleanup`] to snapshot them first.
    pub async fn remove(&self, repo: &Path, path: &Path) -> Result<(), GitError> {
        let path = self.resolve(path)?;
        let _guard = lock_repo(repo).await;
        self.git
            .run(
                repo,
                ["worktree".as_ref(), "remove".as_ref(), path.as_os_str()],
            )
            .await?;
        Ok(())
    }
}

impl Git {
    /// Refuses a branch name `git check-ref-format --branch` rejects.
    pub async fn check_branch_name(&self, repo: &Path, name: &str) -> Result<(), GitError> {
        let invalid = || GitError::InvalidRefName {
            what: "branch",
            name: name.to_owned(),
        };
        // `-` would be read as an option; `@{-1}`-style names are expanded by git
        // rather than refused, and we never want them as new branch names.
        if name.starts_with('-') || name.contains("@{") {
            return Err(invalid());
        }
        let out = self
            .output(repo, ["check-ref-format", "--branch", name])
            .await?;
        if out.status.success() {
            Ok(())
        } else {
            Err(invalid())
        }
    }

    /// All worktrees of the repository at `repo` (the main checkout first).
    pub async fn list_worktrees(&self, repo: &Path) -> Result<Vec<WorktreeInfo>, GitError> {
        let out = self
            .run(repo, ["worktree", "list", "--porcelain", "-z"])
            .await?;
        Ok(parse_worktree_list(&out.stdout))
    }

    /// `git worktree prune`: forgets worktrees whose directories are gone.
    pub async fn prune_worktrees(&self, repo: &Path) -> Result<(), GitError> {
        self.run(repo, ["worktree", "prune"]).await?;
        Ok(())
    }
}

/// Parses `git worktree list --porcelain -z` (records end with an empty field).
pub(crate) fn parse_worktree_list(bytes: &[u8]) -> Vec<WorktreeInfo> {
    let mut list = Vec::new();
    let mut current: Option<WorktreeInfo> = None;
    for field in bytes.split(|b| *b == 0) {
        if field.is_empty() {
            list.extend(current.take());
            continue;
        }
        let text = String::from_utf8_lossy(field);
        let (key, value) = match text.split_once(' ') {
            Some((k, v)) => (k, Some(v)),
            None => (text.as_ref(), None),
        };
        if key == "worktree" {
            list.extend(current.take());
            current = Some(WorktreeInfo {
                path: path_from_bytes(field.get("worktree ".len()..).unwrap_or_default()),
                ..WorktreeInfo::default()
            });
            continue;
        }
        let Some(info) = current.as_mut() else {
            continue;
        };
        match key {
            "HEAD" => info.head = value.map(str::to_owned),
            "branch" => {
                info.branch = value.map(|v| v.strip_prefix("refs/heads/").unwrap_or(v).to_owned());
            }
            "bare" => info.bare = true,
            "detached" => info.detached = true,
            "locked" => info.locked = Some(value.unwrap_or_default().to_owned()),
            "prunable" => info.prunable = Some(value.unwrap_or_default().to_owned()),
            _ => {}
        }
    }
    list.extend(current);
    list
}

#[cfg(unix)]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

/// Whether a `git worktree add` failure looks like leftovers of an interrupted
/// earlier operation (worth one `prune` and retry) rather than a real refusal.
fn is_stale_metadata(stderr: &str) -> bool {
    let s = stderr.to_ascii_lowercase();
    s.contains("already registered")
        || s.contains("missing but locked")
        || s.contains("index.lock")
        || (s.contains("unable to create") && s.contains(".lock"))
}

/// See [`WorktreeManager::resolve`]; `root` must be canonical.
pub(crate) fn resolve_under(root: &Path, path: &Path) -> Result<PathBuf, GitError> {
    let outside = || GitError::PathOutsideRoot {
        path: path.to_path_buf(),
        root: root.to_path_buf(),
    };
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        root.join(path)
    };
    // `..` is refused outright rather than reasoned about: with symlinks in
    // play, lexical and physical parents differ, and no legitimate caller needs it.
    if joined
        .components()
        .any(|c| matches!(c, Component::ParentDir))
    {
        return Err(outside());
    }
    // Canonicalize the longest prefix that exists (resolving any symlink in it),
    // then re-attach the components that do not exist yet.
    let mut existing = joined.as_path();
    let mut missing = Vec::new();
    while existing.symlink_metadata().is_err() {
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                missing.push(name.to_owned());
                existing = parent;
            }
            _ => return Err(outside()),
        }
    }
    // A dangling symlink cannot be canonicalized: treat it as escaping.
    let mut resolved = existing.canonicalize().map_err(|_| outside())?;
    for name in missing.iter().rev() {
        resolved.push(name);
    }
    if resolved.starts_with(root) && resolved != root {
        Ok(resolved)
    } else {
        Err(outside())
    }
}

type LockMap = Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>;

/// Serializes operations that change one repository's worktrees or branches.
/// Keyed by the canonical path so two spellings of one repo share a lock.
pub(crate) async fn lock_repo(repo: &Path) -> OwnedMutexGuard<()> {
    static LOCKS: OnceLock<LockMap> = OnceLock::new();
    let key = repo.canonicalize().unwrap_or_else(|_| repo.to_path_buf());
    let lock = {
        let mut map = LOCKS
            .get_or_init(Mutex::default)
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.entry(key).or_default().clone()
    };
    lock.lock_owned().await
}

/// Copies files matching `patterns` from `repo` into `worktree`, never reading
/// outside `repo`, never writing outside `worktree`, never overwriting a file
/// the checkout already has.
async fn copy_files(
    repo: &Path,
    worktree: &Path,
    patterns: &[String],
) -> Result<Vec<PathBuf>, GitError> {
    if patterns.is_empty() {
        return Ok(Vec::new());
    }
    let (repo, worktree, patterns) = (
        repo.to_path_buf(),
        worktree.to_path_buf(),
        patterns.to_vec(),
    );
    tokio::task::spawn_blocking(move || copy_files_blocking(&repo, &worktree, &patterns))
        .await
        .map_err(|e| GitError::Io {
            action: "copy-files task failed for",
            path: PathBuf::new(),
            source: std::io::Error::other(e.to_string()),
        })?
}

/// Refuses a copy-files pattern that is empty, absolute or climbs with `..`;
/// also checks that it is a valid glob.
fn check_pattern(pattern: &str) -> Result<(), GitError> {
    let rel = Path::new(pattern);
    if pattern.is_empty()
        || rel.is_absolute()
        || rel
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
        || glob::Pattern::new(pattern).is_err()
    {
        return Err(GitError::InvalidPattern(pattern.to_owned()));
    }
    Ok(())
}

fn copy_files_blocking(
    repo: &Path,
    worktree: &Path,
    patterns: &[String],
) -> Result<Vec<PathBuf>, GitError> {
    let io = |action: &'static str, path: &Path| {
        let path = path.to_path_buf();
        move |source| GitError::Io {
            action,
            path,
            source,
        }
    };
    let repo = repo.canonicalize().map_err(io("could not resolve", repo))?;
    let worktree = worktree
        .canonicalize()
        .map_err(io("could not resolve", worktree))?;
    let repo_str = repo
        .to_str()
        .ok_or_else(|| GitError::InvalidPattern(repo.display().to_string()))?;
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: false,
    };
    let mut copied = Vec::new();
    for pattern in patterns {
        check_pattern(pattern)?;
        let full = format!("{}/{pattern}", glob::Pattern::escape(repo_str));
        let entries = glob::glob_with(&full, options)
            .map_err(|_| GitError::InvalidPattern(pattern.clone()))?;
        // Unreadable entries are skipped: copy-files is a convenience and must
        // not fail the attempt over one odd directory.
        for source in entries.flatten() {
            let Ok(real) = source.canonicalize() else {
                continue;
            };
            if !real.starts_with(&repo) || real.starts_with(repo.join(".git")) || !real.is_file() {
                continue;
            }
            let Ok(relative) = source.strip_prefix(&repo) else {
                continue;
            };
            let dest = worktree.join(relative);
            if dest.symlink_metadata().is_ok() {
                continue;
            }
            let Some(parent) = dest.parent() else {
                continue;
            };
            std::fs::create_dir_all(parent).map_err(io("could not create", parent))?;
            // A tracked symlinked directory in the worktree could point anywhere.
            let parent_real = parent
                .canonicalize()
                .map_err(io("could not resolve", parent))?;
            if !parent_real.starts_with(&worktree) {
                continue;
            }
            std::fs::copy(&real, &dest).map_err(io("could not copy to", &dest))?;
            copied.push(relative.to_path_buf());
        }
    }
    Ok(copied)
}

#[cfg(test)]
#[path = "worktree_tests.rs"]
mod tests;
