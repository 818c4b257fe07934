//! Attempt use cases: start an agent on a task, follow up, stop, read the log, and
//! pick up every run again after a restart.

use std::sync::Arc;

use cadre_agents::{AgentId, follow_up_prompt};
use cadre_core::log::LogEntryKind;
use cadre_core::{
    Actor, Attempt, AttemptId, AttemptStatus, EventKind, ExecutionProcess, LogEntry, Task, TaskRef,
    TaskStatus, ValidationError,
};
use cadre_store::LogPage;
use tokio::sync::broadcast;

use crate::runtime::{LaunchOutcome, LogBatch, ProcessRequest};
use crate::{App, AppError, FollowUp, MoveTask, Result, now};

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

/// The prompt an agent gets for a task.
pub fn task_prompt(task: &Task, extra: Option<&str>) -> String {
    let mut prompt = format!("# {}: {}\n", task.key, task.title);
    if !task.description.trim().is_empty() {
        prompt.push('\n');
        prompt.push_str(task.description.trim());
        prompt.push('\n');
    }
    if let Some(extra) = extra.map(str::trim).filter(|e| !e.is_empty()) {
        prompt.push('\n');
        prompt.push_str(extra);
        prompt.push('\n');
    }
    prompt
}

impl App {
    /// Starts an agent on `task`. Returns at once with the queued attempt; the agent
    /// launches in the background.
    pub async fn start_attempt(
        self: &Arc<Self>,
        task: &TaskRef,
        input: StartAttempt,
    ) -> Result<Attempt> {
        let task = self.task(task).await?;
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
        if matches!(
            task.status,
            TaskStatus::Backlog | TaskStatus::Todo | TaskStatus::Blocked
        ) {
            let request = MoveTask {
                status: TaskStatus::InProgress,
                position: None,
                actor: Actor::System,
                reason: Some(format!("attempt started with {agent_id}")),
            };
            self.move_task(&TaskRef::Id(task.id), request).await?;
        }
        let prompt = task_prompt(&task, input.prompt.as_deref());
        let attempt = Attempt {
            id: AttemptId::new(),
            task_id: task.id,
            project_id: project.id,
            agent: agent_id.to_string(),
            profile: input.profile,
            prompt: prompt.clone(),
            base_branch: input.base_branch.unwrap_or(project.base_branch),
            branch: None,
            worktree_path: None,
            status: AttemptStatus::Queued,
            session_id: None,
            head_commit: None,
            summary: None,
            failure_reason: None,
            retry_count: 0,
            created_at: now(),
            started_at: None,
            finished_at: None,
        };
        let attempt = self
            .write(|store| async move { store.create_attempt(attempt).await })
            .await?;
        self.append_user_message(attempt.id, &prompt).await?;
        let app = self.clone();
        let id = attempt.id;
        tokio::spawn(async move {
            if let Err(e) = app
                .run_turn(
                    id,
                    ProcessRequest {
                        prompt,
                        resume_session: None,
                    },
                )
                .await
            {
                tracing::error!(attempt = %id, error = %e, "could not start the attempt");
            }
        });
        Ok(attempt)
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
                self.settle(attempt, AttemptStatus::Failed, Some(reason), None)
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

    /// Marks an attempt as over.
    pub(crate) async fn settle(
        &self,
        attempt: AttemptId,
        status: AttemptStatus,
        reason: Option<String>,
        summary: Option<String>,
    ) -> Result<Attempt> {
        let kind = if status == AttemptStatus::Stopped {
            EventKind::AttemptStopped
        } else {
            EventKind::AttemptCompleted
        };
        self.write(|store| async move {
            store
                .update_attempt(attempt, kind, now(), move |a| {
                    a.status = status;
                    a.failure_reason = reason;
                    if summary.is_some() {
                        a.summary = summary;
                    }
                    a.finished_at = Some(now());
                })
                .await
        })
        .await
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
            self.settle(
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
    /// running (alive, or ended while the server was down), queued attempts launched,
    /// and attempts whose process record is missing marked interrupted.
    pub async fn resume_runs(self: &Arc<Self>) -> Result<()> {
        for process in self.store.running_processes().await? {
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
            if attempt.status == AttemptStatus::Queued {
                let request = ProcessRequest {
                    prompt: attempt.prompt.clone(),
                    resume_session: None,
                };
                let app = self.clone();
                tokio::spawn(async move {
                    if let Err(e) = app.run_turn(attempt.id, request).await {
                        tracing::error!(attempt = %attempt.id, error = %e, "could not restart a queued attempt");
                    }
                });
            } else {
                let reason = "cadre restarted and found no running process for this attempt; send a follow-up to resume";
                self.settle(
                    attempt.id,
                    AttemptStatus::Interrupted,
                    Some(reason.into()),
                    None,
                )
                .await?;
            }
        }
        Ok(())
    }
}
