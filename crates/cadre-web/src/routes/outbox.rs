//! One SSE client's outbound queue, bounded in frames and in bytes, and the
//! response that drains it; and the encoding of SSE frames.
//!
//! A stream's pump feeds the queue in two ways. While replaying from the database
//! it holds no live subscription, so it may simply wait for the client
//! ([`Outbox::send`]). While live it must never wait: a pump stuck on a slow
//! client would stop reading its broadcast receiver, and a receiver that does not
//! read keeps every value published since, up to the channel's capacity, whatever
//! their size. So live events are only offered ([`Outbox::offer`]); when the queue
//! is full the pump drops its subscription, queues `resync`, and ends, and the
//! client reconnects with `Last-Event-ID`. Memory per client is at most
//! [`MAX_QUEUED_BYTES`] of queued frames plus the socket's buffers.
//!
//! Frames are encoded bytes (`id:`, `event:`, `data:` lines), so one event
//! encoded once can go to every subscriber as a shared [`Bytes`]. The response
//! writes whatever frames are queued in one chunk: with hundreds of subscribers
//! the cost of an event is mostly its writes, one per subscriber, so fewer and
//! larger writes are what keeps delivery cheap.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use bytes::BytesMut;
use futures_util::StreamExt;
use tokio::sync::{Semaphore, mpsc};
use tokio::time::{Instant, MissedTickBehavior};

use crate::Shutdown;

/// Bytes of frames queued for one client at most (one larger frame still
/// passes, alone).
pub(crate) const MAX_QUEUED_BYTES: usize = 1024 * 1024;
/// Interval of SSE heartbeat comments, on every stream.
pub(crate) const HEARTBEAT: Duration = Duration::from_secs(15);
/// Queued frames joined into one write at most (bytes), so one chunk stays small
/// enough for the socket buffer.
const MAX_CHUNK: usize = 64 * 1024;

/// The SSE frame of one event: optional `id`, its name and its data (split into
/// one `data:` line per line, as the format requires).
pub(crate) fn frame(id: Option<i64>, event: &str, data: &str) -> Bytes {
    let mut out = BytesMut::with_capacity(data.len() + event.len() + 40);
    append_frame(&mut out, id, event, data);
    out.freeze()
}

/// Appends the frame of one event to `out` (see [`frame`]).
pub(crate) fn append_frame(out: &mut BytesMut, id: Option<i64>, event: &str, data: &str) {
    if let Some(id) = id {
        out.extend_from_slice(format!("id: {id}\n").as_bytes());
    }
    // A name with a line break would forge fields; names are ours, but be safe.
    let event: String = event
        .chars()
        .filter(|c| !matches!(c, '\r' | '\n'))
        .collect();
    out.extend_from_slice(b"event: ");
    out.extend_from_slice(event.as_bytes());
    out.extend_from_slice(b"\n");
    for line in data.split("\r\n").flat_map(|l| l.split(['\r', '\n'])) {
        out.extend_from_slice(b"data: ");
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(b"\n");
    }
    out.extend_from_slice(b"\n");
}

/// The pump's end of a client's queue.
pub(crate) struct Outbox {
    tx: mpsc::Sender<Bytes>,
    budget: Arc<Semaphore>,
}

/// What became of an offered frame.
pub(crate) enum Offer {
    /// Queued.
    Queued,
    /// The queue is full: the client is too slow.
    Full,
    /// The client went away.
    Gone,
}

/// Budget units a frame of `size` bytes takes.
fn cost(size: usize) -> u32 {
    u32::try_from(size.clamp(1, MAX_QUEUED_BYTES)).unwrap_or(u32::MAX)
}

/// What the response reads from: the queue, the budget it gives back, and the
/// heartbeat clock.
struct Drain {
    rx: mpsc::Receiver<Bytes>,
    budget: Arc<Semaphore>,
    beat: tokio::time::Interval,
}

impl Drain {
    /// The next chunk to write: every frame queued now (up to [`MAX_CHUNK`]), or
    /// a heartbeat comment when nothing was sent for a while. `None` when the pump
    /// is done.
    async fn next(&mut self) -> Option<Bytes> {
        let first = tokio::select! {
            first = self.rx.recv() => first?,
            _ = self.beat.tick() => return Some(Bytes::from_static(b":\n\n")),
        };
        self.beat.reset();
        self.budget.add_permits(cost(first.len()) as usize);
        let Ok(second) = self.rx.try_recv() else {
            return Some(first);
        };
        self.budget.add_permits(cost(second.len()) as usize);
        let mut chunk = BytesMut::with_capacity(first.len() + second.len());
        chunk.extend_from_slice(&first);
        chunk.extend_from_slice(&second);
        while chunk.len() < MAX_CHUNK {
            let Ok(more) = self.rx.try_recv() else { break };
            self.budget.add_permits(cost(more.len()) as usize);
            chunk.extend_from_slice(&more);
        }
        Some(chunk.freeze())
    }
}

