//! `/events`: the board's event log, as a JSON page or as a live SSE stream.
//!
//! `GET /events` with `Accept: text/event-stream` streams: first every event after
//! the client's position (`Last-Event-ID` header, else `?since=`, else only new
//! events), then live ones. The replay holds no live subscription (a slow client
//! may take its time); then the stream subscribes, reads once more what was
//! stored meanwhile, and skips live events it already sent, so nothing falls in
//! the gap between the two.
//! A client too slow for its bounded queue (see `outbox.rs`) gets a `resync` event
//! and the stream ends; it reconnects with `Last-Event-ID` and replays from the
//! database.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::sse::Event as SseEvent;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use cadre_app::{App, SubscriptionError};
use cadre_core::Event;
use serde::Deserialize;

use super::outbox::{Offer, Outbox};
use crate::error::ApiResult;
use crate::extract::{ApiQuery, last_event_id};
use crate::wire::EventView;
use crate::{AppState, Shutdown};

/// Events read from the database per page while replaying.
const REPLAY_PAGE: u32 = 500;
/// Events queued per SSE client between its task and its socket.
const CLIENT_BUFFER: usize = 64;

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
    let (outbox, response) = Outbox::new(CLIENT_BUFFER, &shutdown);
    tokio::spawn(pump(app.0.clone(), since, outbox));
    Ok(response)
}

/// The SSE form of `event`, and its size.
fn sse_event(event: &Event) -> (SseEvent, usize) {
    let data = serde_json::to_string(&EventView::from(event)).unwrap_or_else(|_| "{}".to_owned());
    let size = data.len();
    let sse = SseEvent::default()
        .id(event.seq.to_string())
        .event(event.kind.as_str())
        .data(data);
    (sse, size)
}

/// Why a replay stopped early.
enum Stopped {
    /// The client went away, or the database failed (logged).
    Gone,
    /// The client's queue was full; `last` was the last seq queued.
    Full(i64),
}

/// Sends every stored event after `last`, page by page: waiting for the client
/// (`live == false`) or only as far as its queue has room. Returns the last seq
/// sent.
async fn replay(app: &App, mut last: i64, outbox: &Outbox, live: bool) -> Result<i64, Stopped> {
    loop {
        let page = app.events_since(last, REPLAY_PAGE).await.map_err(|err| {
            tracing::error!(error = %err, "event replay failed");
            Stopped::Gone
        })?;
        for event in &page {
            let (sse, size) = sse_event(event);
            if live {
                match outbox.offer(sse, size) {
                    Offer::Queued => {}
                    Offer::Full => return Err(Stopped::Full(last)),
                    Offer::Gone => return Err(Stopped::Gone),
                }
            } else if !outbox.send(sse, size).await {
                return Err(Stopped::Gone);
            }
            last = event.seq;
        }
        if page.len() < REPLAY_PAGE as usize {
            return Ok(last);
        }
    }
}

/// Feeds one SSE client: replays after `since` without a subscription (waiting
/// for the client as long as it takes), then subscribes, catches up on what was
/// stored meanwhile, and sends live events without ever waiting. Ends when the
/// client goes away, the hub closes, or the client falls behind (`resync`).
async fn pump(app: Arc<App>, since: i64, outbox: Outbox) {
    let Ok(replayed) = replay(&app, since, &outbox, false).await else {
        return;
    };
    let mut subscription = app.hub().subscribe();
    // Anything committed between the replay's last read and the subscription.
    let mut last = match replay(&app, replayed, &outbox, true).await {
        Ok(last) => last,
        Err(Stopped::Full(last)) => {
            drop(subscription);
            return outbox.resync(last).await;
        }
        Err(Stopped::Gone) => return,
    };
    loop {
        let received = tokio::select! {
            received = subscription.recv() => received,
            () = outbox.closed() => return,
        };
        match received {
            Ok(event) if event.seq <= last => continue,
            Ok(event) => {
                let (sse, size) = sse_event(&event);
                match outbox.offer(sse, size) {
                    Offer::Queued => last = event.seq,
                    Offer::Full => {
                        drop(subscription);
                        return outbox.resync(last).await;
                    }
                    Offer::Gone => return,
                }
            }
            Err(SubscriptionError::Lagged { .. }) => {
                drop(subscription);
                return outbox.resync(last).await;
            }
            Err(SubscriptionError::Closed) => return,
        }
    }
}
