//! Test harness: a real `cadre serve` on port 0 with its own data dir, the CLI run
//! against it, and hermetic git repositories.

#![allow(dead_code)]

pub mod board;
pub mod http;
pub mod mock_model;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The cadre binary under test.
pub fn cadre_bin() -> &'static str {
    env!("CARGO_BIN_EXE_cadre")
}

/// A running `cadre serve`, killed on drop.
pub struct TestServer {
    pub home: tempfile::TempDir,
    pub url: String,
    child: Child,
}

impl TestServer {
    /// Starts a server on a free port with an empty data dir and waits until it
    /// has published `server.json`.
    pub fn start() -> Self {
        Self::start_with(tempfile::tempdir().expect("temp home"), &[])
    }

    /// Starts a server on `home` (new or left by an earlier server) with extra
    /// environment, e.g. agent binary overrides.
    pub fn start_with(home: tempfile::TempDir, env: &[(&str, &str)]) -> Self {
        Self::start_full(home, env, &[], &[])
    }

    /// Like [`TestServer::start_with`], and also removes `remove` from the
    /// environment the server (and so every agent it runs) inherits.
    pub fn start_with_env(home: tempfile::TempDir, env: &[(&str, &str)], remove: &[&str]) -> Self {
        Self::start_full(home, env, remove, &[])
    }

    /// Like [`TestServer::start_with`], with extra `serve` arguments (e.g.
    /// `--bind 0.0.0.0`). The server's stdout goes to `serve.out` in the data dir.
    pub fn start_args(home: tempfile::TempDir, env: &[(&str, &str)], args: &[&str]) -> Self {
        Self::start_full(home, env, &[], args)
    }

    /// Starts `cadre serve` with `env` set, `remove` unset and extra `args`.
    pub fn start_full(
        home: tempfile::TempDir,
        env: &[(&str, &str)],
        remove: &[&str],
        args: &[&str],
    ) -> Self {
        let _ = std::fs::remove_file(home.path().join("server.json"));
        let mut command = Command::new(cadre_bin());
        command.env_remove("CADRE_SERVER").env_remove("CADRE_TOKEN");
        for key in remove {
            command.env_remove(key);
        }
        for (key, value) in env {
            command.env(key, value);
        }
        let stdout = std::fs::File::create(home.path().join("serve.out")).expect("serve.out");
        let child = command
            .args(["serve", "--port", "0"])
            .args(args)
            .env("CADRE_HOME", home.path())
            .stdout(stdout)
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn cadre serve");
        let file = home.path().join("server.json");
        let deadline = Instant::now() + Duration::from_secs(30);
        let url = loop {
            if let Some(info) = std::fs::read(&file)
                .ok()
                .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
            {
                break info["url"].as_str().expect("url in server.json").to_owned();
            }
            assert!(Instant::now() < deadline, "server did not start");
            std::thread::sleep(Duration::from_millis(20));
        };
        Self { home, url, child }
    }

    /// Runs the CLI with this server's data dir.
    pub fn cli(&self, args: &[&str]) -> CliOutput {
        let output = Command::new(cadre_bin())
            .args(args)
            .env("CADRE_HOME", self.home.path())
            .env_remove("CADRE_SERVER")
            .env_remove("CADRE_TOKEN")
            .env_remove("CADRE_ATTEMPT_TOKEN")
            .output()
            .expect("run cadre");
        CliOutput(output)
    }

    /// Adds project `key` on a fresh hermetic repository through the CLI; the
    /// repository (the returned path) lives as long as the returned directory.
    pub fn add_project(&self, key: &str) -> (tempfile::TempDir, PathBuf) {
        let (dir, path) = repo();
        self.ok(&["project", "add", path.to_str().expect("path"), "--key", key]);
        (dir, path)
    }

