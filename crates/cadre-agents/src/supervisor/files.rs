//! The run directory: its file names, the records the shim writes there, and atomic
//! writes and tolerant reads of those records.
//!
//! The files are the only channel between the server and a shim, and they outlive
//! both, so every record is written to a temporary file in the same directory and
//! renamed into place: a reader sees either no file or a whole one, even if the writer
//! dies midway.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::SupervisorError;
use crate::command::CommandSpec;

const SPEC: &str = "spec.json";
const STDOUT: &str = "stdout.log";
const STDERR: &str = "stderr.log";
const STARTED: &str = "started.json";
const EXIT: &str = "exit.json";

/// What to run, written to `RUN_DIR/spec.json` for the shim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSpec {
    /// The agent invocation.
    pub command: CommandSpec,
    /// Working directory of the agent (the task's worktree).
    pub cwd: PathBuf,
}

/// Paths inside one run directory: `spec.json`, `stdout.log`, `stderr.log`,
/// `started.json`, `exit.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunDir {
    path: PathBuf,
}

impl RunDir {
    /// A run directory at `path` (nothing is created until
    /// [`launch`](crate::supervisor::launch)).
    pub fn new(path: PathBuf) -> Self {
        Self { path }
    }

    /// The directory itself.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The agent's stdout, appended to by the agent itself.
    pub fn stdout(&self) -> PathBuf {
        self.path.join(STDOUT)
    }

    /// The agent's stderr, appended to by the agent itself.
    pub fn stderr(&self) -> PathBuf {
        self.path.join(STDERR)
    }

    /// The [`RunSpec`] the shim runs.
    pub fn spec(&self) -> PathBuf {
        self.path.join(SPEC)
    }

    /// The [`StartedRecord`], once the agent runs.
    pub fn started(&self) -> PathBuf {
        self.path.join(STARTED)
    }

    /// The [`ExitRecord`], once the agent ended (or could not start).
    pub fn exit(&self) -> PathBuf {
        self.path.join(EXIT)
    }
}

/// Written by the shim once the child runs.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct StartedRecord {
    /// The agent's pid.
    pub pid: i32,
    /// The agent's process group (equal to `pid`: it leads its own group). Signal
    /// this, not `pid`, so the agent's own children are reached too.
    pub pgid: i32,
    /// The shim's pid (the agent's parent).
    pub shim_pid: i32,
    /// When the agent was spawned, RFC 3339 UTC.
    pub started_at: String,
    /// The kernel's boot id when the agent started (`None` in records written
    /// before it was kept). After a reboot its pids mean other processes.
    #[serde(default)]
    pub boot_id: Option<String>,
}

impl StartedRecord {
    /// Whether the record was written during the current boot, so its pids can
    /// still name the agent. Unknown boot ids are trusted (older records).
    pub fn from_this_boot(&self) -> bool {
        match (&self.boot_id, current_boot_id()) {
            (Some(then), Some(now)) => *then == now,
            _ => true,
        }
    }
}

/// The kernel's id of the current boot (Linux), e.g. to tell whether a recorded
/// pid can still be the process it was.
pub fn current_boot_id() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// Written by the shim when the child ends, or when it could not be started.
///
/// When the child ran, exactly one of `exit_code` and `signal` is set; when it could
/// not start, only `error` is.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct ExitRecord {
    /// The exit code, if the child exited normally.
    pub exit_code: Option<i32>,
    /// The signal number, if a signal ended the child.
    pub signal: Option<i32>,
    /// Why the child could not be started (names the program).
    pub error: Option<String>,
    /// When the child ended (or failed to start), RFC 3339 UTC.
    pub finished_at: String,
}

/// The current time as the records store it.
pub(crate) fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Reads the started record, `None` while the agent has not started yet.
pub fn read_started(run_dir: &RunDir) -> Result<Option<StartedRecord>, SupervisorError> {
    read_json(&run_dir.started())
}

