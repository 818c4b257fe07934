//! `/a/{attempt}`: an attempt's page (header, live conversation, follow-up
//! composer), its fragments (the header, pages of entries), and stop, retry,
//! refine and follow-up (text and images). The start dialog is in `start.rs`.

use askama::Template;
use axum::extract::{FromRequest, Request, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use cadre_app::{App, FollowUp, LogPage};
use cadre_core::{AttachmentId, AttemptId, AttemptStatus, TaskRef};
use serde::Deserialize;

use super::board::error_page;
use super::cards::PrBadge;
use super::conversation::{EntryView, entries as entry_views};
use super::error::{UiError, UiResult, render};
use super::fmt::{When, duration, tokens, when};
use super::forms::{UiForm, redirect};
use super::layout::Layout;
use crate::AppState;
use crate::extract::{ApiPath, ApiQuery};
use crate::upload::{is_multipart, read_form};

/// Entries in the first page and in each older page.
const PAGE: u32 = 200;
/// Entries per live fetch; more than this and the page asks again at once.
const LIVE_PAGE: u32 = 500;

/// The attempt's header (`templates/attempt_header.html`), refreshed on every
/// event of the attempt.
#[derive(Template)]
#[template(path = "attempt_header.html")]
pub(crate) struct AttemptHeader {
    /// Id.
    pub id: String,
    /// Short id.
    pub short: String,
    /// Project key.
    pub project: String,
    /// Task key.
    pub task_key: String,
    /// Task title.
    pub task_title: String,
    /// Agent id.
    pub agent: String,
    /// Profile name.
    pub profile: String,
    /// Status name.
    pub status: &'static str,
    /// Queued, running or stopping.
    pub live: bool,
    /// Work branch.
    pub branch: String,
    /// Base branch.
    pub base_branch: String,
    /// Run time.
    pub duration: String,
    /// Created.
    pub created: When,
    /// Why it failed or stopped.
    pub failure_reason: String,
    /// A non-failure warning.
    pub warning: String,
    /// Tokens and cost, when reported.
    pub usage: String,
    /// Log length.
    pub log_len: i64,
    /// Whether its worktree still exists.
    pub has_worktree: bool,
    /// Its pull request.
    pub pr: Option<PrBadge>,
    /// The attempt it refines.
    pub parent: String,
    /// Follow-ups waiting for the turn to end.
    pub queued: Vec<String>,
}

/// `templates/attempt_page.html`.
#[derive(Template)]
#[template(path = "attempt_page.html")]
struct AttemptPage {
    layout: Layout,
    id: String,
    /// The rendered header (also served alone for live refreshes).
    header: String,
    entries: Vec<EntryView>,
    start: bool,
    last_seq: i64,
}

/// `templates/entries.html`.
#[derive(Template)]
#[template(path = "entries.html")]
struct EntriesFragment {
    entries: Vec<EntryView>,
    start: bool,
}

/// A cost, with cents unless it is less than one.
fn dollars(cost: f64) -> String {
    if cost < 0.01 {
        format!(" · ${cost:.4}")
    } else {
        format!(" · ${cost:.2}")
    }
}

async fn header_of(app: &App, id: AttemptId) -> UiResult<AttemptHeader> {
    let detail = app.attempt(id).await?;
    let a = detail.attempt;
    let task = app.task(&TaskRef::Id(a.task_id)).await?;
    let usage = app.usage_totals(id).await?;
    let queued = app.pending_followups(id).await?;
    let usage = if usage.reports == 0 {
        String::new()
    } else {
        let cost = usage.cost_usd.map(dollars).unwrap_or_default();
        format!(
            "{} in · {} out{cost}",
            tokens(usage.input_tokens),
            tokens(usage.output_tokens)
        )
    };
    Ok(AttemptHeader {
        id: a.id.to_string(),
        short: a.id.short(),
        project: task.key.project.to_string(),
        task_key: task.key.to_string(),
        task_title: task.title,
        profile: a.profile.unwrap_or_default(),
        status: a.status.as_str(),
        live: matches!(
            a.status,
            AttemptStatus::Queued | AttemptStatus::Running | AttemptStatus::Stopping
        ),
        branch: a.branch.unwrap_or_default(),
        base_branch: a.base_branch,
        duration: duration(a.started_at, a.finished_at),
        created: when(a.created_at),
        failure_reason: a.failure_reason.unwrap_or_default(),
        warning: a.warning.unwrap_or_default(),
        usage,
        log_len: detail.log_len,
        has_worktree: a.worktree_path.is_some(),
        pr: a.pull_request.map(|pr| PrBadge {
            label: pr
                .number
                .map(|n| format!("#{n}"))
                .unwrap_or_else(|| "PR".into()),
            state: pr.state.as_str(),
            url: pr.url,
        }),
        parent: a
            .parent_attempt_id
            .map(|p| p.to_string())
            .unwrap_or_default(),
        queued: queued.into_iter().map(|f| f.text).collect(),
        agent: a.agent,
    })
}

/// `GET /a/{attempt}`.
pub(crate) async fn page(
    State(app): State<AppState>,
    ApiPath(attempt): ApiPath<String>,
) -> Response {
    let result = async {
        let id: AttemptId = attempt
            .parse()
            .map_err(|_| UiError::not_found(format!("`{attempt}` is not an attempt id")))?;
        let h = header_of(&app, id).await?;
        let page = app.log_entries(id, LogPage::Latest, PAGE).await?;
        let root = app.attempt(id).await?.attempt.worktree_path;
        let start = page.first().is_none_or(|e| e.seq <= 1);
        let last_seq = page.last().map_or(0, |e| e.seq);
        let title = format!("{} · {}", h.task_key, h.agent);
        let layout = Layout::load(&app, title, Some(&h.project)).await?;
        render(&AttemptPage {
            layout,
            id: h.id.clone(),
            header: render(&h)?.0,
            entries: entry_views(page, root.as_deref()),
            start,
            last_seq,
        })
    }
    .await;
    match result {
        Ok(html) => html.into_response(),
        Err(err) => error_page(err),
    }
}

/// `GET /ui/attempts/{attempt}/header`.
pub(crate) async fn header(
    State(app): State<AppState>,
    ApiPath(attempt): ApiPath<AttemptId>,
) -> UiResult<Html<String>> {
    render(&header_of(&app, attempt).await?)
}

#[derive(Deserialize)]
pub(crate) struct EntriesQuery {
    after: Option<i64>,
    before: Option<i64>,
}

/// `GET /ui/attempts/{attempt}/entries?after=SEQ|before=SEQ`: new entries for
/// the live view, or an older page for scrolling back.
pub(crate) async fn entries(
    State(app): State<AppState>,
    ApiPath(attempt): ApiPath<AttemptId>,
    ApiQuery(q): ApiQuery<EntriesQuery>,
) -> UiResult<Response> {
    let (page, limit) = match (q.after, q.before) {
        (Some(after), None) => (LogPage::After(after), LIVE_PAGE),
        (None, Some(before)) => (LogPage::Before(before), PAGE),
        _ => return Err(UiError::bad_request("give either `after` or `before`")),
    };
    let found = app.log_entries(attempt, page, limit).await?;
    let root = app.attempt(attempt).await?.attempt.worktree_path;
    let full = found.len() == limit as usize;
    let start = matches!(page, LogPage::Before(_)) && found.first().is_none_or(|e| e.seq <= 1);
    let html = render(&EntriesFragment {
        entries: entry_views(found, root.as_deref()),
        start,
    })?;
    let mut response = html.into_response();
    if full && matches!(page, LogPage::After(_)) {
        // More are waiting: the live fetcher listens for this and asks again.
        response
            .headers_mut()
            .insert("hx-trigger", axum::http::HeaderValue::from_static("more"));
    }
    Ok(response)
}

#[derive(Deserialize)]
pub(crate) struct FollowUpForm {
    text: String,
}

/// The images of a multipart UI form, stored; none for a urlencoded one.
pub(super) async fn stored_images(app: &App, files: Vec<Vec<u8>>) -> UiResult<Vec<AttachmentId>> {
    if files.is_empty() {
        return Ok(vec![]);
    }
    let stored = app.save_attachments(files).await?;
    Ok(stored.into_iter().map(|a| a.id).collect())
}

/// `templates/fragments/followup_sent.html`.
#[derive(Template)]
#[template(path = "fragments/followup_sent.html")]
struct FollowUpSent {
    queued: bool,
}

/// `POST /ui/attempts/{attempt}/followups`: text, and images when the form is
/// multipart (the composer); says whether it was sent or queued.
pub(crate) async fn follow_up(
    State(app): State<AppState>,
    ApiPath(attempt): ApiPath<AttemptId>,
    request: Request,
) -> UiResult<Html<String>> {
    let (text, files) = if is_multipart(request.headers()) {
        let form = read_form(request).await?;
        (form.text.unwrap_or_default(), form.files)
    } else {
        let UiForm(form) = UiForm::<FollowUpForm>::from_request(request, &()).await?;
        (form.text, vec![])
    };
    // A 404 before storing images for an attempt that does not exist.
    app.attempt(attempt).await?;
    let before = app.pending_followups(attempt).await?.len();
    let attachments = stored_images(&app, files).await?;
    app.0
        .follow_up_with(attempt, FollowUp { text, attachments })
        .await?;
    let after = app.pending_followups(attempt).await?.len();
    render(&FollowUpSent {
        queued: after > before,
    })
}

/// `POST /ui/attempts/{attempt}/stop`.
pub(crate) async fn stop(
    State(app): State<AppState>,
    ApiPath(attempt): ApiPath<AttemptId>,
) -> UiResult<Html<String>> {
    app.stop_attempt(attempt).await?;
    render(&header_of(&app, attempt).await?)
}

/// `POST /ui/attempts/{attempt}/retry`.
pub(crate) async fn retry(
    State(app): State<AppState>,
    ApiPath(attempt): ApiPath<AttemptId>,
) -> UiResult<Html<String>> {
    app.0.retry_attempt(attempt).await?;
    render(&header_of(&app, attempt).await?)
}

#[derive(Deserialize)]
pub(crate) struct RefineForm {
    prompt: String,
}

/// `POST /ui/attempts/{attempt}/refine`: starts the refining attempt and opens it.
pub(crate) async fn refine(
    State(app): State<AppState>,
    headers: HeaderMap,
    ApiPath(attempt): ApiPath<AttemptId>,
    UiForm(form): UiForm<RefineForm>,
) -> UiResult<Response> {
    let refined = app.0.refine_attempt(attempt, &form.prompt).await?;
    Ok(redirect(&headers, &format!("/a/{}", refined.id)))
}
