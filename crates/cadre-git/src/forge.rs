//! Pull/merge requests through the forge CLIs: `gh` for GitHub, `glab` for
//! GitLab, picked from the `origin` remote URL.
//!
//! The tools run with the [`Git`] handle's extra environment (so a custom `PATH`
//! or token applies, and tests stay hermetic); a missing binary is
//! [`GitError::ToolMissing`] naming the tool.

use std::path::Path;
use std::process::Output;

use serde::Serialize;
use tokio::process::Command;

use crate::{Git, GitError};

/// Which forge hosts the repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ForgeKind {
    /// GitHub, driven by `gh`.
    GitHub,
    /// GitLab, driven by `glab`.
    GitLab,
}

impl ForgeKind {
    /// The CLI that drives this forge.
    pub fn tool(self) -> &'static str {
        match self {
            Self::GitHub => "gh",
            Self::GitLab => "glab",
        }
    }

    /// The forge a remote URL points at (`git@github.com:…`, `https://gitlab.…/…`),
    /// by host name.
    pub fn from_remote_url(url: &str) -> Option<Self> {
        let lower = url.to_ascii_lowercase();
        // The host is what follows `://` (and any `user@`) or precedes `:` in scp form.
        let after_scheme = lower.split_once("://").map_or(lower.as_str(), |(_, r)| r);
        let host_part = after_scheme
            .split(['/', ':'])
            .next()
            .unwrap_or(after_scheme);
        let host = host_part.rsplit('@').next().unwrap_or(host_part);
        if host.contains("github") {
            Some(Self::GitHub)
        } else if host.contains("gitlab") {
            Some(Self::GitLab)
        } else {
            None
        }
    }
}

/// A pull/merge request to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrRequest {
    /// Title.
    pub title: String,
    /// Description (markdown).
    pub body: String,
    /// The branch to merge into.
    pub base: String,
    /// The pushed attempt branch.
    pub head: String,
}

/// The state of a pull/merge request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrState {
    /// Open (GitLab: opened).
    Open,
    /// Closed without merging.
    Closed,
    /// Merged.
    Merged,
    /// Something else the tool reported (e.g. GitLab `locked`).
    Other,
}

/// A pull/merge request as the forge reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrStatus {
    /// Its state.
    pub state: PrState,
    /// Its web page, when reported.
    pub url: Option<String>,
}

impl Git {
    /// The forge of the `origin` remote, or `None` when there is no origin or
    /// its host is not recognised.
    pub async fn forge(&self, repo: &Path) -> Result<Option<ForgeKind>, GitError> {
        let out = self.output(repo, ["remote", "get-url", "origin"]).await?;
        if !out.status.success() {
            return Ok(None);
        }
        Ok(ForgeKind::from_remote_url(
            String::from_utf8_lossy(&out.stdout).trim(),
        ))
    }

    /// Opens a pull request (`gh pr create`) or merge request (`glab mr
    /// create`); returns the URL the tool printed.
    pub async fn create_pr(
        &self,
        repo: &Path,
        forge: ForgeKind,
        request: &PrRequest,
    ) -> Result<String, GitError> {
        let r = request;
        let args: Vec<&str> = match forge {
            ForgeKind::GitHub => vec![
                "pr", "create", "--title", &r.title, "--body", &r.body, "--base", &r.base,
                "--head", &r.head,
            ],
            ForgeKind::GitLab => vec![
                "mr",
                "create",
                "--title",
                &r.title,
                "--description",
                &r.body,
                "--target-branch",
                &r.base,
                "--source-branch",
                &r.head,
                "--yes",
            ],
        };
        let out = self.run_tool(repo, forge.tool(), &args).await?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        // Both tools print progress first and the URL last.
        Ok(stdout
            .lines()
            .rev()
            .find(|l| l.trim().starts_with("http"))
            .unwrap_or(stdout.trim())
            .trim()
            .to_owned())
    }

    /// The state of the pull/merge request whose source branch is `head`.
    pub async fn pr_status(
        &self,
        repo: &Path,
        forge: ForgeKind,
        head: &str,
    ) -> Result<PrStatus, GitError> {
        let args: Vec<&str> = match forge {
            ForgeKind::GitHub => vec!["pr", "view", head, "--json", "state,url"],
            ForgeKind::GitLab => vec!["mr", "view", head, "--output", "json"],
        };
        let out = self.run_tool(repo, forge.tool(), &args).await?;
        parse_pr_status(&out.stdout).ok_or_else(|| GitError::Tool {
            command: tool_line(forge.tool(), &args),
            message: format!(
                "unexpected answer: {}",
                String::from_utf8_lossy(&out.stdout).trim()
            ),
        })
    }

    /// Runs a forge CLI with this handle's environment; non-zero exit is an error.
    async fn run_tool(&self, cwd: &Path, tool: &str, args: &[&str]) -> Result<Output, GitError> {
        let mut command = Command::new(tool);
        command
            .args(args)
            .current_dir(cwd)
            // Neither tool may stop to prompt: there is nobody to answer.
            .env("GH_PROMPT_DISABLED", "1")
            .env("NO_PROMPT", "1")
            .env("GIT_TERMINAL_PROMPT", "0");
        // The tools run git themselves: it must see the repo in `cwd`, not one
        // named by an inherited GIT_DIR.
        for key in crate::command::SCRUBBED_ENV {
            command.env_remove(key);
        }
        command.envs(self.env().iter().map(|(k, v)| (k, v)));
        let output = match crate::command::spawn(command, Path::new(tool)).await {
            Err(GitError::Spawn { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                return Err(GitError::ToolMissing {
                    tool: tool.to_owned(),
                });
            }
            other => other?,
        };
        if output.status.success() {
            Ok(output)
        } else {
            Err(GitError::Tool {
                command: tool_line(tool, args),
                message: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            })
        }
    }
}

fn tool_line(tool: &str, args: &[&str]) -> String {
    std::iter::once(tool)
        .chain(args.iter().copied())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reads `gh pr view --json state,url` or `glab mr view --output json`.
fn parse_pr_status(stdout: &[u8]) -> Option<PrStatus> {
    let value: serde_json::Value = serde_json::from_slice(stdout).ok()?;
    let state = value.get("state")?.as_str()?.to_ascii_lowercase();
    let state = match state.as_str() {
        "open" | "opened" => PrState::Open,
        "closed" => PrState::Closed,
        "merged" => PrState::Merged,
        _ => PrState::Other,
    };
    let url = value
        .get("url")
        .or_else(|| value.get("web_url"))
        .and_then(|u| u.as_str())
        .map(str::to_owned);
    Some(PrStatus { state, url })
}

#[cfg(test)]
#[path = "forge_tests.rs"]
mod tests;
