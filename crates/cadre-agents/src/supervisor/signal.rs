//! Liveness checks and stopping of agent process groups, by pid/pgid only, so they
//! work equally for runs launched by this server process and for runs adopted after a
//! restart.

use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::{Pid, getpgrp};

use super::SupervisorError;

/// How often [`stop_group`] checks whether the group is gone.
const POLL: Duration = Duration::from_millis(50);
/// How long [`stop_group`] waits for the group to vanish after SIGKILL, which the
/// kernel delivers unconditionally; only an unreaped zombie can outlast it.
const KILL_WAIT: Duration = Duration::from_secs(2);

/// How [`stop_group`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopOutcome {
    /// No process of the group existed when the stop began.
    AlreadyGone,
    /// SIGTERM was enough: the group was gone within the grace period.
    Terminated,
    /// Some member outlived the grace period and was sent SIGKILL.
    Killed,
}

/// Whether a process with this pid exists (`kill(pid, 0)`; EPERM, a process of
/// another user, counts as alive). Non-positive pids are never alive: `kill` would
/// read them as "my group" or "everyone".
///
/// A zombie (exited, not yet reaped by its parent) counts as alive.
pub fn is_alive(pid: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    matches!(kill(Pid::from_raw(pid), None), Ok(()) | Err(Errno::EPERM))
}

/// Whether any process of the group still exists (`killpg(pgid, 0)`). Ids that
/// cannot be an agent's group (see [`stop_group`]) are never alive.
pub fn group_alive(pgid: i32) -> bool {
    if pgid <= 1 {
        return false;
    }
    matches!(
        killpg(Pid::from_raw(pgid), None),
        Ok(()) | Err(Errno::EPERM)
    )
}

/// Sends SIGTERM to the process group, then SIGKILL if any member remains after
/// `grace`. Needs only the pgid, so it works for groups adopted after a restart.
///
/// Refuses ([`SupervisorError::InvalidGroup`]) ids 0 and 1, negative ids and the
/// caller's own group: those would signal cadre itself or unrelated processes.
pub async fn stop_group(pgid: i32, grace: Duration) -> Result<StopOutcome, SupervisorError> {
    if pgid <= 1 || pgid == getpgrp().as_raw() {
        return Err(SupervisorError::InvalidGroup { pgid });
    }
    let group = Pid::from_raw(pgid);
    match killpg(group, Signal::SIGTERM) {
        Ok(()) => {}
        Err(Errno::ESRCH) => return Ok(StopOutcome::AlreadyGone),
        Err(errno) => {
            return Err(SupervisorError::Signal {
                pgid,
                source: errno.into(),
            });
        }
    }
    if wait_gone(pgid, grace).await {
        return Ok(StopOutcome::Terminated);
    }
    match killpg(group, Signal::SIGKILL) {
        Ok(()) => {}
        // Vanished between the last check and the kill: SIGTERM did it after all.
        Err(Errno::ESRCH) => return Ok(StopOutcome::Terminated),
        Err(errno) => {
            return Err(SupervisorError::Signal {
                pgid,
                source: errno.into(),
            });
        }
    }
    // Give the parent (the shim) a moment to reap, so a caller that checks
    // `group_alive` right after sees the group gone; the outcome is Killed either way.
    wait_gone(pgid, KILL_WAIT).await;
    Ok(StopOutcome::Killed)
}

/// Polls until no member of the group exists or `limit` passed; true if gone.
async fn wait_gone(pgid: i32, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if !group_alive(pgid) {
            return true;
        }
        let now = Instant::now();
        if now >= deadline {
            return false;
        }
        tokio::time::sleep(POLL.min(deadline - now)).await;
    }
}
