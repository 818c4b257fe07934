//! Per-attempt tokens: each launch of an attempt's agent gets a fresh token, in
//! its environment with the server's URL, so the agent can call back into cadre.
//! What such a token reaches is decided here: its own task, that task's attempts
//! and their review comments; nothing else on the board.
//!
//! Only the token's hash is stored; the token itself exists in the agent's
//! environment (and its run dir's spec). A new launch replaces the token, so an
//! agent from an earlier turn can no longer use its old one.

use cadre_core::{AttemptId, CommentId, TaskId, TaskRef};

use crate::secrets::{hash_secret, new_secret};
use crate::{App, AppError, Result, now};

/// Prefix of attempt tokens, which tells them apart from the server token.
pub const ATTEMPT_TOKEN_PREFIX: &str = "cadre_att_";
/// Environment variable holding the attempt's token.
pub const ATTEMPT_TOKEN_ENV: &str = "CADRE_ATTEMPT_TOKEN";
/// Environment variable holding the server's base URL.
pub const SERVER_URL_ENV: &str = "CADRE_SERVER";

/// What an attempt token grants: access to one attempt's task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptGrant {
    /// The attempt the token was issued to.
    pub attempt_id: AttemptId,
    /// Its task: the only task the token reaches.
    pub task_id: TaskId,
}

/// What a request is about, as far as access is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// Anything anyone admitted may see (health).
    Public,
    /// A task, by key or id as written in the request.
    Task(String),
    /// An attempt, by id as written in the request.
    Attempt(String),
    /// A review comment, by id as written in the request.
    Comment(String),
    /// Anything else: the board, projects, profiles, events.
    Other,
}

impl App {
    /// Sets the URL agents use to call back (`CADRE_SERVER`), once the server is
    /// bound. Later calls are ignored.
    pub fn set_server_url(&self, url: impl Into<String>) {
        let _ = self.server_url.set(url.into());
    }

    /// Issues a fresh token for `attempt` (replacing the previous one) and returns
    /// the environment variables an agent needs to call back: the token, and the
    /// server URL when it is known.
    pub async fn attempt_env(&self, attempt: AttemptId) -> Result<Vec<(String, String)>> {
        let token = format!("{ATTEMPT_TOKEN_PREFIX}{}", new_secret()?);
        let hash = hash_secret(&token);
        // Under the write lock like every store write (see `App::write_quiet`).
        self.write_quiet(
            |store| async move { store.set_attempt_token(attempt, &hash, now()).await },
        )
        .await?;
        let mut env = vec![(ATTEMPT_TOKEN_ENV.to_owned(), token)];
        if let Some(url) = self.server_url.get() {
            env.push((SERVER_URL_ENV.to_owned(), url.clone()));
        }
        Ok(env)
    }

    /// The grant of an attempt token; `Unauthorized` when no attempt has it.
    pub async fn attempt_grant(&self, token: &str) -> Result<AttemptGrant> {
        match self.store.attempt_for_token(&hash_secret(token)).await? {
            Some((attempt_id, task_id)) => Ok(AttemptGrant {
                attempt_id,
                task_id,
            }),
            None => Err(AppError::Unauthorized(
                "this attempt token is not valid: it belongs to an earlier run of its attempt, or the attempt is gone".into(),
            )),
        }
    }

    /// Whether `grant` reaches `resource`; `Forbidden` naming the limit otherwise.
    pub async fn authorize(&self, grant: &AttemptGrant, resource: &Resource) -> Result<()> {
        let task = match resource {
            Resource::Public => return Ok(()),
            Resource::Task(raw) => match raw.parse::<TaskRef>() {
                Ok(task) => self.task_id(&task).await.ok(),
                Err(_) => None,
            },
            Resource::Attempt(raw) => match raw.parse::<AttemptId>() {
                Ok(id) => self.store.attempt(id).await.ok().map(|a| a.task_id),
                Err(_) => None,
            },
            Resource::Comment(raw) => match raw.parse::<CommentId>() {
                Ok(id) => match self.store.comment(id).await {
                    Ok(c) => self
                        .store
                        .attempt(c.attempt_id)
                        .await
                        .ok()
                        .map(|a| a.task_id),
                    Err(_) => None,
                },
                Err(_) => None,
            },
            Resource::Other => None,
        };
        // Unknown things are refused like foreign ones: a token must not be able to
        // probe what exists elsewhere on the board.
        if task == Some(grant.task_id) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "an attempt token reaches only its own task and that task's attempts (attempt {})",
                grant.attempt_id
            )))
        }
    }
}
