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
//!
//! Live events are encoded once for every stream ([`EventFrames`]), and each
//! stream waits [`COALESCE`] after an event for the ones that follow, so a burst
//! goes to the client in one write rather than one write per event.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use cadre_app::{App, SubscriptionError};
use cadre_core::Event;
use serde::Deserialize;

use super::outbox::{Offer, Outbox, frame};
use crate::error::ApiResult;
use crate::extract::{ApiQuery, last_event_id};
use crate::wire::EventView;
use crate::{AppState, Shutdown};

/// Events read from the database per page while replaying.
const REPLAY_PAGE: u32 = 500;
/// Frames queued per SSE client between its task and its socket.
const CLIENT_BUFFER: usize = 64;
/// How long a stream waits after a live event for more to send with it. Small
/// next to what a person notices; at hundreds of events a second it turns
/// several writes per subscriber into one.
const COALESCE: Duration = Duration::from_millis(10);

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
    Extension(frames): Extension<Arc<EventFrames>>,
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
    tokio::spawn(pump(app.0.clone(), frames, since, outbox));
    Ok(response)
}

/// The SSE frame of `event`: its seq as id, its kind as name, its JSON as data.
fn event_frame(event: &Event) -> Bytes {
    let json = serde_json::to_string(&EventView::from(event)).unwrap_or_else(|_| "{}".to_owned());
    frame(Some(event.seq), event.kind.as_str(), &json)
}

/// Recently published events as SSE frames, shared by every stream of this
/// server, so that a live event is encoded once rather than once per subscriber
/// (with hundreds of subscribers that was the main cost of an event).
#[derive(Debug, Default)]
pub(crate) struct EventFrames {
    recent: Mutex<VecDeque<(i64, Bytes)>>,
}

/// Encoded events kept: about as many as the hub keeps for slow subscribers.
const RECENT_FRAMES: usize = 1024;

impl EventFrames {
    fn get(&self, event: &Event) -> Bytes {
        let lock = || self.recent.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, frame)) = lock().iter().rev().find(|(seq, _)| *seq == event.seq) {
            return frame.clone();
        }
        // Encoded outside the lock; two pumps may race to do it, which is harmless.
        let frame = event_frame(event);
        let mut recent = lock();
        if !recent.iter().any(|(seq, _)| *seq == event.seq) {
            recent.push_back((event.seq, frame.clone()));
            if recent.len() > RECENT_FRAMES {
                recent.pop_front();
            }
        }
        frame
    }
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
            let frame = event_frame(event);
            if live {
                match outbox.offer(frame) {
                    Offer::Queued => {}
                    Offer::Full => return Err(Stopped::Full(last)),
                    Offer::Gone => return Err(Stopped::Gone),
                }
            } else if !outbox.send(frame).await {
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
async fn pump(app: Arc<App>, frames: Arc<EventFrames>, since: i64, outbox: Outbox) {
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
        let first = match received {
            Ok(event) if event.seq <= last => continue,
            Ok(event) => event,
            Err(SubscriptionError::Lagged { .. }) => {
                drop(subscription);
                return outbox.resync(last).await;
            }
            Err(SubscriptionError::Closed) => return,
        };
        tokio::time::sleep(COALESCE).await;
        let (batch, newest, next) = gather(&frames, &mut subscription, &first);
        match outbox.offer(batch) {
            Offer::Queued => last = newest,
            Offer::Full => {
                drop(subscription);
                return outbox.resync(last).await;
            }
            Offer::Gone => return,
        }
        match next {
            Ok(()) => {}
            Err(SubscriptionError::Lagged { .. }) => {
                drop(subscription);
                return outbox.resync(last).await;
            }
            Err(SubscriptionError::Closed) => return,
        }
    }
}

/// `first` and every event waiting after it, as one chunk of frames, with the
/// newest seq in it; and whether the subscription can go on.
fn gather(
    frames: &EventFrames,
    subscription: &mut cadre_app::Subscription,
    first: &Event,
) -> (Bytes, i64, Result<(), SubscriptionError>) {
    let one = frames.get(first);
    let mut newest = first.seq;
    let mut batch: Option<bytes::BytesMut> = None;
    let next = loop {
        match subscription.try_recv() {
            Ok(Some(event)) if event.seq <= newest => {}
            Ok(Some(event)) => {
                let more = frames.get(&event);
                batch
                    .get_or_insert_with(|| bytes::BytesMut::from(&one[..]))
                    .extend_from_slice(&more);
                newest = event.seq;
            }
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    let chunk = batch.map_or(one, bytes::BytesMut::freeze);
    (chunk, newest, next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cadre_core::EventKind;

    fn event(seq: i64) -> Event {
        Event {
            seq,
            kind: EventKind::TaskCreated,
            project_id: None,
            task_id: None,
            goal_id: None,
            attempt_id: None,
            payload: serde_json::json!({ "title": "x" }),
            created_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn each_event_is_encoded_once_and_the_cache_stays_bounded() {
        let cache = EventFrames::default();
        let first = cache.get(&event(1));
        assert_eq!(
            first.as_ptr(),
            cache.get(&event(1)).as_ptr(),
            "served from the cache"
        );
        assert_eq!(first, event_frame(&event(1)));
        for seq in 2..=(RECENT_FRAMES as i64 + 10) {
            cache.get(&event(seq));
        }
        let kept = cache.recent.lock().expect("lock").len();
        assert_eq!(kept, RECENT_FRAMES);
        assert_ne!(
            first.as_ptr(),
            cache.get(&event(1)).as_ptr(),
            "the oldest was dropped"
        );
    }
}
