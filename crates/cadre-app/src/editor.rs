//! Opening an attempt's worktree in the person's editor, with the outcome recorded
//! as `editor.open.requested` then `editor.open.succeeded` or `editor.open.failed`
//! carrying the command, exit status and stderr.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use cadre_core::{AttemptId, EventKind, ValidationError};
use serde_json::json;
use tokio::io::AsyncReadExt;

use crate::{App, Result};

/// How long to watch a launched editor for an early failure. GUI launchers
/// (`code`, `cursor`, `zed`) return at once; one still running after this is
/// taken as started.
const WATCH: Duration = Duration::from_secs(3);

/// What happened when an editor was launched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditorLaunch {
    /// The command line run.
    pub command: Vec<String>,
    /// Whether it started (exited 0, or was still running after a few seconds).
    pub ok: bool,
    /// Its exit status, when it ended while watched.
    pub exit_code: Option<i32>,
    /// What it printed to stderr while watched (at most 4 KiB).
    pub stderr: String,
}

/// The command line that opens `path` in `editor`: a known name (`code`,
/// `cursor`, `zed`, `idea`, `subl`, `nvim`...) or any command, split on
/// whitespace, with the path appended as its last argument.
pub fn editor_command(editor: &str, path: &Path) -> Result<Vec<String>, ValidationError> {
    let mut words: Vec<String> = editor.split_whitespace().map(str::to_owned).collect();
    if words.is_empty() {
        return Err(ValidationError::new(
            "editor",
            "name an editor (code, cursor, zed, idea) or a command",
        ));
    }
    words.push(path.to_string_lossy().into_owned());
    Ok(words)
}

impl App {
    /// Opens the attempt's worktree in `editor` (default: `$CADRE_EDITOR`,
    /// `$VISUAL`, `$EDITOR`, else `code`).
    pub async fn open_in_editor(
        &self,
        attempt: AttemptId,
        editor: Option<&str>,
    ) -> Result<EditorLaunch> {
        let current = self.store.attempt(attempt).await?;
        let path = match &current.worktree_path {
            Some(path) => path.clone(),
            None if current.branch.is_none() => {
                self.store.project(current.project_id).await?.repo_path
            }
            None => Self::require_worktree(&current)?,
        };
        let env = &self.runtime.config.env;
        let editor = editor
            .map(str::to_owned)
            .or_else(|| env.get("CADRE_EDITOR").cloned())
            .or_else(|| env.get("VISUAL").cloned())
            .or_else(|| env.get("EDITOR").cloned())
            .unwrap_or_else(|| "code".to_owned());
        let command = editor_command(&editor, &path)?;
        self.record_attempt_event(
            &current,
            EventKind::EditorOpenRequested,
            json!({ "command": command, "path": path }),
        )
        .await?;
        let launch = launch(&command, &path).await;
        let kind = if launch.ok {
            EventKind::EditorOpenSucceeded
        } else {
            EventKind::EditorOpenFailed
        };
        self.record_attempt_event(
            &current,
            kind,
            json!({
                "command": launch.command,
                "exit_code": launch.exit_code,
                "stderr": launch.stderr,
            }),
        )
        .await?;
        Ok(launch)
    }
}

/// Starts the editor in `cwd` and watches it for [`WATCH`].
async fn launch(command: &[String], cwd: &Path) -> EditorLaunch {
    let mut result = EditorLaunch {
        command: command.to_vec(),
        ok: false,
        exit_code: None,
        stderr: String::new(),
    };
    let Some((program, args)) = command.split_first() else {
        return result;
    };
    let child = tokio::process::Command::new(program)
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        // The editor outlives this request; it must not die with it.
        .kill_on_drop(false)
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => {
            result.stderr = format!("could not start `{program}`: {e}");
            return result;
        }
    };
    let mut stderr = child.stderr.take();
    match tokio::time::timeout(WATCH, child.wait()).await {
        Ok(Ok(status)) => {
            result.exit_code = status.code();
            result.ok = status.success();
        }
        Ok(Err(e)) => result.stderr = format!("could not wait for `{program}`: {e}"),
        Err(_) => {
            // Still running: a terminal or non-forking editor. Leave it be.
            result.ok = true;
            return result;
        }
    }
    if let Some(err) = stderr.as_mut() {
        let mut buf = Vec::new();
        let _ = err.take(4096).read_to_end(&mut buf).await;
        result.stderr = String::from_utf8_lossy(&buf).trim().to_owned();
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_command_appends_the_worktree_to_the_named_command() {
        let path = Path::new("/data/worktrees/WEB/1a2b-fix");
        assert_eq!(
            editor_command("code", path).expect("cmd"),
            ["code", "/data/worktrees/WEB/1a2b-fix"]
        );
        assert_eq!(
            editor_command("zed --new", path).expect("cmd"),
            ["zed", "--new", "/data/worktrees/WEB/1a2b-fix"]
        );
        assert!(editor_command("  ", path).is_err());
    }
}
