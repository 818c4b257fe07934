//! SQLite persistence for cadre: the only crate that writes SQL.
//!
//! [`Store`] wraps a connection pool opened with WAL journaling, foreign keys on and
//! a busy timeout; the migrations in `migrations/` are embedded in the binary and
//! applied by [`Store::open`]. Every write method runs one transaction that makes
//! the change *and* appends its events to the event log, then returns both as a
//! [`Committed`]: a change is never recorded without its event, nor the reverse.
//! Domain rules that need stored data (the status table, the dependency gate, cycle
//! detection) are checked inside that same transaction, by calling `cadre-core`.
//!
//! Rows are read into private row types and converted to `cadre-core` types at the
//! boundary; nothing outside this crate sees a SQL row.

#![warn(clippy::unwrap_used)]

mod access;
mod attempts;
mod codec;
mod events;
mod goals;
mod logs;
mod profiles;
mod projects;
mod review;
mod summaries;
mod task_list;
mod tasks;

use std::path::Path;
use std::time::Duration;

use cadre_core::{DomainError, Event};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use attempts::QueuedFollowUp;
pub use logs::{LogPage, Offsets};
pub use summaries::{PendingFollowup, UsageTotals};
pub use task_list::{TaskFilter, TaskPage};

/// A failure in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The entity does not exist.
    #[error("{entity} `{id}` not found")]
    NotFound {
        /// What kind of thing, e.g. `task`.
        entity: &'static str,
        /// How the caller named it.
        id: String,
    },
    /// A uniqueness rule was broken, e.g. a duplicate project key.
    #[error("{0}")]
    Conflict(String),
    /// A domain rule refused the change.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// A stored value could not be decoded: the database was edited by hand or is
    /// from a newer cadre.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    pub(crate) fn not_found(entity: &'static str, id: impl ToString) -> Self {
        StoreError::NotFound {
            entity,
            id: id.to_string(),
        }
    }
}

impl From<cadre_core::ValidationError> for StoreError {
    fn from(e: cadre_core::ValidationError) -> Self {
        StoreError::Domain(e.into())
    }
}

impl From<cadre_core::TransitionError> for StoreError {
    fn from(e: cadre_core::TransitionError) -> Self {
        StoreError::Domain(e.into())
    }
}

/// Result alias for the store.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The outcome of a write: the changed value and the events appended with it.
#[derive(Debug, Clone)]
pub struct Committed<T> {
    /// The value after the change.
    pub value: T,
    /// The events recorded in the same transaction, in seq order.
    pub events: Vec<Event>,
}

/// Handle to the database. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and applies migrations.
    pub async fn open(path: &Path) -> Result<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL is durable across application crashes in WAL mode; only an OS
            // crash can lose the last transactions, which is the usual trade-off.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .idle_timeout(Some(Duration::from_secs(600)))
            .max_lifetime(Some(Duration::from_secs(3600)))
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Self { pool })
    }

    /// Closes every connection, waiting for writes in flight.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
