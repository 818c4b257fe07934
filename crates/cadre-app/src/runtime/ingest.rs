//! The ingester: one task per running agent process. It tails the process's output
//! files, turns complete lines into log entries, stores each batch together with
//! the new file offsets, publishes it, enforces stop / timeout / idle watchdog, and
//! settles the attempt when the process ends.

use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cadre_agents::parsers::ScriptParser;
use cadre_agents::supervisor::{self, ExitRecord, RunDir};
use cadre_agents::{
    AgentId, FailureClass, FailureInfo, OutputPipeline, RetryPolicy, classify_failure,
};
use cadre_core::log::{LogEntryKind, Stream};
use cadre_core::{
    Attempt, AttemptId, AttemptStatus, EventKind, ExecutionProcess, ProcessKind, ProcessStatus,
};
use cadre_store::Offsets;
use tokio::sync::watch;

use super::{LogBatch, ProcessRequest};
use crate::{App, AppError, Result, now};

/// Bytes read from one output file per step; bounds memory per process.
const CHUNK: usize = 256 * 1024;
/// Bytes read per wake-up before checking stop requests again.
const MAX_PER_TICK: usize = 8 * 1024 * 1024;
/// How long a process may look gone without an exit record before it is declared lost.
const LOST_AFTER: Duration = Duration::from_secs(2);
/// Characters of stderr kept to explain a failure.
const STDERR_TAIL: usize = 4096;

/// What the attempt should do after a process ended.
enum Next {
    /// Nothing: the attempt is settled.
    Done,
    /// Run another turn (a queued follow-up or an automatic retry).
    Turn(ProcessRequest, Option<Duration>),
}

/// Why cadre itself ended a process.
#[derive(Clone)]
enum Intervention {
    Stopped,
    Failed(String),
}

/// What the ingester keeps between ticks: open output files positioned at the read
/// offset, one reusable read buffer, the stderr tail, and the shim's pid. Kept so an
/// idle tick costs two `read` calls, not opens, seeks and allocations.
struct Tail {
    files: [Option<std::fs::File>; 2],
    reads: [u64; 2],
    buf: Vec<u8>,
    stderr: String,
    shim_pid: Option<i32>,
}

impl Tail {
    fn new(stdout_offset: u64, stderr_offset: u64) -> Self {
        Self {
            files: [None, None],
            reads: [stdout_offset, stderr_offset],
            buf: Vec::new(),
            stderr: String::new(),
            shim_pid: None,
        }
    }

    /// Reads up to [`CHUNK`] new bytes of stream `i` into `self.buf` (empty when
    /// nothing is new or the file does not exist yet). The file is opened once and
    /// then read sequentially from where the last read ended.
    fn read(&mut self, i: usize, path: &std::path::Path) -> Result<()> {
        self.buf.clear();
        if self.files[i].is_none() {
            let mut file = match std::fs::File::open(path) {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(io_error("open", path, e)),
            };
            file.seek(SeekFrom::Start(self.reads[i]))
                .map_err(|e| io_error("seek", path, e))?;
            self.files[i] = Some(file);
        }
        if let Some(file) = self.files[i].as_mut() {
            file.take(CHUNK as u64)
                .read_to_end(&mut self.buf)
                .map_err(|e| io_error("read", path, e))?;
        }
        self.reads[i] += self.buf.len() as u64;
        Ok(())
    }
}

fn io_error(action: &str, path: &std::path::Path, e: std::io::Error) -> AppError {
    AppError::internal(format!("cannot {action} {}: {e}", path.display()))
}

impl App {
    /// Starts the ingester of `process` in the background, and after it the next turn
    /// of its attempt if one is due.
    pub(crate) fn spawn_ingest(self: &Arc<Self>, process: ExecutionProcess) {
        let Some(stop) = self.runtime.register(process.attempt_id) else {
            tracing::warn!(attempt = %process.attempt_id, "an ingester already runs for this attempt");
            return;
        };
        let app = self.clone();
        tokio::spawn(async move {
            let attempt = process.attempt_id;
            // The diff view refreshes live while the agent edits files.
            let _watch = match (process.kind, app.store.attempt(attempt).await) {
                (ProcessKind::Agent, Ok(current)) => app.watch_worktree(&current),
                _ => None,
            };
            let (process_id, stop_grace) = (process.id, app.runtime.config.stop_grace);
            let record = process.clone();
            let next = app.ingest(process, stop).await;
            app.runtime.unregister(attempt);
            match next {
                Ok(Next::Done) => {}
                Ok(Next::Turn(request, delay)) => {
                    if let Some(delay) = delay {
                        tokio::time::sleep(delay).await;
                    }
                    if let Err(e) = app.run_turn(attempt, request).await {
                        tracing::error!(%attempt, error = %e, "could not start the next turn");
                    }
                }
                Err(e) => {
                    tracing::error!(%attempt, error = %e, "ingestion failed");
                    // Nothing records the process any more: stop it, and close its
                    // row so a restart does not adopt it and settle the attempt twice.
                    app.begin_stop(&record, stop_grace);
                    let _ = app
                        .write_quiet(|store| async move {
                            store
                                .finish_process(process_id, ProcessStatus::Lost, None, None, now())
                                .await
                        })
                        .await;
                    let reason = format!("cadre could not record the agent's output: {e}");
                    let _ = app
                        .conclude(attempt, AttemptStatus::Failed, Some(reason), None)
                        .await;
                }
            }
        });
    }

