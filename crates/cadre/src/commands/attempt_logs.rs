//! `cadre attempt logs ID [--follow]`: an attempt's conversation; with `--follow`,
//! streamed live from `GET /attempts/{id}/stream` until the attempt settles.
//!
//! The stream's first event is the attempt's current status. Whenever a status
//! says the attempt is over, streaming stops and the rest of the log is read by
//! pages: entries stored just before the attempt settled may travel on another
//! channel than its status, so the database has the last word.

use anyhow::Result;
use cadre_web::wire::LogEntryView;
use serde::Deserialize;

use super::attempt::render;
use crate::client::{Client, segment};
use crate::sse::{self, Flow};

const PAGE: usize = 1000;

/// The fields of an `attempt.status` event this command needs.
#[derive(Deserialize)]
struct Status {
    status: String,
    failure_reason: Option<String>,
}

fn is_settled(status: &str) -> bool {
    matches!(status, "succeeded" | "failed" | "stopped" | "interrupted")
}

fn print(entry: &LogEntryView, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string(entry)?);
    } else {
        println!("{}", render(&entry.entry));
    }
    Ok(())
}

/// Prints every entry after `after`, page by page; returns the last seq printed.
async fn print_pages(client: &Client, id: &str, mut after: i64, json: bool) -> Result<i64> {
    loop {
        let page: Vec<LogEntryView> = client
            .get(&format!(
                "/attempts/{}/logs?after={after}&limit={PAGE}",
                segment(id)
            ))
            .await?;
        for entry in &page {
            print(entry, json)?;
            after = entry.seq;
        }
        if page.len() < PAGE {
            return Ok(after);
        }
    }
}

pub async fn run(client: &Client, id: &str, follow: bool, json: bool) -> Result<()> {
    if !follow {
        print_pages(client, id, 0, json).await?;
        return Ok(());
    }
    let path = format!("/attempts/{}/stream", segment(id));
    let mut settled: Option<Status> = None;
    let last = sse::follow(client, &path, Some(0), |event| match event.event.as_str() {
        "attempt.log.appended" => {
            print(&sse::data::<LogEntryView>(event)?, json)?;
            Ok(Flow::Continue)
        }
        "attempt.status" => {
            // Other payloads on this event name are not ours to judge.
            let Ok(status) = sse::data::<Status>(event) else {
                return Ok(Flow::Continue);
            };
            if is_settled(&status.status) {
                settled = Some(status);
                return Ok(Flow::Stop);
            }
            Ok(Flow::Continue)
        }
        _ => Ok(Flow::Continue),
    })
    .await?;
    print_pages(client, id, last.unwrap_or(0), json).await?;
    if let (Some(status), false) = (settled, json) {
        println!(
            "-- attempt {}{}",
            status.status,
            status
                .failure_reason
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        );
    }
    Ok(())
}
