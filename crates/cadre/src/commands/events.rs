//! `cadre events [--follow]`: the event log, and a live tail over SSE that
//! reconnects from the last seen seq when told to resync.

use anyhow::{Context, Result};
use cadre_web::wire::EventView;
use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use reqwest::Method;

use crate::cli::EventsArgs;
use crate::client::Client;
use crate::output;

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
    let mut last = args.since;
    loop {
        let request = client
            .request(Method::GET, "/events")
            .header("accept", "text/event-stream")
            .header("last-event-id", last.to_string());
        let response = client.execute(request).await?;
        let mut stream = response.bytes_stream().eventsource();
        let mut resync = false;
        while let Some(item) = stream.next().await {
            let item = item.context("event stream broke")?;
            if item.event == "resync" {
                resync = true;
                break;
            }
            let Ok(event) = serde_json::from_str::<EventView>(&item.data) else {
                continue;
            };
            last = event.seq;
            if args.format.json {
                println!("{}", item.data);
            } else {
                print_event(&event);
            }
        }
        if !resync {
            return Ok(());
        }
    }
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
