//! Which agent CLIs are installed, and where.

use std::time::Duration;

use cadre_agents::{DiscoveredAgent, discover_all};

use crate::{App, AppError, Result};

impl App {
    /// Every known agent with its binary and version, probing `--version` with a
    /// short timeout (in parallel, off the async runtime).
    pub async fn agents(&self) -> Result<Vec<DiscoveredAgent>> {
        let env = self.runtime.config.env.clone();
        tokio::task::spawn_blocking(move || discover_all(&env, Duration::from_secs(5)))
            .await
            .map_err(|e| AppError::internal(format!("agent discovery failed: {e}")))
    }
}
