//! How the UI shows failures: the same status and message the API would give
//! (through [`ApiError`]'s mapping), rendered as HTML that htmx swaps where the
//! result would have gone, so a failed request never leaves a blank panel.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use cadre_app::AppError;

use crate::error::ApiError;

/// A failure on its way to the browser.
#[derive(Debug)]
pub(crate) struct UiError {
    status: StatusCode,
    message: String,
}

impl UiError {
    /// 400 for input the UI could not read.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    /// 404 for something that does not exist.
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }

    /// The HTTP status.
    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }

    /// The human message.
    pub(crate) fn message(&self) -> &str {
        &self.message
    }
}

impl From<ApiError> for UiError {
    fn from(err: ApiError) -> Self {
        Self {
            status: err.status,
            message: err.message,
        }
    }
}

impl From<AppError> for UiError {
    fn from(err: AppError) -> Self {
        ApiError::from(err).into()
    }
}

/// `templates/fragments/error.html`: a message in an alert box.
#[derive(Template)]
#[template(path = "fragments/error.html")]
struct ErrorFragment<'a> {
    message: &'a str,
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        let body = ErrorFragment {
            message: &self.message,
        }
        .render()
        .unwrap_or_else(|_| "<p class=\"error\">internal error</p>".to_owned());
        (self.status, Html(body)).into_response()
    }
}

/// Renders a template, turning a rendering failure (a bug) into a logged 500.
pub(crate) fn render<T: Template>(template: &T) -> Result<Html<String>, UiError> {
    template.render().map(Html).map_err(|err| {
        tracing::error!(error = %err, "template rendering failed");
        UiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "internal error; the server log has the details".into(),
        }
    })
}

/// Result of UI handlers.
pub(crate) type UiResult<T> = Result<T, UiError>;
