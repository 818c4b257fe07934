//! Who may talk to this server: the access token, the one-time login link that
//! turns it into a browser cookie, and the middleware that checks every request.
//!
//! Bound to loopback, cadre needs no token: only this machine can connect, and
//! the Host and Origin checks (`security.rs`) keep web pages out. Bound to any
//! other address, every request must carry the server's token, either as
//! `Authorization: Bearer TOKEN` (CLI, scripts) or as the `cadre_session` cookie,
//! which is HttpOnly (scripts cannot read it) and SameSite=Strict (other sites
//! cannot make the browser send it). A browser gets the cookie by opening a login
//! link; each link's code works once. A credential that is present but wrong is
//! refused on every bind, so a misconfigured client finds out at once.
//!
//! An agent calls back with its attempt's token (`cadre_att_...`). The app
//! decides what that reaches (its own task and that task's attempts); this module
//! only names the resource a request path is about.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cadre_app::secrets::{new_secret, secrets_match};
use cadre_app::{ATTEMPT_TOKEN_PREFIX, App, AttemptGrant, Resource};
use serde::Deserialize;

use crate::error::ApiError;
use crate::extract::ApiQuery;

/// Name of the session cookie set by the login link.
pub const SESSION_COOKIE: &str = "cadre_session";
/// Path of the login link.
pub const LOGIN_PATH: &str = "/login";
/// Unused login codes kept at most; older ones are forgotten first.
const MAX_LOGIN_CODES: usize = 16;
/// Lifetime of the session cookie: 30 days.
const COOKIE_MAX_AGE_SECS: u32 = 30 * 24 * 3600;

/// The server's access rules: its token (if it has one), whether requests must
/// present it, and the unused one-time login codes.
#[derive(Default)]
pub struct Access {
    token: Option<String>,
    required: bool,
    codes: Mutex<VecDeque<String>>,
}

/// Never prints the token or the codes: `Debug` output ends up in logs.
impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Access")
            .field("has_token", &self.token.is_some())
            .field("required", &self.required)
            .finish_non_exhaustive()
    }
}

/// Who a request comes from, once authenticated. Handlers may read it from the
/// request extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// No credential, on a loopback bind: this machine's user.
    Local,
    /// The server token: full access.
    Owner,
    /// An agent's attempt token: its own task only.
    Attempt(AttemptGrant),
}

/// What the authentication middleware needs.
#[derive(Debug, Clone)]
pub(crate) struct AuthState {
    pub(crate) access: Arc<Access>,
    pub(crate) app: Arc<App>,
}

impl Access {
    /// No token: every request passes authentication (loopback binds).
    pub fn open() -> Self {
        Self::default()
    }

    /// Requests are checked against `token`; with `required`, a request without a
    /// credential is refused (non-loopback binds).
    pub fn with_token(token: String, required: bool) -> Self {
        Self {
            token: Some(token),
            required,
            codes: Mutex::new(VecDeque::new()),
        }
    }

    /// Whether every request must carry a credential.
    pub fn required(&self) -> bool {
        self.required
    }

    /// A new one-time login code, or `None` when the server has no token to hand
    /// out. At most [`MAX_LOGIN_CODES`] stay valid; issuing more forgets the oldest.
    pub fn issue_login_code(&self) -> Result<Option<String>, cadre_app::AppError> {
        if self.token.is_none() {
            return Ok(None);
        }
        let code = new_secret()?;
        let mut codes = self.codes.lock().unwrap_or_else(|e| e.into_inner());
        if codes.len() >= MAX_LOGIN_CODES {
            codes.pop_front();
        }
        codes.push_back(code.clone());
        Ok(Some(code))
    }

    /// Uses up `code`; true when it was valid and unused.
    fn redeem(&self, code: &str) -> bool {
        let mut codes = self.codes.lock().unwrap_or_else(|e| e.into_inner());
        match codes.iter().position(|c| secrets_match(code, c)) {
            Some(i) => {
                codes.remove(i);
                true
            }
            None => false,
        }
    }

    /// Who presents `credential` (or none).
    fn authenticate(&self, credential: Option<&str>) -> Result<Principal, ApiError> {
        match (credential, &self.token) {
            (Some(given), Some(token)) if secrets_match(given, token) => Ok(Principal::Owner),
            (Some(_), _) => Err(unauthorized(
                "the access token is not valid: use the one in the `auth_token` file of the server's data dir (the CLI reads it; elsewhere set CADRE_TOKEN)",
            )),
            (None, _) if self.required => Err(unauthorized(
                "this server is reachable from other machines, so every request needs its access token: send `Authorization: Bearer TOKEN` with the token from the `auth_token` file in the server's data dir (the CLI reads it; elsewhere set CADRE_TOKEN), or open the login link printed by `cadre serve`",
            )),
            (None, _) => Ok(Principal::Local),
        }
    }
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
}

/// The bearer token or, failing that, the session cookie of a request.
fn credential(headers: &HeaderMap) -> Option<&str> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    bearer.or_else(|| {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == SESSION_COOKIE)
            .map(|(_, value)| value.trim())
    })
}

