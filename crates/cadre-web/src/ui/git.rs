//! The Changes tab's buttons: commit, rebase (with conflicts and "ask the agent to
//! resolve"), merge, push, pull request, restore, open in editor, and the preview
//! process. Each answers with a result box (`templates/git_result.html`) and tells
//! the page to reload the diff.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderValue;
use axum::response::{Html, IntoResponse, Response};
use cadre_app::MergeInput;
use cadre_app::git::MergeStrategy;
use cadre_core::AttemptId;
use serde::Deserialize;

use super::error::{UiError, UiResult, render};
use super::forms::UiForm;
use crate::AppState;
use crate::extract::ApiPath;

/// `templates/git_result.html`.
#[derive(Template)]
#[template(path = "git_result.html")]
struct GitResult {
    id: String,
    ok: bool,
    message: String,
    conflicts: Vec<String>,
    followup: String,
    link: String,
}

impl GitResult {
    fn ok(id: AttemptId, message: impl Into<String>) -> Self {
        Self {
            id: id.to_string(),
            ok: true,
            message: message.into(),
            conflicts: vec![],
            followup: String::new(),
            link: String::new(),
        }
    }
}

/// The fields any git action form may send.
#[derive(Deserialize)]
pub(crate) struct GitForm {
    message: Option<String>,
    strategy: Option<String>,
}

/// `POST /ui/attempts/{attempt}/git/{action}`.
pub(crate) async fn action(
    State(app): State<AppState>,
    ApiPath((attempt, action)): ApiPath<(AttemptId, String)>,
    UiForm(form): UiForm<GitForm>,
) -> UiResult<Response> {
    let result = match action.as_str() {
        "commit" => {
            let a = app
                .commit_attempt(attempt, form.message.as_deref().unwrap_or(""))
                .await?;
            let sha = a.head_commit.unwrap_or_default();
            GitResult::ok(attempt, format!("Committed {}.", short_sha(&sha)))
        }
        "rebase" => {
            let r = app.rebase_attempt(attempt).await?;
            if r.conflicts.is_empty() {
                let what = if r.rebased {
                    format!("Rebased onto the latest {}.", r.attempt.base_branch)
                } else {
                    format!("Already up to date with {}.", r.attempt.base_branch)
                };
                GitResult::ok(attempt, what)
            } else {
                GitResult {
                    ok: false,
                    message: "The rebase stopped on conflicts and was undone; nothing changed."
                        .into(),
                    conflicts: r.conflicts,
                    followup: r.suggested_followup.unwrap_or_default(),
                    ..GitResult::ok(attempt, "")
                }
            }
        }
        "merge" => {
            let strategy = match form.strategy.as_deref() {
                Some("merge") => MergeStrategy::MergeCommit,
                _ => MergeStrategy::Squash,
            };
            let a = app.merge_attempt(attempt, MergeInput { strategy }).await?;
            GitResult::ok(
                attempt,
                format!(
                    "Merged into {}. The task is done and its worktree was cleaned up.",
                    a.base_branch
                ),
            )
        }
        "push" => {
            let a = app.push_attempt(attempt).await?;
            GitResult::ok(
                attempt,
                format!("Pushed {} to origin.", a.branch.unwrap_or_default()),
            )
        }
        "pr" => {
            let outcome = app.create_pr(attempt).await?;
            let link = outcome
                .attempt
                .pull_request
                .map(|p| p.url)
                .unwrap_or_default();
            GitResult {
                link,
                ..GitResult::ok(
                    attempt,
                    format!("Opened a pull request with {}.", outcome.tool),
                )
            }
        }
        "restore" => {
            app.restore_attempt(attempt).await?;
            GitResult::ok(attempt, "The worktree is back.")
        }
        "open" => {
            let launch = app.open_in_editor(attempt, None).await?;
            let command = launch.command.join(" ");
            if launch.ok {
                GitResult::ok(attempt, format!("Opened: {command}"))
            } else {
                GitResult {
                    ok: false,
                    message: format!("`{command}` did not start: {}", launch.stderr.trim()),
                    ..GitResult::ok(attempt, "")
                }
            }
        }
        other => {
            return Err(UiError::not_found(format!(
                "`{other}` is not a git action: use commit, rebase, merge, push, pr, restore or open"
            )));
        }
    };
    let mut response = render(&result)?.into_response();
    // The diff changed (or its worktree did): the Changes tab reloads it.
    response
        .headers_mut()
        .insert("hx-trigger", HeaderValue::from_static("diff-changed"));
    Ok(response)
}

fn short_sha(sha: &str) -> &str {
    sha.get(..10).unwrap_or(sha)
}

/// `templates/preview.html`.
#[derive(Template)]
#[template(path = "preview.html")]
struct PreviewFragment {
    id: String,
    running: bool,
    url: String,
    log_tail: String,
}

async fn preview_view(app: &AppState, attempt: AttemptId) -> UiResult<Html<String>> {
    let status = app.preview_status(attempt).await?;
    render(&PreviewFragment {
        id: attempt.to_string(),
        running: status.running,
        url: status
            .port
            .filter(|_| status.running)
            .map(|port| format!("http://127.0.0.1:{port}/"))
            .unwrap_or_default(),
        log_tail: status.log_tail,
    })
}

/// `GET /ui/attempts/{attempt}/preview`.
pub(crate) async fn preview(
    State(app): State<AppState>,
    ApiPath(attempt): ApiPath<AttemptId>,
) -> UiResult<Html<String>> {
    preview_view(&app, attempt).await
}

/// `POST /ui/attempts/{attempt}/preview/{start|stop}`.
pub(crate) async fn preview_action(
    State(app): State<AppState>,
    ApiPath((attempt, action)): ApiPath<(AttemptId, String)>,
) -> UiResult<Html<String>> {
    match action.as_str() {
        "start" => {
            app.start_preview(attempt).await?;
        }
        "stop" => {
            app.stop_preview(attempt).await?;
        }
        other => {
            return Err(UiError::not_found(format!(
                "`{other}` is not a preview action: use start or stop"
            )));
        }
    }
    preview_view(&app, attempt).await
}
