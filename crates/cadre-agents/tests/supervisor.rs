//! The supervisor's behaviour within one process: the run-directory records, the shim's
//! work (`run_shim_attached`, on a thread), liveness checks, `stop_group` and `launch`'s
//! failure modes. The detached end-to-end runs through `cadre __supervise` are in
//! `crates/cadre/tests/supervisor.rs`.

use std::path::Path;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use cadre_agents::{
    CommandSpec, ExitRecord, Launched, RunDir, RunSpec, ShimCommand, StdinMode, StopOutcome,
    SupervisorError, group_alive, is_alive, launch, read_exit, read_started, run_shim_attached,
    stop_group,
};

fn run_dir() -> (tempfile::TempDir, RunDir) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = RunDir::new(tmp.path().join("run"));
    std::fs::create_dir_all(dir.path()).expect("create run dir");
    (tmp, dir)
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

fn write_spec(dir: &RunDir, command: CommandSpec, cwd: &Path) {
    let spec = RunSpec {
        command,
        cwd: cwd.to_owned(),
    };
    let json = serde_json::to_vec(&spec).expect("encode spec");
    std::fs::write(dir.spec(), json).expect("write spec");
}

/// Runs the shim for `command` to completion and returns its exit code and record.
fn run_to_end(dir: &RunDir, command: CommandSpec) -> (i32, ExitRecord) {
    write_spec(dir, command, dir.path());
    let code = run_shim_attached(dir.path());
    let exit = read_exit(dir)
        .expect("read exit")
        .expect("exit.json written");
    (code, exit)
}

/// Starts the shim on a thread and waits until the agent's stdout contains `ready`.
fn start_in_background(dir: &RunDir, command: CommandSpec, ready: &str) -> JoinHandle<i32> {
    write_spec(dir, command, dir.path());
    let path = dir.path().to_owned();
    let shim = std::thread::spawn(move || run_shim_attached(&path));
    wait_until("the agent reports ready", || {
        std::fs::read_to_string(dir.stdout()).is_ok_and(|out| out.contains(ready))
    });
    // The child can print before the shim has recorded its start: wait for both.
    wait_until("the shim records the start", || {
        read_started(dir).is_ok_and(|s| s.is_some())
    });
    shim
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("read file")
}

#[test]
fn run_dir_names_the_documented_files() {
    let dir = RunDir::new("/runs/r1".into());
    assert_eq!(dir.path(), Path::new("/runs/r1"));
    assert_eq!(dir.spec(), Path::new("/runs/r1/spec.json"));
    assert_eq!(dir.stdout(), Path::new("/runs/r1/stdout.log"));
    assert_eq!(dir.stderr(), Path::new("/runs/r1/stderr.log"));
    assert_eq!(dir.started(), Path::new("/runs/r1/started.json"));
    assert_eq!(dir.exit(), Path::new("/runs/r1/exit.json"));
}

