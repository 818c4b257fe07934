//! Form posts from the UI: a form-body extractor whose rejections render like any
//! other UI error, checkbox and list helpers, and the redirect that works both for
//! htmx (an `HX-Redirect` header) and for a plain form post (303).

use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use super::UiError;

/// An `application/x-www-form-urlencoded` body.
pub(crate) struct UiForm<T>(pub T);

impl<S, T> FromRequest<S> for UiForm<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = UiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(value)) => Ok(Self(value)),
            Err(rejection) => Err(UiError::bad_request(format!(
                "the form could not be read: {}",
                rejection.body_text()
            ))),
        }
    }
}

/// Sends the browser to `url`: htmx follows `HX-Redirect`; a plain form post
/// follows the 303.
pub(crate) fn redirect(headers: &HeaderMap, url: &str) -> Response {
    if headers.contains_key("hx-request") {
        (StatusCode::OK, [("hx-redirect", url)]).into_response()
    } else {
        (StatusCode::SEE_OTHER, [(header::LOCATION, url)]).into_response()
    }
}

/// A checkbox's value: present (any value) means checked.
pub(crate) fn checked(value: &Option<String>) -> bool {
    value.is_some()
}

/// Text that means "nothing" when blank.
pub(crate) fn non_blank(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// A comma-separated list (labels), trimmed, blanks dropped.
pub(crate) fn comma_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comma_lists_drop_blanks_and_trim() {
        assert_eq!(comma_list(" ui, ,backend ,"), vec!["ui", "backend"]);
        assert!(comma_list("").is_empty());
    }

    #[test]
    fn blank_text_is_none() {
        assert_eq!(non_blank(Some("  ".into())), None);
        assert_eq!(non_blank(Some(" main ".into())), Some("main".into()));
        assert_eq!(non_blank(None), None);
    }

    #[test]
    fn htmx_requests_get_hx_redirect_and_plain_posts_a_303() {
        let mut headers = HeaderMap::new();
        let plain = redirect(&headers, "/p/WEB");
        assert_eq!(plain.status(), StatusCode::SEE_OTHER);
        headers.insert("hx-request", "true".parse().expect("header"));
        let htmx = redirect(&headers, "/p/WEB");
        assert_eq!(htmx.status(), StatusCode::OK);
        assert_eq!(htmx.headers()["hx-redirect"], "/p/WEB");
    }
}