    async fn ingest(
        self: &Arc<Self>,
        process: ExecutionProcess,
        mut stop: watch::Receiver<bool>,
    ) -> Result<Next> {
        let attempt = self.store.attempt(process.attempt_id).await?;
        let agent: AgentId = attempt
            .agent
            .parse()
            .map_err(|e: cadre_agents::UnknownAgent| AppError::internal(e.to_string()))?;
        let timeout = match &attempt.profile {
            Some(name) => self
                .store
                .profile(name, Some(attempt.project_id))
                .await
                .ok()
                .and_then(|p| p.timeout_secs)
                .map(|s| Duration::from_secs(s.unsigned_abs())),
            None => None,
        };
        let run = RunDir::new(process.run_dir.clone());
        let (out, err) = (offset(process.stdout_offset), offset(process.stderr_offset));
        let mut pipeline = match process.kind {
            ProcessKind::Agent => OutputPipeline::new(agent, out, err),
            // Scripts print a log to read, not a conversation.
            _ => OutputPipeline::with_parser(Box::new(ScriptParser::new()), out, err),
        };
        let timeout = timeout.filter(|_| process.kind == ProcessKind::Agent);
        let mut tail = Tail::new(offset(process.stdout_offset), offset(process.stderr_offset));
        let started = Instant::now();
        let mut last_output = Instant::now();
        let mut intervention: Option<Intervention> = None;
        let mut gone_since: Option<Instant> = None;
        let config = self.runtime.config.clone();
        if attempt.status == AttemptStatus::Stopping {
            // A stop asked of an earlier server, which may have gone down before
            // the process ended (or before SIGKILL followed SIGTERM): finish it.
            intervention = Some(Intervention::Stopped);
            self.begin_stop(&process, config.stop_grace);
        }
        loop {
            // Read the exit record *before* draining: once it exists the child has
            // exited, so the drain that follows sees every byte it wrote.
            let exit =
                supervisor::read_exit(&run).map_err(|e| AppError::internal(e.to_string()))?;
            let read = self
                .pump(&attempt, &process, &run, &mut pipeline, &mut tail)
                .await?;
            if read > 0 {
                last_output = Instant::now();
            }
            if let Some(exit) = exit {
                self.drain_and_finish(&attempt, &process, &run, &mut pipeline, &mut tail)
                    .await?;
                return self
                    .process_ended(
                        &attempt,
                        &process,
                        &mut pipeline,
                        &tail,
                        Some(exit),
                        intervention,
                    )
                    .await;
            }
            if intervention.is_none() {
                let reason = if *stop.borrow_and_update() {
                    Some(Intervention::Stopped)
                } else if last_output.elapsed() > config.idle_timeout {
                    Some(Intervention::Failed(format!(
                        "stalled: no output for {} minutes",
                        config.idle_timeout.as_secs() / 60
                    )))
                } else if timeout.is_some_and(|t| started.elapsed() > t) {
                    Some(Intervention::Failed(format!(
                        "timed out after {} s",
                        timeout.map(|t| t.as_secs()).unwrap_or_default()
                    )))
                } else {
                    None
                };
                if let Some(reason) = reason {
                    intervention = Some(reason);
                    self.begin_stop(&process, config.stop_grace);
                }
            }
            if process_gone(&process, &run, &mut tail.shim_pid) {
                let since = *gone_since.get_or_insert_with(Instant::now);
                if since.elapsed() > LOST_AFTER {
                    self.drain_and_finish(&attempt, &process, &run, &mut pipeline, &mut tail)
                        .await?;
                    return self
                        .process_ended(&attempt, &process, &mut pipeline, &tail, None, intervention)
                        .await;
                }
            } else {
                gone_since = None;
            }
            if read == 0 {
                tokio::select! {
                    _ = tokio::time::sleep(config.poll_interval) => {}
                    _ = stop.changed() => {}
                }
            }
        }
    }

