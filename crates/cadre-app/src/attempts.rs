//! Attempt use cases: start an agent on a task, follow up, stop, read the log, and
//! pick up every run again after a restart.

use std::sync::Arc;

use cadre_agents::{AgentId, follow_up_prompt};
use cadre_core::log::LogEntryKind;
use cadre_core::task::check_dependencies;
use cadre_core::{
    Actor, AttachmentId, Attempt, AttemptId, AttemptStatus, EventKind, ExecutionProcess, LogEntry,
    NewAttempt, ProcessKind, Project, Task, TaskRef, TaskStatus, ValidationError,
};
use cadre_store::LogPage;
use tokio::sync::broadcast;

use crate::prompt::{DependencyNote, build_prompt};
use crate::runtime::{LaunchOutcome, LogBatch, ProcessRequest};
use crate::{App, AppError, FollowUp, MoveTask, Result, now};

/// Automatic restarts of an agent that crashed, before the attempt is left
/// interrupted for a person.
pub const MAX_CRASH_RETRIES: i64 = 3;

/// What a resumed session is told after its previous run ended early.
const RETRY_PROMPT: &str =
    "Your previous run ended before you finished. Continue the task from where you stopped.";

/// Input for starting an attempt.
#[derive(Debug, Clone, Default)]
pub struct StartAttempt {
    /// Agent id; defaults to the profile's agent, then the project's default agent.
    pub agent: Option<String>,
    /// Profile name (global or the project's).
    pub profile: Option<String>,
    /// Extra instructions appended to the prompt built from the task.
    pub prompt: Option<String>,
    /// Base branch; defaults to the project's.
    pub base_branch: Option<String>,
    /// Images uploaded before (see [`App::save_attachments`]): the first message
    /// shows their URLs, the agent's prompt lists their local paths.
    pub attachments: Vec<AttachmentId>,
}

/// An attempt with its processes, for detail views.
#[derive(Debug, Clone)]
pub struct AttemptDetail {
    /// The attempt.
    pub attempt: Attempt,
    /// Its processes, oldest first.
    pub processes: Vec<ExecutionProcess>,
    /// Number of log entries.
    pub log_len: i64,
}

impl App {
    /// Starts an agent on `task` in a new worktree and branch. Returns at once
    /// with the queued attempt; the setup script and the agent run in the
    /// background.
    pub async fn start_attempt(
        self: &Arc<Self>,
        task: &TaskRef,
        input: StartAttempt,
    ) -> Result<Attempt> {
        let task = self.task(task).await?;
        self.check_attachments(&input.attachments).await?;
        let project = self.store.project(task.project_id).await?;
        let profile = match &input.profile {
            Some(name) => Some(self.store.profile(name, Some(project.id)).await?),
            None => None,
        };
        let agent = input
            .agent
            .or_else(|| profile.as_ref().map(|p| p.agent.clone()))
            .or_else(|| project.default_agent.clone())
            .ok_or_else(|| {
                ValidationError::new(
                    "agent",
                    "name an agent (e.g. --agent claude-code) or set the project's default agent",
                )
            })?;
        let agent_id: AgentId = agent.parse().map_err(|e: cadre_agents::UnknownAgent| {
            ValidationError::new("agent", e.to_string())
        })?;
        let base_branch = input
            .base_branch
            .filter(|b| !b.trim().is_empty())
            .unwrap_or_else(|| project.base_branch.clone());
        let id = AttemptId::new();
        let moves = matches!(
            task.status,
            TaskStatus::Backlog | TaskStatus::Todo | TaskStatus::Blocked
        );
        if moves {
            // Checked before the worktree exists, so a refused move leaves no
            // worktree or branch behind (the store checks again when moving).
            let deps: Vec<(String, TaskStatus)> = task
                .depends_on
                .iter()
                .map(|d| (d.key.to_string(), d.status))
                .collect();
            task.status.check_move(TaskStatus::InProgress)?;
            check_dependencies(&task.key.to_string(), TaskStatus::InProgress, &deps)?;
        }
        // The worktree first: a bad base branch or an unsafe name fails the
        // request before anything is recorded or the card moves.
        let worktree = self
            .create_worktree(&project, &task, id, &base_branch)
            .await?;
        if moves {
            let request = MoveTask {
                status: TaskStatus::InProgress,
                position: None,
                actor: Actor::System,
                reason: Some(format!("attempt started with {agent_id}")),
            };
            self.move_task(&TaskRef::Id(task.id), request).await?;
        }
        let dependencies = self.dependency_notes(&task).await?;
        let prompt = build_prompt(
            &task,
            &dependencies,
            project.instructions.as_deref(),
            input.prompt.as_deref(),
        );
        let new = NewAttempt {
            id,
            task_id: task.id,
            project_id: project.id,
            agent: agent_id.to_string(),
            profile: input.profile,
            prompt: prompt.clone(),
            base_branch,
        };
        let attempt = Attempt {
            branch: Some(worktree.branch.clone()),
            worktree_path: Some(worktree.path.clone()),
            ..Attempt::queued(new, now())
        };
        let attempt = self
            .write(|store| async move { store.create_attempt(attempt).await })
            .await?;
        self.record_worktree_created(&attempt, &worktree).await?;
        let prompt = self
            .record_user_turn(attempt.id, &prompt, &input.attachments)
            .await?;
        self.spawn_first_turn(&attempt, &project, prompt, None);
        Ok(attempt)
    }

