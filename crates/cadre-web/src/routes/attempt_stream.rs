//! `GET /attempts/{id}/stream`: one attempt's log entries and status changes over SSE.
//!
//! Replays the entries after the client's position (`Last-Event-ID`, else
//! `?after=`, else from the start) without a live subscription, waiting for the
//! client as long as it takes. Then it subscribes, sends the attempt's current
//! status, reads once more what was stored meanwhile, and sends live entries and
//! status changes, skipping entries already sent, so nothing falls between replay
//! and live. Entries are `attempt.log.appended` events whose id is the entry's
//! seq; status changes are `attempt.status` events (no id, so they do not move
//! the resume position). Live events are never waited for: a client whose queue
//! is full (see `outbox.rs`) gets `resync` and the stream ends; it reconnects with
//! `Last-Event-ID`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::response::sse::Event as SseEvent;
use axum::routing::get;
use axum::{Extension, Router};
use cadre_app::{App, LogPage, SubscriptionError};
use cadre_core::{AttemptId, LogEntry};
use serde::Deserialize;
use tokio::sync::broadcast;

use super::outbox::{Offer, Outbox};
use crate::error::ApiResult;
use crate::extract::{ApiPath, ApiQuery, last_event_id};
use crate::wire::LogEntryView;
use crate::{AppState, Shutdown};

/// Entries read from the database per page while replaying.
const REPLAY_PAGE: u32 = 500;
/// Events queued per client at most (see also the byte bound in `outbox.rs`).
const CLIENT_BUFFER: usize = 256;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/attempts/{attempt}/stream", get(stream))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StreamQuery {
    after: Option<i64>,
}

async fn stream(
    State(app): State<AppState>,
    Extension(shutdown): Extension<Shutdown>,
    ApiPath(attempt): ApiPath<AttemptId>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<StreamQuery>,
) -> ApiResult<Response> {
    // 404 before opening a stream for an attempt that does not exist.
    app.attempt(attempt).await?;
    let last_event_id = last_event_id(&headers, "a log entry seq")?;
    let after = last_event_id.or(q.after).unwrap_or(0);
    let (outbox, response) = Outbox::new(CLIENT_BUFFER, &shutdown);
    tokio::spawn(pump(app.0.clone(), attempt, after, outbox));
    Ok(response)
}

fn entry_event(entry: &LogEntry) -> (SseEvent, usize) {
    let data =
        serde_json::to_string(&LogEntryView::from(entry.clone())).unwrap_or_else(|_| "{}".into());
    let size = data.len();
    let sse = SseEvent::default()
        .id(entry.seq.to_string())
        .event("attempt.log.appended")
        .data(data);
    (sse, size)
}

fn status_event(data: String) -> (SseEvent, usize) {
    let size = data.len();
    (SseEvent::default().event("attempt.status").data(data), size)
}

/// Whether `event` is a change of the attempt itself (its payload is the
/// attempt), as opposed to e.g. a review comment on it.
fn is_status(event: &cadre_core::Event) -> bool {
    event.kind.as_str().starts_with("attempt.") && event.payload.get("status").is_some()
}

/// Why a replay stopped early.
enum Stopped {
    /// The client went away, or the database failed.
    Gone,
    /// The client's queue was full; `last` was the last seq queued.
    Full(i64),
}

/// Sends every stored entry after `last`, page by page: waiting for the client
/// (`live == false`) or only as far as its queue has room. Returns the last seq
/// sent.
async fn replay(
    app: &App,
    attempt: AttemptId,
    mut last: i64,
    outbox: &Outbox,
    live: bool,
) -> Result<i64, Stopped> {
    loop {
        let page = app
            .log_entries(attempt, LogPage::After(last), REPLAY_PAGE)
            .await
            .map_err(|_| Stopped::Gone)?;
        for entry in &page {
            let (sse, size) = entry_event(entry);
            if live {
                match outbox.offer(sse, size) {
                    Offer::Queued => {}
                    Offer::Full => return Err(Stopped::Full(last)),
                    Offer::Gone => return Err(Stopped::Gone),
                }
            } else if !outbox.send(sse, size).await {
                return Err(Stopped::Gone);
            }
            last = entry.seq;
        }
        if page.len() < REPLAY_PAGE as usize {
            return Ok(last);
        }
    }
}

/// What the live loop does after offering an event.
enum Next {
    Continue,
    Resync,
    End,
}

fn offered(offer: Offer) -> Next {
    match offer {
        Offer::Queued => Next::Continue,
        Offer::Full => Next::Resync,
        Offer::Gone => Next::End,
    }
}

async fn pump(app: Arc<App>, attempt: AttemptId, after: i64, outbox: Outbox) {
    let Ok(replayed) = replay(&app, attempt, after, &outbox, false).await else {
        return;
    };
    let mut logs = app.subscribe_logs();
    let mut board = app.hub().subscribe();
    // The status as of now (later changes come live), so a client knows at once
    // whether the attempt is already over.
    if let Ok(current) = app.attempt(attempt).await {
        let data = serde_json::to_string(&current.attempt).unwrap_or_else(|_| "{}".into());
        let (sse, size) = status_event(data);
        match offered(outbox.offer(sse, size)) {
            Next::Continue => {}
            Next::Resync => {
                drop((logs, board));
                return outbox.resync(replayed).await;
            }
            Next::End => return,
        }
    }
    let mut last = match replay(&app, attempt, replayed, &outbox, true).await {
        Ok(last) => last,
        Err(Stopped::Full(last)) => {
            drop((logs, board));
            return outbox.resync(last).await;
        }
        Err(Stopped::Gone) => return,
    };
    loop {
        let next = tokio::select! {
            batch = logs.recv() => match batch {
                Ok(batch) if batch.attempt_id == attempt => {
                    let mut next = Next::Continue;
                    for entry in &batch.entries {
                        if entry.seq <= last {
                            continue;
                        }
                        let (sse, size) = entry_event(entry);
                        next = offered(outbox.offer(sse, size));
                        if !matches!(next, Next::Continue) {
                            break;
                        }
                        last = entry.seq;
                    }
                    next
                }
                Ok(_) => Next::Continue,
                Err(broadcast::error::RecvError::Lagged(_)) => Next::Resync,
                Err(broadcast::error::RecvError::Closed) => Next::End,
            },
            event = board.recv() => match event {
                Ok(event) if event.attempt_id == Some(attempt) && is_status(&event) => {
                    let data = serde_json::to_string(&event.payload).unwrap_or_else(|_| "{}".into());
                    let (sse, size) = status_event(data);
                    offered(outbox.offer(sse, size))
                }
                Ok(_) => Next::Continue,
                Err(SubscriptionError::Lagged { .. }) => Next::Resync,
                Err(SubscriptionError::Closed) => Next::End,
            },
            () = outbox.closed() => Next::End,
        };
        match next {
            Next::Continue => {}
            Next::Resync => {
                drop((logs, board));
                return outbox.resync(last).await;
            }
            Next::End => return,
        }
    }
}