impl Outbox {
    /// A queue of at most `frames` frames and the SSE response draining it, with
    /// heartbeats every [`HEARTBEAT`], ending when the server shuts down.
    pub(crate) fn new(frames: usize, shutdown: &Shutdown) -> (Self, Response) {
        Self::with_heartbeat(frames, HEARTBEAT, shutdown)
    }

    fn with_heartbeat(frames: usize, every: Duration, shutdown: &Shutdown) -> (Self, Response) {
        let (tx, rx) = mpsc::channel(frames);
        let budget = Arc::new(Semaphore::new(MAX_QUEUED_BYTES));
        let mut beat = tokio::time::interval_at(Instant::now() + every, every);
        beat.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let drain = Drain {
            rx,
            budget: budget.clone(),
            beat,
        };
        let chunks = futures_util::stream::unfold(drain, |mut drain| async move {
            let chunk = drain.next().await?;
            Some((Ok::<_, Infallible>(chunk), drain))
        })
        .take_until(shutdown.signalled());
        let mut response = Response::new(Body::from_stream(chunks));
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/event-stream"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        (Self { tx, budget }, response)
    }

    /// Queues `frame`, waiting for room. False when the client went away. Only
    /// for when no live subscription is held.
    pub(crate) async fn send(&self, frame: Bytes) -> bool {
        let cost = cost(frame.len());
        let permit = tokio::select! {
            permit = self.budget.acquire_many(cost) => permit,
            () = self.tx.closed() => return false,
        };
        let Ok(permit) = permit else { return false };
        permit.forget();
        self.tx.send(frame).await.is_ok()
    }

    /// Queues `frame` if there is room now.
    pub(crate) fn offer(&self, frame: Bytes) -> Offer {
        let cost = cost(frame.len());
        let Ok(permit) = self.budget.try_acquire_many(cost) else {
            return if self.tx.is_closed() {
                Offer::Gone
            } else {
                Offer::Full
            };
        };
        match self.tx.try_send(frame) {
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
        self.send(frame(None, "resync", &data)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[test]
    fn frames_carry_id_event_and_one_data_line_per_line() {
        assert_eq!(
            &frame(Some(7), "task.created", "{\"a\":1}")[..],
            b"id: 7\nevent: task.created\ndata: {\"a\":1}\n\n"
        );
        assert_eq!(
            &frame(None, "x\ny", "one\r\ntwo\rthree\nfour")[..],
            b"event: xy\ndata: one\ndata: two\ndata: three\ndata: four\n\n"
        );
    }

    #[tokio::test]
    async fn queued_frames_go_out_in_one_chunk_and_give_their_budget_back() {
        let shutdown = Shutdown::default();
        let (outbox, response) = Outbox::new(8, &shutdown);
        let (one, two) = (frame(Some(1), "a", "1"), frame(Some(2), "b", "2"));
        let queued = one.len() + two.len();
        assert!(matches!(outbox.offer(one), Offer::Queued));
        assert!(matches!(outbox.offer(two), Offer::Queued));
        assert_eq!(outbox.budget.available_permits(), MAX_QUEUED_BYTES - queued);
        let mut body = response.into_body();
        let chunk = body.frame().await.expect("a chunk").expect("ok");
        assert_eq!(
            chunk.into_data().expect("data"),
            Bytes::from_static(b"id: 1\nevent: a\ndata: 1\n\nid: 2\nevent: b\ndata: 2\n\n")
        );
        assert_eq!(outbox.budget.available_permits(), MAX_QUEUED_BYTES);
        drop(outbox);
        assert!(
            body.frame().await.is_none(),
            "the stream ends with its pump"
        );
    }

    #[tokio::test]
    async fn an_idle_stream_sends_heartbeat_comments() {
        let shutdown = Shutdown::default();
        let (outbox, response) = Outbox::with_heartbeat(8, Duration::from_millis(20), &shutdown);
        let mut body = response.into_body();
        let chunk = body.frame().await.expect("a chunk").expect("ok");
        assert_eq!(
            chunk.into_data().expect("data"),
            Bytes::from_static(b":\n\n")
        );
        drop(outbox);
    }

    #[tokio::test]
    async fn a_full_queue_refuses_live_frames_instead_of_waiting() {
        let shutdown = Shutdown::default();
        let (outbox, _response) = Outbox::new(1, &shutdown);
        assert!(matches!(outbox.offer(frame(None, "a", "1")), Offer::Queued));
        assert!(matches!(outbox.offer(frame(None, "a", "2")), Offer::Full));
    }
}
