//! `cadre attempt ...`: start agents, read their conversation, follow up, stop.

use anyhow::Result;
use cadre_web::wire::{AttemptDetailView, AttemptView};
use reqwest::Method;
use serde_json::{Value, json};

use crate::cli::AttemptCommand;
use crate::client::{Client, segment};
use crate::output;

use super::attempt_git;

pub async fn run(client: &Client, cmd: AttemptCommand) -> Result<()> {
    match cmd {
        AttemptCommand::Start {
            task,
            agent,
            profile,
            prompt,
            base_branch,
            images,
            format,
        } => {
            let attachments = super::followup::upload(client, &images).await?;
            let body = json!({
                "agent": agent, "profile": profile, "prompt": prompt,
                "base_branch": base_branch, "attachments": attachments,
            });
            let path = format!("/tasks/{}/attempts", segment(&task));
            let attempt: AttemptView = client.call(Method::POST, &path, Some(&body)).await?;
            if format.json {
                return output::json(&attempt);
            }
            println!("{}", attempt.id);
        }
        AttemptCommand::List { task, format } => {
            let attempts: Vec<AttemptView> = client
                .get(&format!("/tasks/{}/attempts", segment(&task)))
                .await?;
            if format.json {
                return output::json(&attempts);
            }
            let rows = attempts
                .into_iter()
                .map(|a| {
                    vec![
                        a.id,
                        a.agent,
                        a.status,
                        a.created_at.format("%Y-%m-%d %H:%M").to_string(),
                    ]
                })
                .collect();
            output::table(&["ID", "AGENT", "STATUS", "CREATED"], rows);
        }
        AttemptCommand::Show { id, format } => {
            let d: AttemptDetailView = client.get(&format!("/attempts/{}", segment(&id))).await?;
            if format.json {
                return output::json(&d);
            }
            let a = d.attempt;
            output::fields(&[
                ("attempt", a.id),
                ("agent", a.agent),
                ("status", a.status),
                ("session", a.session_id.unwrap_or_else(|| "-".into())),
                (
                    "directory",
                    a.worktree_path
                        .unwrap_or_else(|| "(project checkout)".into()),
                ),
                ("retries", a.retry_count.to_string()),
                ("reason", a.failure_reason.unwrap_or_else(|| "-".into())),
                ("log entries", d.log_len.to_string()),
            ]);
            if let Some(summary) = a.summary {
                println!("\n{summary}");
            }
        }
        AttemptCommand::Logs { id, follow, format } => {
            super::attempt_logs::run(client, &id, follow, format.json).await?
        }
        AttemptCommand::Stop { id } => {
            let a: AttemptView = client
                .call(
                    Method::POST,
                    &format!("/attempts/{}/stop", segment(&id)),
                    None::<&()>,
                )
                .await?;
            println!("attempt {} is {}", a.id, a.status);
        }
        AttemptCommand::Followup { id, text, images } => {
            super::followup::run(client, &id, text, &images).await?
        }
        other => return attempt_git::run(client, other).await,
    }
    Ok(())
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// One readable line (or block) per entry.
pub fn render(entry: &Value) -> String {
    match text(entry, "kind") {
        "user_message" => format!("you: {}", text(entry, "text")),
        "assistant_message" => format!("agent: {}", text(entry, "text")),
        "thinking" => format!("(thinking) {}", text(entry, "text")),
        "tool_call" => {
            let action = &entry["action"];
            let what = match text(action, "type") {
                "command_run" => format!("$ {}", text(action, "command")),
                "file_read" => format!("read {}", text(action, "path")),
                "file_edit" => format!("edit {}", text(action, "path")),
                "search" => format!("search {}", text(action, "query")),
                "web_fetch" => format!("fetch {}", text(action, "url")),
                "todo" => {
                    let items = action["items"].as_array().map(Vec::len).unwrap_or(0);
                    format!("todo list ({items} items)")
                }
                "subagent" => format!("subagent: {}", text(action, "description")),
                _ => text(entry, "tool_name").to_owned(),
            };
            format!("  -> {what}")
        }
        "tool_result" => {
            let output = text(entry, "output");
            let first = output.lines().next().unwrap_or("");
            let more = output.lines().count().saturating_sub(1);
            let more = if more > 0 {
                format!(" (+{more} lines)")
            } else {
                String::new()
            };
            format!("  <- {}: {first}{more}", text(entry, "status"))
        }
        "system_message" => format!("[system] {}", text(entry, "text")),
        "error" => format!("[error] {}", text(entry, "message")),
        "usage" => format!(
            "[usage] {} in / {} out{}",
            entry["input_tokens"],
            entry["output_tokens"],
            entry["cost_usd"]
                .as_f64()
                .map(|c| format!(", ${c:.4}"))
                .unwrap_or_default()
        ),
        "session_started" => format!("[session {}]", text(entry, "session_id")),
        "raw" => format!("[{}] {}", text(entry, "stream"), text(entry, "text")),
        other => format!("[{other}]"),
    }
}