#[test]
fn records_are_absent_until_written_and_corrupt_files_are_errors_not_panics() {
    let (_tmp, dir) = run_dir();
    assert_eq!(read_started(&dir).expect("read"), None);
    assert_eq!(read_exit(&dir).expect("read"), None);

    std::fs::write(dir.exit(), "{\"exit_code\": 3, \"sig").expect("write");
    match read_exit(&dir) {
        Err(SupervisorError::Corrupt { path, message }) => {
            assert_eq!(path, dir.exit());
            assert!(!message.is_empty());
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
    std::fs::write(dir.started(), "not json at all").expect("write");
    assert!(matches!(
        read_started(&dir),
        Err(SupervisorError::Corrupt { .. })
    ));
}

#[test]
fn normal_run_records_start_output_and_exit_code() {
    let (_tmp, dir) = run_dir();
    let (code, exit) = run_to_end(&dir, sh("echo out; echo err >&2; exit 7"));
    assert_eq!(code, 7);
    assert_eq!(exit.exit_code, Some(7));
    assert_eq!(exit.signal, None);
    assert_eq!(exit.error, None);
    assert!(chrono::DateTime::parse_from_rfc3339(&exit.finished_at).is_ok());
    assert_eq!(read(&dir.stdout()), "out\n");
    assert_eq!(read(&dir.stderr()), "err\n");

    let started = read_started(&dir).expect("read").expect("started.json");
    assert_eq!(started.pgid, started.pid, "the agent leads its own group");
    assert_eq!(started.shim_pid, std::process::id() as i32);
    assert!(chrono::DateTime::parse_from_rfc3339(&started.started_at).is_ok());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");
}

#[test]
fn output_is_appended_to_existing_logs() {
    let (_tmp, dir) = run_dir();
    std::fs::write(dir.stdout(), "earlier\n").expect("seed log");
    run_to_end(&dir, sh("echo later"));
    assert_eq!(read(&dir.stdout()), "earlier\nlater\n");
}

#[test]
fn prompt_arrives_on_stdin_and_is_then_closed() {
    let (_tmp, dir) = run_dir();
    let mut command = sh("cat; echo '<eof>'");
    command.stdin = StdinMode::Prompt("fix the bug\nplease".into());
    let (code, _) = run_to_end(&dir, command);
    assert_eq!(code, 0);
    assert_eq!(read(&dir.stdout()), "fix the bug\nplease<eof>\n");
}

#[test]
fn prompt_not_read_by_the_agent_does_not_block_the_shim() {
    let (_tmp, dir) = run_dir();
    let mut command = sh("exit 0");
    // Far more than a pipe buffer: the writer thread gets EPIPE, the shim moves on.
    command.stdin = StdinMode::Prompt("x".repeat(1 << 20));
    let (code, exit) = run_to_end(&dir, command);
    assert_eq!((code, exit.exit_code), (0, Some(0)));
}

#[test]
fn stdin_is_empty_without_a_prompt() {
    let (_tmp, dir) = run_dir();
    run_to_end(&dir, sh("cat; echo done"));
    assert_eq!(read(&dir.stdout()), "done\n");
}

#[test]
fn env_remove_applies_before_env_set_in_order() {
    let (_tmp, dir) = run_dir();
    let mut command = sh("echo \"${HOME-unset} $FOO\"");
    command.env_remove = vec!["HOME".into(), "FOO".into()];
    command.env_set = vec![("FOO".into(), "one".into()), ("FOO".into(), "two".into())];
    run_to_end(&dir, command);
    assert_eq!(read(&dir.stdout()), "unset two\n");
}

#[test]
fn agent_runs_in_the_spec_working_directory() {
    let (tmp, dir) = run_dir();
    let work = tmp.path().join("worktree");
    std::fs::create_dir(&work).expect("mkdir");
    write_spec(&dir, sh("pwd"), &work);
    run_shim_attached(dir.path());
    let printed = read(&dir.stdout());
    assert_eq!(
        Path::new(printed.trim()).canonicalize().expect("canon"),
        work.canonicalize().expect("canon")
    );
}

#[test]
fn missing_program_is_recorded_as_an_error_naming_it() {
    let (_tmp, dir) = run_dir();
    let mut command = sh("");
    command.program = "cadre-no-such-agent".into();
    let (code, exit) = run_to_end(&dir, command);
    assert_eq!(code, 127);
    assert_eq!((exit.exit_code, exit.signal), (None, None));
    let error = exit.error.expect("error set");
    assert!(
        error.starts_with("cannot start `cadre-no-such-agent`: No such file or directory"),
        "{error}"
    );
    assert_eq!(read_started(&dir).expect("read"), None);
}

#[test]
fn missing_working_directory_is_not_reported_as_a_missing_program() {
    let (tmp, dir) = run_dir();
    write_spec(&dir, sh("true"), &tmp.path().join("gone"));
    assert_eq!(run_shim_attached(dir.path()), 127);
    let error = read_exit(&dir).expect("read").expect("exit").error;
    let error = error.expect("error set");
    assert!(error.contains("working directory"), "{error}");
    assert!(error.contains("/bin/sh"), "{error}");
}

#[test]
fn missing_or_corrupt_spec_is_recorded_as_an_error() {
    let (_tmp, dir) = run_dir();
    assert_eq!(run_shim_attached(dir.path()), 127);
    let error = read_exit(&dir).expect("read").expect("exit").error;
    assert!(error.expect("error").contains("spec.json"));

    let (_tmp, dir) = run_dir();
    std::fs::write(dir.spec(), "{").expect("write");
    assert_eq!(run_shim_attached(dir.path()), 127);
    let error = read_exit(&dir).expect("read").expect("exit").error;
    assert!(error.expect("error").contains("corrupt"));
}

#[test]
fn agent_killed_by_a_signal_records_the_signal_and_no_exit_code() {
    let (_tmp, dir) = run_dir();
    let (code, exit) = run_to_end(&dir, sh("kill -KILL $$"));
    assert_eq!((exit.exit_code, exit.signal), (None, Some(9)));
    assert_eq!(code, 128 + 9);
}

#[tokio::test]
async fn stopped_child_ends_with_sigterm_and_exit_record_shows_it() {
    let (_tmp, dir) = run_dir();
    // `exec`, so no grandchild ends up with init, which reaps slowly in some
    // containers and keeps the group "alive" as a zombie until then.
    let shim = start_in_background(&dir, sh("echo ready; exec sleep 30"), "ready");
    let started = read_started(&dir).expect("read").expect("started");
    assert!(is_alive(started.pid) && group_alive(started.pgid));
    let outcome = stop_group(started.pgid, Duration::from_secs(5))
        .await
        .expect("stop");
    assert_eq!(outcome, StopOutcome::Terminated);
    assert_eq!(shim.join().expect("shim thread"), 128 + 15);
    let exit = read_exit(&dir).expect("read").expect("exit");
    assert_eq!((exit.exit_code, exit.signal), (None, Some(15)));
    assert!(!group_alive(started.pgid));
}

#[tokio::test]
async fn stopped_child_that_ignores_sigterm_is_killed_after_grace() {
    let (_tmp, dir) = run_dir();
    let shim = start_in_background(&dir, sh("trap '' TERM; echo ready; exec sleep 30"), "ready");
    let started = read_started(&dir).expect("read").expect("started");
    let begun = Instant::now();
    let outcome = stop_group(started.pgid, Duration::from_millis(300))
        .await
        .expect("stop");
    assert_eq!(outcome, StopOutcome::Killed);
    assert!(
        begun.elapsed() >= Duration::from_millis(300),
        "waited the grace"
    );
    shim.join().expect("shim thread");
    let exit = read_exit(&dir).expect("read").expect("exit");
    assert_eq!((exit.exit_code, exit.signal), (None, Some(9)));
}

#[tokio::test]
async fn stop_group_reaches_processes_the_agent_left_behind() {
    let (_tmp, dir) = run_dir();
    // The agent exits at once, leaving a background child in its group.
    let (code, _) = run_to_end(&dir, sh("sleep 30 >/dev/null 2>&1 & echo $! ; exit 0"));
    assert_eq!(code, 0);
    let started = read_started(&dir).expect("read").expect("started");
    assert!(
        group_alive(started.pgid),
        "the orphan keeps the group alive"
    );
    let outcome = stop_group(started.pgid, Duration::from_secs(5))
        .await
        .expect("stop");
    assert_eq!(outcome, StopOutcome::Terminated);
    let orphan: i32 = read(&dir.stdout()).trim().parse().expect("pid");
    wait_until("the orphan is gone", || !is_alive(orphan));
}

#[tokio::test]
async fn stopping_a_group_that_is_gone_reports_already_gone() {
    use std::os::unix::process::CommandExt;
    let mut child = std::process::Command::new("true")
        .process_group(0)
        .spawn()
        .expect("spawn");
    let pgid = child.id() as i32;
    child.wait().expect("wait");
    assert!(!is_alive(pgid));
    assert!(!group_alive(pgid));
    let outcome = stop_group(pgid, Duration::from_millis(100))
        .await
        .expect("stop");
    assert_eq!(outcome, StopOutcome::AlreadyGone);
}

#[tokio::test]
async fn stop_group_refuses_ids_that_are_not_an_agents_group() {
    let own = nix::unistd::getpgrp().as_raw();
    for pgid in [0, 1, -1, own] {
        let result = stop_group(pgid, Duration::from_millis(10)).await;
        assert!(
            matches!(result, Err(SupervisorError::InvalidGroup { pgid: p }) if p == pgid),
            "{pgid}: {result:?}"
        );
    }
}

#[test]
fn liveness_checks_never_treat_special_ids_as_processes() {
    assert!(is_alive(std::process::id() as i32));
    assert!(!is_alive(0));
    assert!(!is_alive(-1));
    assert!(!group_alive(0));
    assert!(!group_alive(1));
    assert!(!group_alive(-5));
}

fn shim(program: &str, args: &[&str]) -> ShimCommand {
    ShimCommand {
        program: program.into(),
        args: args.iter().map(|s| (*s).to_owned()).collect(),
    }
}

fn spec_in(dir: &RunDir) -> RunSpec {
    RunSpec {
        command: sh("true"),
        cwd: dir.path().to_owned(),
    }
}

#[test]
fn launch_prepares_the_run_dir_and_fails_when_the_shim_cannot_start() {
    let (tmp, _) = run_dir();
    let dir = RunDir::new(tmp.path().join("new/run"));
    let result = launch(
        &shim("/nonexistent/cadre", &["__supervise"]),
        &dir,
        &spec_in(&dir),
        Duration::from_secs(1),
    );
    assert!(
        matches!(result, Err(SupervisorError::Spawn { .. })),
        "{result:?}"
    );
    assert_eq!(read(&dir.stdout()), "");
    assert_eq!(read(&dir.stderr()), "");
    let spec: RunSpec = serde_json::from_str(&read(&dir.spec())).expect("spec");
    assert_eq!(spec, spec_in(&dir));
}

#[test]
fn launch_reports_a_shim_that_exits_without_reporting_promptly() {
    let (_tmp, dir) = run_dir();
    let begun = Instant::now();
    let result = launch(
        &shim("/bin/sh", &["-c", "exit 3"]),
        &dir,
        &spec_in(&dir),
        Duration::from_secs(10),
    );
    assert!(
        matches!(&result, Err(SupervisorError::ShimExited { status, .. }) if status.contains('3')),
        "{result:?}"
    );
    assert!(begun.elapsed() < Duration::from_secs(5));
}

#[test]
fn launch_times_out_when_the_shim_never_reports() {
    let (_tmp, dir) = run_dir();
    let result = launch(
        &shim("/bin/sh", &["-c", "sleep 3"]),
        &dir,
        &spec_in(&dir),
        Duration::from_millis(200),
    );
    assert!(
        matches!(result, Err(SupervisorError::Timeout { .. })),
        "{result:?}"
    );
}

#[test]
fn launch_returns_what_the_shim_recorded() {
    // A stand-in shim that records a start the way the real one does.
    let script = r#"printf '{"pid":42,"pgid":42,"shim_pid":41,"started_at":"2025-01-01T00:00:00.000Z"}' > "$0/started.json""#;
    let (_tmp, dir) = run_dir();
    let launched = launch(
        &shim("/bin/sh", &["-c", script]),
        &dir,
        &spec_in(&dir),
        Duration::from_secs(10),
    )
    .expect("launch");
    match launched {
        Launched::Running(started) => assert_eq!((started.pid, started.shim_pid), (42, 41)),
        other => panic!("expected Running, got {other:?}"),
    }
}

#[test]
fn launch_refuses_a_run_dir_that_was_already_used() {
    let (_tmp, dir) = run_dir();
    std::fs::write(dir.exit(), "{}").expect("write");
    let result = launch(
        &shim("/bin/sh", &["-c", "exit 0"]),
        &dir,
        &spec_in(&dir),
        Duration::from_secs(1),
    );
    assert!(
        matches!(result, Err(SupervisorError::RunDirInUse { .. })),
        "{result:?}"
    );
}
