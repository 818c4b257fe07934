//! The web UI: server-rendered HTML pages and fragments (askama templates in
//! `templates/`), and the static files they load (embedded from `assets/`).
//!
//! Pages live at `/` (projects, or how to add one), `/p/{project}` (the board,
//! optionally with a task's panel open) and `/a/{attempt}` (an attempt's
//! conversation, diff and git actions). Fragments and form posts that htmx swaps
//! into those pages live under `/ui/`. Like the API's handlers, these parse the
//! request, call one use case on [`cadre_app::App`], and turn the result into a
//! view model of this module: templates never see domain types directly, so a
//! domain change cannot silently change what a page shows.
//!
//! The pages carry no inline script or style: everything is in the embedded
//! files, so a strict Content-Security-Policy (`default-src 'self'`) holds.

mod assets;
mod attempts;
mod board;
mod cards;
mod conversation;
mod diff;
mod error;
mod fmt;
mod forms;
mod git;
mod highlight;
mod layout;
mod markdown;
mod panel;
mod projects;
mod review;
mod start;
mod tasks;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::AppState;
use crate::upload::BODY_LIMIT;

pub(crate) use error::UiError;

/// Every UI route: pages, fragments, form posts and assets.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(projects::home))
        .route("/p/{project}", get(board::page))
        .route("/a/{attempt}", get(attempts::page))
        .route("/assets/{version}/{*path}", get(assets::serve))
        .nest("/ui", fragments())
}

fn fragments() -> Router<AppState> {
    Router::new()
        .route("/projects", post(projects::create))
        .route("/p/{project}/board", get(board::fragment))
        .route("/p/{project}/tasks", post(tasks::create))
        .route("/p/{project}/new-task", get(tasks::new_form))
        .route("/tasks/{task}/panel", get(tasks::panel))
        .route(
            "/tasks/{task}/edit",
            get(tasks::edit_form).post(tasks::save),
        )
        .route("/tasks/{task}/delete", post(tasks::delete))
        .route("/tasks/{task}/move", post(tasks::move_to))
        .route("/tasks/{task}/dependencies", post(tasks::add_dependency))
        .route(
            "/tasks/{task}/dependencies/{dep}/remove",
            post(tasks::remove_dependency),
        )
        .route(
            "/tasks/{task}/start",
            get(start::start_form)
                .post(start::start)
                .layer(DefaultBodyLimit::max(BODY_LIMIT)),
        )
        .route("/attempts/{attempt}/header", get(attempts::header))
        .route("/attempts/{attempt}/entries", get(attempts::entries))
        .route(
            "/attempts/{attempt}/followups",
            post(attempts::follow_up).layer(DefaultBodyLimit::max(BODY_LIMIT)),
        )
        .route("/attempts/{attempt}/stop", post(attempts::stop))
        .route("/attempts/{attempt}/retry", post(attempts::retry))
        .route("/attempts/{attempt}/refine", post(attempts::refine))
        .route("/attempts/{attempt}/diff", get(diff::fragment))
        .route("/attempts/{attempt}/comments", post(review::create))
        .route("/attempts/{attempt}/review/send", post(review::send))
        .route("/comments/{comment}/resolve", post(review::resolve))
        .route("/comments/{comment}/delete", post(review::delete))
        .route("/attempts/{attempt}/git/{action}", post(git::action))
        .route("/attempts/{attempt}/preview", get(git::preview))
        .route(
            "/attempts/{attempt}/preview/{action}",
            post(git::preview_action),
        )
}