    /// Sends SIGTERM (then SIGKILL) to the process group without blocking the ingester,
    /// which keeps reading output until the exit record appears.
    fn begin_stop(&self, process: &ExecutionProcess, grace: Duration) {
        let Some(pgid) = process.pgid else { return };
        let run = RunDir::new(process.run_dir.clone());
        if supervisor::read_started(&run)
            .ok()
            .flatten()
            .is_some_and(|s| !s.from_this_boot())
        {
            // Its pids are from before a reboot: signalling them could hit
            // unrelated processes. The agent is gone anyway.
            return;
        }
        tokio::spawn(async move {
            if let Err(e) = supervisor::stop_group(pgid, grace).await {
                tracing::warn!(pgid, error = %e, "stopping the agent failed");
            }
        });
    }

    /// Reads what is new in both files, stores and publishes the entries. Returns
    /// the number of bytes read.
    async fn pump(
        &self,
        attempt: &Attempt,
        process: &ExecutionProcess,
        run: &RunDir,
        pipeline: &mut OutputPipeline,
        tail: &mut Tail,
    ) -> Result<usize> {
        let mut total = 0;
        loop {
            let mut read_now = 0;
            for (i, stream) in [Stream::Stdout, Stream::Stderr].into_iter().enumerate() {
                let path = if i == 0 { run.stdout() } else { run.stderr() };
                tail.read(i, &path)?;
                if tail.buf.is_empty() {
                    continue;
                }
                read_now += tail.buf.len();
                let lines = pipeline.push(stream, &tail.buf);
                let entries: Vec<LogEntryKind> =
                    lines.into_iter().flat_map(|l| l.entries).collect();
                self.store_batch(attempt, process, &mut *pipeline, entries, tail)
                    .await?;
            }
            total += read_now;
            if read_now == 0 || total >= MAX_PER_TICK {
                return Ok(total);
            }
        }
    }

    async fn drain_and_finish(
        &self,
        attempt: &Attempt,
        process: &ExecutionProcess,
        run: &RunDir,
        pipeline: &mut OutputPipeline,
        tail: &mut Tail,
    ) -> Result<()> {
        while self.pump(attempt, process, run, pipeline, tail).await? > 0 {}
        let entries: Vec<LogEntryKind> = pipeline
            .finish()
            .into_iter()
            .flat_map(|l| l.entries)
            .collect();
        self.store_batch(attempt, process, &mut *pipeline, entries, tail)
            .await
    }

    /// Stores one batch with the offsets it was read up to, then publishes it.
    async fn store_batch(
        &self,
        attempt: &Attempt,
        process: &ExecutionProcess,
        pipeline: &mut OutputPipeline,
        entries: Vec<LogEntryKind>,
        tail: &mut Tail,
    ) -> Result<()> {
        let offsets = Offsets {
            process: process.id,
            stdout: pipeline.consumed_offset(Stream::Stdout) as i64,
            stderr: pipeline.consumed_offset(Stream::Stderr) as i64,
        };
        let id = attempt.id;
        let stored = self
            .write(
                |store| async move { store.append_log(id, &entries, Some(offsets), now()).await },
            )
            .await?;
        for entry in stored.iter().map(|e| &e.entry) {
            match entry {
                LogEntryKind::SessionStarted { session_id } => {
                    self.record_session(attempt.id, session_id).await?
                }
                LogEntryKind::Raw {
                    stream: Stream::Stderr,
                    text,
                } => {
                    tail.stderr.push_str(text);
                    tail.stderr.push('\n');
                    if tail.stderr.len() > STDERR_TAIL {
                        let cut = tail.stderr.len() - STDERR_TAIL;
                        let cut = (cut..tail.stderr.len())
                            .find(|i| tail.stderr.is_char_boundary(*i))
                            .unwrap_or(0);
                        tail.stderr.drain(..cut);
                    }
                }
                _ => {}
            }
        }
        if !stored.is_empty() {
            self.runtime.publish(LogBatch {
                attempt_id: attempt.id,
                entries: stored,
            });
        }
        Ok(())
    }

