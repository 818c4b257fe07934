//! Agent discovery: which agent CLIs are installed, where, and which version.
//!
//! The environment is passed in (not read from the process) so tests and callers can
//! control `PATH` and the `CADRE_*_BIN` overrides; pass
//! `std::env::vars().collect()` for the real thing.

use crate::agent::AgentId;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// Default time allowed for `BIN --version`.
pub const DEFAULT_VERSION_TIMEOUT: Duration = Duration::from_secs(5);

/// What discovery found about one agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveredAgent {
    /// The agent.
    pub id: AgentId,
    /// Its display name.
    pub name: &'static str,
    /// Whether it can be run. Always true for [`AgentId::Command`], whose program is
    /// configured per profile.
    pub installed: bool,
    /// The resolved executable, if found.
    pub path: Option<PathBuf>,
    /// First line printed by `BIN --version`, if it answered in time.
    pub version: Option<String>,
}

/// Resolves the executable of `id`: the `CADRE_<ID>_BIN` override if set (a path, or a
/// name looked up on `PATH`), else the default binary on `PATH`. Returns `None` when
/// nothing executable is found, including when an override points nowhere (an explicit
/// override is never silently replaced by the default).
pub fn resolve_binary(id: AgentId, env: &HashMap<String, String>) -> Option<PathBuf> {
    let wanted = match env.get(&id.env_override_var()).map(|s| s.trim()) {
        Some(value) if !value.is_empty() => value.to_owned(),
        _ => id.default_binary()?.to_owned(),
    };
    if wanted.contains(std::path::MAIN_SEPARATOR) || wanted.contains('/') {
        let path = PathBuf::from(&wanted);
        return is_executable(&path).then_some(path);
    }
    let search = env.get("PATH")?;
    std::env::split_paths(search)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(&wanted))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// Runs `path --version` with `env` as the whole environment and returns the first
/// non-empty line of stdout, or `None` if it fails, prints nothing or exceeds `timeout`
/// (the probe is then killed).
pub fn probe_version(
    path: &Path,
    env: &HashMap<String, String>,
    timeout: Duration,
) -> Option<String> {
    let mut child = Command::new(path)
        .arg("--version")
        .env_clear()
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdout = child.stdout.take()?;
    let (tx, rx) = mpsc::channel();
    // Read on a thread: a chatty probe could otherwise fill the pipe and never exit, and
    // a grandchild holding the pipe open must not block us past the timeout.
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = (&mut stdout).take(64 * 1024).read_to_end(&mut buf);
        let _ = tx.send(buf);
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    };
    if !status.success() {
        return None;
    }
    let wait = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(100));
    let buf = rx.recv_timeout(wait).ok()?;
    String::from_utf8_lossy(&buf)
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_owned)
}

/// Discovers one agent: resolves its binary and probes its version.
pub fn discover(id: AgentId, env: &HashMap<String, String>, timeout: Duration) -> DiscoveredAgent {
    if id == AgentId::Command {
        return DiscoveredAgent {
            id,
            name: id.display_name(),
            installed: true,
            path: None,
            version: None,
        };
    }
    let path = resolve_binary(id, env);
    let version = path.as_deref().and_then(|p| probe_version(p, env, timeout));
    DiscoveredAgent {
        id,
        name: id.display_name(),
        installed: path.is_some(),
        path,
        version,
    }
}

/// Discovers every agent, probing versions in parallel so the whole call takes about
/// one `timeout` at worst. Results are in [`AgentId::ALL`] order.
pub fn discover_all(env: &HashMap<String, String>, timeout: Duration) -> Vec<DiscoveredAgent> {
    thread::scope(|scope| {
        let handles: Vec<_> = AgentId::ALL
            .into_iter()
            .map(|id| (id, scope.spawn(move || discover(id, env, timeout))))
            .collect();
        handles
            .into_iter()
            .map(|(id, handle)| {
                handle.join().unwrap_or(DiscoveredAgent {
                    id,
                    name: id.display_name(),
                    installed: false,
                    path: None,
                    version: None,
                })
            })
            .collect()
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path
    }

    fn env_with_path(dir: &Path) -> HashMap<String, String> {
        HashMap::from([("PATH".to_owned(), dir.display().to_string())])
    }

    #[test]
    fn binary_on_path_is_found_and_its_version_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = script(dir.path(), "claude", "echo '2.1.330 (Claude Code)'");
        let found = discover(
            AgentId::ClaudeCode,
            &env_with_path(dir.path()),
            DEFAULT_VERSION_TIMEOUT,
        );
        assert!(found.installed);
        assert_eq!(found.path, Some(path));
        assert_eq!(found.version.as_deref(), Some("2.1.330 (Claude Code)"));
        assert_eq!(found.name, "Claude Code");
    }

    #[test]
    fn missing_binary_is_not_installed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let found = discover(
            AgentId::Codex,
            &env_with_path(dir.path()),
            DEFAULT_VERSION_TIMEOUT,
        );
        assert!(!found.installed);
        assert_eq!(found.path, None);
        assert_eq!(found.version, None);
    }

    #[test]
    fn non_executable_file_is_ignored() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("gemini"), "x").expect("write");
        assert_eq!(
            resolve_binary(AgentId::Gemini, &env_with_path(dir.path())),
            None
        );
    }

    #[test]
    fn env_override_path_wins_over_path_search() {
        let dir = tempfile::tempdir().expect("tempdir");
        script(dir.path(), "codex", "echo path");
        let other = dir.path().join("bin2");
        std::fs::create_dir(&other).expect("mkdir");
        let custom = script(&other, "my-codex", "echo override 1.0");
        let mut env = env_with_path(dir.path());
        env.insert("CADRE_CODEX_BIN".into(), custom.display().to_string());
        let found = discover(AgentId::Codex, &env, DEFAULT_VERSION_TIMEOUT);
        assert_eq!(found.path, Some(custom));
        assert_eq!(found.version.as_deref(), Some("override 1.0"));
    }

    #[test]
    fn env_override_pointing_nowhere_means_not_installed() {
        let dir = tempfile::tempdir().expect("tempdir");
        script(dir.path(), "codex", "echo path");
        let mut env = env_with_path(dir.path());
        env.insert("CADRE_CODEX_BIN".into(), "/nonexistent/codex".into());
        assert_eq!(resolve_binary(AgentId::Codex, &env), None);
    }

    #[test]
    fn hanging_version_probe_times_out_but_agent_counts_as_installed() {
        let dir = tempfile::tempdir().expect("tempdir");
        script(dir.path(), "amp", "exec /bin/sleep 10");
        let started = Instant::now();
        let found = discover(
            AgentId::Amp,
            &env_with_path(dir.path()),
            Duration::from_millis(300),
        );
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(found.installed);
        assert_eq!(found.version, None);
    }

    #[test]
    fn discover_all_lists_every_agent_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        script(dir.path(), "aider", "echo aider 0.86");
        let all = discover_all(&env_with_path(dir.path()), DEFAULT_VERSION_TIMEOUT);
        let ids: Vec<_> = all.iter().map(|a| a.id).collect();
        assert_eq!(ids, AgentId::ALL);
        let installed: Vec<_> = all.iter().filter(|a| a.installed).map(|a| a.id).collect();
        assert_eq!(installed, [AgentId::Aider, AgentId::Command]);
    }
}
