//! `cadre attempt diff|commit|rebase|merge|push|pr|restore|open|preview|refine|retry`:
//! an attempt's git side, over the API.

use anyhow::{Result, bail};
use cadre_web::wire::AttemptView;
use cadre_web::wire_git::{DiffView, EditorView, PreviewView, RebaseView};
use reqwest::Method;
use serde_json::{Value, json};

use crate::cli::{AttemptCommand, PreviewAction};
use crate::client::{Client, segment};
use crate::output;

/// Runs the git-side attempt commands; the rest are handled in `attempt`.
pub async fn run(client: &Client, cmd: AttemptCommand) -> Result<()> {
    match cmd {
        AttemptCommand::Diff { id, stat, format } => {
            let path = format!("/attempts/{}/diff?hunks={}", segment(&id), !stat);
            let diff: DiffView = client.get(&path).await?;
            if format.json {
                return output::json(&diff);
            }
            print_diff(&diff, stat);
        }
        AttemptCommand::Commit { id, message } => {
            let a: AttemptView = post(client, &id, "commit", json!({ "message": message })).await?;
            println!(
                "committed {} on {}",
                short(a.head_commit.as_deref()),
                a.branch.unwrap_or_default()
            );
        }
        AttemptCommand::Rebase { id, format } => {
            let r: RebaseView = post(client, &id, "rebase", Value::Null).await?;
            if format.json {
                return output::json(&r);
            }
            match r.status.as_str() {
                "conflicted" => {
                    println!(
                        "rebase stopped on conflicts in {} and was aborted; nothing changed",
                        r.conflicts.join(", ")
                    );
                    if let Some(text) = r.suggested_followup {
                        println!(
                            "to ask the agent to resolve them:\n  cadre attempt followup {id} {text:?}"
                        );
                    }
                }
                "up_to_date" => println!("already up to date with {}", r.attempt.base_branch),
                _ => println!(
                    "rebased onto {} (now {})",
                    r.attempt.base_branch,
                    short(r.attempt.head_commit.as_deref())
                ),
            }
        }
        AttemptCommand::Merge { id, merge, .. } => {
            let strategy = if merge { "merge" } else { "squash" };
            let a: AttemptView =
                post(client, &id, "merge", json!({ "strategy": strategy })).await?;
            println!(
                "merged {} into {}",
                a.branch.unwrap_or_default(),
                a.base_branch
            );
        }
        AttemptCommand::Push { id } => {
            let a: AttemptView = post(client, &id, "push", Value::Null).await?;
            println!("pushed {} to origin", a.branch.unwrap_or_default());
        }
        AttemptCommand::Pr { id } => {
            let a: AttemptView = post(client, &id, "pr", Value::Null).await?;
            match a.pull_request {
                Some(pr) => println!("{}", pr.url),
                None => bail!("the server opened no pull request"),
            }
        }
        AttemptCommand::Restore { id } => {
            let a: AttemptView = post(client, &id, "restore", Value::Null).await?;
            println!(
                "restored {} at {}",
                a.branch.unwrap_or_default(),
                a.worktree_path.unwrap_or_default()
            );
        }
        AttemptCommand::Open { id, editor } => {
            let e: EditorView = post(client, &id, "open", json!({ "editor": editor })).await?;
            if !e.ok {
                bail!(
                    "`{}` failed (exit {:?}): {}",
                    e.command.join(" "),
                    e.exit_code,
                    e.stderr
                );
            }
            println!("opened with `{}`", e.command.join(" "));
        }
        AttemptCommand::Preview { action, id, format } => {
            let p: PreviewView = match action {
                PreviewAction::Start => post(client, &id, "preview/start", Value::Null).await?,
                PreviewAction::Stop => post(client, &id, "preview/stop", Value::Null).await?,
                PreviewAction::Status => {
                    client
                        .get(&format!("/attempts/{}/preview", segment(&id)))
                        .await?
                }
            };
            if format.json {
                return output::json(&p);
            }
            match (&p.url, p.running) {
                (Some(url), true) => println!("preview running at {url}"),
                _ => println!("no preview running"),
            }
            if matches!(action, PreviewAction::Status) && !p.log_tail.is_empty() {
                println!("{}", p.log_tail);
            }
        }
        AttemptCommand::Refine { id, prompt } => {
            let a: AttemptView = post(client, &id, "refine", json!({ "prompt": prompt })).await?;
            println!("{}", a.id);
        }
        AttemptCommand::Retry { id } => {
            let a: AttemptView = post(client, &id, "retry", Value::Null).await?;
            println!("retrying {} ({})", a.id, a.status);
        }
        _ => bail!("not a git command"),
    }
    Ok(())
}

/// POSTs to `/attempts/{id}/{action}`, with a JSON body unless `body` is null.
async fn post<T: serde::de::DeserializeOwned>(
    client: &Client,
    id: &str,
    action: &str,
    body: Value,
) -> Result<T> {
    let path = format!("/attempts/{}/{action}", segment(id));
    let body = if body.is_null() { None } else { Some(&body) };
    client.call(Method::POST, &path, body).await
}

fn short(sha: Option<&str>) -> &str {
    sha.map(|s| &s[..s.len().min(10)]).unwrap_or("-")
}

/// A readable diff: per file a header with counts, then its hunks.
fn print_diff(diff: &DiffView, stat: bool) {
    if diff.files.is_empty() {
        println!("no changes against {}", diff.base_branch);
        return;
    }
    for f in &diff.files {
        let name = match &f.old_path {
            Some(old) if old != &f.path => format!("{old} -> {}", f.path),
            _ => f.path.clone(),
        };
        println!("{:<9} {name} (+{} -{})", f.status, f.additions, f.deletions);
        if stat {
            continue;
        }
        if f.binary || f.too_large || f.collapsed {
            let why = if f.binary {
                "binary"
            } else if f.too_large {
                "too large to show"
            } else {
                "lockfile, collapsed"
            };
            println!("  ({why})");
            continue;
        }
        for hunk in &f.hunks {
            println!("{}", hunk.header);
            for line in &hunk.lines {
                let sign = match line.kind.as_str() {
                    "add" => '+',
                    "del" => '-',
                    _ => ' ',
                };
                println!("{sign}{}", line.content);
            }
        }
    }
    println!(
        "{} files changed, +{} -{}",
        diff.files_changed, diff.additions, diff.deletions
    );
}
