//! `/goals` and `/projects/{project}/goals`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use cadre_app::GoalFilter;
use cadre_core::{GoalId, GoalPatch, GoalStatus, NewGoal, ProjectRef};
use serde::Deserialize;

use super::parse_ref;
use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::wire::GoalView;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/goals", get(list))
        .route("/projects/{project}/goals", post(create))
        .route("/goals/{goal}", get(show).patch(update).delete(remove))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateGoal {
    title: String,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateGoal {
    title: Option<String>,
    description: Option<String>,
    status: Option<GoalStatus>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    project: Option<String>,
    status: Option<GoalStatus>,
}

async fn create(
    State(app): State<AppState>,
    ApiPath(project): ApiPath<String>,
    ApiJson(body): ApiJson<CreateGoal>,
) -> ApiResult<(StatusCode, Json<GoalView>)> {
    let project: ProjectRef = parse_ref(&project)?;
    let goal = app
        .add_goal(
            &project,
            NewGoal {
                title: body.title,
                description: body.description,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(goal.into())))
}

async fn list(
    State(app): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Vec<GoalView>>> {
    let filter = GoalFilter {
        project: q.project.as_deref().map(parse_ref).transpose()?,
        status: q.status,
    };
    let goals = app.goals(&filter).await?;
    Ok(Json(goals.into_iter().map(Into::into).collect()))
}

async fn show(
    State(app): State<AppState>,
    ApiPath(goal): ApiPath<GoalId>,
) -> ApiResult<Json<GoalView>> {
    Ok(Json(app.goal(goal).await?.into()))
}

async fn update(
    State(app): State<AppState>,
    ApiPath(goal): ApiPath<GoalId>,
    ApiJson(body): ApiJson<UpdateGoal>,
) -> ApiResult<Json<GoalView>> {
    let patch = GoalPatch {
        title: body.title,
        description: body.description,
        status: body.status,
    };
    Ok(Json(app.update_goal(goal, patch).await?.into()))
}

async fn remove(
    State(app): State<AppState>,
    ApiPath(goal): ApiPath<GoalId>,
) -> ApiResult<Json<GoalView>> {
    Ok(Json(app.delete_goal(goal).await?.into()))
}
