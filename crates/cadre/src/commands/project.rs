//! `cadre project ...`

use anyhow::{Context, Result};
use cadre_web::wire::ProjectView;
use reqwest::Method;
use serde_json::json;

use crate::cli::ProjectCommand;
use crate::client::{Client, segment};
use crate::output;

pub async fn run(client: &Client, cmd: ProjectCommand) -> Result<()> {
    match cmd {
        ProjectCommand::Add {
            path,
            key,
            name,
            base_branch,
            init,
            format,
        } => {
            // The server resolves paths in its own working directory, so send an
            // absolute one.
            let cwd = std::env::current_dir().context("cannot read the current directory")?;
            let path = cwd.join(path);
            let path = path.canonicalize().unwrap_or(path);
            let body = json!({
                "repo_path": path, "key": key, "name": name, "base_branch": base_branch, "init": init,
            });
            let project: ProjectView = client.call(Method::POST, "/projects", Some(&body)).await?;
            if format.json {
                return output::json(&project);
            }
            println!(
                "added project {} ({}) at {}, base branch {}",
                project.key, project.name, project.repo_path, project.base_branch
            );
        }
        ProjectCommand::List { format } => {
            let projects: Vec<ProjectView> = client.get("/projects").await?;
            if format.json {
                return output::json(&projects);
            }
            let rows = projects
                .into_iter()
                .map(|p| vec![p.key, p.name, p.base_branch, p.repo_path])
                .collect();
            output::table(&["KEY", "NAME", "BASE", "REPOSITORY"], rows);
        }
        ProjectCommand::Show { project, format } => {
            let p: ProjectView = client
                .get(&format!("/projects/{}", segment(&project)))
                .await?;
            if format.json {
                return output::json(&p);
            }
            output::fields(&[
                ("key", p.key),
                ("name", p.name),
                ("repository", p.repo_path),
                ("base branch", p.base_branch),
                (
                    "default agent",
                    p.default_agent.unwrap_or_else(|| "-".into()),
                ),
                ("copy files", p.copy_files.join(", ")),
                ("id", p.id),
            ]);
        }
        ProjectCommand::Rm { project } => {
            let p: ProjectView = client
                .call(
                    Method::DELETE,
                    &format!("/projects/{}", segment(&project)),
                    None::<&()>,
                )
                .await?;
            println!(
                "removed project {} (the repository at {} is untouched)",
                p.key, p.repo_path
            );
        }
    }
    Ok(())
}
