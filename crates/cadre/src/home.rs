//! The data directory and the `server.json` file through which the CLI finds the
//! running server.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// The data directory: `$CADRE_HOME`, else the XDG data dir (`~/.local/share/cadre`).
pub fn data_dir() -> Result<PathBuf> {
    if let Some(home) = std::env::var_os("CADRE_HOME").filter(|h| !h.is_empty()) {
        return Ok(PathBuf::from(home));
    }
    dirs::data_dir()
        .map(|d| d.join("cadre"))
        .context("cannot find a data directory: set CADRE_HOME")
}

/// What `cadre serve` publishes about itself while it runs.
#[derive(Debug, Serialize, Deserialize)]
pub struct ServerInfo {
    /// Base URL, e.g. `http://127.0.0.1:7420`.
    pub url: String,
    /// Process id of the server.
    pub pid: u32,
}

/// Path of `server.json` in `dir`.
pub fn server_file(dir: &Path) -> PathBuf {
    dir.join("server.json")
}

/// Writes `server.json` atomically: a reader never sees half a file.
pub fn write_server_info(dir: &Path, info: &ServerInfo) -> Result<()> {
    let path = server_file(dir);
    let tmp = dir.join(format!(".server.json.{}", std::process::id()));
    let body = serde_json::to_vec_pretty(info)?;
    std::fs::write(&tmp, body).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Reads `server.json`, if present.
pub fn read_server_info(dir: &Path) -> Result<Option<ServerInfo>> {
    let path = server_file(dir);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).with_context(|| {
            format!(
                "{} is not valid; delete it and restart `cadre serve`",
                path.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Removes `server.json` if it still describes this process (a newer server may
/// have replaced it).
pub fn remove_server_info(dir: &Path) {
    if let Ok(Some(info)) = read_server_info(dir)
        && info.pid == std::process::id()
    {
        let _ = std::fs::remove_file(server_file(dir));
    }
}