    async fn record_session(&self, attempt: AttemptId, session_id: &str) -> Result<()> {
        let session = session_id.to_owned();
        self.write(|store| async move {
            store
                .update_attempt(
                    attempt,
                    EventKind::AttemptSessionRecorded,
                    now(),
                    move |a| a.session_id = Some(session),
                )
                .await
        })
        .await?;
        Ok(())
    }

    /// Records how the process ended and decides what the attempt does next.
    async fn process_ended(
        &self,
        attempt: &Attempt,
        process: &ExecutionProcess,
        pipeline: &mut OutputPipeline,
        tail: &Tail,
        exit: Option<ExitRecord>,
        intervention: Option<Intervention>,
    ) -> Result<Next> {
        let (status, code, signal) = match &exit {
            Some(e) if e.error.is_some() => (ProcessStatus::FailedToStart, None, None),
            Some(e) => (ProcessStatus::Exited, e.exit_code, e.signal),
            None => (ProcessStatus::Lost, None, None),
        };
        self.write_quiet(|store| async move {
            store
                .finish_process(process.id, status, code, signal, now())
                .await
        })
        .await?;
        if process.kind == ProcessKind::Setup {
            return self
                .setup_ended(attempt, pipeline, exit.as_ref(), intervention)
                .await;
        }
        let summary = pipeline.summary().map(str::to_owned);
        let current = self.store.attempt(attempt.id).await?;
        let (outcome, reason) = match (&intervention, &exit) {
            (Some(Intervention::Stopped), _) => {
                (AttemptStatus::Stopped, Some("stopped by user".to_owned()))
            }
            (Some(Intervention::Failed(reason)), _) => {
                (AttemptStatus::Failed, Some(reason.clone()))
            }
            (None, None) => {
                let what = "the agent process vanished without an exit status";
                return Ok(match self.crash_retry(&current, what).await? {
                    Some(request) => Next::Turn(request, None),
                    None => Next::Done,
                });
            }
            (
                None,
                Some(ExitRecord {
                    error: Some(error), ..
                }),
            ) => (AttemptStatus::Failed, Some(error.clone())),
            (
                None,
                Some(ExitRecord {
                    exit_code: Some(0), ..
                }),
            ) => (AttemptStatus::Succeeded, None),
            (
                None,
                Some(ExitRecord {
                    signal: Some(signal),
                    ..
                }),
            ) => {
                // Killed by a signal cadre did not send (a crash, the OOM killer,
                // someone's `kill`): restarted like a run that vanished.
                let what = format!("the agent was killed by signal {signal}");
                return Ok(match self.crash_retry(&current, &what).await? {
                    Some(request) => Next::Turn(request, None),
                    None => Next::Done,
                });
            }
            (None, Some(e)) => {
                let info = FailureInfo {
                    exit_code: e.exit_code,
                    signal: e.signal,
                    stderr_tail: &tail.stderr,
                    result_text: summary.as_deref(),
                };
                let class = classify_failure(&info);
                let policy = RetryPolicy {
                    base_delay: self.runtime.config.retry_base_delay,
                    max_retries: self.runtime.config.max_retries,
                };
                let retries = u32::try_from(current.retry_count).unwrap_or(u32::MAX);
                if let Some(delay) = policy.next_retry(class, retries) {
                    return self.schedule_retry(&current, e, delay, retries).await;
                }
                let how = match (e.exit_code, e.signal) {
                    (Some(code), _) => format!("exit code {code}"),
                    (None, Some(sig)) => format!("signal {sig}"),
                    _ => "an unknown status".to_owned(),
                };
                let detail = last_line(&tail.stderr)
                    .or(summary.as_deref())
                    .unwrap_or("")
                    .to_owned();
                let kind = if class == FailureClass::Transient {
                    " (transient; retries used up)"
                } else {
                    ""
                };
                let reason = if detail.is_empty() {
                    format!("the agent ended with {how}{kind}")
                } else {
                    format!("the agent ended with {how}{kind}: {detail}")
                };
                (AttemptStatus::Failed, Some(reason))
            }
        };
        // A follow-up queued while this turn ran is sent now, unless a person stopped it.
        if outcome != AttemptStatus::Stopped
            && let Some(text) = self
                .write_quiet(|store| async move { store.take_followup(attempt.id, now()).await })
                .await?
        {
            self.append_user_message(attempt.id, &text).await?;
            let resume = self.store.attempt(attempt.id).await?.session_id;
            return Ok(Next::Turn(
                ProcessRequest {
                    prompt: text,
                    resume_session: resume,
                },
                None,
            ));
        }
        self.conclude(attempt.id, outcome, reason, summary).await?;
        Ok(Next::Done)
    }

