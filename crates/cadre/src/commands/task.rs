//! `cadre task ...`

use anyhow::Result;
use cadre_web::wire::{TaskView, TransitionView};
use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::cli::TaskCommand;
use crate::client::{Client, segment};
use crate::output;

pub async fn run(client: &Client, cmd: TaskCommand) -> Result<()> {
    match cmd {
        TaskCommand::Add {
            project,
            title,
            description,
            depends_on,
            priority,
            labels,
            status,
            format,
        } => {
            let mut body = json!({ "title": title, "depends_on": depends_on, "labels": labels });
            set(&mut body, "description", description);
            set(&mut body, "priority", priority);
            set(&mut body, "status", status);
            let path = format!("/projects/{}/tasks", segment(&project));
            let task: TaskView = client.call(Method::POST, &path, Some(&body)).await?;
            if format.json {
                return output::json(&task);
            }
            println!("{}", task.key);
        }
        TaskCommand::List {
            project,
            status,
            format,
        } => {
            let mut query = vec![];
            if let Some(p) = project {
                query.push(format!("project={}", segment(&p)));
            }
            if let Some(s) = status {
                query.push(format!("status={}", segment(&s)));
            }
            let tasks: Vec<TaskView> = client
                .get_all(&format!("/tasks?{}", query.join("&")))
                .await?;
            if format.json {
                return output::json(&tasks);
            }
            let rows = tasks
                .into_iter()
                .map(|t| {
                    let deps = t
                        .depends_on
                        .iter()
                        .map(|d| d.key.as_str())
                        .collect::<Vec<_>>()
                        .join(", ");
                    vec![t.key, t.status, t.priority, t.title, deps]
                })
                .collect();
            output::table(&["KEY", "STATUS", "PRIORITY", "TITLE", "DEPENDS ON"], rows);
        }
        TaskCommand::Show { task, format } => {
            let t: TaskView = client.get(&format!("/tasks/{}", segment(&task))).await?;
            let history: Vec<TransitionView> = client
                .get(&format!("/tasks/{}/transitions", segment(&task)))
                .await?;
            if format.json {
                return output::json(&t);
            }
            let deps = t
                .depends_on
                .iter()
                .map(|d| format!("{} ({})", d.key, d.status))
                .collect::<Vec<_>>()
                .join(", ");
            output::fields(&[
                ("key", t.key),
                ("title", t.title),
                ("status", t.status),
                ("priority", t.priority),
                ("labels", t.labels.join(", ")),
                (
                    "depends on",
                    if deps.is_empty() { "-".into() } else { deps },
                ),
                ("id", t.id),
            ]);
            if !t.description.is_empty() {
                println!("\n{}", t.description);
            }
            if !history.is_empty() {
                println!("\nhistory:");
                for h in history {
                    let reason = h.reason.map(|r| format!(": {r}")).unwrap_or_default();
                    println!(
                        "  {} {} -> {} by {}{}",
                        h.at.format("%Y-%m-%d %H:%M"),
                        h.from,
                        h.to,
                        h.actor,
                        reason
                    );
                }
            }
        }
        TaskCommand::Move {
            task,
            status,
            position,
            reason,
            format,
        } => {
            let mut body = json!({ "status": status });
            set(&mut body, "position", position);
            set(&mut body, "reason", reason);
            let t: TaskView = client
                .call(
                    Method::POST,
                    &format!("/tasks/{}/move", segment(&task)),
                    Some(&body),
                )
                .await?;
            if format.json {
                return output::json(&t);
            }
            println!("{} is now {}", t.key, t.status);
        }
        TaskCommand::Edit {
            task,
            title,
            description,
            priority,
            labels,
            format,
        } => {
            let mut body = json!({});
            set(&mut body, "title", title);
            set(&mut body, "description", description);
            set(&mut body, "priority", priority);
            set(&mut body, "labels", labels);
            let t: TaskView = client
                .call(
                    Method::PATCH,
                    &format!("/tasks/{}", segment(&task)),
                    Some(&body),
                )
                .await?;
            if format.json {
                return output::json(&t);
            }
            println!("updated {}", t.key);
        }
        TaskCommand::Depend { task, on } => {
            let body = json!({ "depends_on": on });
            let t: TaskView = client
                .call(
                    Method::POST,
                    &format!("/tasks/{}/dependencies", segment(&task)),
                    Some(&body),
                )
                .await?;
            println!("{} now depends on {}", t.key, on.to_uppercase());
        }
        TaskCommand::Undepend { task, on } => {
            let path = format!("/tasks/{}/dependencies/{}", segment(&task), segment(&on));
            let t: TaskView = client.call(Method::DELETE, &path, None::<&()>).await?;
            println!("{} no longer depends on {}", t.key, on.to_uppercase());
        }
        TaskCommand::Rm { task } => {
            let t: TaskView = client
                .call(
                    Method::DELETE,
                    &format!("/tasks/{}", segment(&task)),
                    None::<&()>,
                )
                .await?;
            println!("deleted {}", t.key);
        }
    }
    Ok(())
}

/// Sets `key` in a JSON object when `value` is present.
fn set<T: serde::Serialize>(body: &mut Value, key: &str, value: Option<T>) {
    if let (Some(value), Some(map)) = (value, body.as_object_mut()) {
        insert(map, key, value);
    }
}

fn insert<T: serde::Serialize>(map: &mut Map<String, Value>, key: &str, value: T) {
    map.insert(
        key.to_owned(),
        serde_json::to_value(value).unwrap_or(Value::Null),
    );
}
