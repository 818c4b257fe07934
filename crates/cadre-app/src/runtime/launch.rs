//! Turning an attempt's next turn into a running, supervised agent process.

use std::path::PathBuf;
use std::time::Duration;

use cadre_agents::supervisor::{self, Launched, RunDir, RunSpec};
use cadre_agents::{
    AgentId, CommandSpec, LaunchSpec, build_command, resolve_binary, script_command,
};
use cadre_core::{Attempt, ExecutionProcess, ProcessKind, ProcessStatus};

use crate::{App, AppError, Result, now};

/// One turn to run for an attempt.
#[derive(Debug, Clone)]
pub(crate) struct ProcessRequest {
    /// The prompt of this turn.
    pub prompt: String,
    /// Session to resume, for follow-ups and retries.
    pub resume_session: Option<String>,
}

/// A launched process, or why it never ran.
pub enum LaunchOutcome {
    /// It runs; ingest it.
    Running(ExecutionProcess),
    /// It could not start; the message says why and what to do.
    NotStarted(String),
}

/// Whether this process runs as root (Claude Code then needs `IS_SANDBOX=1`).
fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

impl App {
    /// Builds the command for `attempt`'s next turn and starts it under the supervisor.
    pub(crate) async fn launch_process(
        &self,
        attempt: &Attempt,
        request: ProcessRequest,
    ) -> Result<LaunchOutcome> {
        let agent: AgentId = attempt
            .agent
            .parse()
            .map_err(|e: cadre_agents::UnknownAgent| AppError::internal(e.to_string()))?;
        let config = &self.runtime.config;
        let profile = match &attempt.profile {
            Some(name) => Some(self.store.profile(name, Some(attempt.project_id)).await?),
            None => None,
        };
        let binary = if agent == AgentId::Command {
            None
        } else {
            match resolve_binary(agent, &config.env) {
                Some(path) => Some(path.to_string_lossy().into_owned()),
                None => {
                    return Ok(LaunchOutcome::NotStarted(format!(
                        "agent `{agent}` not found: install it or set {}",
                        agent.env_override_var()
                    )));
                }
            }
        };
        let spec = LaunchSpec {
            prompt: request.prompt,
            resume_session_id: request.resume_session,
            model: profile.as_ref().and_then(|p| p.model.clone()),
            extra_args: profile.as_ref().map(|p| p.args.clone()).unwrap_or_default(),
            env: profile.as_ref().map(|p| p.env.clone()).unwrap_or_default(),
            running_as_root: running_as_root(),
            binary,
            ..Default::default()
        };
        let command = match build_command(agent, &spec) {
            Ok(command) => command,
            Err(e) => return Ok(LaunchOutcome::NotStarted(e.to_string())),
        };
        let cwd = attempt_dir(self, attempt).await?;
        self.start_supervised(attempt, ProcessKind::Agent, command, cwd)
            .await
    }

    /// Runs a project script (setup, preview) for `attempt` under the supervisor.
    pub(crate) async fn launch_script(
        &self,
        attempt: &Attempt,
        kind: ProcessKind,
        script: &str,
        env: Vec<(String, String)>,
    ) -> Result<LaunchOutcome> {
        let cwd = attempt_dir(self, attempt).await?;
        self.start_supervised(attempt, kind, script_command(script, env), cwd)
            .await
    }

    /// Records a process, then starts `command` in `cwd` through the detached
    /// supervisor and records its pid and process group.
    async fn start_supervised(
        &self,
        attempt: &Attempt,
        kind: ProcessKind,
        command: CommandSpec,
        cwd: PathBuf,
    ) -> Result<LaunchOutcome> {
        let config = &self.runtime.config;
        let process_id = uuid::Uuid::now_v7();
        let run_dir = self
            .config
            .data_dir
            .join("runs")
            .join(attempt.id.to_string())
            .join(process_id.to_string());
        let mut argv = vec![command.program.clone()];
        argv.extend(command.args.iter().cloned());
        let process = ExecutionProcess {
            id: process_id,
            attempt_id: attempt.id,
            kind,
            argv,
            cwd: cwd.clone(),
            pid: None,
            pgid: None,
            status: ProcessStatus::Running,
            exit_code: None,
            signal: None,
            run_dir: run_dir.clone(),
            stdout_offset: 0,
            stderr_offset: 0,
            started_at: now(),
            finished_at: None,
        };
        // Recorded before launching: if the server dies right after the launch, the
        // restart still knows about this process and adopts it.
        let record = process.clone();
        self.write_quiet(|store| async move { store.create_process(&record).await })
            .await?;
        let shim = config.shim.clone();
        let run = RunDir::new(run_dir);
        let spec = RunSpec { command, cwd };
        let launched = tokio::task::spawn_blocking(move || {
            supervisor::launch(&shim, &run, &spec, Duration::from_secs(10))
        })
        .await
        .map_err(|e| AppError::internal(format!("launch task failed: {e}")))?;
        match launched {
            Ok(Launched::Running(started)) => {
                let (id, pid, pgid) = (process.id, started.pid, started.pgid);
                self.write_quiet(|store| async move { store.set_process_pid(id, pid, pgid).await })
                    .await?;
                Ok(LaunchOutcome::Running(ExecutionProcess {
                    pid: Some(started.pid),
                    pgid: Some(started.pgid),
                    ..process
                }))
            }
            // It ended at once (or could not start); the ingester reads its exit record.
            Ok(Launched::Ended(exit)) => match exit.error {
                Some(error) => {
                    self.failed_to_start(process.id).await?;
                    Ok(LaunchOutcome::NotStarted(error))
                }
                None => Ok(LaunchOutcome::Running(process)),
            },
            Err(e) => {
                self.failed_to_start(process.id).await?;
                Ok(LaunchOutcome::NotStarted(format!(
                    "could not start {kind}: {e}"
                )))
            }
        }
    }
}

impl App {
    async fn failed_to_start(&self, process: cadre_core::ProcessId) -> Result<()> {
        self.write_quiet(|store| async move {
            store
                .finish_process(process, ProcessStatus::FailedToStart, None, None, now())
                .await
        })
        .await
    }
}

/// Where the agent works: the attempt's worktree when it has one, else the
/// project's main checkout.
async fn attempt_dir(app: &App, attempt: &Attempt) -> Result<PathBuf> {
    match &attempt.worktree_path {
        Some(path) => Ok(path.clone()),
        None => Ok(app.store.project(attempt.project_id).await?.repo_path),
    }
}
