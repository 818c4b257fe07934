//! Operations on attempts and the live streams (`routes/attempts.rs`,
//! `routes/attempt_stream.rs`, `routes/events.rs`): start, show, follow up, stop,
//! the log, and the two server-sent-event streams.
//!
//! The functions are documentation only: `#[utoipa::path]` reads their doc
//! comments and attributes; nothing calls them.

#![allow(dead_code, reason = "documentation-only operations and schemas")]

use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::ErrorBody;
use crate::wire::{AttemptDetailView, AttemptView, EventView, LogEntryView};

/// The operations of this file.
#[derive(OpenApi)]
#[openapi(paths(
    list_attempts,
    start_attempt,
    show_attempt,
    follow_up,
    stop_attempt,
    attempt_logs,
    attempt_stream,
    events,
))]
pub(super) struct Doc;

/// Body of `POST /tasks/{task}/attempts`. Every field is optional.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct StartBody {
    /// Agent id, e.g. `claude-code`; defaults to the profile's agent, then the
    /// project's default agent.
    #[schema(example = "claude-code")]
    agent: Option<String>,
    /// Profile to run with (the project's own, else a global one).
    profile: Option<String>,
    /// Extra words added to the prompt built from the task.
    prompt: Option<String>,
    /// Branch to start from; the project's base branch when absent.
    base_branch: Option<String>,
    /// Ids of images uploaded with `POST /attachments` (at most 4). The first
    /// message shows them; the agent gets their local paths.
    attachments: Option<Vec<String>>,
}

/// Body of `POST /attempts/{attempt}/followups` as JSON. Text, images, or both:
/// at least one of them. (A multipart form with a `text` field and image file
/// parts is accepted too.)
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct FollowUpBody {
    /// The message to the agent.
    #[schema(example = "Also add a test for the empty case.")]
    text: Option<String>,
    /// Ids of images uploaded with `POST /attachments`.
    attachments: Option<Vec<String>>,
}

/// Query of `GET /attempts/{attempt}/logs`: `after` and `before` exclude each
/// other; with neither, the newest entries.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
struct LogQuery {
    /// Entries with a seq greater than this, oldest first.
    after: Option<i64>,
    /// Entries with a seq less than this, oldest first.
    before: Option<i64>,
    /// At most this many entries (default 200).
    #[param(minimum = 0)]
    limit: Option<u32>,
}

/// Query of `GET /attempts/{attempt}/stream`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
struct StreamQuery {
    /// Replay entries with a seq greater than this (default 0, the whole log);
    /// `Last-Event-ID` wins over it.
    after: Option<i64>,
}

/// Query of `GET /events`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
struct EventsQuery {
    /// Events with a seq greater than this. JSON: default 0. Stream: default the
    /// latest seq (only new events); `Last-Event-ID` wins over it.
    since: Option<i64>,
    /// JSON only: at most this many events, 1 to 1000 (default 200).
    #[param(minimum = 0)]
    limit: Option<u32>,
}

/// The `Last-Event-ID` header of a reconnecting SSE client.
#[derive(IntoParams)]
#[into_params(parameter_in = Header, names("Last-Event-ID"))]
struct LastEventId(
    /// The last `id` received: the stream resumes after it and ignores the
    /// position in the query.
    Option<i64>,
);

/// List a task's attempts
#[utoipa::path(get, path = "/tasks/{task}/attempts", tag = "attempts",
    params(("task" = String, Path, description = "Task key (e.g. `WEB-12`) or id.")),
    responses(
        (status = 200, description = "Its attempts, oldest first.", body = Vec<AttemptView>),
        (status = 404, description = "No such task.", body = ErrorBody),
        (status = 422, description = "Not a valid task key or id.", body = ErrorBody),
    ))]
fn list_attempts() {}

/// Start an attempt
///
/// Creates a worktree and branch for the task, moves the card to `in_progress`
/// and starts the setup script and the agent in the background. Answers at once
/// with the queued attempt; follow it with the attempt's stream or the events.
#[utoipa::path(post, path = "/tasks/{task}/attempts", tag = "attempts",
    params(("task" = String, Path, description = "Task key (e.g. `WEB-12`) or id.")),
    request_body = StartBody,
    responses(
        (status = 202, description = "The queued attempt.", body = AttemptView),
        (status = 404, description = "No such task or profile.", body = ErrorBody),
        (status = 409, description = "The task cannot move to `in_progress` (`invalid_transition`, `dependencies_not_done`), or the worktree path exists (`path_exists`).", body = ErrorBody),
        (status = 422, description = "No agent named and no default, an unknown agent, an invalid or unknown base branch (`invalid_branch`, `git_failed`), or an attachment id that is malformed or not uploaded.", body = ErrorBody),
    ))]
fn start_attempt() {}

/// Show an attempt
#[utoipa::path(get, path = "/attempts/{attempt}", tag = "attempts",
    params(("attempt" = Uuid, Path, description = "Attempt id.")),
    responses(
        (status = 200, description = "The attempt with its processes.", body = AttemptDetailView),
        (status = 404, description = "No such attempt.", body = ErrorBody),
    ))]
