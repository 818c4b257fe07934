//! Running the git binary (and other tools): argv in, typed result out.
//!
//! Every process cadre-git starts goes through here so that the environment is
//! controlled in one place: extra env carried by the [`Git`] handle (hermetic
//! tests, a custom `PATH` for `gh`), no terminal prompts, and no inherited
//! `GIT_DIR`-style variables that would point git at another repository.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::Arc;

use tokio::process::Command;

use crate::GitError;

/// Variables that, inherited from a parent git process (e.g. a hook), would make
/// git act on a different repository or index than the `cwd` we pass.
pub(crate) const SCRUBBED_ENV: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_PREFIX",
];

/// Handle to the git binary plus the extra environment every command gets.
/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct Git {
    program: PathBuf,
    env: Arc<Vec<(OsString, OsString)>>,
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
        Self::with_program(program)
    }

    /// Uses the given git binary.
    pub fn with_program(program: impl Into<PathBuf>) -> Self {
        Self {
            program: program.into(),
            env: Arc::new(Vec::new()),
        }
    }

    /// Returns a handle whose commands (git and forge tools) also get `key=value`
    /// in their environment; later values for the same key win.
    pub fn with_env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        Arc::make_mut(&mut self.env).push((key.into(), value.into()));
        self
    }

    /// [`Git::with_env`] for several variables at once.
    pub fn with_envs<K, V>(mut self, vars: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<OsString>,
        V: Into<OsString>,
    {
        Arc::make_mut(&mut self.env).extend(vars.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// The extra environment this handle passes to every command.
    pub fn env(&self) -> &[(OsString, OsString)] {
        &self.env
    }

    /// The git program this handle runs.
    pub fn program(&self) -> &Path {
        &self.program
    }

    /// Runs `git <args>` in `cwd` and returns its output when it exits 0.
    pub async fn run<I, S>(&self, cwd: &Path, args: I) -> Result<Output, GitError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cmd(cwd).args(args).run().await
    }

    /// Runs `git <args>` in `cwd` and returns its trimmed stdout when it exits 0.
    pub async fn run_text<I, S>(&self, cwd: &Path, args: I) -> Result<String, GitError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cmd(cwd).args(args).text().await
    }

    /// Runs `git <args>` in `cwd` and returns its output whatever the exit status,
    /// for commands whose non-zero exit is an answer rather than a failure.
    pub async fn output<I, S>(&self, cwd: &Path, args: I) -> Result<Output, GitError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cmd(cwd).args(args).output().await
    }

    /// Starts building a git invocation in `cwd` (per-call env, stdin).
    pub(crate) fn cmd<'a>(&'a self, cwd: &'a Path) -> Invocation<'a> {
        Invocation {
            git: self,
            cwd,
            args: Vec::new(),
            env: Vec::new(),
        }
    }

    /// `-c user.name=… -c user.email=…` for whichever identity part is not
    /// configured, so commits cadre makes never fail with "Please tell me who you
    /// are". Empty when the user (or the environment) provides both.
    pub(crate) async fn identity_args(&self, cwd: &Path) -> Result<Vec<String>, GitError> {
        // useConfigOnly stops git from inventing `user@hostname`: we want to know
        // whether a real identity exists, from config or GIT_AUTHOR_*/COMMITTER_* env.
        let mut missing_ident = false;
        for var in ["GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT"] {
            let out = self
                .output(cwd, ["-c", "user.useConfigOnly=true", "var", var])
                .await?;
            missing_ident |= !out.status.success();
        }
        if !missing_ident {
            return Ok(Vec::new());
        }
        let mut args = Vec::new();
        for (key, fallback) in [("user.name", "cadre"), ("user.email", "cadre@localhost")] {
            let out = self.output(cwd, ["config", "--get", key]).await?;
            if !out.status.success() || out.stdout.trim_ascii().is_empty() {
                args.push("-c".to_owned());
                args.push(format!("{key}={fallback}"));
            }
        }
        Ok(args)
    }
}

/// Identity cadre always uses for its own bookkeeping commits (snapshots), so they
/// are recognisable and never depend on the user's configuration. Set as env, which
/// outranks both config and any inherited `GIT_AUTHOR_*`.
pub(crate) const CADRE_IDENTITY_ENV: [(&str, &str); 4] = [
    ("GIT_AUTHOR_NAME", "cadre"),
    ("GIT_AUTHOR_EMAIL", "cadre@localhost"),
    ("GIT_COMMITTER_NAME", "cadre"),
    ("GIT_COMMITTER_EMAIL", "cadre@localhost"),
];

/// One git command being assembled.
pub(crate) struct Invocation<'a> {
    git: &'a Git,
    cwd: &'a Path,
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
}

impl Invocation<'_> {
    /// Appends one argument.
    pub(crate) fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    /// Appends arguments.
    pub(crate) fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Sets a variable for this command only.
    pub(crate) fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.env
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Sets several variables for this command only.
    pub(crate) fn envs<K, V>(mut self, vars: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        for (k, v) in vars {
            self = self.env(k, v);
        }
        self
    }

    /// Runs and returns the output only when git exits 0.
    pub(crate) async fn run(self) -> Result<Output, GitError> {
        let command = command_line(&self.args);
        let output = self.output().await?;
        if output.status.success() {
            Ok(output)
        } else {
            Err(failed(command, &output))
        }
    }

    /// Runs and returns trimmed stdout when git exits 0.
    pub(crate) async fn text(self) -> Result<String, GitError> {
        let output = self.run().await?;
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }

    /// Runs and returns the output whatever the exit status.
    pub(crate) async fn output(self) -> Result<Output, GitError> {
        if !self.cwd.is_dir() {
            return Err(GitError::NotADirectory(self.cwd.to_path_buf()));
        }
        tracing::debug!(cwd = %self.cwd.display(), command = %command_line(&self.args), "git");
        let mut command = Command::new(&self.git.program);
        command
            .args(&self.args)
            .current_dir(self.cwd)
            // Git must never stop to ask a question: there is nobody to answer it.
            .env("GIT_TERMINAL_PROMPT", "0");
        for key in SCRUBBED_ENV {
            command.env_remove(key);
        }
        command.envs(self.git.env.iter().map(|(k, v)| (k, v)));
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        spawn(command, &self.git.program).await
    }
}

/// Runs `command` (stdin closed) and collects its output.
pub(crate) async fn spawn(mut command: Command, program: &Path) -> Result<Output, GitError> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command.output().await.map_err(|source| GitError::Spawn {
        program: program.display().to_string(),
        source,
    })
}

/// The error for a git command that exited non-zero.
pub(crate) fn failed(command: String, output: &Output) -> GitError {
    GitError::Failed {
        command,
        status: output.status.to_string(),
        stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
    }
}

/// `git a b c`, for error messages and logs.
pub(crate) fn command_line(args: &[OsString]) -> String {
    let mut line = String::from("git");
    for arg in args {
        line.push(' ');
        line.push_str(&arg.to_string_lossy());
    }
    line
}
