//! `/attachments`: upload images (multipart) and serve them by id.

use axum::extract::DefaultBodyLimit;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use cadre_core::AttachmentId;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiPath;
use crate::upload::{BODY_LIMIT, is_multipart, read_form};
use crate::wire_attachment::UploadView;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/attachments",
            post(upload).layer(DefaultBodyLimit::max(BODY_LIMIT)),
        )
        .route("/attachments/{id}", get(download))
}

async fn upload(
    State(app): State<AppState>,
    request: Request,
) -> ApiResult<(StatusCode, Json<UploadView>)> {
    if !is_multipart(request.headers()) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send images as `multipart/form-data` file fields",
        ));
    }
    let form = read_form(request).await?;
    if form.text.is_some() {
        return Err(ApiError::bad_request(
            "an upload takes image files only; send text with a follow-up",
        ));
    }
    let stored = app.save_attachments(form.files).await?;
    let view = UploadView {
        attachments: stored.into_iter().map(Into::into).collect(),
    };
    Ok((StatusCode::CREATED, Json(view)))
}

async fn download(
    State(app): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Response> {
    // Checked before anything touches the disk: an id is a hex digest, never a path.
    let id: AttachmentId = id
        .parse()
        .map_err(|e: cadre_core::ValidationError| ApiError::bad_request(e.message))?;
    let (found, bytes) = app.read_attachment(&id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, found.kind.mime()),
            // Content-addressed: the bytes behind a URL never change.
            (
                header::CACHE_CONTROL,
                "private, max-age=31536000, immutable",
            ),
        ],
        bytes,
    )
        .into_response())
}