    /// Runs the CLI and asserts it succeeded; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.cli(args);
        assert!(
            out.0.status.success(),
            "cadre {args:?} failed: {}",
            out.stderr()
        );
        out.stdout()
    }

    /// Runs the CLI with `--json` and parses stdout.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut args = args.to_vec();
        args.push("--json");
        let stdout = self.ok(&args);
        serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("cadre {args:?} printed invalid JSON ({e}): {stdout}"))
    }

    /// Sends SIGTERM and waits for a clean exit. Returns the exit status and the
    /// data dir, which outlives the server so tests can inspect what it left.
    pub fn stop(mut self) -> (std::process::ExitStatus, tempfile::TempDir) {
        let home = std::mem::replace(&mut self.home, tempfile::tempdir().expect("temp dir"));
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return (status, home);
            }
            assert!(Instant::now() < deadline, "server did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl TestServer {
    /// What the server printed on stdout so far.
    pub fn printed(&self) -> String {
        std::fs::read_to_string(self.home.path().join("serve.out")).unwrap_or_default()
    }

    /// Kills the server with SIGKILL (no clean shutdown) and returns its data dir.
    pub fn crash(mut self) -> tempfile::TempDir {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::mem::replace(&mut self.home, tempfile::tempdir().expect("temp dir"))
    }
}

/// The fake agent binary, built next to the cadre binary by `cargo test --workspace`
/// (or on demand here when only this package's tests run).
pub fn fake_agent() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let path = Path::new(cadre_bin()).with_file_name("cadre-fake-agent");
            if !path.exists() {
                let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
                let status = Command::new(cargo)
                    .args(["build", "--quiet", "-p", "cadre-fake-agent"])
                    .status()
                    .expect("run cargo build");
                assert!(status.success(), "building the fake agent failed");
            }
            assert!(path.exists(), "fake agent missing at {}", path.display());
            path
        })
        .clone()
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Output of one CLI run.
pub struct CliOutput(pub Output);

impl CliOutput {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
    pub fn success(&self) -> bool {
        self.0.status.success()
    }
}

/// The environment that makes git hermetic: no global or system config, a fixed
/// identity and fixed dates. Test helpers and the servers under test both get it.
pub const GIT_ENV: &[(&str, &str)] = &[
    ("GIT_CONFIG_GLOBAL", "/dev/null"),
    ("GIT_CONFIG_NOSYSTEM", "1"),
    ("GIT_AUTHOR_NAME", "Test"),
    ("GIT_AUTHOR_EMAIL", "test@example.invalid"),
    ("GIT_COMMITTER_NAME", "Test"),
    ("GIT_COMMITTER_EMAIL", "test@example.invalid"),
    ("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z"),
    ("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z"),
];

/// Runs git hermetically (see [`GIT_ENV`]) and returns its output, whatever its status.
pub fn git_output(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .envs(GIT_ENV.iter().copied())
        .output()
        .expect("run git")
}

/// Runs git hermetically and asserts it succeeded.
pub fn git(dir: &Path, args: &[&str]) {
    let out = git_output(dir, args);
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs git hermetically, asserts it succeeded, and returns its trimmed stdout.
pub fn git_stdout(dir: &Path, args: &[&str]) -> String {
    let out = git_output(dir, args);
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A repository with one commit on `trunk` (a non-default name, so detection is tested).
pub fn repo() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("app");
    std::fs::create_dir(&path).expect("mkdir");
    git(&path, &["init", "--quiet", "--initial-branch", "trunk"]);
    std::fs::write(path.join("README.md"), "hello\n").expect("write");
    git(&path, &["add", "."]);
    git(&path, &["commit", "--quiet", "-m", "first"]);
    (dir, path)
}

/// The prompt the fake agent last received: the newest `fake-agent.txt` in any
/// attempt worktree under the data dir `home` (agents work in their worktrees,
/// `<home>/worktrees/<KEY>/<attempt>`).
#[allow(dead_code, reason = "used by some test binaries only")]
pub fn last_agent_prompt(home: &std::path::Path) -> String {
    let mut newest: Option<(std::time::SystemTime, std::path::PathBuf)> = None;
    for project in std::fs::read_dir(home.join("worktrees"))
        .expect("worktree root")
        .flatten()
    {
        for attempt in std::fs::read_dir(project.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let file = attempt.path().join("fake-agent.txt");
            if let Ok(modified) = file.metadata().and_then(|m| m.modified())
                && newest.as_ref().is_none_or(|(t, _)| modified > *t)
            {
                newest = Some((modified, file));
            }
        }
    }
    let (_, file) = newest.expect("the fake agent wrote its prompt in a worktree");
    std::fs::read_to_string(file).expect("agent prompt")
}