    /// A setup script ended: on success (or when the project tolerates failure)
    /// the agent's first turn follows; otherwise the attempt fails with the
    /// script's last line.
    async fn setup_ended(
        &self,
        attempt: &Attempt,
        pipeline: &mut OutputPipeline,
        exit: Option<&ExitRecord>,
        intervention: Option<Intervention>,
    ) -> Result<Next> {
        let project = self.store.project(attempt.project_id).await?;
        let last = pipeline.summary().unwrap_or("").to_owned();
        let failure = match (intervention, exit) {
            (Some(Intervention::Stopped), _) => {
                self.conclude(
                    attempt.id,
                    AttemptStatus::Stopped,
                    Some("stopped by user during setup".to_owned()),
                    None,
                )
                .await?;
                return Ok(Next::Done);
            }
            (Some(Intervention::Failed(reason)), _) => Some(format!("setup script {reason}")),
            (None, None) => Some("setup script vanished without an exit status".to_owned()),
            (None, Some(e)) if e.error.is_some() => Some(format!(
                "setup script could not start: {}",
                e.error.as_deref().unwrap_or_default()
            )),
            (None, Some(e)) if e.exit_code == Some(0) => None,
            (None, Some(e)) => Some(match (e.exit_code, e.signal) {
                (Some(code), _) => format!("setup script failed with exit code {code}"),
                (None, Some(sig)) => format!("setup script was killed by signal {sig}"),
                _ => "setup script failed".to_owned(),
            }),
        };
        let ok = failure.is_none();
        let detail = serde_json::json!({ "ok": ok, "error": failure, "last_line": last });
        let id = attempt.id;
        self.write(|store| async move {
            store
                .update_attempt_detailed(id, EventKind::AttemptSetupFinished, now(), detail, |_| {})
                .await
        })
        .await?;
        match failure {
            Some(reason) if !project.allow_setup_failure => {
                let reason = if last.is_empty() {
                    reason
                } else {
                    format!("{reason}: {last}")
                };
                self.conclude(attempt.id, AttemptStatus::Failed, Some(reason), None)
                    .await?;
                Ok(Next::Done)
            }
            other => {
                let note = match other {
                    Some(reason) => {
                        format!("{reason}; the project allows setup failures, starting the agent")
                    }
                    None => "setup script finished; starting the agent".to_owned(),
                };
                self.append_system_message(attempt.id, note).await?;
                Ok(Next::Turn(
                    ProcessRequest {
                        prompt: attempt.prompt.clone(),
                        resume_session: attempt.session_id.clone(),
                    },
                    None,
                ))
            }
        }
    }

    async fn schedule_retry(
        &self,
        attempt: &Attempt,
        exit: &ExitRecord,
        delay: Duration,
        retries: u32,
    ) -> Result<Next> {
        let note = format!(
            "transient failure (exit {:?}, signal {:?}); retry {} of {} in {} s",
            exit.exit_code,
            exit.signal,
            retries + 1,
            self.runtime.config.max_retries,
            delay.as_secs()
        );
        self.append_system_message(attempt.id, note).await?;
        let id = attempt.id;
        self.write(|store| async move {
            store
                .update_attempt(id, EventKind::AttemptStatusChanged, now(), |a| {
                    a.retry_count += 1
                })
                .await
        })
        .await?;
        let request = ProcessRequest {
            prompt: attempt.prompt.clone(),
            resume_session: None,
        };
        Ok(Next::Turn(request, Some(delay)))
    }
}

fn offset(stored: i64) -> u64 {
    u64::try_from(stored).unwrap_or(0)
}

fn last_line(text: &str) -> Option<&str> {
    text.lines().rev().map(str::trim).find(|l| !l.is_empty())
}

/// Whether neither the agent's process group nor its shim exists any more. The
/// shim's pid is read from `started.json` once and cached in `shim_pid`.
///
/// A process started before the machine last booted is gone whatever its pids
/// say now: they may name unrelated processes.
fn process_gone(process: &ExecutionProcess, run: &RunDir, shim_pid: &mut Option<i32>) -> bool {
    if shim_pid.is_none() {
        match supervisor::read_started(run).ok().flatten() {
            Some(started) if !started.from_this_boot() => return true,
            Some(started) => *shim_pid = Some(started.shim_pid),
            None => {}
        }
    }
    let group_alive = process.pgid.is_some_and(supervisor::group_alive);
    let shim_alive = shim_pid.is_some_and(supervisor::is_alive);
    !group_alive && !shim_alive
}
