//! A board for end-to-end attempt tests: a real `cadre serve` whose git and agents
//! are hermetic ([`super::GIT_ENV`], the fake agent as Claude Code), project `WEB`
//! on a hermetic repository, and blocking helpers over the JSON API and the CLI:
//! start attempts from fake-agent steps, poll them against a deadline, read the
//! event log, stop and start the server again on the same data dir.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;

use super::{GIT_ENV, TestServer, fake_agent, git_output, repo};

/// How long any polled condition may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// A running server with project `WEB`.
pub struct Board {
    // Declared first so it runs while the data dir still exists.
    reaper: Reaper,
    pub server: TestServer,
    /// The project's main checkout (on branch `trunk`).
    pub repo: PathBuf,
    repo_dir: tempfile::TempDir,
    env: Vec<(String, String)>,
    rt: tokio::runtime::Runtime,
    http: reqwest::Client,
}

/// A board whose server is stopped; its data dir and repository live on.
pub struct Parked {
    reaper: Reaper,
    pub home: tempfile::TempDir,
    pub repo: PathBuf,
    repo_dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

/// The server's environment: hermetic git, the fake agent, short grace and retry
/// delays, then `extra` (which wins).
fn server_env(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = GIT_ENV
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    env.push((
        "CADRE_CLAUDE_CODE_BIN".into(),
        fake_agent().display().to_string(),
    ));
    env.push(("CADRE_STOP_GRACE_MS".into(), "1000".into()));
    env.push(("CADRE_RETRY_BASE_MS".into(), "50".into()));
    env.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    env
}

fn spawn(home: tempfile::TempDir, env: &[(String, String)]) -> TestServer {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    TestServer::start_with(home, &env)
}

/// `@step` lines for the fake agent.
pub fn steps(steps: &[&str]) -> String {
    steps.iter().map(|s| format!("@step {s}\n")).collect()
}

/// Whether a process (or, with a negative id, a process group) exists.
pub fn alive(pid: i64) -> bool {
    Command::new("kill")
        .args(["-0", "--", &pid.to_string()])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The attempt's worktree path, which must be a directory.
pub fn worktree(attempt: &Value) -> PathBuf {
    let path = PathBuf::from(attempt["worktree_path"].as_str().expect("worktree_path"));
    assert!(path.is_dir(), "{} is not a directory", path.display());
    path
}

/// Whether `refs/heads/{branch}` exists in `repo`.
pub fn branch_exists(repo: &Path, branch: &str) -> bool {
    git_output(
        repo,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("refs/heads/{branch}"),
        ],
    )
    .status
    .success()
}

/// Polls `check` until it returns `Some`, failing with `what` at the deadline.
pub fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

impl Board {
    /// A fresh server and repository with project `WEB`.
    pub fn start(extra_env: &[(&str, &str)]) -> Self {
        let env = server_env(extra_env);
        let server = spawn(tempfile::tempdir().expect("home"), &env);
        let (repo_dir, repo) = repo();
        server.ok(&[
            "project",
            "add",
            repo.to_str().expect("utf-8 path"),
            "--key",
            "WEB",
        ]);
        let reaper = Reaper(server.home.path().to_path_buf());
        Self::assemble(reaper, server, repo, repo_dir, env)
    }

    fn assemble(
        reaper: Reaper,
        server: TestServer,
        repo: PathBuf,
        repo_dir: tempfile::TempDir,
        env: Vec<(String, String)>,
    ) -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        Self {
            reaper,
            server,
            repo,
            repo_dir,
            env,
            rt,
            http: reqwest::Client::new(),
        }
    }

    /// Stops the server with SIGTERM (agents keep running, detached).
    pub fn stop(self) -> Parked {
        let (status, home) = self.server.stop();
        assert!(status.success(), "server exited with {status}");
        Parked {
            reaper: self.reaper,
            home,
            repo: self.repo,
            repo_dir: self.repo_dir,
            env: self.env,
        }
    }

    /// Stops the server and starts a new one on the same data dir.
    pub fn restart(self) -> Self {
        self.stop().start()
    }

    /// The data dir.
    pub fn home(&self) -> &Path {
        self.server.home.path()
    }

    /// The managed worktree root, canonical (as the server stores paths).
    pub fn worktree_root(&self) -> PathBuf {
        self.home()
            .canonicalize()
            .expect("canonical home")
            .join("worktrees")
    }

    /// The temp dir holding the repository, for tests that need more files next to it.
    pub fn scratch(&self) -> &Path {
        self.repo_dir.path()
    }

    /// One API call; returns the status and the body (a string when not JSON).
    pub fn api(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        self.rt.block_on(self.send(method, path, body))
    }

