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

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};
use bytes::BytesMut;
use cadre_app::{App, LogPage, SubscriptionError};
use cadre_core::{AttemptId, LogEntry};
use serde::Deserialize;
use tokio::sync::broadcast;

use super::outbox::{Offer, Outbox, append_frame, frame};
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

/// Appends the frame of one log entry (its seq is the event id) to `out`.
fn append_entry(out: &mut BytesMut, entry: &LogEntry) {
    let data =
        serde_json::to_string(&LogEntryView::from(entry.clone())).unwrap_or_else(|_| "{}".into());
    append_frame(out, Some(entry.seq), "attempt.log.appended", &data);
}

fn entry_frame(entry: &LogEntry) -> Bytes {
    let mut out = BytesMut::new();
    append_entry(&mut out, entry);
    out.freeze()
}

fn status_frame(data: &str) -> Bytes {
    frame(None, "attempt.status", data)
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
            let frame = entry_frame(entry);
            if live {
                match outbox.offer(frame) {
                    Offer::Queued => {}
                    Offer::Full => return Err(Stopped::Full(last)),
                    Offer::Gone => return Err(Stopped::Gone),
                }
            } else if !outbox.send(frame).await {
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
        match offered(outbox.offer(status_frame(&data))) {
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
                    // One frame chunk per stored batch: one write, not one per entry.
                    let mut chunk = BytesMut::new();
                    let mut newest = last;
                    for entry in batch.entries.iter().filter(|e| e.seq > last) {
                        append_entry(&mut chunk, entry);
                        newest = entry.seq;
                    }
                    if chunk.is_empty() {
                        Next::Continue
                    } else {
                        let next = offered(outbox.offer(chunk.freeze()));
                        if matches!(next, Next::Continue) {
                            last = newest;
                        }
                        next
                    }
                }
                Ok(_) => Next::Continue,
                Err(broadcast::error::RecvError::Lagged(_)) => Next::Resync,
                Err(broadcast::error::RecvError::Closed) => Next::End,
            },
            event = board.recv() => match event {
                Ok(event) if event.attempt_id == Some(attempt) && is_status(&event) => {
                    let data = serde_json::to_string(&event.payload).unwrap_or_else(|_| "{}".into());
                    offered(outbox.offer(status_frame(&data)))
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
