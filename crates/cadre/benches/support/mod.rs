//! What every bench binary needs: a real `cadre serve` on a temporary data dir,
//! the fake agent, hermetic git and a checked POST. Shared so that the benches
//! measure the same server started the same way.

#![allow(dead_code, reason = "each bench uses part of this")]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// An error of a bench: printed, never matched.
pub type BenchError = Box<dyn std::error::Error + Send + Sync>;

/// Result of a bench step.
pub type BenchResult<T> = Result<T, BenchError>;

/// The fake agent next to the cadre binary, built (release) on demand.
pub fn fake_agent() -> BenchResult<PathBuf> {
    let path = Path::new(env!("CARGO_BIN_EXE_cadre")).with_file_name("cadre-fake-agent");
    if !path.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--release", "--quiet", "-p", "cadre-fake-agent"])
            .status()?;
        if !status.success() {
            return Err("building cadre-fake-agent failed".into());
        }
    }
    if !path.exists() {
        return Err(format!("fake agent missing at {}", path.display()).into());
    }
    Ok(path)
}

/// Runs git with no global config and a fixed identity.
pub fn git(dir: &Path, args: &[&str]) -> BenchResult<()> {
    let status = Command::new("git")
        .args(["-c", "user.name=x", "-c", "user.email=x@y"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdout(Stdio::null())
        .status()?;
    if !status.success() {
        return Err(format!("git {args:?} failed").into());
    }
    Ok(())
}

/// A running `cadre serve`, killed when dropped.
pub struct Server {
    child: Child,
    /// Its base URL, without a trailing `/`.
    pub url: String,
    /// Its pid, to read its memory and CPU.
    pub pid: u32,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `cadre serve --port 0` on `home`, with `fake` as its Claude Code binary
/// when given, and waits for its `server.json`.
pub fn start_server(home: &Path, fake: Option<&Path>) -> BenchResult<Server> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cadre"));
    command
        .args(["serve", "--port", "0"])
        .env("CADRE_HOME", home)
        .env_remove("CADRE_SERVER")
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(fake) = fake {
        command.env("CADRE_CLAUDE_CODE_BIN", fake);
    }
    let child = command.spawn()?;
    let file = home.join("server.json");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(info) = std::fs::read(&file)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        {
            let url = info["url"].as_str().ok_or("no url")?.trim_end_matches('/');
            let pid = info["pid"].as_u64().ok_or("no pid")? as u32;
            return Ok(Server {
                child,
                url: url.to_owned(),
                pid,
            });
        }
        if Instant::now() > deadline {
            return Err("server did not start".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// POSTs JSON and returns the answer; a non-2xx status is an error naming it.
pub async fn post(http: &reqwest::Client, url: impl AsRef<str>, body: Value) -> BenchResult<Value> {
    let url = url.as_ref();
    let resp = http.post(url).json(&body).send().await?;
    let status = resp.status();
    let value: Value = resp.json().await?;
    if !status.is_success() {
        return Err(format!("POST {url}: {status} {value}").into());
    }
    Ok(value)
}
