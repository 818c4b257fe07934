//! Live diff refresh: while an agent runs, a filesystem watcher on its worktree
//! emits `attempt.diff.changed` (debounced), so a diff view reloads only when
//! files really changed instead of polling git.
//!
//! The watcher only signals; nothing is queued per file event, so a burst of
//! thousands of writes (an `npm install`) costs one event per quiet period.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use cadre_core::{Attempt, EventKind};
use notify::{EventKind as FsEventKind, RecursiveMode, Watcher};
use serde_json::json;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::App;

/// Quiet time after the last change before `attempt.diff.changed` is sent.
const DEBOUNCE: Duration = Duration::from_millis(750);

/// Stops the watch when dropped.
pub(crate) struct WatchGuard(JoinHandle<()>);

impl Drop for WatchGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Whether a changed path is worth a diff refresh: git's own bookkeeping under
/// `.git` changes on every `git status` and would make the view refresh itself.
fn relevant(root: &Path, path: &Path) -> bool {
    let rel = path.strip_prefix(root).unwrap_or(path);
    !rel.components().any(|c| c.as_os_str() == ".git")
}

impl App {
    /// Watches `attempt`'s worktree until the guard is dropped. `None` when the
    /// attempt has no worktree or the platform refuses a watcher (the diff view
    /// then simply refreshes when the run ends).
    pub(crate) fn watch_worktree(self: &Arc<Self>, attempt: &Attempt) -> Option<WatchGuard> {
        let root: PathBuf = attempt.worktree_path.clone()?;
        let changed = Arc::new(Notify::new());
        let signal = changed.clone();
        let filter_root = root.clone();
        let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
            let Ok(event) = res else { return };
            if matches!(event.kind, FsEventKind::Access(_)) {
                return;
            }
            if event.paths.iter().any(|p| relevant(&filter_root, p)) {
                signal.notify_one();
            }
        })
        .map_err(|e| tracing::warn!(error = %e, "no filesystem watcher; live diff is off"))
        .ok()?;
        if let Err(e) = watcher.watch(&root, RecursiveMode::Recursive) {
            tracing::warn!(path = %root.display(), error = %e, "cannot watch the worktree");
            return None;
        }
        let app = Arc::downgrade(self);
        let attempt = attempt.clone();
        let task = tokio::spawn(async move {
            // Owned by the task so the watch lives exactly as long as it.
            let _watcher = watcher;
            loop {
                changed.notified().await;
                // Debounce: wait until a quiet period passes without changes.
                while tokio::time::timeout(DEBOUNCE, changed.notified())
                    .await
                    .is_ok()
                {}
                let Some(app) = app.upgrade() else { return };
                if let Err(e) = app
                    .record_attempt_event(&attempt, EventKind::AttemptDiffChanged, json!({}))
                    .await
                {
                    tracing::warn!(attempt = %attempt.id, error = %e, "cannot record a diff change");
                }
            }
        });
        Some(WatchGuard(task))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_inside_dot_git_do_not_refresh_the_diff() {
        let root = Path::new("/w/WEB/1a2b-fix");
        assert!(relevant(root, &root.join("src/main.rs")));
        assert!(!relevant(root, &root.join(".git/index.lock")));
        assert!(relevant(root, &root.join(".github/workflows/ci.yml")));
    }
}
