//! Running the git binary: argv in, typed result out.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use tokio::process::Command;

/// A failure to run git or a git command that exited non-zero.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The git binary could not be started at all.
    #[error("could not run `{program}`: {source}. Install git or set CADRE_GIT_BIN")]
    Spawn {
        /// The program we tried to start.
        program: String,
        /// Why the OS refused.
        source: std::io::Error,
    },
    /// git ran and reported failure.
    #[error("`{command}` failed ({status}): {stderr}")]
    Failed {
        /// The command line, for the user to reproduce it.
        command: String,
        /// Exit status as text.
        status: String,
        /// What git wrote on stderr, trimmed.
        stderr: String,
    },
    /// A filesystem operation around git failed.
    #[error("{action} `{path}`: {source}")]
    Io {
        /// What we were doing.
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A path given to git does not exist or is not a directory.
    #[error("`{0}` is not a directory")]
    NotADirectory(PathBuf),
}

/// Handle to the git binary. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Git {
    program: PathBuf,
}

impl Default for Git {
    fn default() -> Self {
        Self::new()
    }
}

impl Git {
    /// Uses `$CADRE_GIT_BIN` when set, else `git` from `PATH`.
    pub fn new() -> Self {
        let program = std::env::var_os("CADRE_GIT_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("git"));
        Self { program }
    }

    /// Runs `git <args>` in `cwd` and returns its output when it exits 0.
    pub async fn run<I, S>(&self, cwd: &Path, args: I) -> Result<Output, GitError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args = collect(args);
        let output = self.exec(cwd, &args).await?;
        if output.status.success() {
            Ok(output)
        } else {
            Err(GitError::Failed {
                command: command_line(&args),
                status: output.status.to_string(),
                stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            })
        }
    }

    /// Runs `git <args>` in `cwd` and returns its trimmed stdout when it exits 0.
    pub async fn run_text<I, S>(&self, cwd: &Path, args: I) -> Result<String, GitError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let output = self.run(cwd, args).await?;
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }

    /// Runs `git <args>` in `cwd` and returns its output whatever the exit status,
    /// for commands whose non-zero exit is an answer rather than a failure.
    pub async fn output<I, S>(&self, cwd: &Path, args: I) -> Result<Output, GitError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.exec(cwd, &collect(args)).await
    }

    async fn exec(&self, cwd: &Path, args: &[OsString]) -> Result<Output, GitError> {
        if !cwd.is_dir() {
            return Err(GitError::NotADirectory(cwd.to_path_buf()));
        }
        tracing::debug!(cwd = %cwd.display(), command = %command_line(args), "git");
        Command::new(&self.program)
            .args(args)
            .current_dir(cwd)
            .stdin(Stdio::null())
            // Git must never stop to ask a question: there is nobody to answer it.
            .env("GIT_TERMINAL_PROMPT", "0")
            .kill_on_drop(true)
            .output()
            .await
            .map_err(|source| GitError::Spawn {
                program: self.program.display().to_string(),
                source,
            })
    }
}

fn collect<I, S>(args: I) -> Vec<OsString>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    args.into_iter().map(|a| a.as_ref().to_owned()).collect()
}

fn command_line(args: &[OsString]) -> String {
    let mut line = String::from("git");
    for arg in args {
        line.push(' ');
        line.push_str(&arg.to_string_lossy());
    }
    line
}
