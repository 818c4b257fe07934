//! `cadre agents` and `cadre profile ...`

use anyhow::Result;
use cadre_web::wire::{AgentView, ProfileView};
use reqwest::Method;
use serde_json::json;

use crate::cli::{Format, ProfileCommand};
use crate::client::{Client, segment};
use crate::output;

pub async fn agents(client: &Client, format: Format) -> Result<()> {
    let agents: Vec<AgentView> = client.get("/agents").await?;
    if format.json {
        return output::json(&agents);
    }
    let rows = agents
        .into_iter()
        .map(|a| {
            vec![
                a.id,
                if a.installed {
                    "yes".into()
                } else {
                    "no".into()
                },
                a.path.unwrap_or_else(|| "-".into()),
                a.version.unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    output::table(&["AGENT", "INSTALLED", "PATH", "VERSION"], rows);
    Ok(())
}

pub async fn run(client: &Client, cmd: ProfileCommand) -> Result<()> {
    match cmd {
        ProfileCommand::Add {
            name,
            agent,
            model,
            args,
            env,
            timeout,
            project,
            format,
        } => {
            let body = json!({
                "name": name, "agent": agent, "model": model, "args": args, "env": env,
                "timeout_secs": timeout, "project": project,
            });
            let p: ProfileView = client.call(Method::POST, "/profiles", Some(&body)).await?;
            if format.json {
                return output::json(&p);
            }
            println!("saved profile {} ({})", p.name, p.agent);
        }
        ProfileCommand::List { project, format } => {
            let path = match project {
                Some(p) => format!("/profiles?project={}", segment(&p)),
                None => "/profiles".to_owned(),
            };
            let profiles: Vec<ProfileView> = client.get(&path).await?;
            if format.json {
                return output::json(&profiles);
            }
            let rows = profiles
                .into_iter()
                .map(|p| {
                    vec![
                        p.name,
                        p.agent,
                        p.model.unwrap_or_else(|| "-".into()),
                        if p.project_id.is_some() {
                            "project".into()
                        } else {
                            "global".into()
                        },
                        p.args.join(" "),
                    ]
                })
                .collect();
            output::table(&["NAME", "AGENT", "MODEL", "SCOPE", "ARGS"], rows);
        }
        ProfileCommand::Rm { name, project } => {
            let mut path = format!("/profiles/{}", segment(&name));
            if let Some(p) = project {
                path.push_str(&format!("?project={}", segment(&p)));
            }
            client.send(Method::DELETE, &path, None::<&()>).await?;
            println!("removed profile {name}");
        }
    }
    Ok(())
}
