//! Review comments in the Changes tab: the open comments shown under the diff
//! lines they are about (`templates/fragments/comment.html`), the form posts that
//! add, resolve and delete one, and "Send review to agent", which turns the open
//! comments into one follow-up (`templates/fragments/review_sent.html`).

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::HeaderValue;
use axum::response::{Html, IntoResponse, Response};
use cadre_app::{AddComment, App};
use cadre_core::{AttemptId, CommentId, DiffSide, ReviewComment};
use serde::Deserialize;

use super::error::{UiResult, render};
use super::fmt::{When, when};
use super::forms::UiForm;
use crate::AppState;
use crate::extract::ApiPath;

/// An open review comment as the diff shows it.
pub(crate) struct CommentItem {
    /// Id.
    pub id: String,
    /// Where it is: `path:line`, with a note when it is on the base version.
    pub place: String,
    /// What the reviewer said.
    pub body: String,
    /// When it was written.
    pub at: When,
}

impl From<ReviewComment> for CommentItem {
    fn from(c: ReviewComment) -> Self {
        let base = match c.side {
            DiffSide::Old => " (base version)",
            DiffSide::New => "",
        };
        Self {
            id: c.id.to_string(),
            place: format!("{}:{}{base}", c.file, c.line),
            body: c.body,
            at: when(c.created_at),
        }
    }
}

/// The open comments of an attempt, by the line they are on, for placing them
/// in the diff. What no line claims is left in the map (their lines are no
/// longer in the diff) and shown apart.
#[derive(Default)]
pub(crate) struct OpenComments {
    by_line: HashMap<(String, DiffSide, u32), Vec<CommentItem>>,
    order: Vec<(String, DiffSide, u32)>,
}

impl OpenComments {
    /// Loads `attempt`'s open comments, oldest first.
    pub(crate) async fn load(app: &App, attempt: AttemptId) -> UiResult<Self> {
        let mut open = Self::default();
        for c in app.comments(attempt).await? {
            if c.is_open() {
                open.push(c);
            }
        }
        Ok(open)
    }

    fn push(&mut self, c: ReviewComment) {
        let key = (c.file.clone(), c.side, c.line);
        if !self.by_line.contains_key(&key) {
            self.order.push(key.clone());
        }
        self.by_line.entry(key).or_default().push(c.into());
    }

    /// How many are open.
    pub(crate) fn len(&self) -> usize {
        self.by_line.values().map(Vec::len).sum()
    }

    /// Takes the comments on `line` of `side` of `file` (each is shown once).
    pub(crate) fn take(
        &mut self,
        file: &str,
        side: DiffSide,
        line: Option<u32>,
    ) -> Vec<CommentItem> {
        line.and_then(|line| self.by_line.remove(&(file.to_owned(), side, line)))
            .unwrap_or_default()
    }

    /// What no line took, in the order they were written.
    pub(crate) fn rest(mut self) -> Vec<CommentItem> {
        let mut rest = vec![];
        for key in self.order {
            if let Some(items) = self.by_line.remove(&key) {
                rest.extend(items);
            }
        }
        rest
    }
}

/// `templates/fragments/comment.html`: one comment, as added.
#[derive(Template)]
#[template(path = "fragments/comment.html")]
struct CommentFragment {
    c: CommentItem,
}

/// The new-comment form.
#[derive(Deserialize)]
pub(crate) struct CommentForm {
    file: String,
    line: i64,
    side: Option<String>,
    body: String,
}

/// `POST /ui/attempts/{attempt}/comments`: adds a comment; answers with it, to
/// take the form's place under its line.
pub(crate) async fn create(
    State(app): State<AppState>,
    ApiPath(attempt): ApiPath<AttemptId>,
    UiForm(form): UiForm<CommentForm>,
) -> UiResult<Html<String>> {
    let input = AddComment {
        file: form.file,
        line: form.line,
        side: form.side,
        body: form.body,
    };
    let comment = app.add_comment(attempt, input).await?;
    render(&CommentFragment { c: comment.into() })
}

/// `POST /ui/comments/{comment}/resolve`: resolves it by hand; the page removes it.
pub(crate) async fn resolve(
    State(app): State<AppState>,
    ApiPath(comment): ApiPath<CommentId>,
) -> UiResult<Html<String>> {
    app.resolve_comment(comment).await?;
    Ok(Html(String::new()))
}

/// `POST /ui/comments/{comment}/delete`: deletes it; the page removes it.
pub(crate) async fn delete(
    State(app): State<AppState>,
    ApiPath(comment): ApiPath<CommentId>,
) -> UiResult<Html<String>> {
    app.delete_comment(comment).await?;
    Ok(Html(String::new()))
}

/// `templates/fragments/review_sent.html`.
#[derive(Template)]
#[template(path = "fragments/review_sent.html")]
struct ReviewSent {
    places: Vec<String>,
    queued: bool,
}

/// `POST /ui/attempts/{attempt}/review/send`: sends the open comments to the
/// agent as one follow-up, says what went, and has the diff reloaded (the sent
/// comments are resolved now).
pub(crate) async fn send(
    State(app): State<AppState>,
    ApiPath(attempt): ApiPath<AttemptId>,
) -> UiResult<Response> {
    let before = app.pending_followups(attempt).await?.len();
    let sent = app.0.send_review(attempt).await?;
    let after = app.pending_followups(attempt).await?.len();
    let places = sent
        .comments
        .into_iter()
        .map(|c| CommentItem::from(c).place)
        .collect();
    let mut response = render(&ReviewSent {
        places,
        queued: after > before,
    })?
    .into_response();
    response
        .headers_mut()
        .insert("hx-trigger", HeaderValue::from_static("diff-changed"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment(file: &str, side: DiffSide, line: u32) -> ReviewComment {
        ReviewComment {
            id: CommentId::new(),
            attempt_id: AttemptId::new(),
            file: file.into(),
            line,
            side,
            body: "b".into(),
            created_at: chrono::DateTime::UNIX_EPOCH,
            resolved_at: None,
        }
    }

    #[test]
    fn comments_are_taken_once_by_their_line_and_the_rest_keeps_its_order() {
        let mut open = OpenComments::default();
        for c in [
            comment("a.rs", DiffSide::New, 3),
            comment("gone.rs", DiffSide::New, 9),
            comment("a.rs", DiffSide::Old, 3),
            comment("a.rs", DiffSide::New, 3),
            comment("gone.rs", DiffSide::Old, 1),
        ] {
            open.push(c);
        }
        assert_eq!(open.len(), 5);
        assert_eq!(open.take("a.rs", DiffSide::New, Some(3)).len(), 2);
        assert!(open.take("a.rs", DiffSide::New, Some(3)).is_empty());
        assert!(open.take("a.rs", DiffSide::Old, None).is_empty());
        assert_eq!(open.take("a.rs", DiffSide::Old, Some(3)).len(), 1);
        let rest: Vec<String> = open.rest().into_iter().map(|c| c.place).collect();
        assert_eq!(rest, ["gone.rs:9", "gone.rs:1 (base version)"]);
    }
}
