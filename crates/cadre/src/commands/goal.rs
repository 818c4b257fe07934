//! `cadre goal ...`

use anyhow::Result;
use cadre_web::wire::GoalView;
use reqwest::Method;
use serde_json::json;

use crate::cli::GoalCommand;
use crate::client::{Client, segment};
use crate::output;

pub async fn run(client: &Client, cmd: GoalCommand) -> Result<()> {
    match cmd {
        GoalCommand::Add {
            project,
            title,
            description,
            format,
        } => {
            let body = json!({ "title": title, "description": description.unwrap_or_default() });
            let path = format!("/projects/{}/goals", segment(&project));
            let goal: GoalView = client.call(Method::POST, &path, Some(&body)).await?;
            if format.json {
                return output::json(&goal);
            }
            println!("{}", goal.id);
        }
        GoalCommand::List { project, format } => {
            let path = match project {
                Some(p) => format!("/goals?project={}", segment(&p)),
                None => "/goals".to_owned(),
            };
            let goals: Vec<GoalView> = client.get(&path).await?;
            if format.json {
                return output::json(&goals);
            }
            let rows = goals
                .into_iter()
                .map(|g| vec![g.id, g.status, g.title])
                .collect();
            output::table(&["ID", "STATUS", "TITLE"], rows);
        }
    }
    Ok(())
}
