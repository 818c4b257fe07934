//! `/agents` and `/profiles`: which agent CLIs exist here, and named configurations of them.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use cadre_core::{Profile, ProjectRef};
use serde::Deserialize;

use super::parse_ref;
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::wire::{AgentView, ProfileView};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/agents", get(agents))
        .route("/profiles", get(list).post(save))
        .route("/profiles/{name}", delete(remove))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileBody {
    name: String,
    agent: String,
    project: Option<String>,
    model: Option<String>,
    #[serde(default)]
    args: Vec<String>,
    #[serde(default)]
    env: Vec<String>,
    timeout_secs: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScopeQuery {
    project: Option<String>,
}

async fn agents(State(app): State<AppState>) -> ApiResult<Json<Vec<AgentView>>> {
    let found = app.agents().await?;
    Ok(Json(
        found
            .into_iter()
            .map(|a| AgentView {
                id: a.id.to_string(),
                name: a.name.to_owned(),
                installed: a.installed,
                path: a.path.map(|p| p.display().to_string()),
                version: a.version,
            })
            .collect(),
    ))
}

async fn save(
    State(app): State<AppState>,
    ApiJson(body): ApiJson<ProfileBody>,
) -> ApiResult<(StatusCode, Json<ProfileView>)> {
    let project: Option<ProjectRef> = body.project.as_deref().map(parse_ref).transpose()?;
    let env = body
        .env
        .iter()
        .map(|pair| {
            pair.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| {
                    ApiError::bad_request(format!("env entry `{pair}` must be KEY=VALUE"))
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let profile = Profile {
        name: body.name,
        project_id: None,
        agent: body.agent,
        model: body.model,
        args: body.args,
        env,
        timeout_secs: body.timeout_secs,
    };
    let saved = app.save_profile(profile, project.as_ref()).await?;
    Ok((StatusCode::CREATED, Json(saved.into())))
}

async fn list(
    State(app): State<AppState>,
    ApiQuery(q): ApiQuery<ScopeQuery>,
) -> ApiResult<Json<Vec<ProfileView>>> {
    let project: Option<ProjectRef> = q.project.as_deref().map(parse_ref).transpose()?;
    let profiles = app.profiles(project.as_ref()).await?;
    Ok(Json(profiles.into_iter().map(Into::into).collect()))
}

async fn remove(
    State(app): State<AppState>,
    ApiPath(name): ApiPath<String>,
    ApiQuery(q): ApiQuery<ScopeQuery>,
) -> ApiResult<StatusCode> {
    let project: Option<ProjectRef> = q.project.as_deref().map(parse_ref).transpose()?;
    app.delete_profile(&name, project.as_ref()).await?;
    Ok(StatusCode::NO_CONTENT)
}
