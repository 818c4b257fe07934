//! `POST /login-links`: a fresh one-time login link, for a browser on a server
//! that needs its token.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::routing::post;
use axum::{Extension, Json, Router};
use serde::Serialize;

use crate::AppState;
use crate::auth::{Access, LOGIN_PATH, Principal};
use crate::error::{ApiError, ApiResult};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/login-links", post(create))
}

/// A login link, relative to the server's base URL.
#[derive(Debug, Serialize)]
struct LoginLink {
    path: String,
}

async fn create(
    Extension(access): Extension<Arc<Access>>,
    Extension(principal): Extension<Principal>,
) -> ApiResult<(StatusCode, Json<LoginLink>)> {
    if !matches!(principal, Principal::Owner | Principal::Local) {
        return Err(ApiError::forbidden(
            "only the server's owner can create login links",
        ));
    }
    match access.issue_login_code()? {
        Some(code) => Ok((
            StatusCode::CREATED,
            Json(LoginLink {
                path: format!("{LOGIN_PATH}?code={code}"),
            }),
        )),
        None => Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            "this server has no access token, so it needs no login: it is bound to loopback",
        )),
    }
}
