//! The shim: the small process between the server and an agent (`cadre __supervise
//! RUN_DIR`). It detaches, starts the agent from `spec.json`, records its start and its
//! end, and nothing else — the server reads the records and the logs from disk.

use std::io::Write;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use super::files::{RunDir, RunSpec, now_rfc3339, open_log, read_spec, write_json_atomic};
use super::{ExitRecord, StartedRecord};
use crate::command::StdinMode;

/// Shim exit code when the agent could not be started (as a shell reports a command
/// it cannot run).
const EXIT_NOT_STARTED: i32 = 127;
/// Shim exit code when even the exit record could not be written.
const EXIT_NO_RECORD: i32 = 125;

/// The shim's whole life; `cadre __supervise RUN_DIR` calls this and exits with the
/// returned code (the agent's exit code, 128 + signal if a signal ended it, 127 if it
/// could not start, 125 if a record could not be written).
///
/// First calls `setsid()`, so the shim and the agent leave the server's session and
/// process group: a Ctrl-C or a signal to the server's group, or the server's death,
/// does not reach them. Then runs [`run_shim_attached`].
pub fn run_shim(run_dir: &Path) -> i32 {
    // Fails only with EPERM when this process already leads a group (it was started
    // some other way than by `launch`); it is then as detached as it will get.
    let _ = nix::unistd::setsid();
    run_shim_attached(run_dir)
}

/// [`run_shim`] without `setsid()`: the supervision work alone, for callers that must
/// keep their session (tests running it on a thread).
///
/// Reads `spec.json`; spawns the agent in its own process group in `spec.cwd` with the
/// environment applied (`env_remove` first, then `env_set` in order), stdout and stderr
/// appended directly to the log files (no pipe through the shim, so output still lands
/// if the shim dies), stdin `/dev/null` or the prompt written then closed; writes
/// `started.json`; waits; writes `exit.json`. Any failure to start the agent is
/// recorded as `exit.json` with `error` set.
pub fn run_shim_attached(run_dir: &Path) -> i32 {
    let dir = RunDir::new(run_dir.to_owned());
    let spec = match read_spec(&dir) {
        Ok(Some(spec)) => spec,
        Ok(None) => {
            let message = format!(
                "cannot start the agent: the run spec {} does not exist",
                dir.spec().display()
            );
            return record_not_started(&dir, message);
        }
        Err(err) => return record_not_started(&dir, format!("cannot start the agent: {err}")),
    };
    let child = match spawn(&dir, &spec) {
        Ok(child) => child,
        Err(message) => return record_not_started(&dir, message),
    };
    supervise(&dir, child)
}

/// Starts the agent as [`run_shim_attached`] describes; the error names the program.
fn spawn(dir: &RunDir, spec: &RunSpec) -> Result<Child, String> {
    let program = &spec.command.program;
    let cannot = |why: String| format!("cannot start `{program}`: {why}");
    // Checked up front because spawn reports a missing directory as a bare ENOENT,
    // which would read as "program not found".
    if !spec.cwd.is_dir() {
        return Err(cannot(format!(
            "working directory {} does not exist or is not a directory",
            spec.cwd.display()
        )));
    }
    let stdout = open_log(&dir.stdout()).map_err(|err| cannot(err.to_string()))?;
    let stderr = open_log(&dir.stderr()).map_err(|err| cannot(err.to_string()))?;
    let mut command = Command::new(program);
    command
        .args(&spec.command.args)
        .current_dir(&spec.cwd)
        // Its own group, so stop_group reaches the agent and everything it spawned,
        // and never the shim.
        .process_group(0)
        .stdout(stdout)
        .stderr(stderr)
        .stdin(match spec.command.stdin {
            StdinMode::Null => Stdio::null(),
            StdinMode::Prompt(_) => Stdio::piped(),
        });
    for name in &spec.command.env_remove {
        command.env_remove(name);
    }
    for (name, value) in &spec.command.env_set {
        command.env(name, value);
    }
    let mut child = command.spawn().map_err(|err| cannot(err.to_string()))?;
    if let (StdinMode::Prompt(prompt), Some(mut stdin)) = (&spec.command.stdin, child.stdin.take())
    {
        let prompt = prompt.clone();
        // A thread, because a prompt larger than the pipe buffer blocks until the
        // agent reads it, and the shim must meanwhile be free to record the start.
        // Errors are ignored: an agent that exits or closes stdin early (EPIPE) is the
        // agent's business and shows in its exit status. Dropping `stdin` sends EOF.
        let spawned = std::thread::Builder::new()
            .name("cadre-shim-stdin".into())
            .spawn(move || {
                let _ = stdin.write_all(prompt.as_bytes());
            });
        if spawned.is_err() {
            kill_group(&child);
            let _ = child.wait();
            return Err(cannot("cannot start a thread to write the prompt".into()));
        }
    }
    Ok(child)
}

/// Records the start, waits for the agent and records its end; returns the shim's
/// exit code.
fn supervise(dir: &RunDir, mut child: Child) -> i32 {
    let pid = child.id() as i32;
    let started = StartedRecord {
        pid,
        // process_group(0) makes the child the leader of a group named after it.
        pgid: pid,
        shim_pid: std::process::id() as i32,
        started_at: now_rfc3339(),
        boot_id: super::files::current_boot_id(),
    };
    if let Err(err) = write_json_atomic(&dir.started(), &started) {
        // Without started.json nobody can find or stop the agent, so it must not run
        // unsupervised.
        kill_group(&child);
        let _ = child.wait();
        return record_not_started(dir, format!("cannot record the agent's start: {err}"));
    }
    let status = match child.wait() {
        Ok(status) => status,
        Err(err) => {
            kill_group(&child);
            return record_not_started(dir, format!("cannot wait for the agent: {err}"));
        }
    };
    let record = ExitRecord {
        exit_code: status.code(),
        signal: if status.code().is_some() {
            None
        } else {
            status.signal()
        },
        error: None,
        finished_at: now_rfc3339(),
    };
    if write_json_atomic(&dir.exit(), &record).is_err() {
        return EXIT_NO_RECORD;
    }
    match (record.exit_code, record.signal) {
        (Some(code), _) => code,
        (None, Some(signal)) => 128 + signal,
        (None, None) => EXIT_NO_RECORD,
    }
}

/// SIGKILLs the agent's whole group; it may already be gone.
fn kill_group(child: &Child) {
    let _ = killpg(Pid::from_raw(child.id() as i32), Signal::SIGKILL);
}

/// Writes exit.json with `error`, for an agent that never ran.
fn record_not_started(dir: &RunDir, error: String) -> i32 {
    let record = ExitRecord {
        exit_code: None,
        signal: None,
        error: Some(error),
        finished_at: now_rfc3339(),
    };
    match write_json_atomic(&dir.exit(), &record) {
        Ok(()) => EXIT_NOT_STARTED,
        Err(_) => EXIT_NO_RECORD,
    }
}
