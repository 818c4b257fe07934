//! `/attempts` and `/tasks/{task}/attempts`: start, show, stop, and the log
//! (follow-ups are in `followups.rs`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use cadre_app::{LogPage, StartAttempt};
use cadre_core::{AttemptId, TaskRef};
use serde::Deserialize;

use super::parse_ref;
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::upload::attachment_ids;
use crate::wire::{AttemptDetailView, AttemptView, LogEntryView};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/tasks/{task}/attempts", get(list).post(start))
        .route("/attempts/{attempt}", get(show))
        .route("/attempts/{attempt}/stop", post(stop))
        .route("/attempts/{attempt}/logs", get(logs))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StartBody {
    agent: Option<String>,
    profile: Option<String>,
    prompt: Option<String>,
    base_branch: Option<String>,
    #[serde(default)]
    attachments: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogQuery {
    after: Option<i64>,
    before: Option<i64>,
    limit: Option<u32>,
}

async fn start(
    State(app): State<AppState>,
    ApiPath(task): ApiPath<String>,
    ApiJson(body): ApiJson<StartBody>,
) -> ApiResult<(StatusCode, Json<AttemptView>)> {
    let task: TaskRef = parse_ref(&task)?;
    let input = StartAttempt {
        agent: body.agent,
        profile: body.profile,
        prompt: body.prompt,
        base_branch: body.base_branch,
        attachments: attachment_ids(&body.attachments)?,
    };
    let attempt = app.0.start_attempt(&task, input).await?;
    Ok((StatusCode::ACCEPTED, Json(attempt.into())))
}

async fn list(
    State(app): State<AppState>,
    ApiPath(task): ApiPath<String>,
) -> ApiResult<Json<Vec<AttemptView>>> {
    let task: TaskRef = parse_ref(&task)?;
    let attempts = app.attempts_of_task(&task).await?;
    Ok(Json(attempts.into_iter().map(Into::into).collect()))
}

async fn show(
    State(app): State<AppState>,
    ApiPath(attempt): ApiPath<AttemptId>,
) -> ApiResult<Json<AttemptDetailView>> {
    let detail = app.attempt(attempt).await?;
    Ok(Json(AttemptDetailView {
        attempt: detail.attempt.into(),
        processes: detail.processes.into_iter().map(Into::into).collect(),
        log_len: detail.log_len,
    }))
}

async fn stop(
    State(app): State<AppState>,
    ApiPath(attempt): ApiPath<AttemptId>,
) -> ApiResult<Json<AttemptView>> {
    Ok(Json(app.stop_attempt(attempt).await?.into()))
}

async fn logs(
    State(app): State<AppState>,
    ApiPath(attempt): ApiPath<AttemptId>,
    ApiQuery(q): ApiQuery<LogQuery>,
) -> ApiResult<Json<Vec<LogEntryView>>> {
    let page = match (q.after, q.before) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "use either `after` or `before`, not both",
            ));
        }
        (Some(after), None) => LogPage::After(after),
        (None, Some(before)) => LogPage::Before(before),
        (None, None) => LogPage::Latest,
    };
    let entries = app
        .log_entries(attempt, page, q.limit.unwrap_or(200))
        .await?;
    Ok(Json(entries.into_iter().map(Into::into).collect()))
}
