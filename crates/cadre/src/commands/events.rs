//! `cadre events [--follow]`: the event log, and a live tail over SSE that
//! resumes from the last seen seq (`Last-Event-ID`) after a resync, a dropped
//! connection or a server restart.

use anyhow::Result;
use cadre_web::wire::EventView;

use crate::cli::EventsArgs;
use crate::client::Client;
use crate::output;
use crate::sse::{self, Flow};

pub async fn run(client: &Client, args: EventsArgs) -> Result<()> {
    if !args.follow {
        let events: Vec<EventView> = client
            .get(&format!(
                "/events?since={}&limit={}",
                args.since, args.limit
            ))
            .await?;
        if args.format.json {
            return output::json(&events);
        }
        for event in &events {
            print_event(event);
        }
        return Ok(());
    }
    let json = args.format.json;
    sse::follow(client, "/events", Some(args.since), |item| {
        if let Ok(event) = sse::data::<EventView>(item) {
            if json {
                println!("{}", item.data);
            } else {
                print_event(&event);
            }
        }
        Ok(Flow::Continue)
    })
    .await?;
    Ok(())
}

fn print_event(event: &EventView) {
    let subject = event
        .payload
        .get("key")
        .or_else(|| event.payload.pointer("/task/key"))
        .or_else(|| event.payload.get("task"))
        .and_then(|v| v.as_str())
        .unwrap_or("");
    println!(
        "{:>6}  {}  {:<24} {}",
        event.seq,
        event.created_at.format("%H:%M:%S"),
        event.kind,
        subject
    );
}