    /// Starts a "refine" attempt from a settled one: it resumes that attempt's
    /// session in that attempt's worktree, and never owns (never removes) it.
    pub async fn refine_attempt(
        self: &Arc<Self>,
        parent: AttemptId,
        text: &str,
    ) -> Result<Attempt> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ValidationError::new("prompt", "say what to refine").into());
        }
        let from = self.store.attempt(parent).await?;
        if !from.status.is_settled() || self.runtime.is_active(parent) {
            return Err(AppError::Conflict(format!(
                "attempt {parent} is still {}: send a follow-up instead, or wait until it settles",
                from.status
            )));
        }
        let path = Self::require_worktree(&from)?;
        let task = self.store.task(from.task_id).await?;
        if matches!(
            task.status,
            TaskStatus::Backlog | TaskStatus::Todo | TaskStatus::Blocked | TaskStatus::InReview
        ) {
            let request = MoveTask {
                status: TaskStatus::InProgress,
                position: None,
                actor: Actor::System,
                reason: Some(format!("refining attempt {}", parent.short())),
            };
            self.move_task(&TaskRef::Id(task.id), request).await?;
        }
        let new = NewAttempt {
            id: AttemptId::new(),
            task_id: from.task_id,
            project_id: from.project_id,
            agent: from.agent.clone(),
            profile: from.profile.clone(),
            prompt: text.to_owned(),
            base_branch: from.base_branch.clone(),
        };
        let attempt = Attempt {
            branch: from.branch.clone(),
            worktree_path: Some(path),
            session_id: from.session_id.clone(),
            parent_attempt_id: Some(parent),
            owns_worktree: false,
            ..Attempt::queued(new, now())
        };
        let attempt = self
            .write(|store| async move { store.create_attempt(attempt).await })
            .await?;
        self.append_user_message(attempt.id, text).await?;
        let resume = attempt.session_id.clone();
        self.spawn_turn(
            attempt.id,
            ProcessRequest {
                prompt: text.to_owned(),
                resume_session: resume,
            },
        );
        Ok(attempt)
    }

    /// Runs a settled attempt again by hand: resumes its session (or re-sends its
    /// prompt) and resets its automatic retry budgets.
    pub async fn retry_attempt(self: &Arc<Self>, attempt: AttemptId) -> Result<Attempt> {
        let current = self.store.attempt(attempt).await?;
        if !current.status.is_settled() || self.runtime.is_active(attempt) {
            return Err(AppError::Conflict(format!(
                "attempt {attempt} is still {}; stop it first",
                current.status
            )));
        }
        Self::ensure_worktree(&current)?;
        let retried = self
            .write(|store| async move {
                store
                    .update_attempt(attempt, EventKind::AttemptRetried, now(), |a| {
                        a.retry_count = 0;
                        a.crash_retries = 0;
                        a.status = AttemptStatus::Queued;
                        a.failure_reason = None;
                        a.finished_at = None;
                    })
                    .await
            })
            .await?;
        let request = match &current.session_id {
            Some(session) => ProcessRequest {
                prompt: RETRY_PROMPT.to_owned(),
                resume_session: Some(session.clone()),
            },
            None => ProcessRequest {
                prompt: current.prompt.clone(),
                resume_session: None,
            },
        };
        self.append_user_message(attempt, &request.prompt).await?;
        self.spawn_turn(attempt, request);
        Ok(retried)
    }

    /// The setup script if the project has one (the agent follows when it ends),
    /// else the agent's first turn, in the background.
    fn spawn_first_turn(
        self: &Arc<Self>,
        attempt: &Attempt,
        project: &Project,
        prompt: String,
        resume_session: Option<String>,
    ) {
        let request = ProcessRequest {
            prompt,
            resume_session,
        };
        match project.setup_script.clone() {
            Some(script) => {
                let app = self.clone();
                let attempt = attempt.clone();
                tokio::spawn(async move {
                    if let Err(e) = app.run_setup(&attempt, &script).await {
                        tracing::error!(attempt = %attempt.id, error = %e, "could not run the setup script");
                    }
                });
            }
            None => self.spawn_turn(attempt.id, request),
        }
    }

    /// Runs `request` as the attempt's next turn in the background.
    fn spawn_turn(self: &Arc<Self>, attempt: AttemptId, request: ProcessRequest) {
        let app = self.clone();
        tokio::spawn(async move {
            if let Err(e) = app.run_turn(attempt, request).await {
                tracing::error!(%attempt, error = %e, "could not start the attempt");
            }
        });
    }

    /// Launches the project's setup script as the attempt's `setup` process.
    async fn run_setup(self: &Arc<Self>, attempt: &Attempt, script: &str) -> Result<()> {
        self.append_system_message(attempt.id, format!("running the setup script: {script}"))
            .await?;
        match self
            .launch_script(attempt, ProcessKind::Setup, script, Vec::new())
            .await?
        {
            LaunchOutcome::NotStarted(reason) => {
                self.conclude(
                    attempt.id,
                    AttemptStatus::Failed,
                    Some(format!("setup script could not start: {reason}")),
                    None,
                )
                .await?;
            }
            LaunchOutcome::Running(process) => {
                let id = attempt.id;
                self.write(|store| async move {
                    store
                        .update_attempt(id, EventKind::AttemptStarted, now(), |a| {
                            a.status = AttemptStatus::Running;
                            a.started_at.get_or_insert_with(now);
                        })
                        .await
                })
                .await?;
                self.spawn_ingest(process);
            }
        }
        Ok(())
    }

    /// Summaries of the task's finished dependencies, for the prompt.
    async fn dependency_notes(&self, task: &Task) -> Result<Vec<DependencyNote>> {
        let mut notes = Vec::new();
        for dep in task
            .depends_on
            .iter()
            .filter(|d| d.status == TaskStatus::Done)
        {
            let summary = self
                .store
                .attempts_of_task(dep.id)
                .await?
                .into_iter()
                .rev()
                .filter(|a| a.status == AttemptStatus::Succeeded)
                .find_map(|a| a.summary);
            if let Some(summary) = summary {
                notes.push(DependencyNote {
                    key: dep.key.to_string(),
                    title: dep.title.clone(),
                    summary,
                });
            }
        }
        Ok(notes)
    }

    /// Launches one turn of `attempt` and ingests it.
    pub(crate) async fn run_turn(
        self: &Arc<Self>,
        attempt: AttemptId,
        request: ProcessRequest,
    ) -> Result<()> {
        let current = self.store.attempt(attempt).await?;
        match self.launch_process(&current, request).await? {
            LaunchOutcome::NotStarted(reason) => {
                self.conclude(attempt, AttemptStatus::Failed, Some(reason), None)
                    .await?;
            }
            LaunchOutcome::Running(process) => {
                self.write(|store| async move {
                    store
                        .update_attempt(attempt, EventKind::AttemptStarted, now(), |a| {
                            a.status = AttemptStatus::Running;
                            a.failure_reason = None;
                            a.finished_at = None;
                            a.started_at.get_or_insert_with(now);
                        })
                        .await
                })
                .await?;
                self.spawn_ingest(process);
            }
        }
        Ok(())
    }

    /// Adds what the person said to the conversation.
    pub(crate) async fn append_user_message(&self, attempt: AttemptId, text: &str) -> Result<()> {
        self.record_user_turn(attempt, text, &[]).await.map(drop)
    }

    /// Sends a text follow-up; see [`App::follow_up_with`].
    pub async fn follow_up(self: &Arc<Self>, attempt: AttemptId, text: &str) -> Result<Attempt> {
        let input = FollowUp {
            text: text.to_owned(),
            attachments: vec![],
        };
        self.follow_up_with(attempt, input).await
    }

    /// Sends a follow-up (text, images, or both): resumes a settled attempt's
    /// session now, or queues the message until the running turn ends.
    pub async fn follow_up_with(
        self: &Arc<Self>,
        attempt: AttemptId,
        input: FollowUp,
    ) -> Result<Attempt> {
        let text = input.text.trim();
        if text.is_empty() && input.attachments.is_empty() {
            return Err(ValidationError::new(
                "text",
                "a follow-up needs some text or at least one image",
            )
            .into());
        }
        let current = self.store.attempt(attempt).await?;
        Self::ensure_worktree(&current)?;
        self.check_attachments(&input.attachments).await?;
        if !current.status.is_settled() || self.runtime.is_active(attempt) {
            let owned = text.to_owned();
            let images = input.attachments;
            self.write(|store| async move {
                store.queue_followup(attempt, &owned, &images, now()).await
            })
            .await?;
            return self.store.attempt(attempt).await.map_err(Into::into);
        }
        let prompt = self
            .record_user_turn(attempt, text, &input.attachments)
            .await?;
        let agent: AgentId = current
            .agent
            .parse()
            .map_err(|e: cadre_agents::UnknownAgent| AppError::internal(e.to_string()))?;
        let request = match (&current.session_id, agent.supports_resume()) {
            (Some(session), true) => ProcessRequest {
                prompt,
                resume_session: Some(session.clone()),
            },
            _ => {
                // No session to resume: carry the conversation so far in the prompt.
                let history = self
                    .store
                    .log_entries(attempt, LogPage::Latest, 500)
                    .await?;
                let entries: Vec<LogEntryKind> = history.into_iter().map(|e| e.entry).collect();
                ProcessRequest {
                    prompt: follow_up_prompt(&entries, &prompt),
                    resume_session: None,
                }
            }
        };
        self.run_turn(attempt, request).await?;
        self.store.attempt(attempt).await.map_err(Into::into)
    }

    /// Stops an attempt: SIGTERM to its process group, SIGKILL after the grace period.
    pub async fn stop_attempt(&self, attempt: AttemptId) -> Result<Attempt> {
        let current = self.store.attempt(attempt).await?;
        if current.status.is_settled() {
            return Err(AppError::Conflict(format!(
                "attempt {attempt} is already {}",
                current.status
            )));
        }
        if self.runtime.request_stop(attempt) {
            self.write(|store| async move {
                store
                    .update_attempt(attempt, EventKind::AttemptStatusChanged, now(), |a| {
                        a.status = AttemptStatus::Stopping
                    })
                    .await
            })
            .await
        } else {
            self.conclude(
                attempt,
                AttemptStatus::Stopped,
                Some("stopped by user".into()),
                None,
            )
            .await
        }
    }

    /// One attempt.
    pub async fn attempt(&self, attempt: AttemptId) -> Result<AttemptDetail> {
        Ok(AttemptDetail {
            attempt: self.store.attempt(attempt).await?,
            processes: self.store.processes_of_attempt(attempt).await?,
            log_len: self.store.log_len(attempt).await?,
        })
    }

    /// The attempts of a task, oldest first.
    pub async fn attempts_of_task(&self, task: &TaskRef) -> Result<Vec<Attempt>> {
        let id = self.task_id(task).await?;
        Ok(self.store.attempts_of_task(id).await?)
    }

    /// A page of an attempt's log.
    pub async fn log_entries(
        &self,
        attempt: AttemptId,
        page: LogPage,
        limit: u32,
    ) -> Result<Vec<LogEntry>> {
        self.store.attempt(attempt).await?;
        Ok(self
            .store
            .log_entries(attempt, page, limit.clamp(1, 1000))
            .await?)
    }

    /// Live log batches of every attempt.
    pub fn subscribe_logs(&self) -> broadcast::Receiver<Arc<LogBatch>> {
        self.runtime.subscribe()
    }

    /// Picks up every run after a start: ingesters for processes still marked
    /// running (alive, or ended while the server was down); queued attempts
    /// launched again; running attempts whose process is gone retried as crashed
    /// (up to [`MAX_CRASH_RETRIES`] times) or else marked interrupted.
    pub async fn resume_runs(self: &Arc<Self>) -> Result<()> {
        for process in self.store.running_processes().await? {
            if process.kind == ProcessKind::Dev {
                // Previews are not ingested; their state is read on demand.
                continue;
            }
            tracing::info!(attempt = %process.attempt_id, process = %process.id, "resuming ingestion");
            self.spawn_ingest(process);
        }
        let pending = self
            .store
            .attempts_with_status(&[
                AttemptStatus::Queued,
                AttemptStatus::Running,
                AttemptStatus::Stopping,
            ])
            .await?;
        for attempt in pending {
            if self.runtime.is_active(attempt.id) {
                continue;
            }
            match attempt.status {
                AttemptStatus::Queued => {
                    let project = self.store.project(attempt.project_id).await?;
                    let started = !self
                        .store
                        .processes_of_attempt(attempt.id)
                        .await?
                        .is_empty();
                    let prompt = attempt.prompt.clone();
                    if started {
                        self.spawn_turn(
                            attempt.id,
                            ProcessRequest {
                                prompt,
                                resume_session: attempt.session_id.clone(),
                            },
                        );
                    } else {
                        self.spawn_first_turn(&attempt, &project, prompt, None);
                    }
                }
                AttemptStatus::Stopping => {
                    self.conclude(
                        attempt.id,
                        AttemptStatus::Stopped,
                        Some("stopped by user".into()),
                        None,
                    )
                    .await?;
                }
                _ => {
                    let reason = "cadre restarted and found no running process for this attempt";
                    if let Some(request) = self.crash_retry(&attempt, reason).await? {
                        self.spawn_turn(attempt.id, request);
                    }
                }
            }
        }
        Ok(())
    }

    /// An agent that crashed (not stopped by a person) gets another turn, up to
    /// [`MAX_CRASH_RETRIES`] times; the count is stored and reset by a manual
    /// retry. Returns the turn to run, or `None` once the attempt was marked
    /// interrupted.
    pub(crate) async fn crash_retry(
        &self,
        attempt: &Attempt,
        what: &str,
    ) -> Result<Option<ProcessRequest>> {
        if attempt.crash_retries >= MAX_CRASH_RETRIES {
            let reason = format!(
                "{what}; gave up after {MAX_CRASH_RETRIES} automatic restarts: send a follow-up or retry to resume"
            );
            self.conclude(attempt.id, AttemptStatus::Interrupted, Some(reason), None)
                .await?;
            return Ok(None);
        }
        let n = attempt.crash_retries + 1;
        self.append_system_message(
            attempt.id,
            format!("{what}; restarting the agent automatically ({n} of {MAX_CRASH_RETRIES})"),
        )
        .await?;
        let id = attempt.id;
        self.write(|store| async move {
            store
                .update_attempt(id, EventKind::AttemptStatusChanged, now(), |a| {
                    a.crash_retries += 1
                })
                .await
        })
        .await?;
        Ok(Some(match &attempt.session_id {
            Some(session) => ProcessRequest {
                prompt: RETRY_PROMPT.to_owned(),
                resume_session: Some(session.clone()),
            },
            None => ProcessRequest {
                prompt: attempt.prompt.clone(),
                resume_session: None,
            },
        }))
    }

    /// Refuses work on an attempt whose worktree was cleaned up (409 with how to
    /// restore it). Attempts that never had a worktree pass.
    pub(crate) fn ensure_worktree(attempt: &Attempt) -> Result<()> {
        if attempt.branch.is_some() {
            Self::require_worktree(attempt)?;
        }
        Ok(())
    }
}
