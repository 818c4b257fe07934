//! The agent runtime: launching agent processes through the detached supervisor,
//! tailing their output into the log, and settling attempts when they end.
//!
//! Agents run detached from the server (see `cadre_agents::supervisor`): their
//! output goes to files, and an ingest task per running process tails those files
//! from the offsets stored with the entries. Because offsets and entries commit in
//! one transaction, a restarted server resumes every running process exactly where
//! the previous one stopped, and a process that ended meanwhile is drained and
//! settled from its exit record. Nothing about a run lives only in memory.

mod ingest;
mod launch;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cadre_agents::supervisor::ShimCommand;
use cadre_core::{AttemptId, LogEntry};
use tokio::sync::{broadcast, watch};

pub(crate) use launch::{LaunchOutcome, ProcessRequest};

/// Settings of the runtime.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// How to start the supervising shim (normally `cadre __supervise`).
    pub shim: ShimCommand,
    /// Environment used to find agent binaries (`PATH`, `CADRE_<AGENT>_BIN`).
    pub env: HashMap<String, String>,
    /// Grace between SIGTERM and SIGKILL when stopping.
    pub stop_grace: Duration,
    /// No output for this long marks the attempt failed as stalled.
    pub idle_timeout: Duration,
    /// How often the ingester looks at the output files when nothing is new.
    pub poll_interval: Duration,
    /// Delay before the first automatic retry; doubles after each.
    pub retry_base_delay: Duration,
    /// Automatic retries of transient failures.
    pub max_retries: u32,
}

impl RuntimeConfig {
    /// Defaults for a shim started as `program __supervise RUN_DIR`.
    pub fn new(shim_program: PathBuf) -> Self {
        Self {
            shim: ShimCommand {
                program: shim_program,
                args: vec!["__supervise".to_owned()],
            },
            env: std::env::vars().collect(),
            stop_grace: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30 * 60),
            poll_interval: Duration::from_millis(50),
            retry_base_delay: Duration::from_secs(5),
            max_retries: 2,
        }
    }
}

/// A batch of log entries just persisted for one attempt.
#[derive(Debug, Clone)]
pub struct LogBatch {
    /// The attempt.
    pub attempt_id: AttemptId,
    /// The entries, in seq order.
    pub entries: Vec<LogEntry>,
}

/// Live state of the runtime: stop switches of running ingesters and the log fan-out.
#[derive(Debug)]
pub(crate) struct Runtime {
    pub(crate) config: RuntimeConfig,
    /// Per attempt being ingested: set to `true` to ask for a stop.
    stops: Mutex<HashMap<AttemptId, watch::Sender<bool>>>,
    logs: broadcast::Sender<Arc<LogBatch>>,
}

/// Log batches kept for slow subscribers before they must resync.
const LOG_CAPACITY: usize = 256;

impl Runtime {
    pub(crate) fn new(config: RuntimeConfig) -> Self {
        let (logs, _) = broadcast::channel(LOG_CAPACITY);
        Self {
            config,
            stops: Mutex::new(HashMap::new()),
            logs,
        }
    }

    /// Registers an ingester for `attempt`; returns its stop receiver, or `None`
    /// when one is already running (each attempt has at most one live process).
    fn register(&self, attempt: AttemptId) -> Option<watch::Receiver<bool>> {
        let mut stops = self.stops.lock().unwrap_or_else(|e| e.into_inner());
        if stops.contains_key(&attempt) {
            return None;
        }
        let (tx, rx) = watch::channel(false);
        stops.insert(attempt, tx);
        Some(rx)
    }

    fn unregister(&self, attempt: AttemptId) {
        self.stops
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&attempt);
    }

    /// Asks the ingester of `attempt` to stop its process; false if none runs.
    pub(crate) fn request_stop(&self, attempt: AttemptId) -> bool {
        let stops = self.stops.lock().unwrap_or_else(|e| e.into_inner());
        match stops.get(&attempt) {
            Some(tx) => tx.send(true).is_ok(),
            None => false,
        }
    }

    /// Whether an ingester runs for `attempt`.
    pub(crate) fn is_active(&self, attempt: AttemptId) -> bool {
        self.stops
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(&attempt)
    }

    pub(crate) fn publish(&self, batch: LogBatch) {
        let _ = self.logs.send(Arc::new(batch));
    }

    /// Subscribes to every attempt's log batches.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Arc<LogBatch>> {
        self.logs.subscribe()
    }
}
