//! Preview processes: the project's dev script (`npm run dev`, `cargo run`, ...)
//! run per attempt as a supervised `dev` process with a free port in `PORT` and
//! its own log (its output files, not the agent's conversation).
//!
//! Like agents, previews run detached and survive a server restart; their state
//! is read from the process record and the supervisor's files on demand, so
//! nothing about them lives only in memory. A preview is stopped before its
//! worktree is removed.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use cadre_agents::supervisor::{self, RunDir};
use cadre_core::{AttemptId, EventKind, ExecutionProcess, ProcessKind, ProcessStatus};
use serde_json::json;

use crate::runtime::LaunchOutcome;
use crate::{App, AppError, Result, now};

/// Bytes of each output file shown as the preview's log.
const LOG_TAIL: u64 = 16 * 1024;

/// Where an attempt's preview stands.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewStatus {
    /// A preview process is running.
    pub running: bool,
    /// The port it was given in `PORT`.
    pub port: Option<u16>,
    /// Its latest process, if one ever ran.
    pub process: Option<ExecutionProcess>,
    /// The end of its stdout and stderr.
    pub log_tail: String,
}

impl App {
    /// Starts the project's dev script in the attempt's worktree. 409 when one
    /// already runs or the worktree is gone; 422 when the project has no dev
    /// script.
    pub async fn start_preview(&self, attempt: AttemptId) -> Result<PreviewStatus> {
        let current = self.store.attempt(attempt).await?;
        Self::require_worktree(&current)?;
        let project = self.store.project(current.project_id).await?;
        let Some(script) = project.dev_script.clone() else {
            return Err(cadre_core::ValidationError::new(
                "dev_script",
                format!(
                    "project {} has no dev script: set one (e.g. `npm run dev`) in its settings",
                    project.key
                ),
            )
            .into());
        };
        if self.preview_status(attempt).await?.running {
            return Err(AppError::Conflict(format!(
                "a preview already runs for attempt {attempt}: stop it first"
            )));
        }
        let port = free_port()?;
        let env = vec![("PORT".to_owned(), port.to_string())];
        match self
            .launch_script(&current, ProcessKind::Dev, &script, env)
            .await?
        {
            LaunchOutcome::NotStarted(reason) => Err(AppError::Conflict(format!(
                "the preview could not start: {reason}"
            ))),
            LaunchOutcome::Running(process) => {
                let port_file = process.run_dir.join("port");
                if let Err(e) = std::fs::write(&port_file, port.to_string()) {
                    tracing::warn!(error = %e, "cannot record the preview port");
                }
                self.record_attempt_event(
                    &current,
                    EventKind::PreviewStarted,
                    json!({ "process_id": process.id, "port": port, "command": script }),
                )
                .await?;
                self.preview_status(attempt).await
            }
        }
    }

    /// Stops the attempt's preview (SIGTERM to its group, SIGKILL after the
    /// grace period). 409 when none runs.
    pub async fn stop_preview(&self, attempt: AttemptId) -> Result<PreviewStatus> {
        let status = self.preview_status(attempt).await?;
        let Some(process) = status.process.filter(|_| status.running) else {
            return Err(AppError::Conflict(format!(
                "no preview runs for attempt {attempt}"
            )));
        };
        self.stop_dev_process(&process).await?;
        self.preview_status(attempt).await
    }

