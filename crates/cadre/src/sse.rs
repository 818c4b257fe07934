//! Following a server-sent-event stream of the API: connect, hand each event to
//! the caller, and on `resync`, a dropped connection or a server restart,
//! reconnect with `Last-Event-ID` so that nothing is missed or repeated.
//!
//! A stream that could never be opened is an error at once (the server is not
//! running, or refused the request); once it was open, losing the server is
//! retried with backoff for up to [`GIVE_UP_AFTER`], finding the server again
//! through `server.json` in case it restarted on another port.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use eventsource_stream::{Event, Eventsource};
use futures_util::StreamExt;
use reqwest::Method;

use crate::client::{Client, Unreachable};

/// How long to keep trying to reconnect to a server that went away.
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(60);
const FIRST_RETRY: Duration = Duration::from_millis(500);
const MAX_RETRY: Duration = Duration::from_secs(5);

/// What the caller wants after an event.
pub enum Flow {
    /// Keep streaming.
    Continue,
    /// Stop: the caller has what it wanted.
    Stop,
}

/// Streams `path`, resuming after `last` (an event id), calling `handle` for each
/// event. Returns the last event id seen when `handle` says stop.
pub async fn follow(
    client: &Client,
    path: &str,
    mut last: Option<i64>,
    mut handle: impl FnMut(&Event) -> Result<Flow>,
) -> Result<Option<i64>> {
    let mut client = client.clone();
    let mut connected_once = false;
    let mut failing_since: Option<Instant> = None;
    let mut delay = FIRST_RETRY;
    loop {
        let mut request = client
            .request(Method::GET, path)
            .header("accept", "text/event-stream");
        if let Some(id) = last {
            request = request.header("last-event-id", id.to_string());
        }
        match client.execute(request).await {
            Ok(response) => {
                connected_once = true;
                failing_since = None;
                delay = FIRST_RETRY;
                let mut events = response.bytes_stream().eventsource();
                while let Some(item) = events.next().await {
                    // A broken stream is reconnected like an ended one.
                    let Ok(event) = item else { break };
                    if event.event == "resync" {
                        // Too slow for the server's buffer: replay from `last`.
                        break;
                    }
                    let flow = handle(&event)?;
                    if let Ok(id) = event.id.parse::<i64>() {
                        last = Some(id);
                    }
                    if let Flow::Stop = flow {
                        return Ok(last);
                    }
                }
            }
            Err(e) if connected_once && e.downcast_ref::<Unreachable>().is_some() => {
                let since = *failing_since.get_or_insert_with(Instant::now);
                if since.elapsed() > GIVE_UP_AFTER {
                    return Err(e).context("the server went away and did not come back");
                }
            }
            Err(e) => return Err(e),
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(MAX_RETRY);
        if let Ok(found) = client.relocate() {
            client = found;
        }
    }
}

/// Parses an event's JSON data, naming the event on failure.
pub fn data<T: serde::de::DeserializeOwned>(event: &Event) -> Result<T> {
    serde_json::from_str(&event.data)
        .with_context(|| format!("the server sent a malformed `{}` event", event.event))
}
