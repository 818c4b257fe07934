//! `/projects`: add a repository, list, show, change, remove.

use std::path::PathBuf;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use cadre_app::AddProject;
use cadre_core::{ProjectPatch, ProjectRef};
use serde::Deserialize;

use super::parse_ref;
use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath};
use crate::wire::{ProjectView, double_option};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/projects", get(list).post(create))
        .route(
            "/projects/{project}",
            get(show).patch(update).delete(remove),
        )
}

/// Body of `POST /projects`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateProject {
    repo_path: PathBuf,
    key: String,
    name: Option<String>,
    base_branch: Option<String>,
    #[serde(default)]
    init: bool,
    setup_script: Option<String>,
    cleanup_script: Option<String>,
    dev_script: Option<String>,
    copy_files: Option<Vec<String>>,
    verify_commands: Option<Vec<Vec<String>>>,
    default_agent: Option<String>,
    auto_commit: Option<bool>,
    allow_setup_failure: Option<bool>,
    instructions: Option<String>,
}

/// Body of `PATCH /projects/{project}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateProject {
    name: Option<String>,
    base_branch: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    setup_script: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    cleanup_script: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    dev_script: Option<Option<String>>,
    copy_files: Option<Vec<String>>,
    verify_commands: Option<Vec<Vec<String>>>,
    #[serde(default, deserialize_with = "double_option")]
    default_agent: Option<Option<String>>,
    auto_commit: Option<bool>,
    allow_setup_failure: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    instructions: Option<Option<String>>,
}

async fn create(
    State(app): State<AppState>,
    ApiJson(body): ApiJson<CreateProject>,
) -> ApiResult<(StatusCode, Json<ProjectView>)> {
    let input = AddProject {
        repo_path: body.repo_path,
        key: body.key,
        name: body.name,
        base_branch: body.base_branch,
        init: body.init,
        settings: ProjectPatch {
            setup_script: Some(body.setup_script),
            cleanup_script: Some(body.cleanup_script),
            dev_script: Some(body.dev_script),
            copy_files: body.copy_files,
            verify_commands: body.verify_commands,
            default_agent: Some(body.default_agent),
            auto_commit: body.auto_commit,
            allow_setup_failure: body.allow_setup_failure,
            instructions: Some(body.instructions),
            ..Default::default()
        },
    };
    let project = app.add_project(input).await?;
    Ok((StatusCode::CREATED, Json(project.into())))
}

async fn list(State(app): State<AppState>) -> ApiResult<Json<Vec<ProjectView>>> {
    let projects = app.projects().await?;
    Ok(Json(projects.into_iter().map(Into::into).collect()))
}

async fn show(
    State(app): State<AppState>,
    ApiPath(project): ApiPath<String>,
) -> ApiResult<Json<ProjectView>> {
    let project: ProjectRef = parse_ref(&project)?;
    Ok(Json(app.project(&project).await?.into()))
}

async fn update(
    State(app): State<AppState>,
    ApiPath(project): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateProject>,
) -> ApiResult<Json<ProjectView>> {
    let project: ProjectRef = parse_ref(&project)?;
    let patch = ProjectPatch {
        name: body.name,
        base_branch: body.base_branch,
        setup_script: body.setup_script,
        cleanup_script: body.cleanup_script,
        dev_script: body.dev_script,
        copy_files: body.copy_files,
        verify_commands: body.verify_commands,
        default_agent: body.default_agent,
        auto_commit: body.auto_commit,
        allow_setup_failure: body.allow_setup_failure,
        instructions: body.instructions,
    };
    Ok(Json(app.update_project(&project, patch).await?.into()))
}

async fn remove(
    State(app): State<AppState>,
    ApiPath(project): ApiPath<String>,
) -> ApiResult<Json<ProjectView>> {
    let project: ProjectRef = parse_ref(&project)?;
    Ok(Json(app.delete_project(&project).await?.into()))
}