    /// Stops a running preview, logging instead of failing: used before a
    /// worktree is removed.
    pub(crate) async fn stop_preview_quietly(&self, attempt: AttemptId) {
        match self.preview_status(attempt).await {
            Ok(PreviewStatus {
                running: true,
                process: Some(process),
                ..
            }) => {
                if let Err(e) = self.stop_dev_process(&process).await {
                    tracing::warn!(%attempt, error = %e, "could not stop the preview");
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(%attempt, error = %e, "could not read the preview state"),
        }
    }

    async fn stop_dev_process(&self, process: &ExecutionProcess) -> Result<()> {
        let run = RunDir::new(process.run_dir.clone());
        let same_boot = supervisor::read_started(&run)
            .ok()
            .flatten()
            .is_none_or(|s| s.from_this_boot());
        if let Some(pgid) = process.pgid.filter(|_| same_boot) {
            supervisor::stop_group(pgid, self.runtime.config.stop_grace)
                .await
                .map_err(|e| AppError::internal(format!("stopping the preview: {e}")))?;
        }
        let exit = supervisor::read_exit(&RunDir::new(process.run_dir.clone()))
            .map_err(|e| AppError::internal(e.to_string()))?;
        let (code, signal) = exit.map(|e| (e.exit_code, e.signal)).unwrap_or_default();
        let id = process.id;
        self.write_quiet(|store| async move {
            store
                .finish_process(id, ProcessStatus::Exited, code, signal, now())
                .await
        })
        .await?;
        let attempt = self.store.attempt(process.attempt_id).await?;
        self.record_attempt_event(
            &attempt,
            EventKind::PreviewStopped,
            json!({ "process_id": process.id, "exit_code": code, "signal": signal }),
        )
        .await
    }

    /// The attempt's latest preview: whether it runs, its port and log tail. A
    /// preview found ended is recorded as such.
    pub async fn preview_status(&self, attempt: AttemptId) -> Result<PreviewStatus> {
        self.store.attempt(attempt).await?;
        let latest = self
            .store
            .processes_of_attempt(attempt)
            .await?
            .into_iter()
            .rev()
            .find(|p| p.kind == ProcessKind::Dev);
        let Some(mut process) = latest else {
            return Ok(PreviewStatus {
                running: false,
                port: None,
                process: None,
                log_tail: String::new(),
            });
        };
        let run = RunDir::new(process.run_dir.clone());
        let mut running = process.status == ProcessStatus::Running;
        if running {
            let exit =
                supervisor::read_exit(&run).map_err(|e| AppError::internal(e.to_string()))?;
            let same_boot = supervisor::read_started(&run)
                .ok()
                .flatten()
                .is_none_or(|s| s.from_this_boot());
            let alive = same_boot && process.pgid.is_some_and(supervisor::group_alive);
            if exit.is_some() || !alive {
                running = false;
                let (code, signal) = exit.map(|e| (e.exit_code, e.signal)).unwrap_or_default();
                let status = if code.is_some() || signal.is_some() {
                    ProcessStatus::Exited
                } else {
                    ProcessStatus::Lost
                };
                let id = process.id;
                self.write_quiet(|store| async move {
                    store.finish_process(id, status, code, signal, now()).await
                })
                .await?;
                process = self.store.process(process.id).await?;
            }
        }
        let port = std::fs::read_to_string(process.run_dir.join("port"))
            .ok()
            .and_then(|p| p.trim().parse().ok());
        let log_tail = [run.stdout(), run.stderr()]
            .iter()
            .map(|p| tail(p))
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        Ok(PreviewStatus {
            running,
            port,
            process: Some(process),
            log_tail,
        })
    }
}

/// A port free right now on loopback. Another process could take it before the
/// preview binds it; dev servers report that clearly, and a restart picks anew.
fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))
        .map_err(|e| AppError::internal(format!("cannot find a free port: {e}")))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| AppError::internal(format!("cannot find a free port: {e}")))
}

/// The last [`LOG_TAIL`] bytes of a file, lossily decoded; empty when missing.
fn tail(path: &Path) -> String {
    let Ok(mut file) = std::fs::File::open(path) else {
        return String::new();
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if file
        .seek(SeekFrom::Start(len.saturating_sub(LOG_TAIL)))
        .is_err()
    {
        return String::new();
    }
    let mut buf = Vec::new();
    let _ = file.read_to_end(&mut buf);
    String::from_utf8_lossy(&buf).trim_end().to_owned()
}