    /// Several API calls in flight at once; results in the order given.
    pub fn api_concurrently(
        &self,
        calls: Vec<(Method, String, Option<Value>)>,
    ) -> Vec<(u16, Value)> {
        let futures = calls
            .into_iter()
            .map(|(method, path, body)| async move { self.send(method, &path, body).await });
        self.rt.block_on(futures_util::future::join_all(futures))
    }

    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}/api/v1{path}", self.server.url));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    /// GET that must succeed.
    pub fn get(&self, path: &str) -> Value {
        let (status, body) = self.api(Method::GET, path, None);
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// Changes project `WEB`'s settings.
    pub fn configure(&self, patch: Value) -> Value {
        let (status, body) = self.api(Method::PATCH, "/projects/WEB", Some(patch));
        assert_eq!(status, 200, "PATCH /projects/WEB: {body}");
        body
    }

    /// Adds a task to `WEB`; returns its key.
    pub fn task(&self, title: &str) -> String {
        self.server
            .ok(&["task", "add", "--project", "WEB", title])
            .trim()
            .to_owned()
    }

    /// Starts the fake agent on `task` with `script` as its prompt; returns the
    /// attempt id.
    pub fn start_attempt(&self, task: &str, script: &[&str]) -> String {
        self.server
            .ok(&[
                "attempt",
                "start",
                task,
                "--agent",
                "claude-code",
                "--prompt",
                &steps(script),
            ])
            .trim()
            .to_owned()
    }

    /// `GET /attempts/{id}`: the attempt with its processes and log length.
    pub fn attempt(&self, id: &str) -> Value {
        self.get(&format!("/attempts/{id}"))
    }

    /// Polls the attempt until `done` holds.
    pub fn wait_for(&self, id: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let attempt = self.attempt(id);
            if done(&attempt) {
                return attempt;
            }
            assert!(
                Instant::now() < deadline,
                "attempt never got {what}: {attempt}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Polls the attempt until it is settled (and no process of it runs).
    pub fn settled(&self, id: &str) -> Value {
        self.wait_for(id, "settled", |a| {
            matches!(
                a["status"].as_str(),
                Some("succeeded" | "failed" | "stopped" | "interrupted")
            ) && a["processes"]
                .as_array()
                .is_some_and(|ps| ps.iter().all(|p| p["status"] != "running"))
        })
    }

    /// The task's status.
    pub fn task_status(&self, key: &str) -> String {
        self.get(&format!("/tasks/{key}"))["status"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Polls until the task has `status`.
    pub fn wait_task(&self, key: &str, status: &str) {
        eventually(&format!("{key} to be {status}"), || {
            (self.task_status(key) == status).then_some(())
        });
    }

    /// The attempt's log entries (the `entry` objects), oldest first.
    pub fn entries(&self, id: &str) -> Vec<Value> {
        let mut all = Vec::new();
        let mut after = 0;
        loop {
            let page = self.get(&format!("/attempts/{id}/logs?after={after}&limit=1000"));
            let page = page.as_array().cloned().unwrap_or_default();
            if page.is_empty() {
                return all;
            }
            after = page.last().and_then(|e| e["seq"].as_i64()).unwrap_or(after);
            all.extend(page.into_iter().map(|e| e["entry"].clone()));
        }
    }

    /// The whole event log, oldest first.
    pub fn events(&self) -> Vec<Value> {
        let mut all = Vec::new();
        let mut since = 0;
        loop {
            let page = self.get(&format!("/events?since={since}&limit=1000"));
            let page = page.as_array().cloned().unwrap_or_default();
            if page.is_empty() {
                return all;
            }
            since = page.last().and_then(|e| e["seq"].as_i64()).unwrap_or(since);
            all.extend(page);
        }
    }

    /// The events about one attempt, oldest first.
    pub fn events_of(&self, attempt: &str) -> Vec<Value> {
        self.events()
            .into_iter()
            .filter(|e| e["attempt_id"] == attempt)
            .collect()
    }

    /// The kinds of the events about one attempt, minus log and conversation
    /// appends (one per output batch, so their number varies from run to run).
    pub fn event_kinds_of(&self, attempt: &str) -> Vec<String> {
        self.events_of(attempt)
            .iter()
            .filter_map(|e| e["type"].as_str())
            .filter(|k| !k.starts_with("attempt.log.") && !k.starts_with("attempt.conversation."))
            .map(str::to_owned)
            .collect()
    }
}

impl Parked {
    /// Starts a server again on this data dir, with the same environment.
    pub fn start(self) -> Board {
        self.start_with(&[])
    }

    /// Starts a server again with `extra` environment on top of the board's.
    pub fn start_with(self, extra: &[(&str, &str)]) -> Board {
        let mut env = self.env;
        env.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let server = spawn(self.home, &env);
        Board::assemble(self.reaper, server, self.repo, self.repo_dir, env)
    }
}

/// Kills, when a test ends (passing or not), every run of the data dir still
/// supervised: agents and scripts run detached and would otherwise outlive a
/// failed test. Only a shim whose command line names its own run directory, and
/// the group of its own child, are signalled, so a recycled pid is never hit.
struct Reaper(PathBuf);

impl Drop for Reaper {
    fn drop(&mut self) {
        let Ok(attempts) = std::fs::read_dir(self.0.join("runs")) else {
            return;
        };
        for run in attempts
            .flatten()
            .filter_map(|a| std::fs::read_dir(a.path()).ok())
            .flatten()
            .flatten()
        {
            let run = run.path();
            let Some(started) = std::fs::read(run.join("started.json"))
                .ok()
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            else {
                continue;
            };
            let (Some(shim), Some(pgid)) = (started["shim_pid"].as_i64(), started["pgid"].as_i64())
            else {
                continue;
            };
            let cmdline = std::fs::read(format!("/proc/{shim}/cmdline")).unwrap_or_default();
            if !String::from_utf8_lossy(&cmdline).contains(&*run.to_string_lossy()) {
                continue;
            }
            let stat = std::fs::read_to_string(format!("/proc/{pgid}/stat")).unwrap_or_default();
            let parent = stat
                .rsplit_once(") ")
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<i64>().ok());
            let mut targets = vec![shim];
            if parent == Some(shim) {
                targets.insert(0, -pgid);
            }
            for target in targets {
                let _ = Command::new("kill")
                    .args(["-KILL", "--", &target.to_string()])
                    .stderr(std::process::Stdio::null())
                    .status();
            }
        }
    }
}
