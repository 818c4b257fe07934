//! `cadre __supervise RUN_DIR`: the hidden shim command the server starts for each agent
//! run. Dispatched from `main` before the async runtime and logging exist, since the
//! shim needs neither and must stay small: it lives as long as the agent.

use std::path::Path;
use std::process::ExitCode;

/// Runs the shim for `run_dir` and exits with its code (see
/// [`cadre_agents::run_shim`]).
pub fn run(run_dir: &Path) -> ExitCode {
    let code = cadre_agents::run_shim(run_dir);
    // Exit codes are one byte; the shim's are already within 0..=255 except for odd
    // signal numbers, which are clamped rather than wrapped to a misleading value.
    ExitCode::from(u8::try_from(code.clamp(0, 255)).unwrap_or(u8::MAX))
}
