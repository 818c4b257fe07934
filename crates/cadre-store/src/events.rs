//! The event log: appending inside a write transaction, and replay by seq.

use cadre_core::{Event, NewEvent, Timestamp};
use sqlx::{FromRow, SqliteConnection};

use crate::codec::{from_json, parse, parse_opt, to_json};
use crate::{Result, Store};

#[derive(FromRow)]
struct EventRow {
    seq: i64,
    kind: String,
    project_id: Option<String>,
    task_id: Option<String>,
    goal_id: Option<String>,
    attempt_id: Option<String>,
    payload: String,
    created_at: Timestamp,
}

impl EventRow {
    fn into_event(self) -> Result<Event> {
        Ok(Event {
            seq: self.seq,
            kind: parse("events.kind", &self.kind)?,
            project_id: parse_opt("events.project_id", self.project_id.as_deref())?,
            task_id: parse_opt("events.task_id", self.task_id.as_deref())?,
            goal_id: parse_opt("events.goal_id", self.goal_id.as_deref())?,
            attempt_id: parse_opt("events.attempt_id", self.attempt_id.as_deref())?,
            payload: from_json("events.payload", &self.payload)?,
            created_at: self.created_at,
        })
    }
}

/// Appends `new` on `conn`, which must be inside the transaction making the change.
pub(crate) async fn append(
    conn: &mut SqliteConnection,
    new: NewEvent,
    now: Timestamp,
) -> Result<Event> {
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO events (kind, project_id, task_id, goal_id, attempt_id, payload, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING seq",
    )
    .bind(new.kind.as_str())
    .bind(new.project_id.map(|i| i.to_string()))
    .bind(new.task_id.map(|i| i.to_string()))
    .bind(new.goal_id.map(|i| i.to_string()))
    .bind(new.attempt_id.map(|i| i.to_string()))
    .bind(to_json(&new.payload))
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Event {
        seq,
        kind: new.kind,
        project_id: new.project_id,
        task_id: new.task_id,
        goal_id: new.goal_id,
        attempt_id: new.attempt_id,
        payload: new.payload,
        created_at: now,
    })
}

/// Appends `event`, commits `tx`, and returns `value` with the recorded event: the
/// common ending of every single-event write.
pub(crate) async fn commit_with<T>(
    mut tx: sqlx::Transaction<'_, sqlx::Sqlite>,
    event: NewEvent,
    now: Timestamp,
    value: T,
) -> Result<crate::Committed<T>> {
    let event = append(&mut tx, event, now).await?;
    tx.commit().await?;
    Ok(crate::Committed {
        value,
        events: vec![event],
    })
}

impl Store {
    /// Records events that change no other row (an editor opened, a push made).
    pub async fn record_events(
        &self,
        events: Vec<NewEvent>,
        now: Timestamp,
    ) -> Result<crate::Committed<()>> {
        let mut tx = self.pool.begin().await?;
        let mut recorded = Vec::with_capacity(events.len());
        for event in events {
            recorded.push(append(&mut tx, event, now).await?);
        }
        tx.commit().await?;
        Ok(crate::Committed {
            value: (),
            events: recorded,
        })
    }

    /// Events with `seq > after`, oldest first, at most `limit` of them.
    ///
    /// Callers page through a long history by passing the last seq they got; the
    /// limit keeps one call's memory bounded however far behind the caller is.
    pub async fn events_since(&self, after: i64, limit: u32) -> Result<Vec<Event>> {
        let rows: Vec<EventRow> = sqlx::query_as(
            "SELECT seq, kind, project_id, task_id, goal_id, attempt_id, payload, created_at
             FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(EventRow::into_event).collect()
    }

    /// The highest seq recorded, 0 when the log is empty.
    pub async fn latest_seq(&self) -> Result<i64> {
        let seq: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM events")
            .fetch_one(&self.pool)
            .await?;
        Ok(seq.unwrap_or(0))
    }
}
