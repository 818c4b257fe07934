//! An attempt's git side: `/attempts/{id}/diff`, commit, rebase, merge, push,
//! pr, restore, open (editor), preview, refine and retry.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use cadre_app::MergeInput;
use cadre_app::git::MergeStrategy;
use cadre_core::AttemptId;
use serde::Deserialize;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::wire::AttemptView;
use crate::wire_git::{DiffView, EditorView, PreviewView, RebaseView};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/attempts/{attempt}/diff", get(diff))
        .route("/attempts/{attempt}/commit", post(commit))
        .route("/attempts/{attempt}/rebase", post(rebase))
        .route("/attempts/{attempt}/merge", post(merge))
        .route("/attempts/{attempt}/push", post(push))
        .route("/attempts/{attempt}/pr", post(pr))
        .route("/attempts/{attempt}/restore", post(restore))
        .route("/attempts/{attempt}/open", post(open))
        .route("/attempts/{attempt}/preview", get(preview))
        .route("/attempts/{attempt}/preview/start", post(preview_start))
        .route("/attempts/{attempt}/preview/stop", post(preview_stop))
        .route("/attempts/{attempt}/refine", post(refine))
        .route("/attempts/{attempt}/retry", post(retry))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DiffQuery {
    /// Include hunks (default true); false gives counts only.
    hunks: Option<bool>,
    /// Only this file.
    path: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommitBody {
    message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MergeBody {
    /// `squash` (default) or `merge`.
    strategy: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenBody {
    editor: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RefineBody {
    prompt: String,
}

async fn diff(
    State(app): State<AppState>,
    ApiPath(attempt): ApiPath<AttemptId>,
    ApiQuery(q): ApiQuery<DiffQuery>,
) -> ApiResult<Json<DiffView>> {
    let mut diff = app.attempt_diff(attempt, q.hunks.unwrap_or(true)).await?;
    if let Some(path) = &q.path {
        diff.diff.files.retain(|f| &f.path == path);
        if diff.diff.files.is_empty() {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("`{path}` is not changed in attempt {attempt}"),
            ));
        }
    }
    Ok(Json(diff.into()))
}

async fn commit(
    State(app): State<AppState>,
    ApiPath(attempt): ApiPath<AttemptId>,
    ApiJson(body): ApiJson<CommitBody>,
) -> ApiResult<Json<AttemptView>> {
    Ok(Json(
        app.commit_attempt(attempt, &body.message).await?.into(),
    ))
}

async fn rebase(
    State(app): State<AppState>,
    ApiPath(attempt): ApiPath<AttemptId>,
) -> ApiResult<Json<RebaseView>> {
    Ok(Json(app.rebase_attempt(attempt).await?.into()))
}

async fn merge(
    State(app): State<AppState>,
    ApiPath(attempt): ApiPath<AttemptId>,
    ApiJson(body): ApiJson<MergeBody>,
) -> ApiResult<Json<AttemptView>> {
    let strategy = match body.strategy.as_deref() {
        None | Some("squash") => MergeStrategy::Squash,
        Some("merge") | Some("merge_commit") => MergeStrategy::MergeCommit,
        Some(other) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                format!("strategy: `{other}` is not valid: use squash or merge"),
            ));
        }
    };
    let merged = app.merge_attempt(attempt, MergeInput { strategy }).await?;
    Ok(Json(merged.into()))
}

async fn push(
    State(app): State<AppState>,
    ApiPath(attempt): ApiPath<AttemptId>,
) -> ApiResult<Json<AttemptView>> {
    Ok(Json(app.push_attempt(attempt).await?.into()))
}

async fn pr(
    State(app): State<AppState>,
    ApiPath(attempt): ApiPath<AttemptId>,
) -> ApiResult<(StatusCode, Json<AttemptView>)> {
    let outcome = app.create_pr(attempt).await?;
    Ok((StatusCode::CREATED, Json(outcome.attempt.into())))
}

async fn restore(
    State(app): State<AppState>,
    ApiPath(attempt): ApiPath<AttemptId>,
) -> ApiResult<Json<AttemptView>> {
    Ok(Json(app.restore_attempt(attempt).await?.into()))
}

async fn open(
    State(app): State<AppState>,
    ApiPath(attempt): ApiPath<AttemptId>,
    ApiJson(body): ApiJson<OpenBody>,
) -> ApiResult<Json<EditorView>> {
    let launch = app.open_in_editor(attempt, body.editor.as_deref()).await?;
    Ok(Json(launch.into()))
}

async fn preview(
    State(app): State<AppState>,
    ApiPath(attempt): ApiPath<AttemptId>,
) -> ApiResult<Json<PreviewView>> {
    Ok(Json(app.preview_status(attempt).await?.into()))
}

async fn preview_start(
    State(app): State<AppState>,
    ApiPath(attempt): ApiPath<AttemptId>,
) -> ApiResult<(StatusCode, Json<PreviewView>)> {
    let status = app.start_preview(attempt).await?;
    Ok((StatusCode::ACCEPTED, Json(status.into())))
}

async fn preview_stop(
    State(app): State<AppState>,
    ApiPath(attempt): ApiPath<AttemptId>,
) -> ApiResult<Json<PreviewView>> {
    Ok(Json(app.stop_preview(attempt).await?.into()))
}

async fn refine(
    State(app): State<AppState>,
    ApiPath(attempt): ApiPath<AttemptId>,
    ApiJson(body): ApiJson<RefineBody>,
) -> ApiResult<(StatusCode, Json<AttemptView>)> {
    let refined = app.0.refine_attempt(attempt, &body.prompt).await?;
    Ok((StatusCode::ACCEPTED, Json(refined.into())))
}

async fn retry(
    State(app): State<AppState>,
    ApiPath(attempt): ApiPath<AttemptId>,
) -> ApiResult<(StatusCode, Json<AttemptView>)> {
    let retried = app.0.retry_attempt(attempt).await?;
    Ok((StatusCode::ACCEPTED, Json(retried.into())))
}
