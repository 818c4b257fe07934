//! `/`: where a new user learns how to add a project (and where "Add a project"
//! leads), and the form post that adds one.

use std::path::PathBuf;

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use cadre_app::AddProject;
use serde::Deserialize;

use super::error::{UiResult, render};
use super::forms::{UiForm, checked, non_blank, redirect};
use super::layout::Layout;
use crate::AppState;
use crate::extract::ApiQuery;

/// `templates/home.html`.
#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
}

#[derive(Deserialize)]
pub(crate) struct HomeQuery {
    /// Show the form even when projects exist.
    add: Option<String>,
}

/// `GET /`: the first project's board, or the page to add one.
pub(crate) async fn home(
    State(app): State<AppState>,
    ApiQuery(q): ApiQuery<HomeQuery>,
) -> UiResult<Response> {
    let layout = Layout::load(&app, "Projects".into(), None).await?;
    if q.add.is_none()
        && let Some(first) = layout.projects.first()
    {
        return Ok(Redirect::to(&format!("/p/{}", first.key)).into_response());
    }
    Ok(render(&HomePage { layout })?.into_response())
}

/// The add-project form.
#[derive(Deserialize)]
pub(crate) struct ProjectForm {
    repo_path: String,
    key: String,
    name: Option<String>,
    init: Option<String>,
}

/// `POST /ui/projects`: adds the project and opens its board.
pub(crate) async fn create(
    State(app): State<AppState>,
    headers: HeaderMap,
    UiForm(form): UiForm<ProjectForm>,
) -> UiResult<Response> {
    let input = AddProject {
        repo_path: PathBuf::from(form.repo_path.trim()),
        // Keys are upper case; accept what people type.
        key: form.key.trim().to_ascii_uppercase(),
        name: non_blank(form.name),
        init: checked(&form.init),
        ..Default::default()
    };
    let project = app.add_project(input).await?;
    Ok(redirect(&headers, &format!("/p/{}", project.key)))
}
