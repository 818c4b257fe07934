//! The start-attempt dialog (`templates/start_attempt.html`): agent, profile,
//! base branch, extra instructions and images. It posts a multipart form (text
//! fields and image files); the images are stored first, then the attempt
//! starts with their ids and the page opens it.

use askama::Template;
use axum::extract::{FromRequest, Request, State};
use axum::response::{Html, Response};
use cadre_app::StartAttempt;
use cadre_core::{ProjectRef, TaskRef};
use serde::Deserialize;

use super::attempts::stored_images;
use super::error::{UiResult, render};
use super::forms::{UiForm, non_blank, redirect};
use crate::AppState;
use crate::extract::ApiPath;
use crate::routes::parse_ref;
use crate::upload::{is_multipart, read_form_with};

/// The dialog's text fields, besides its images.
const START_FIELDS: &[&str] = &["agent", "profile", "base_branch", "prompt"];

/// `templates/start_attempt.html`.
#[derive(Template)]
#[template(path = "start_attempt.html")]
struct StartDialog {
    task: String,
    title: String,
    agents: Vec<Choice>,
    profiles: Vec<Choice>,
    base_branch: String,
}

/// An option of a select.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// `GET /ui/tasks/{task}/start`: the start-attempt dialog.
pub(crate) async fn start_form(
    State(app): State<AppState>,
    ApiPath(task): ApiPath<String>,
) -> UiResult<Html<String>> {
    let task: TaskRef = parse_ref(&task)?;
    let task = app.task(&task).await?;
    let project = app.project(&ProjectRef::Id(task.project_id)).await?;
    let profiles = app
        .profiles(Some(&ProjectRef::Id(project.id)))
        .await?
        .into_iter()
        .map(|p| Choice {
            label: format!("{} ({})", p.name, p.agent),
            value: p.name,
            selected: false,
        })
        .collect();
    let found = app.agents().await?;
    let preferred = project
        .default_agent
        .clone()
        .or_else(|| {
            found
                .iter()
                .find(|a| a.installed && a.id.to_string() != "command")
                .map(|a| a.id.to_string())
        })
        .unwrap_or_default();
    let mut agents: Vec<Choice> = found
        .into_iter()
        .map(|a| {
            let id = a.id.to_string();
            let label = match (a.installed, &a.version) {
                (true, Some(v)) => format!("{} — {v}", a.name),
                (true, None) => a.name.to_owned(),
                (false, _) => format!("{} (not found)", a.name),
            };
            Choice {
                selected: id == preferred,
                value: id,
                label,
            }
        })
        .collect();
    // Installed agents first.
    agents.sort_by_key(|a| a.label.ends_with("(not found)"));
    render(&StartDialog {
        task: task.key.to_string(),
        title: task.title,
        agents,
        profiles,
        base_branch: project.base_branch,
    })
}

#[derive(Deserialize)]
pub(crate) struct StartForm {
    agent: Option<String>,
    profile: Option<String>,
    base_branch: Option<String>,
    prompt: Option<String>,
}

/// `POST /ui/tasks/{task}/start`: stores the dialog's images, starts an attempt
/// with them, and opens it. A urlencoded form (no images) works too.
pub(crate) async fn start(
    State(app): State<AppState>,
    ApiPath(task): ApiPath<String>,
    request: Request,
) -> UiResult<Response> {
    let task: TaskRef = parse_ref(&task)?;
    let headers = request.headers().clone();
    let (form, files) = if is_multipart(&headers) {
        let form = read_form_with(request, START_FIELDS).await?;
        let fields = StartForm {
            agent: form.field("agent"),
            profile: form.field("profile"),
            base_branch: form.field("base_branch"),
            prompt: form.field("prompt"),
        };
        (fields, form.files)
    } else {
        let UiForm(form) = UiForm::<StartForm>::from_request(request, &()).await?;
        (form, vec![])
    };
    // A 404 before storing images for a task that does not exist.
    app.task(&task).await?;
    let input = StartAttempt {
        agent: non_blank(form.agent),
        profile: non_blank(form.profile),
        prompt: non_blank(form.prompt),
        base_branch: non_blank(form.base_branch),
        attachments: stored_images(&app, files).await?,
    };
    let attempt = app.0.start_attempt(&task, input).await?;
    Ok(redirect(&headers, &format!("/a/{}", attempt.id)))
}
