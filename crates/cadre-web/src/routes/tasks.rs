//! `/tasks` and `/projects/{project}/tasks`: create, list, show, edit, move, delete,
//! dependencies and history.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use axum::routing::{delete, get, post};
use axum::{Extension, Json, Router};
use cadre_app::{AddTask, MoveTask, TaskQuery};
use cadre_core::{Actor, GoalId, Priority, ProjectRef, TaskCursor, TaskPatch, TaskRef, TaskStatus};
use serde::Deserialize;

use super::list_cache::{Cached, ListCache};
use super::parse_ref;
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::wire::{TaskView, TransitionView, double_option};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/tasks", get(list))
        .route(
            "/projects/{project}/tasks",
            get(list_in_project).post(create),
        )
        .route("/tasks/{task}", get(show).patch(update).delete(remove))
        .route("/tasks/{task}/move", post(move_task))
        .route("/tasks/{task}/transitions", get(transitions))
        .route("/tasks/{task}/dependencies", post(add_dependency))
        .route(
            "/tasks/{task}/dependencies/{depends_on}",
            delete(remove_dependency),
        )
}

/// Body of `POST /projects/{project}/tasks`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateTask {
    title: String,
    #[serde(default)]
    description: String,
    status: Option<TaskStatus>,
    #[serde(default)]
    priority: Priority,
    #[serde(default)]
    labels: Vec<String>,
    parent: Option<String>,
    goal_id: Option<GoalId>,
    #[serde(default)]
    depends_on: Vec<String>,
}

/// Body of `PATCH /tasks/{task}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateTask {
    title: Option<String>,
    description: Option<String>,
    priority: Option<Priority>,
    labels: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    parent: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    goal_id: Option<Option<GoalId>>,
}

/// Body of `POST /tasks/{task}/move`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MoveBody {
    status: TaskStatus,
    position: Option<i64>,
    reason: Option<String>,
}

/// Body of `POST /tasks/{task}/dependencies`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DependencyBody {
    depends_on: String,
}

/// Query of the list endpoints. `status` takes a comma-separated list; `limit`
/// and `cursor` page through the list (see [`DEFAULT_PAGE`]).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    project: Option<String>,
    status: Option<String>,
    goal: Option<GoalId>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// Tasks per page when the request names no `limit`. A 10,000-task project in
/// one answer is megabytes of JSON and hundreds of milliseconds of server time;
/// clients follow the `next` link for more.
const DEFAULT_PAGE: u32 = 100;

fn statuses(raw: Option<&str>) -> ApiResult<Vec<TaskStatus>> {
    raw.into_iter()
        .flat_map(|s| s.split(','))
        .filter(|s| !s.trim().is_empty())
        .map(parse_ref)
        .collect()
}

fn refs(raw: &[String]) -> ApiResult<Vec<TaskRef>> {
    raw.iter().map(|r| parse_ref(r)).collect()
}

