//! `/p/{project}`: the board page (optionally with a task's panel open, for deep
//! links) and its live fragment, which the page refetches whenever the board's
//! event stream reports a change.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use cadre_app::{App, TaskQuery};
use cadre_core::{ProjectRef, TaskRef};
use serde::Deserialize;

use super::cards::BoardView;
use super::error::{UiError, UiResult, render};
use super::layout::Layout;
use super::panel::TaskPanel;
use crate::AppState;
use crate::extract::{ApiPath, ApiQuery};
use crate::routes::parse_ref;

/// `templates/board_page.html`.
#[derive(Template)]
#[template(path = "board_page.html")]
struct BoardPage {
    layout: Layout,
    board: BoardView,
    /// The event seq the page was rendered at: the stream resumes after it, so
    /// nothing that happens between render and connect is missed.
    since: i64,
    /// Pre-rendered panel of the task in `?task=`.
    panel: Option<String>,
}

/// `templates/board.html`: the columns, swapped in place on live updates.
#[derive(Template)]
#[template(path = "board.html")]
pub(crate) struct BoardFragment {
    pub(crate) board: BoardView,
}

#[derive(Deserialize)]
pub(crate) struct PageQuery {
    /// A task whose panel is open.
    task: Option<String>,
}

/// Loads a project's board.
pub(crate) async fn load(app: &App, project: &str) -> UiResult<BoardView> {
    let project: ProjectRef = parse_ref(project)?;
    let project = app.project(&project).await?;
    let id = ProjectRef::Id(project.id);
    let tasks = app
        .tasks(&TaskQuery {
            project: Some(id.clone()),
            ..Default::default()
        })
        .await?;
    let attempts = app.latest_attempts(&id).await?;
    Ok(BoardView::new(&project, tasks, attempts))
}

/// `GET /p/{project}`.
pub(crate) async fn page(
    State(app): State<AppState>,
    ApiPath(project): ApiPath<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Response {
    match page_inner(&app, &project, q).await {
        Ok(html) => html.into_response(),
        Err(err) => error_page(err),
    }
}

async fn page_inner(app: &App, project: &str, q: PageQuery) -> UiResult<Html<String>> {
    // Read the seq first: an event after it is either in the render or replayed.
    let since = app.latest_seq().await?;
    let board = load(app, project).await?;
    // A deep link to a task that is gone still shows the board, with the reason
    // in the panel.
    let panel = match q.task.as_deref() {
        Some(task) => Some(match panel_html(app, task).await {
            Ok(html) => html,
            Err(err) => error_fragment(&err),
        }),
        None => None,
    };
    let layout = Layout::load(app, board.name.clone(), Some(&board.key)).await?;
    render(&BoardPage {
        layout,
        board,
        since,
        panel,
    })
}

async fn panel_html(app: &App, task: &str) -> UiResult<String> {
    let task: TaskRef = parse_ref(task)?;
    Ok(render(&TaskPanel::load(app, &task).await?)?.0)
}

/// `templates/fragments/error.html` alone, for embedding in a page.
#[derive(Template)]
#[template(path = "fragments/error.html")]
struct ErrorFragment<'a> {
    message: &'a str,
}

fn error_fragment(err: &UiError) -> String {
    ErrorFragment {
        message: err.message(),
    }
    .render()
    .unwrap_or_default()
}

/// `GET /ui/p/{project}/board`.
pub(crate) async fn fragment(
    State(app): State<AppState>,
    ApiPath(project): ApiPath<String>,
) -> UiResult<Html<String>> {
    let board = load(&app, &project).await?;
    render(&BoardFragment { board })
}

/// `templates/error_page.html`.
#[derive(Template)]
#[template(path = "error_page.html")]
struct ErrorPage {
    layout: Layout,
    message: String,
}

/// A whole page saying what went wrong, with the error's status.
pub(crate) fn error_page(err: UiError) -> Response {
    let page = ErrorPage {
        layout: Layout::bare("Error"),
        message: err.message().to_owned(),
    };
    match render(&page) {
        Ok(html) => (err.status(), html).into_response(),
        Err(e) => e.into_response(),
    }
}
