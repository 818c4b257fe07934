//! Use cases and the event hub of cadre. Knows nothing of HTTP or the CLI.
//!
//! [`App`] is the one object the web face and the binary talk to. Each use case
//! validates its input, calls the store (one transaction per change), and
//! publishes the events the store recorded to the [`EventHub`]. Publishing happens
//! under a write lock held across the store call, so live subscribers see events
//! in exactly the `seq` order in which they were committed.

#![warn(clippy::unwrap_used)]

mod access;
mod agents;
mod attachments;
mod attempts;
mod editor;
mod error;
mod finish;
mod git_actions;
mod goals;
mod hub;
mod overview;
mod preview;
mod profiles;
mod projects;
mod prompt;
mod review;
mod runtime;
pub mod secrets;
mod tasks;
mod watch;
mod worktrees;

use std::path::PathBuf;
use std::sync::Arc;

use cadre_git::{Git, WorktreeManager};
use cadre_store::{Committed, Store};
use tokio::sync::Mutex;

pub use access::{ATTEMPT_TOKEN_ENV, ATTEMPT_TOKEN_PREFIX, AttemptGrant, Resource, SERVER_URL_ENV};
pub use attachments::{FollowUp, StoredAttachment};
pub use attempts::{AttemptDetail, StartAttempt};
pub use cadre_store::{LogPage, PendingFollowup, TaskPage, UsageTotals};
pub use editor::{EditorLaunch, editor_command};
pub use git_actions::{AttemptDiff, MergeInput, PrOutcome, RebaseResult};
pub use preview::PreviewStatus;
pub use prompt::task_prompt;
/// Git types that appear in use-case results (diffs, merge strategies, errors);
/// re-exported so the faces need no dependency on the git crate.
pub mod git {
    pub use cadre_git::{
        DiffLine, FileDiff, FileStatus, GitError, Hunk, LineKind, MergeStrategy, Refusal,
        WorktreeDiff,
    };
}
pub use error::{AppError, Result};
pub use goals::GoalFilter;
pub use hub::{EventHub, Subscription, SubscriptionError};
pub use projects::AddProject;
pub use review::{AddComment, ReviewSent};
pub use runtime::{LogBatch, RuntimeConfig};
pub use tasks::{AddTask, MAX_TASK_PAGE, MoveTask, TaskQuery};

/// Where cadre keeps its state.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// The data directory: database, agent output, worktrees.
    pub data_dir: PathBuf,
    /// How agents are run.
    pub runtime: RuntimeConfig,
    /// Root of attempt worktrees; `<data dir>/worktrees` by default. Never a temp
    /// dir that the OS cleans: uncommitted agent work lives here.
    pub worktree_root: PathBuf,
    /// First path component of attempt branches (`cadre/WEB-12-...`).
    pub branch_prefix: String,
    /// How often open pull requests are polled.
    pub pr_poll_interval: std::time::Duration,
}

impl AppConfig {
    /// Defaults for a data dir: worktrees inside it, `cadre/` branches, PRs polled
    /// every 60 s.
    pub fn new(data_dir: PathBuf, runtime: RuntimeConfig) -> Self {
        Self {
            worktree_root: data_dir.join("worktrees"),
            data_dir,
            runtime,
            branch_prefix: cadre_git::DEFAULT_BRANCH_PREFIX.to_owned(),
            pr_poll_interval: std::time::Duration::from_secs(60),
        }
    }
}

/// The application: every use case hangs off this.
#[derive(Debug)]
pub struct App {
    store: Store,
    git: Git,
    worktrees: WorktreeManager,
    hub: EventHub,
    config: AppConfig,
    runtime: runtime::Runtime,
    /// Serializes writes with their publication; see the crate docs.
    write_lock: Mutex<()>,
    /// Counts finished writes; see [`App::data_version`].
    data_version: std::sync::atomic::AtomicU64,
    /// The URL agents call back on; set once the server is bound.
    server_url: std::sync::OnceLock<String>,
}

impl App {
    /// Opens the database in `config.data_dir` (creating both if needed).
    pub async fn open(config: AppConfig) -> Result<Arc<Self>> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            AppError::internal(format!(
                "cannot create data directory {}: {e}",
                config.data_dir.display()
            ))
        })?;
        let store = Store::open(&config.data_dir.join("cadre.db")).await?;
        Ok(Arc::new(Self::new(store, Git::new(), config)?))
    }

    /// Builds an app from parts (tests pass their own store and runtime settings).
    /// Fails when the worktree root cannot be created.
    pub fn new(store: Store, git: Git, config: AppConfig) -> Result<Self> {
        let worktrees = WorktreeManager::new(git.clone(), &config.worktree_root)?;
        Ok(Self {
            store,
            git,
            worktrees,
            hub: EventHub::new(hub::DEFAULT_CAPACITY),
            runtime: runtime::Runtime::new(config.runtime.clone()),
            config,
            write_lock: Mutex::new(()),
            data_version: std::sync::atomic::AtomicU64::new(0),
            server_url: std::sync::OnceLock::new(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &AppConfig {
        &self.config
    }

    /// The live event hub.
    pub fn hub(&self) -> &EventHub {
        &self.hub
    }

    /// Flushes and closes the database.
    pub async fn shutdown(&self) {
        self.store.close().await;
    }

    /// Runs one store write and publishes its events, in commit order.
    async fn write<T, F, Fut>(&self, op: F) -> Result<T>
    where
        F: FnOnce(Store) -> Fut,
        Fut: std::future::Future<Output = cadre_store::Result<Committed<T>>>,
    {
        let _guard = self.write_lock.lock().await;
        let committed = op(self.store.clone()).await;
        self.bump_version();
        let committed = committed?;
        for event in committed.events {
            self.hub.publish(event);
        }
        Ok(committed.value)
    }

    /// A number that changes after every write through this app, before the
    /// write's caller gets its answer. Equal numbers mean no write finished in
    /// between, so an answer computed from the store at one version may be served
    /// again while the version stays the same.
    pub fn data_version(&self) -> u64 {
        self.data_version.load(std::sync::atomic::Ordering::Acquire)
    }

    fn bump_version(&self) {
        self.data_version
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }
}

impl App {
    /// Runs one store write that records no event (process rows, the follow-up
    /// queue) under the same lock as [`App::write`]. Every write must take it:
    /// SQLite refuses, without waiting, a transaction that read before another
    /// connection committed and then writes (`SQLITE_BUSY_SNAPSHOT`), so writes
    /// racing outside the lock fail at random.
    async fn write_quiet<T, F, Fut>(&self, op: F) -> Result<T>
    where
        F: FnOnce(Store) -> Fut,
        Fut: std::future::Future<Output = cadre_store::Result<T>>,
    {
        let _guard = self.write_lock.lock().await;
        let written = op(self.store.clone()).await;
        self.bump_version();
        Ok(written?)
    }
}

/// The current time; one place so that tests could pin it.
fn now() -> cadre_core::Timestamp {
    chrono::Utc::now()
}
