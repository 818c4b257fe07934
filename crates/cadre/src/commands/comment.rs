//! `cadre comment ...`: review comments on an attempt's diff, and sending the open
//! ones to the agent.

use anyhow::Result;
use cadre_web::wire_review::{CommentView, ReviewSentView};
use clap::Subcommand;
use reqwest::Method;
use serde_json::json;

use crate::cli::Format;
use crate::client::{Client, segment};
use crate::output;

/// `cadre comment ...`
#[derive(Debug, Subcommand)]
pub enum CommentCommand {
    /// Comment on one line of an attempt's diff; prints the comment id.
    Add {
        /// Attempt id.
        attempt: String,
        /// File path, relative to the repository root.
        #[arg(long)]
        file: String,
        /// Line number, from 1.
        #[arg(long)]
        line: i64,
        /// Which side of the diff the line number counts on: new or old.
        #[arg(long, default_value = "new")]
        side: String,
        /// The comment.
        text: String,
        #[command(flatten)]
        format: Format,
    },
    /// List an attempt's review comments.
    List {
        /// Attempt id.
        attempt: String,
        #[command(flatten)]
        format: Format,
    },
    /// Mark a comment resolved.
    Resolve {
        /// Comment id.
        id: String,
    },
    /// Delete a comment.
    Rm {
        /// Comment id.
        id: String,
    },
    /// Send the open comments to the agent as one follow-up, and resolve them.
    Send {
        /// Attempt id.
        attempt: String,
        #[command(flatten)]
        format: Format,
    },
}

pub async fn run(client: &Client, cmd: CommentCommand) -> Result<()> {
    match cmd {
        CommentCommand::Add {
            attempt,
            file,
            line,
            side,
            text,
            format,
        } => {
            let body = json!({ "file": file, "line": line, "side": side, "body": text });
            let path = format!("/attempts/{}/comments", segment(&attempt));
            let comment: CommentView = client.call(Method::POST, &path, Some(&body)).await?;
            if format.json {
                return output::json(&comment);
            }
            println!("{}", comment.id);
        }
        CommentCommand::List { attempt, format } => {
            let path = format!("/attempts/{}/comments", segment(&attempt));
            let comments: Vec<CommentView> = client.get(&path).await?;
            if format.json {
                return output::json(&comments);
            }
            let rows = comments
                .into_iter()
                .map(|c| {
                    let state = if c.resolved_at.is_some() {
                        "resolved"
                    } else {
                        "open"
                    };
                    vec![
                        c.id,
                        format!("{}:{} ({})", c.file, c.line, c.side),
                        state.to_owned(),
                        c.body,
                    ]
                })
                .collect();
            output::table(&["ID", "WHERE", "STATE", "COMMENT"], rows);
        }
        CommentCommand::Resolve { id } => {
            let path = format!("/comments/{}/resolve", segment(&id));
            let c: CommentView = client.call(Method::POST, &path, None::<&()>).await?;
            println!("resolved {}:{}", c.file, c.line);
        }
        CommentCommand::Rm { id } => {
            let path = format!("/comments/{}", segment(&id));
            let c: CommentView = client.call(Method::DELETE, &path, None::<&()>).await?;
            println!("deleted the comment on {}:{}", c.file, c.line);
        }
        CommentCommand::Send { attempt, format } => {
            let path = format!("/attempts/{}/review/send", segment(&attempt));
            let sent: ReviewSentView = client.call(Method::POST, &path, None::<&()>).await?;
            if format.json {
                return output::json(&sent);
            }
            println!(
                "sent {} comment(s) to {} ({})",
                sent.comments.len(),
                sent.attempt.id,
                sent.attempt.status
            );
        }
    }
    Ok(())
}
