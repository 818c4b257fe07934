//! [`SupervisorError`]: everything that can go wrong while launching, reading or
//! signalling a supervised run.

use std::path::PathBuf;
use std::time::Duration;

/// Why a supervisor operation failed. Messages name the file or process involved.
#[derive(Debug, thiserror::Error)]
pub enum SupervisorError {
    /// A file-system operation on the run directory failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done, as a verb phrase ("create", "read", "write").
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The shim process itself could not be started.
    #[error("cannot start the run supervisor `{}`: {source}", program.display())]
    Spawn {
        /// The shim program (normally the cadre binary).
        program: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The shim did not report within the allowed time.
    #[error(
        "the run supervisor did not report within {waited:?}: neither started.json nor exit.json appeared in {}",
        path.display()
    )]
    Timeout {
        /// The run directory.
        path: PathBuf,
        /// How long [`crate::supervisor::launch`] waited.
        waited: Duration,
    },
    /// The shim exited without writing started.json or exit.json (it crashed, or the
    /// shim command is wrong).
    #[error(
        "the run supervisor for {} exited ({status}) before reporting; is the shim command right?",
        path.display()
    )]
    ShimExited {
        /// The run directory.
        path: PathBuf,
        /// The shim's exit status, as displayed by std.
        status: String,
    },
    /// A record file exists but is not what the shim writes.
    #[error("{} is corrupt: {message}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A value could not be encoded as JSON (e.g. a working directory that is not
    /// UTF-8).
    #[error("cannot encode {}: {message}", path.display())]
    Encode {
        /// The file it was meant for.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The run directory already holds a run (started.json or exit.json exists): each
    /// launch needs a fresh directory so its records cannot be mistaken for an old run's.
    #[error("run directory {} was already used; launch each run in a new directory", path.display())]
    RunDirInUse {
        /// The run directory.
        path: PathBuf,
    },
    /// The process group id cannot belong to an agent (0, 1, negative, or cadre's own
    /// group); signalling it would hit unrelated processes.
    #[error("refusing to signal process group {pgid}: it is not an agent's group")]
    InvalidGroup {
        /// The refused id.
        pgid: i32,
    },
    /// Sending a signal failed for another reason than the group being gone (e.g. the
    /// group belongs to another user).
    #[error("cannot signal process group {pgid}: {source}")]
    Signal {
        /// The process group.
        pgid: i32,
        /// The underlying error.
        source: std::io::Error,
    },
}