fn show_attempt() {}

/// Send a follow-up
///
/// A settled attempt resumes its agent session with the message now; a running
/// one queues it until the current turn ends.
#[utoipa::path(post, path = "/attempts/{attempt}/followups", tag = "attempts",
    params(("attempt" = Uuid, Path, description = "Attempt id.")),
    request_body = FollowUpBody,
    responses(
        (status = 202, description = "The attempt, running or with the message queued.", body = AttemptView),
        (status = 404, description = "No such attempt.", body = ErrorBody),
        (status = 409, description = "Its worktree was cleaned up: restore it first.", body = ErrorBody),
        (status = 413, description = "An image over 5 MiB, or a body over 25 MiB.", body = ErrorBody),
        (status = 415, description = "A file that is not a PNG, JPEG, WebP or GIF image.", body = ErrorBody),
        (status = 422, description = "Neither text nor an image, more than 4 images, or an unknown attachment id.", body = ErrorBody),
    ))]
fn follow_up() {}

/// Stop an attempt
///
/// Sends SIGTERM to the agent's process group, SIGKILL after a grace period.
#[utoipa::path(post, path = "/attempts/{attempt}/stop", tag = "attempts",
    params(("attempt" = Uuid, Path, description = "Attempt id.")),
    responses(
        (status = 200, description = "The stopping attempt.", body = AttemptView),
        (status = 404, description = "No such attempt.", body = ErrorBody),
        (status = 409, description = "It has settled already.", body = ErrorBody),
    ))]
fn stop_attempt() {}

/// An attempt's log
///
/// Normalized log entries (messages, tool calls, output), paged by entry seq:
/// `?after=SEQ` pages forward, `?before=SEQ` backward; without either, the newest
/// `limit` entries. Entries come oldest first.
#[utoipa::path(get, path = "/attempts/{attempt}/logs", tag = "attempts",
    params(("attempt" = Uuid, Path, description = "Attempt id."), LogQuery),
    responses(
        (status = 200, description = "One page of entries, oldest first.", body = Vec<LogEntryView>),
        (status = 400, description = "Both `after` and `before`, or a query that could not be read.", body = ErrorBody),
        (status = 404, description = "No such attempt.", body = ErrorBody),
    ))]
fn attempt_logs() {}

/// Stream an attempt (server-sent events)
///
/// Replays the log entries after the client's position (`Last-Event-ID`, else
/// `?after=`, else from the start), then sends new ones live. Each entry is an
/// `attempt.log.appended` event whose `id` is the entry's seq and whose `data` is
/// a `LogEntryView`. Changes of the attempt are `attempt.status` events (no id;
/// `data` is the board event's payload). A client too slow for its bounded
/// buffer gets a `resync` event (`data`: `{"last_seq"}`) and the stream ends;
/// reconnect with `Last-Event-ID`. Heartbeat comments every 15 seconds.
#[utoipa::path(get, path = "/attempts/{attempt}/stream", tag = "attempts",
    params(
        ("attempt" = Uuid, Path, description = "Attempt id."),
        StreamQuery,
        LastEventId,
    ),
    responses(
        (status = 200, description = "The event stream.", content_type = "text/event-stream", body = String,
            example = "id: 7\nevent: attempt.log.appended\ndata: {\"seq\":7,\"at\":\"2025-01-01T00:00:00Z\",\"process_id\":null,\"entry\":{\"kind\":\"system_message\",\"text\":\"…\"}}\n\n"),
        (status = 400, description = "A `Last-Event-ID` that is not an integer, or a bad query.", body = ErrorBody),
        (status = 404, description = "No such attempt.", body = ErrorBody),
    ))]
fn attempt_stream() {}

/// The board's event log (JSON or server-sent events)
///
/// Every change on the board is an event with a strictly increasing `seq`.
///
/// Without `Accept: text/event-stream` this answers with a JSON page of the events
/// after `?since=` (oldest first). With it, the response is a stream: first every
/// event after the client's position (`Last-Event-ID`, else `?since=`, else only
/// new events), then live ones. Each event's SSE `id` is its seq, its `event` is
/// its kind (e.g. `task.moved`), its `data` an `EventView`. A client too slow for
/// its bounded buffer gets a `resync` event (`data`: `{"last_seq", "skipped"}`)
/// and the stream ends; reconnect with `Last-Event-ID`. Heartbeat comments every
/// 15 seconds.
#[utoipa::path(get, path = "/events", tag = "events",
    params(
        EventsQuery,
        LastEventId,
    ),
    responses(
        (status = 200, description = "A page of events (`application/json`), or the live stream (`text/event-stream`), by the request's `Accept`.",
            content(
                (Vec<EventView> = "application/json"),
                (String = "text/event-stream", example = "id: 42\nevent: task.moved\ndata: {\"seq\":42,\"type\":\"task.moved\",…}\n\n"),
            )),
        (status = 400, description = "A `Last-Event-ID` that is not an integer, or a bad query.", body = ErrorBody),
    ))]
fn events() {}
