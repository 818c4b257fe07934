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
mod error;
mod goals;
mod hub;
mod profiles;
mod projects;
mod review;
mod runtime;
pub mod secrets;
mod tasks;

use std::path::PathBuf;
use std::sync::Arc;

use cadre_git::Git;
use cadre_store::{Committed, Store};
use tokio::sync::Mutex;

pub use access::{ATTEMPT_TOKEN_ENV, ATTEMPT_TOKEN_PREFIX, AttemptGrant, Resource, SERVER_URL_ENV};
pub use attachments::{FollowUp, StoredAttachment};
pub use attempts::{AttemptDetail, StartAttempt, task_prompt};
pub use cadre_store::LogPage;
pub use error::{AppError, Result};
pub use goals::GoalFilter;
pub use hub::{EventHub, Subscription, SubscriptionError};
pub use projects::AddProject;
pub use review::{AddComment, ReviewSent};
pub use runtime::{LogBatch, RuntimeConfig};
pub use tasks::{AddTask, MoveTask, TaskQuery};

/// Where cadre keeps its state.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// The data directory: database, agent output, worktrees.
    pub data_dir: PathBuf,
    /// How agents are run.
    pub runtime: RuntimeConfig,
}

/// The application: every use case hangs off this.
#[derive(Debug)]
pub struct App {
    store: Store,
    git: Git,
    hub: EventHub,
    config: AppConfig,
    runtime: runtime::Runtime,
    /// Serializes writes with their publication; see the crate docs.
    write_lock: Mutex<()>,
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
        Ok(Arc::new(Self::new(store, Git::new(), config)))
    }

    /// Builds an app from parts (tests pass their own store and runtime settings).
    pub fn new(store: Store, git: Git, config: AppConfig) -> Self {
        Self {
            store,
            git,
            hub: EventHub::new(hub::DEFAULT_CAPACITY),
            runtime: runtime::Runtime::new(config.runtime.clone()),
            config,
            write_lock: Mutex::new(()),
            server_url: std::sync::OnceLock::new(),
        }
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
        let committed = op(self.store.clone()).await?;
        for event in committed.events {
            self.hub.publish(event);
        }
        Ok(committed.value)
    }
}

/// The current time; one place so that tests could pin it.
fn now() -> cadre_core::Timestamp {
    chrono::Utc::now()
}
