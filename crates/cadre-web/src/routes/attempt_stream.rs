//! `GET /attempts/{id}/stream`: one attempt's log entries and status changes over SSE.
//!
//! Replays the entries after the client's position (`Last-Event-ID`, else
//! `?after=`, else from the start), then sends live ones as they are stored. It
//! subscribes before replaying and skips live entries already replayed, so nothing
//! falls between the two. Entries are `attempt.log.appended` events whose id is the
//! entry's seq; status changes are `attempt.status` events (no id, so they do not
//! move the resume position), and the first event of every stream is the current
//! status. A client too slow for the bounded buffers gets
//! `resync` and the stream ends; it reconnects with `Last-Event-ID`.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::routing::get;
use axum::{Extension, Router};
use cadre_app::{App, LogPage, SubscriptionError};
use cadre_core::{AttemptId, LogEntry};
use futures_util::StreamExt;
use serde::Deserialize;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;

use crate::error::ApiResult;
use crate::extract::{ApiPath, ApiQuery, last_event_id};
use crate::wire::LogEntryView;
use crate::{AppState, Shutdown};

const REPLAY_PAGE: u32 = 500;
const CLIENT_BUFFER: usize = 256;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/attempts/{attempt}/stream", get(stream))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StreamQuery {
    after: Option<i64>,
}

type Tx = mpsc::Sender<Result<SseEvent, Infallible>>;

async fn stream(
    State(app): State<AppState>,
    Extension(shutdown): Extension<Shutdown>,
    ApiPath(attempt): ApiPath<AttemptId>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<StreamQuery>,
) -> ApiResult<axum::response::Response> {
    // 404 before opening a stream for an attempt that does not exist.
    app.attempt(attempt).await?;
    let last_event_id = last_event_id(&headers, "a log entry seq")?;
    let after = last_event_id.or(q.after).unwrap_or(0);
    let (tx, rx) = mpsc::channel(CLIENT_BUFFER);
    tokio::spawn(pump(app.0.clone(), attempt, after, tx));
    let stream = ReceiverStream::new(rx).take_until(shutdown.signalled());
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

fn entry_event(entry: &LogEntry) -> Result<SseEvent, Infallible> {
    let data =
        serde_json::to_string(&LogEntryView::from(entry.clone())).unwrap_or_else(|_| "{}".into());
    Ok(SseEvent::default()
        .id(entry.seq.to_string())
        .event("attempt.log.appended")
        .data(data))
}

async fn resync(tx: &Tx, last: i64) {
    let data = serde_json::json!({ "last_seq": last }).to_string();
    let _ = tx
        .send(Ok(SseEvent::default().event("resync").data(data)))
        .await;
}

async fn pump(app: Arc<App>, attempt: AttemptId, after: i64, tx: Tx) {
    let mut logs = app.subscribe_logs();
    let mut board = app.hub().subscribe();
    let mut last = after;
    // The status as of now, so a client knows at once whether the attempt is
    // already over (no live status would ever come for it).
    if let Ok(current) = app.attempt(attempt).await {
        let data = serde_json::to_string(&current.attempt).unwrap_or_else(|_| "{}".into());
        let sse = SseEvent::default().event("attempt.status").data(data);
        if tx.send(Ok(sse)).await.is_err() {
            return;
        }
    }
    loop {
        let Ok(page) = app
            .log_entries(attempt, LogPage::After(last), REPLAY_PAGE)
            .await
        else {
            return;
        };
        for entry in &page {
            if tx.send(entry_event(entry)).await.is_err() {
                return;
            }
            last = entry.seq;
        }
        if page.len() < REPLAY_PAGE as usize {
            break;
        }
    }
    loop {
        tokio::select! {
            batch = logs.recv() => match batch {
                Ok(batch) if batch.attempt_id == attempt => {
                    for entry in &batch.entries {
                        if entry.seq <= last {
                            continue;
                        }
                        if tx.send(entry_event(entry)).await.is_err() {
                            return;
                        }
                        last = entry.seq;
                    }
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(_)) => return resync(&tx, last).await,
                Err(broadcast::error::RecvError::Closed) => return,
            },
            event = board.recv() => match event {
                Ok(event) if event.attempt_id == Some(attempt) => {
                    let data = serde_json::to_string(&event.payload).unwrap_or_else(|_| "{}".into());
                    let sse = SseEvent::default().event("attempt.status").data(data);
                    if tx.send(Ok(sse)).await.is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(SubscriptionError::Lagged { .. }) => return resync(&tx, last).await,
                Err(SubscriptionError::Closed) => return,
            },
        }
    }
}