async fn list(
    State(app): State<AppState>,
    Extension(cache): Extension<Arc<ListCache>>,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Response> {
    let query = TaskQuery {
        project: q.project.as_deref().map(parse_ref).transpose()?,
        statuses: statuses(q.status.as_deref())?,
        goal_id: q.goal,
    };
    page(&app, &cache, &uri, query, &q).await
}

async fn list_in_project(
    State(app): State<AppState>,
    Extension(cache): Extension<Arc<ListCache>>,
    OriginalUri(uri): OriginalUri,
    ApiPath(project): ApiPath<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Response> {
    let query = TaskQuery {
        project: Some(parse_ref(&project)?),
        statuses: statuses(q.status.as_deref())?,
        goal_id: q.goal,
    };
    page(&app, &cache, &uri, query, &q).await
}

/// One page of `query` as a JSON array, with a `Link: <…>; rel="next"` header
/// when there is more; from the cache while nothing was written since it was
/// read (see `list_cache.rs`). An unknown project is a 404, not an empty list.
async fn page(
    app: &AppState,
    cache: &ListCache,
    uri: &Uri,
    query: TaskQuery,
    q: &ListQuery,
) -> ApiResult<Response> {
    let after: Option<TaskCursor> = q.cursor.as_deref().map(parse_ref).transpose()?;
    let limit = q.limit.unwrap_or(DEFAULT_PAGE);
    let key = uri.to_string();
    // Read before the store, so that a write racing with this read leaves an
    // entry under a version that is already over.
    let version = app.data_version();
    let answer = match cache.get(&key, version) {
        Some(hit) => hit,
        None => {
            let page = app.task_page(&query, after.as_ref(), limit).await?;
            let views: Vec<TaskView> = page.tasks.into_iter().map(Into::into).collect();
            let body = serde_json::to_vec(&views).map_err(|e| {
                ApiError::from(cadre_app::AppError::Internal(format!(
                    "encoding a task list: {e}"
                )))
            })?;
            let link = page.next.and_then(|next| {
                let url = next_url(uri.path(), &query, q, limit, &next);
                HeaderValue::from_str(&format!("<{url}>; rel=\"next\"")).ok()
            });
            let answer = Cached {
                body: body.into(),
                link,
            };
            cache.put(&key, version, answer.clone());
            answer
        }
    };
    let mut response = Response::new(Body::from(answer.body));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(link) = answer.link {
        headers.insert(header::LINK, link);
    }
    Ok(response)
}

/// The URL of the page after `next`, with the same filters. Every value in it was
/// parsed already, so it is printed from its parsed form and needs no escaping.
fn next_url(path: &str, query: &TaskQuery, q: &ListQuery, limit: u32, next: &TaskCursor) -> String {
    let mut url = format!("{path}?limit={limit}&cursor={next}");
    if let (Some(project), Some(_)) = (&query.project, &q.project) {
        url.push_str(&format!("&project={project}"));
    }
    if !query.statuses.is_empty() {
        let list: Vec<&str> = query.statuses.iter().map(|s| s.as_str()).collect();
        url.push_str(&format!("&status={}", list.join(",")));
    }
    if let Some(goal) = query.goal_id {
        url.push_str(&format!("&goal={goal}"));
    }
    url
}

async fn create(
    State(app): State<AppState>,
    ApiPath(project): ApiPath<String>,
    ApiJson(body): ApiJson<CreateTask>,
) -> ApiResult<(StatusCode, Json<TaskView>)> {
    let project: ProjectRef = parse_ref(&project)?;
    let input = AddTask {
        title: body.title,
        description: body.description,
        status: body.status,
        priority: body.priority,
        labels: body.labels,
        parent: body.parent.as_deref().map(parse_ref).transpose()?,
        goal_id: body.goal_id,
        depends_on: refs(&body.depends_on)?,
    };
    let task = app.add_task(&project, input).await?;
    Ok((StatusCode::CREATED, Json(task.into())))
}

async fn show(
    State(app): State<AppState>,
    ApiPath(task): ApiPath<String>,
) -> ApiResult<Json<TaskView>> {
    let task: TaskRef = parse_ref(&task)?;
    Ok(Json(app.task(&task).await?.into()))
}

async fn update(
    State(app): State<AppState>,
    ApiPath(task): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateTask>,
) -> ApiResult<Json<TaskView>> {
    let task: TaskRef = parse_ref(&task)?;
    let parent_id = match body.parent {
        None => None,
        Some(None) => Some(None),
        Some(Some(parent)) => Some(Some(app.task_id(&parse_ref(&parent)?).await?)),
    };
    let patch = TaskPatch {
        title: body.title,
        description: body.description,
        priority: body.priority,
        labels: body.labels,
        parent_id,
        goal_id: body.goal_id,
    };
    Ok(Json(app.update_task(&task, patch).await?.into()))
}

async fn move_task(
    State(app): State<AppState>,
    ApiPath(task): ApiPath<String>,
    ApiJson(body): ApiJson<MoveBody>,
) -> ApiResult<Json<TaskView>> {
    let task: TaskRef = parse_ref(&task)?;
    if body.position.is_some_and(|p| p < 0) {
        return Err(ApiError::bad_request("position must be 0 or more"));
    }
    let request = MoveTask {
        status: body.status,
        position: body.position,
        actor: Actor::User,
        reason: body.reason,
    };
    Ok(Json(app.move_task(&task, request).await?.into()))
}

async fn transitions(
    State(app): State<AppState>,
    ApiPath(task): ApiPath<String>,
) -> ApiResult<Json<Vec<TransitionView>>> {
    let task: TaskRef = parse_ref(&task)?;
    let history = app.task_transitions(&task).await?;
    Ok(Json(history.into_iter().map(Into::into).collect()))
}

async fn remove(
    State(app): State<AppState>,
    ApiPath(task): ApiPath<String>,
) -> ApiResult<Json<TaskView>> {
    let task: TaskRef = parse_ref(&task)?;
    Ok(Json(app.delete_task(&task).await?.into()))
}

async fn add_dependency(
    State(app): State<AppState>,
    ApiPath(task): ApiPath<String>,
    ApiJson(body): ApiJson<DependencyBody>,
) -> ApiResult<Json<TaskView>> {
    let task: TaskRef = parse_ref(&task)?;
    let dep: TaskRef = parse_ref(&body.depends_on)?;
    Ok(Json(app.add_dependency(&task, &dep).await?.into()))
}

async fn remove_dependency(
    State(app): State<AppState>,
    ApiPath((task, depends_on)): ApiPath<(String, String)>,
) -> ApiResult<Json<TaskView>> {
    let task: TaskRef = parse_ref(&task)?;
    let dep: TaskRef = parse_ref(&depends_on)?;
    Ok(Json(app.remove_dependency(&task, &dep).await?.into()))
}
