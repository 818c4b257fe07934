//! `POST /attempts/{id}/followups`: a message to the agent, as JSON
//! (`{"text", "attachments": [ids]}`) or as a multipart form (`text` and image
//! files, stored first). A follow-up needs text or at least one image.

use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use cadre_app::FollowUp;
use cadre_core::AttemptId;
use serde::Deserialize;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath};
use crate::upload::{BODY_LIMIT, attachment_ids, check_declared_length, is_multipart, read_form};
use crate::wire::AttemptView;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route(
        "/attempts/{attempt}/followups",
        post(follow_up).layer(DefaultBodyLimit::max(BODY_LIMIT)),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FollowUpBody {
    #[serde(default)]
    text: String,
    #[serde(default)]
    attachments: Vec<String>,
}

async fn follow_up(
    State(app): State<AppState>,
    ApiPath(attempt): ApiPath<AttemptId>,
    request: Request,
) -> ApiResult<(StatusCode, Json<AttemptView>)> {
    check_declared_length(request.headers())?;
    let input = if is_multipart(request.headers()) {
        let form = read_form(request).await?;
        // A 404 before storing images for an attempt that does not exist.
        app.attempt(attempt).await?;
        let attachments = if form.files.is_empty() {
            vec![]
        } else {
            let stored = app.save_attachments(form.files).await?;
            stored.into_iter().map(|a| a.id).collect()
        };
        FollowUp {
            text: form.text.unwrap_or_default(),
            attachments,
        }
    } else {
        let ApiJson(body) = ApiJson::<FollowUpBody>::from_request(request, &()).await?;
        FollowUp {
            text: body.text,
            attachments: attachment_ids(&body.attachments)?,
        }
    };
    let attempt = app.0.follow_up_with(attempt, input).await?;
    Ok((StatusCode::ACCEPTED, Json(attempt.into())))
}
