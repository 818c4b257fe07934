//! Review comments: `/attempts/{id}/comments`, `/comments/{id}`, and
//! `/attempts/{id}/review/send`, which sends the open ones as one follow-up.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use cadre_app::AddComment;
use cadre_core::{AttemptId, CommentId};
use serde::Deserialize;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath};
use crate::wire_review::{CommentView, ReviewSentView};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/attempts/{attempt}/comments", get(list).post(create))
        .route("/attempts/{attempt}/review/send", post(send))
        .route("/comments/{comment}", get(show).delete(remove))
        .route("/comments/{comment}/resolve", post(resolve))
}

/// Body of `POST /attempts/{id}/comments`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateComment {
    file: String,
    line: i64,
    side: Option<String>,
    body: String,
}

async fn create(
    State(app): State<AppState>,
    ApiPath(attempt): ApiPath<AttemptId>,
    ApiJson(body): ApiJson<CreateComment>,
) -> ApiResult<(StatusCode, Json<CommentView>)> {
    let input = AddComment {
        file: body.file,
        line: body.line,
        side: body.side,
        body: body.body,
    };
    let comment = app.add_comment(attempt, input).await?;
    Ok((StatusCode::CREATED, Json(comment.into())))
}

async fn list(
    State(app): State<AppState>,
    ApiPath(attempt): ApiPath<AttemptId>,
) -> ApiResult<Json<Vec<CommentView>>> {
    let comments = app.comments(attempt).await?;
    Ok(Json(comments.into_iter().map(Into::into).collect()))
}

async fn show(
    State(app): State<AppState>,
    ApiPath(comment): ApiPath<CommentId>,
) -> ApiResult<Json<CommentView>> {
    Ok(Json(app.comment(comment).await?.into()))
}

async fn resolve(
    State(app): State<AppState>,
    ApiPath(comment): ApiPath<CommentId>,
) -> ApiResult<Json<CommentView>> {
    Ok(Json(app.resolve_comment(comment).await?.into()))
}

async fn remove(
    State(app): State<AppState>,
    ApiPath(comment): ApiPath<CommentId>,
) -> ApiResult<Json<CommentView>> {
    Ok(Json(app.delete_comment(comment).await?.into()))
}

async fn send(
    State(app): State<AppState>,
    ApiPath(attempt): ApiPath<AttemptId>,
) -> ApiResult<(StatusCode, Json<ReviewSentView>)> {
    let sent = app.0.send_review(attempt).await?;
    let view = ReviewSentView {
        attempt: sent.attempt.into(),
        comments: sent.comments.into_iter().map(Into::into).collect(),
    };
    Ok((StatusCode::ACCEPTED, Json(view)))
}
