//! `/events`: the board's event log, as a JSON page or as a live SSE stream.
//!
//! `GET /events` with `Accept: text/event-stream` streams: first every event after
//! the client's position (`Last-Event-ID` header, else `?since=`, else only new
//! events), then live ones. The stream subscribes *before* replaying, and skips
//! live events it already replayed, so nothing falls in the gap between the two.
//! A client too slow for the hub's bounded buffer gets a `resync` event and the
//! stream ends; it reconnects with `Last-Event-ID` and replays from the database.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use cadre_app::{App, SubscriptionError};
use cadre_core::Event;
use futures_util::StreamExt;
use serde::Deserialize;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::error::ApiResult;
use crate::extract::{ApiQuery, last_event_id};
use crate::wire::EventView;
use crate::{AppState, Shutdown};

/// Events read from the database per page while replaying.
const REPLAY_PAGE: u32 = 500;
/// Events queued per SSE client between its task and its socket.
const CLIENT_BUFFER: usize = 64;
/// Interval of SSE heartbeat comments.
const HEARTBEAT: Duration = Duration::from_secs(15);

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/events", get(events))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventsQuery {
    since: Option<i64>,
    limit: Option<u32>,
}

async fn events(
    State(app): State<AppState>,
    Extension(shutdown): Extension<Shutdown>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<EventsQuery>,
) -> ApiResult<Response> {
    let wants_stream = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/event-stream"));
    if !wants_stream {
        let limit = q.limit.unwrap_or(200).clamp(1, 1000);
        let events = app.events_since(q.since.unwrap_or(0), limit).await?;
        let views: Vec<EventView> = events.iter().map(EventView::from).collect();
        return Ok(Json(views).into_response());
    }
    let last_event_id = last_event_id(&headers, "an event seq")?;
    let since = match last_event_id.or(q.since) {
        Some(seq) => seq,
        None => app.latest_seq().await?,
    };
    let (tx, rx) = mpsc::channel(CLIENT_BUFFER);
    tokio::spawn(pump(app.0.clone(), since, tx));
    let stream = ReceiverStream::new(rx).take_until(shutdown.signalled());
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(HEARTBEAT))
        .into_response())
}

fn sse_event(event: &Event) -> Result<SseEvent, Infallible> {
    let data = serde_json::to_string(&EventView::from(event)).unwrap_or_else(|_| "{}".to_owned());
    Ok(SseEvent::default()
        .id(event.seq.to_string())
        .event(event.kind.as_str())
        .data(data))
}

/// Feeds one SSE client: replay after `since`, then live events. Ends when the
/// client goes away, the hub closes, or the client lags.
async fn pump(
    app: std::sync::Arc<App>,
    since: i64,
    tx: mpsc::Sender<Result<SseEvent, Infallible>>,
) {
    let mut subscription = app.hub().subscribe();
    let mut last = since;
    loop {
        let page = match app.events_since(last, REPLAY_PAGE).await {
            Ok(page) => page,
            Err(err) => {
                tracing::error!(error = %err, "event replay failed");
                return;
            }
        };
        let done = page.len() < REPLAY_PAGE as usize;
        for event in &page {
            if tx.send(sse_event(event)).await.is_err() {
                return;
            }
            last = event.seq;
        }
        if done {
            break;
        }
    }
    loop {
        match subscription.recv().await {
            Ok(event) if event.seq <= last => continue,
            Ok(event) => {
                if tx.send(sse_event(&event)).await.is_err() {
                    return;
                }
                last = event.seq;
            }
            Err(SubscriptionError::Lagged { skipped }) => {
                let data = serde_json::json!({ "last_seq": last, "skipped": skipped }).to_string();
                let _ = tx
                    .send(Ok(SseEvent::default().event("resync").data(data)))
                    .await;
                return;
            }
            Err(SubscriptionError::Closed) => return,
        }
    }
}