/// Reads the exit record, `None` while the agent runs (or if its shim was killed
/// before the agent ended: then it never appears).
pub fn read_exit(run_dir: &RunDir) -> Result<Option<ExitRecord>, SupervisorError> {
    read_json(&run_dir.exit())
}

/// Reads the run spec, `None` if it was never written.
pub(crate) fn read_spec(run_dir: &RunDir) -> Result<Option<RunSpec>, SupervisorError> {
    read_json(&run_dir.spec())
}

fn read_json<T: DeserializeOwned>(path: &Path) -> Result<Option<T>, SupervisorError> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(SupervisorError::Io {
                action: "read",
                path: path.to_owned(),
                source,
            });
        }
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|err| SupervisorError::Corrupt {
            path: path.to_owned(),
            message: err.to_string(),
        })
}

/// Writes `value` as JSON to `path` atomically: a temporary file in the same directory
/// (so the rename cannot cross file systems), flushed to disk, then renamed over
/// `path`. The file is private to the user (mode 0600) because the spec carries the
/// agent's environment, which may hold API keys.
pub(crate) fn write_json_atomic<T: Serialize>(
    path: &Path,
    value: &T,
) -> Result<(), SupervisorError> {
    let json = serde_json::to_vec_pretty(value).map_err(|err| SupervisorError::Encode {
        path: path.to_owned(),
        message: err.to_string(),
    })?;
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // The pid keeps concurrent writers (a relaunched shim) from sharing a temp file;
    // the leading dot keeps it out of anyone's way.
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let io = |action: &'static str, p: &Path| {
        let p = p.to_owned();
        move |source| SupervisorError::Io {
            action,
            path: p,
            source,
        }
    };
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(io("create", &tmp))?;
    file.write_all(&json).map_err(io("write", &tmp))?;
    file.sync_all().map_err(io("flush", &tmp))?;
    drop(file);
    fs::rename(&tmp, path).map_err(|source| {
        let _ = fs::remove_file(&tmp);
        SupervisorError::Io {
            action: "rename a temporary file to",
            path: path.to_owned(),
            source,
        }
    })?;
    // Persist the rename itself; best effort, as some file systems refuse to sync a
    // directory and the record is already visible to readers.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Opens (creating if needed) a log file for appending: the agent writes it directly.
pub(crate) fn open_log(path: &Path) -> Result<fs::File, SupervisorError> {
    OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map_err(|source| SupervisorError::Io {
            action: "open",
            path: path.to_owned(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn atomic_write_replaces_the_whole_file_privately_and_leaves_no_temp_file() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("exit.json");
        fs::write(
            &path,
            "a much longer previous content that must not survive",
        )
        .expect("seed");
        write_json_atomic(&path, &serde_json::json!({"a": 1})).expect("write");
        let text = fs::read_to_string(&path).expect("read");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).expect("whole JSON"),
            serde_json::json!({"a": 1})
        );
        let mode = fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let names: Vec<_> = fs::read_dir(tmp.path())
            .expect("list")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, ["exit.json"]);
    }

    #[test]
    fn a_start_record_from_another_boot_is_not_trusted_and_old_records_still_parse() {
        let now = current_boot_id().expect("linux has a boot id");
        let record = |boot_id: Option<&str>| StartedRecord {
            pid: 42,
            pgid: 42,
            shim_pid: 41,
            started_at: "2026-11-21T00:00:00Z".into(),
            boot_id: boot_id.map(str::to_owned),
        };
        assert!(record(Some(&now)).from_this_boot());
        assert!(!record(Some("00000000-0000-0000-0000-000000000000")).from_this_boot());
        assert!(
            record(None).from_this_boot(),
            "records without a boot id are trusted"
        );
        let old: StartedRecord = serde_json::from_str(
            r#"{"pid":1,"pgid":1,"shim_pid":2,"started_at":"2026-11-01T00:00:00Z"}"#,
        )
        .expect("records written before boot ids still parse");
        assert_eq!(old.boot_id, None);
    }
}