/// Middleware: authenticates every request except the login link itself, and
/// keeps attempt tokens within their task.
pub(crate) async fn authenticate(
    State(state): State<AuthState>,
    mut request: Request,
    next: Next,
) -> Response {
    if request.uri().path() == LOGIN_PATH {
        return next.run(request).await;
    }
    let principal = match credential(request.headers()) {
        Some(token) if token.starts_with(ATTEMPT_TOKEN_PREFIX) => {
            let resource = resource_of(request.uri().path());
            match attempt_principal(&state.app, token, &resource).await {
                Ok(principal) => principal,
                Err(err) => return with_challenge(err.into_response()),
            }
        }
        other => match state.access.authenticate(other) {
            Ok(principal) => principal,
            Err(err) => return with_challenge(err.into_response()),
        },
    };
    request.extensions_mut().insert(principal);
    next.run(request).await
}

async fn attempt_principal(
    app: &App,
    token: &str,
    resource: &Resource,
) -> Result<Principal, ApiError> {
    let grant = app.attempt_grant(token).await?;
    app.authorize(&grant, resource).await?;
    Ok(Principal::Attempt(grant))
}

/// The resource an API path is about. Anything not recognized is `Other`, which
/// attempt tokens do not reach: unknown means refused.
fn resource_of(path: &str) -> Resource {
    let Some(rest) = path.strip_prefix("/api/v1/") else {
        return Resource::Other;
    };
    let mut segments = rest.split('/');
    match (segments.next(), segments.next()) {
        (Some("health"), None) => Resource::Public,
        (Some("tasks"), Some(task)) if !task.is_empty() => Resource::Task(task.to_owned()),
        (Some("attempts"), Some(id)) if !id.is_empty() => Resource::Attempt(id.to_owned()),
        (Some("comments"), Some(id)) if !id.is_empty() => Resource::Comment(id.to_owned()),
        _ => Resource::Other,
    }
}

/// Adds `WWW-Authenticate`, which HTTP requires on a 401.
fn with_challenge(mut response: Response) -> Response {
    if response.status() == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"cadre\""),
        );
    }
    response
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoginQuery {
    code: String,
}

/// `GET /login?code=...`: trades a one-time code for the session cookie and goes
/// to the board.
pub(crate) async fn login(
    State(access): State<Arc<Access>>,
    ApiQuery(q): ApiQuery<LoginQuery>,
) -> Response {
    let token = match &access.token {
        Some(token) if access.redeem(&q.code) => token,
        _ => {
            return with_challenge(
                unauthorized(
                    "this login link is not valid or was already used: run `cadre login-link` on the server's machine for a new one",
                )
                .into_response(),
            );
        }
    };
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={COOKIE_MAX_AGE_SECS}"
    );
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response();
    match HeaderValue::from_str(&cookie) {
        Ok(value) => {
            response.headers_mut().insert(header::SET_COOKIE, value);
            response
        }
        Err(_) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; the server log has the details",
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).expect("value"));
        }
        map
    }

    #[test]
    fn paths_name_the_task_or_attempt_they_are_about() {
        assert_eq!(resource_of("/api/v1/health"), Resource::Public);
        assert_eq!(
            resource_of("/api/v1/tasks/WEB-1/attempts"),
            Resource::Task("WEB-1".into())
        );
        assert_eq!(
            resource_of("/api/v1/attempts/abc/stream"),
            Resource::Attempt("abc".into())
        );
        assert_eq!(
            resource_of("/api/v1/comments/c1/resolve"),
            Resource::Comment("c1".into())
        );
        for other in [
            "/api/v1/tasks",
            "/api/v1/tasks/",
            "/api/v1//tasks/WEB-1",
            "/api/v1/events",
            "/api/v1/projects/WEB/tasks",
            "/login",
            "/",
        ] {
            assert_eq!(resource_of(other), Resource::Other, "{other}");
        }
    }

    #[test]
    fn bearer_header_wins_over_the_cookie() {
        let h = headers(&[
            ("authorization", "Bearer abc"),
            ("cookie", "cadre_session=def"),
        ]);
        assert_eq!(credential(&h), Some("abc"));
        let h = headers(&[("cookie", "theme=dark; cadre_session=def; x=y")]);
        assert_eq!(credential(&h), Some("def"));
        assert_eq!(credential(&headers(&[("cookie", "other=1")])), None);
    }

    #[test]
    fn open_access_lets_anonymous_requests_in_but_not_wrong_tokens() {
        let access = Access::open();
        assert_eq!(access.authenticate(None).expect("open"), Principal::Local);
        assert!(access.authenticate(Some("guess")).is_err());
    }

    #[test]
    fn required_access_needs_the_token() {
        let access = Access::with_token("cadre_srv_x".into(), true);
        assert_eq!(
            access.authenticate(None).expect_err("missing").status,
            StatusCode::UNAUTHORIZED
        );
        assert!(access.authenticate(Some("cadre_srv_y")).is_err());
        assert_eq!(
            access.authenticate(Some("cadre_srv_x")).expect("token"),
            Principal::Owner
        );
    }

    #[test]
    fn login_codes_work_once_and_old_ones_are_forgotten() {
        let access = Access::with_token("t".into(), true);
        let code = access.issue_login_code().expect("rng").expect("code");
        assert!(access.redeem(&code));
        assert!(!access.redeem(&code));
        let first = access.issue_login_code().expect("rng").expect("code");
        for _ in 0..MAX_LOGIN_CODES {
            access.issue_login_code().expect("rng");
        }
        assert!(!access.redeem(&first), "the oldest code was dropped");
        assert_eq!(Access::open().issue_login_code().expect("rng"), None);
    }
}
