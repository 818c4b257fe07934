//! One SSE client's outbound queue, bounded in events and in bytes, and the
//! response that drains it.
//!
//! A stream's pump feeds the queue in two ways. While replaying from the database
//! it holds no live subscription, so it may simply wait for the client
//! ([`Outbox::send`]). While live it must never wait: a pump stuck on a slow
//! client would stop reading its broadcast receiver, and a receiver that does not
//! read keeps every value published since, up to the channel's capacity, whatever
//! their size. So live events are only offered ([`Outbox::offer`]); when the queue
//! is full the pump drops its subscription, queues `resync`, and ends, and the
//! client reconnects with `Last-Event-ID`. Memory per client is at most
//! [`MAX_QUEUED_BYTES`] of queued events plus the socket's buffers.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use tokio::sync::{Semaphore, mpsc};
use tokio_stream::wrappers::ReceiverStream;

use crate::Shutdown;

/// Bytes of event data queued for one client at most (one larger event still
/// passes, alone).
pub(crate) const MAX_QUEUED_BYTES: usize = 1024 * 1024;
/// Interval of SSE heartbeat comments, on every stream.
pub(crate) const HEARTBEAT: Duration = Duration::from_secs(15);

/// The pump's end of a client's queue.
pub(crate) struct Outbox {
    tx: mpsc::Sender<(SseEvent, u32)>,
    budget: Arc<Semaphore>,
}

/// What became of an offered event.
pub(crate) enum Offer {
    /// Queued.
    Queued,
    /// The queue is full: the client is too slow.
    Full,
    /// The client went away.
    Gone,
}

/// Budget units an event of `size` bytes takes.
fn cost(size: usize) -> u32 {
    u32::try_from(size.clamp(1, MAX_QUEUED_BYTES)).unwrap_or(u32::MAX)
}

impl Outbox {
    /// A queue of at most `events` events and the SSE response draining it, with
    /// heartbeats, ending when the server shuts down.
    pub(crate) fn new(events: usize, shutdown: &Shutdown) -> (Self, Response) {
        let (tx, rx) = mpsc::channel(events);
        let budget = Arc::new(Semaphore::new(MAX_QUEUED_BYTES));
        let returned = budget.clone();
        let stream = ReceiverStream::new(rx)
            .map(move |(event, cost): (SseEvent, u32)| {
                returned.add_permits(cost as usize);
                Ok::<_, Infallible>(event)
            })
            .take_until(shutdown.signalled());
        let response = Sse::new(stream)
            .keep_alive(KeepAlive::new().interval(HEARTBEAT))
            .into_response();
        (Self { tx, budget }, response)
    }

    /// Queues `event` (`size` bytes of data), waiting for room. False when the
    /// client went away. Only for when no live subscription is held.
    pub(crate) async fn send(&self, event: SseEvent, size: usize) -> bool {
        let cost = cost(size);
        let permit = tokio::select! {
            permit = self.budget.acquire_many(cost) => permit,
            () = self.tx.closed() => return false,
        };
        let Ok(permit) = permit else { return false };
        permit.forget();
        self.tx.send((event, cost)).await.is_ok()
    }

    /// Queues `event` if there is room now.
    pub(crate) fn offer(&self, event: SseEvent, size: usize) -> Offer {
        let cost = cost(size);
        let Ok(permit) = self.budget.try_acquire_many(cost) else {
            return if self.tx.is_closed() {
                Offer::Gone
            } else {
                Offer::Full
            };
        };
        match self.tx.try_send((event, cost)) {
            Ok(()) => {
                permit.forget();
                Offer::Queued
            }
            Err(mpsc::error::TrySendError::Full(_)) => Offer::Full,
            Err(mpsc::error::TrySendError::Closed(_)) => Offer::Gone,
        }
    }

    /// Completes when the client has gone away.
    pub(crate) async fn closed(&self) {
        self.tx.closed().await;
    }

    /// Tells the client it fell behind (`last` is the last id it was sent) and
    /// ends the stream. Called after the live subscription was dropped.
    pub(crate) async fn resync(self, last: i64) {
        let data = serde_json::json!({ "last_seq": last }).to_string();
        let size = data.len();
        self.send(SseEvent::default().event("resync").data(data), size)
            .await;
    }
}
