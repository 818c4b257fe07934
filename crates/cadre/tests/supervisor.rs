//! Agent runs supervised through the real binary (`cadre __supervise RUN_DIR`, started
//! by `cadre_agents::launch`): the shim is detached from the launcher, and the agent
//! outlives even the shim.

use std::path::Path;
use std::time::{Duration, Instant};

use cadre_agents::{
    CommandSpec, ExitRecord, Launched, RunDir, RunSpec, ShimCommand, StartedRecord, StdinMode,
    StopOutcome, is_alive, launch, read_exit, stop_group,
};

fn shim() -> ShimCommand {
    ShimCommand {
        program: env!("CARGO_BIN_EXE_cadre").into(),
        args: vec!["__supervise".into()],
    }
}

fn sh(script: &str) -> CommandSpec {
    CommandSpec {
        program: "/bin/sh".into(),
        args: vec!["-c".into(), script.into()],
        env_set: vec![],
        env_remove: vec![],
        stdin: StdinMode::Null,
    }
}

/// Launches `command` in a fresh run directory through the real shim.
fn start(command: CommandSpec) -> (tempfile::TempDir, RunDir, Launched) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = RunDir::new(tmp.path().join("runs/r1"));
    let spec = RunSpec {
        command,
        cwd: tmp.path().to_owned(),
    };
    let launched = launch(&shim(), &dir, &spec, Duration::from_secs(10)).expect("launch");
    (tmp, dir, launched)
}

fn running(launched: Launched) -> StartedRecord {
    match launched {
        Launched::Running(started) => started,
        Launched::Ended(exit) => panic!("expected a running agent, got {exit:?}"),
    }
}

fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn wait_for_exit(dir: &RunDir) -> ExitRecord {
    let mut exit = None;
    wait_until("exit.json appears", Duration::from_secs(10), || {
        exit = read_exit(dir).expect("read exit");
        exit.is_some()
    });
    exit.expect("checked above")
}

/// The session id of a process (field 6 of /proc/PID/stat), on Linux.
fn session_of(pid: &str) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces; fields after it are plain.
    let after_name = &stat[stat.rfind(')')? + 2..];
    after_name.split(' ').nth(3).map(str::to_owned)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("read file")
}

#[test]
fn normal_run_writes_its_output_and_exit_code() {
    let (_tmp, dir, launched) = start(sh("echo one; sleep 0.2; echo two; exit 7"));
    let started = running(launched);
    assert_eq!(started.pgid, started.pid);
    assert_ne!(started.shim_pid, std::process::id() as i32);
    if let (Some(ours), Some(shims)) = (
        session_of("self"),
        session_of(&started.shim_pid.to_string()),
    ) {
        assert_ne!(ours, shims, "the shim left the launcher's session");
        assert_eq!(shims, started.shim_pid.to_string(), "it leads its own");
    }
    let exit = wait_for_exit(&dir);
    assert_eq!(
        (exit.exit_code, exit.signal, exit.error),
        (Some(7), None, None)
    );
    assert_eq!(read(&dir.stdout()), "one\ntwo\n");
}

#[test]
fn child_keeps_running_and_writing_when_the_shim_is_killed() {
    let (_tmp, dir, launched) = start(sh("sleep 1.5; echo survived; exit 7"));
    let started = running(launched);
    // The shell builtin, so no `kill` executable is needed.
    let killed = std::process::Command::new("/bin/sh")
        .args(["-c", &format!("kill -KILL {}", started.shim_pid)])
        .status()
        .expect("run kill");
    assert!(killed.success());
    wait_until("the shim is gone", Duration::from_secs(5), || {
        !is_alive(started.shim_pid)
    });
    assert!(is_alive(started.pid), "the agent outlives its shim");
    wait_until("the agent writes", Duration::from_secs(10), || {
        read(&dir.stdout()).contains("survived")
    });
    assert_eq!(read(&dir.stdout()), "survived\n");
    // Nobody is left to record the end: the server settles such a run itself.
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(read_exit(&dir).expect("read"), None);
}

#[tokio::test]
async fn stopping_a_launched_run_records_the_signal() {
    let (_tmp, dir, launched) = start(sh("echo ready; exec sleep 30"));
    let started = running(launched);
    wait_until("the agent is ready", Duration::from_secs(10), || {
        read(&dir.stdout()).contains("ready")
    });
    let outcome = stop_group(started.pgid, Duration::from_secs(5))
        .await
        .expect("stop");
    assert_eq!(outcome, StopOutcome::Terminated);
    let exit = wait_for_exit(&dir);
    assert_eq!((exit.exit_code, exit.signal), (None, Some(15)));
}

#[test]
fn missing_program_ends_the_launch_promptly_with_an_error() {
    let begun = Instant::now();
    let mut command = sh("");
    command.program = "cadre-no-such-agent".into();
    let (_tmp, _dir, launched) = start(command);
    let Launched::Ended(exit) = launched else {
        panic!("expected Ended, got {launched:?}");
    };
    let error = exit.error.expect("error set");
    assert!(
        error.contains("cannot start `cadre-no-such-agent`"),
        "{error}"
    );
    assert!(begun.elapsed() < Duration::from_secs(5));
}

#[test]
fn prompt_reaches_the_agent_on_stdin() {
    let mut command = sh("cat");
    command.stdin = StdinMode::Prompt("hello from the prompt\n".into());
    let (_tmp, dir, _) = start(command);
    let exit = wait_for_exit(&dir);
    assert_eq!(exit.exit_code, Some(0));
    assert_eq!(read(&dir.stdout()), "hello from the prompt\n");
}
