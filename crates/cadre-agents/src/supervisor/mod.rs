//! Process supervision: runs an agent so that it survives a crash or restart of the
//! cadre server.
//!
//! The server never parents an agent directly. [`launch`] writes the [`RunSpec`] into
//! a run directory and starts a small *shim* (`cadre __supervise RUN_DIR`, which calls
//! [`run_shim`]). The shim leaves the server's session (`setsid`), starts the agent in
//! its own process group with stdout/stderr appended straight to `stdout.log` /
//! `stderr.log`, and records `started.json` ([`StartedRecord`]) and, when the agent
//! ends, `exit.json` ([`ExitRecord`]). Everything the server needs afterwards is on
//! disk or a pid away:
//!
//! * tail the logs by offset (see [`crate::LineSplitter`]);
//! * [`read_exit`] tells whether the agent ended and how;
//! * [`group_alive`] on the recorded pgid tells whether it still runs, for a run
//!   adopted after a restart;
//! * [`stop_group`] ends it (SIGTERM, then SIGKILL after a grace period).
//!
//! If the shim itself is killed, the agent keeps running and writing its logs, but no
//! `exit.json` will ever appear: settle such a run from the group's disappearance
//! (`started.json` present, `exit.json` absent, `group_alive(pgid)` false), with an
//! unknown exit status.
//!
//! After a reboot every recorded pid is stale and may have been reused by an unrelated
//! process: compare `started_at` with the boot time before trusting `is_alive` or
//! signalling a recorded group.

mod error;
mod files;
mod shim;
mod signal;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub use error::SupervisorError;
pub use files::{
    ExitRecord, RunDir, RunSpec, StartedRecord, current_boot_id, read_exit, read_started,
};
pub use shim::{run_shim, run_shim_attached};
pub use signal::{StopOutcome, group_alive, is_alive, stop_group};

/// How often [`launch`] checks for the shim's records.
const LAUNCH_POLL: Duration = Duration::from_millis(10);

/// How to start the shim: the program (the cadre binary, `std::env::current_exe()`)
/// and the arguments before `RUN_DIR` (`["__supervise"]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShimCommand {
    /// The shim program.
    pub program: PathBuf,
    /// Arguments placed before the run directory.
    pub args: Vec<String>,
}

/// What [`launch`] observed.
#[derive(Debug, Clone, PartialEq)]
pub enum Launched {
    /// The agent runs.
    Running(StartedRecord),
    /// The agent could not start (`error` set) or ended before `launch` returned.
    Ended(ExitRecord),
}

/// Creates the run directory (and empty `stdout.log` / `stderr.log`), writes
/// `spec.json`, starts `program args... RUN_DIR` with stdin, stdout and stderr on
/// `/dev/null`, and waits (polling, up to `wait`; 10 s is a good value) until
/// `started.json` or `exit.json` appears.
///
/// Returns the started record, or the exit record if the agent could not start or ended
/// that quickly. The shim is reaped by a background thread so it never lingers as a
/// zombie of the server. Blocks the calling thread: call it from `spawn_blocking` in
/// async code.
///
/// Fails with [`SupervisorError::RunDirInUse`] if the directory already holds a run's
/// records, with [`SupervisorError::ShimExited`] if the shim exits without reporting
/// (wrong shim command), and with [`SupervisorError::Timeout`] after `wait`.
pub fn launch(
    shim: &ShimCommand,
    run_dir: &RunDir,
    spec: &RunSpec,
    wait: Duration,
) -> Result<Launched, SupervisorError> {
    prepare(run_dir, spec)?;
    let mut child = Command::new(&shim.program)
        .args(&shim.args)
        .arg(run_dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|source| SupervisorError::Spawn {
            program: shim.program.clone(),
            source,
        })?;
    let (exited_tx, exited_rx) = mpsc::channel();
    // The shim outlives `launch` (it lives as long as the agent); this thread waits
    // for it so it is reaped whenever it ends, and tells the loop below if that is
    // before it reported anything.
    std::thread::Builder::new()
        .name("cadre-shim-reaper".into())
        .spawn(move || {
            let status = child.wait();
            let _ = exited_tx.send(status);
        })
        .map_err(|source| SupervisorError::Io {
            action: "start a thread to reap the supervisor of",
            path: run_dir.path().to_owned(),
            source,
        })?;
    let deadline = Instant::now() + wait;
    loop {
        // The exit record first: if both exist the agent has already ended.
        if let Some(exit) = read_exit(run_dir)? {
            return Ok(Launched::Ended(exit));
        }
        if let Some(started) = read_started(run_dir)? {
            return Ok(Launched::Running(started));
        }
        if let Ok(status) = exited_rx.try_recv() {
            // The shim may have written its record just before exiting.
            if let Some(exit) = read_exit(run_dir)? {
                return Ok(Launched::Ended(exit));
            }
            if let Some(started) = read_started(run_dir)? {
                return Ok(Launched::Running(started));
            }
            return Err(SupervisorError::ShimExited {
                path: run_dir.path().to_owned(),
                status: match status {
                    Ok(status) => status.to_string(),
                    Err(err) => format!("status unknown: {err}"),
                },
            });
        }
        if Instant::now() >= deadline {
            return Err(SupervisorError::Timeout {
                path: run_dir.path().to_owned(),
                waited: wait,
            });
        }
        std::thread::sleep(LAUNCH_POLL);
    }
}

/// Creates the directory, the empty logs and `spec.json`; refuses a used directory.
fn prepare(run_dir: &RunDir, spec: &RunSpec) -> Result<(), SupervisorError> {
    std::fs::create_dir_all(run_dir.path()).map_err(|source| SupervisorError::Io {
        action: "create",
        path: run_dir.path().to_owned(),
        source,
    })?;
    if run_dir.started().exists() || run_dir.exit().exists() {
        return Err(SupervisorError::RunDirInUse {
            path: run_dir.path().to_owned(),
        });
    }
    // Created here (not only by the shim) so the server can start tailing at once.
    files::open_log(&run_dir.stdout())?;
    files::open_log(&run_dir.stderr())?;
    files::write_json_atomic(&run_dir.spec(), spec)
}
