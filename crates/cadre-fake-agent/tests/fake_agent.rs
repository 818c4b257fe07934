//! End-to-end tests of the fake agent binary: its output, fed through cadre-agents'
//! splitter and parsers, yields the expected normalized entries, and its side effects
//! (files, session state, exit status) are real.

use cadre_agents::{AgentId, LaunchSpec, LineSplitter, StdinMode, build_command, parser_for};
use cadre_core::log::{LogEntryKind, Stream, ToolAction, ToolStatus};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_cadre-fake-agent");

struct Parsed {
    entries: Vec<LogEntryKind>,
    session_id: Option<String>,
    summary: Option<String>,
}

fn parse(agent: AgentId, out: &Output) -> Parsed {
    let mut parser = parser_for(agent);
    let mut entries = Vec::new();
    for (stream, bytes) in [(Stream::Stdout, &out.stdout), (Stream::Stderr, &out.stderr)] {
        let mut splitter = LineSplitter::new(0);
        let mut lines = splitter.push(bytes);
        lines.extend(splitter.finish());
        assert_eq!(splitter.consumed_offset(), bytes.len() as u64);
        for line in lines {
            entries.extend(parser.parse_line(stream, &line.text));
        }
    }
    entries.extend(parser.finish());
    Parsed {
        entries,
        session_id: parser.session_id().map(str::to_owned),
        summary: parser.summary().map(str::to_owned),
    }
}

fn fake(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("CADRE_FAKE_SCENARIO")
        .env_remove("CADRE_FAKE_STATE")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("run fake agent")
}

fn claude(dir: &Path, prompt: &str, env: &[(&str, &str)]) -> Output {
    fake(
        dir,
        &["-p", prompt, "--output-format", "stream-json", "--verbose"],
        env,
    )
}

fn kinds(entries: &[LogEntryKind]) -> Vec<&'static str> {
    entries.iter().map(LogEntryKind::kind_name).collect()
}

#[test]
fn default_claude_run_writes_the_prompt_and_parses_into_entries() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = claude(dir.path(), "hello fake", &[]);
    assert!(out.status.success());
    let written = std::fs::read_to_string(dir.path().join("fake-agent.txt")).expect("file");
    assert_eq!(written, "hello fake");
    let parsed = parse(AgentId::ClaudeCode, &out);
    assert_eq!(
        kinds(&parsed.entries),
        [
            "session_started",
            "assistant_message",
            "tool_call",
            "tool_result",
            "assistant_message",
            "usage"
        ]
    );
    assert!(matches!(
        &parsed.entries[2],
        LogEntryKind::ToolCall { action: ToolAction::FileEdit { path, new_content: Some(c), .. }, .. }
            if path.ends_with("fake-agent.txt") && c == "hello fake"
    ));
    assert_eq!(parsed.summary.as_deref(), Some("Wrote fake-agent.txt."));
    assert!(parsed.session_id.is_some());
}

#[test]
fn claude_scenario_file_from_env_drives_every_step_kind() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("a.txt"), "old line\n").expect("seed");
    std::fs::write(dir.path().join("gone.txt"), "x").expect("seed");
    let scenario = dir.path().join("s.scenario");
    std::fs::write(
        &scenario,
        "session fixed-session-1\n\
         thinking let me think\n\
         text first\\nsecond\n\
         tool Grep {\"pattern\":\"foo\"}\n\
         tool_fail Read {\"file_path\":\"/nope\"}\n\
         edit a.txt old => new\n\
         delete gone.txt\n\
         shell echo from-shell\n\
         garbage this is not json\n\
         invalid_utf8\n\
         stderr a warning\n\
         filler 3\n\
         result all done\n",
    )
    .expect("scenario");
    let scenario_path = scenario.display().to_string();
    let out = claude(
        dir.path(),
        "go",
        &[("CADRE_FAKE_SCENARIO", scenario_path.as_str())],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.txt")).expect("a"),
        "new line\n"
    );
    assert!(!dir.path().join("gone.txt").exists());
    let parsed = parse(AgentId::ClaudeCode, &out);
    assert_eq!(parsed.session_id.as_deref(), Some("fixed-session-1"));
    assert_eq!(
        kinds(&parsed.entries),
        [
            "session_started",
            "thinking",
            "assistant_message",
            "tool_call",
            "tool_result",
            "tool_call",
            "tool_result",
            "tool_call",
            "tool_result",
            "tool_call",
            "tool_result",
            "tool_call",
            "tool_result",
            "raw",
            "raw",
            "assistant_message",
            "assistant_message",
            "assistant_message",
            "assistant_message",
            "usage",
            "raw",
        ]
    );
    let failed = parsed
        .entries
        .iter()
        .filter(|e| {
            matches!(
                e,
                LogEntryKind::ToolResult {
                    status: ToolStatus::Failed,
                    ..
                }
            )
        })
        .count();
    assert_eq!(failed, 1);
    assert!(parsed.entries.iter().any(|e| matches!(e,
        LogEntryKind::ToolResult { status: ToolStatus::Success, output, .. } if output == "from-shell\n")));
    assert!(parsed.entries.contains(&LogEntryKind::Raw {
        stream: Stream::Stderr,
        text: "a warning".into()
    }));
    assert_eq!(parsed.summary.as_deref(), Some("all done"));
}

#[test]
fn scenario_named_in_the_prompt_wins_over_env() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("p.scenario"),
        "text from prompt file\nresult ok\n",
    )
    .expect("scenario");
    std::fs::write(dir.path().join("e.scenario"), "text from env file\n").expect("scenario");
    let out = claude(
        dir.path(),
        "please\n@scenario p.scenario",
        &[("CADRE_FAKE_SCENARIO", "e.scenario")],
    );
    let parsed = parse(AgentId::ClaudeCode, &out);
    assert!(parsed.entries.contains(&LogEntryKind::AssistantMessage {
        text: "from prompt file".into()
    }));
}

#[test]
fn resume_reuses_the_session_and_records_both_prompts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = tempfile::tempdir().expect("state");
    let state_path = state.path().display().to_string();
    let env = [("CADRE_FAKE_STATE", state_path.as_str())];
    let first = parse(AgentId::ClaudeCode, &claude(dir.path(), "first", &env));
    let id = first.session_id.expect("session id");
    let again = fake(
        dir.path(),
        &[
            "-p",
            "second",
            "--output-format",
            "stream-json",
            "--verbose",
            "--resume",
            &id,
        ],
        &env,
    );
    assert_eq!(
        parse(AgentId::ClaudeCode, &again).session_id.as_deref(),
        Some(id.as_str())
    );
    let log = std::fs::read_to_string(state.path().join(format!("{id}.log"))).expect("state");
    assert_eq!(log, "\"first\"\n\"second\"\n");
}

#[test]
fn session_state_in_the_worktree_is_ignored_by_git() {
    let dir = tempfile::tempdir().expect("tempdir");
    claude(dir.path(), "x", &[]);
    let ignore = dir.path().join(".fake-agent-sessions/.gitignore");
    assert_eq!(std::fs::read_to_string(ignore).expect("gitignore"), "*\n");
}

#[test]
fn codex_format_parses_with_the_codex_parser_and_resumes_the_thread() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = LaunchSpec {
        prompt: "@step text hi from codex\n@step shell echo hi\n@step result finished".into(),
        binary: Some(BIN.into()),
        ..LaunchSpec::default()
    };
    let cmd = build_command(AgentId::Codex, &spec).expect("build");
    assert_eq!(cmd.stdin, StdinMode::Null);
    let out = fake(
        dir.path(),
        &cmd.args.iter().map(String::as_str).collect::<Vec<_>>(),
        &[],
    );
    let parsed = parse(AgentId::Codex, &out);
    assert_eq!(
        kinds(&parsed.entries),
        [
            "session_started",
            "assistant_message",
            "tool_call",
            "tool_result",
            "assistant_message",
            "usage"
        ]
    );
    assert_eq!(parsed.summary.as_deref(), Some("finished"));
    let thread = parsed.session_id.expect("thread id");

    let resumed = LaunchSpec {
        prompt: "@step result again".into(),
        resume_session_id: Some(thread.clone()),
        binary: Some(BIN.into()),
        ..LaunchSpec::default()
    };
    let cmd = build_command(AgentId::Codex, &resumed).expect("build");
    let out = fake(
        dir.path(),
        &cmd.args.iter().map(String::as_str).collect::<Vec<_>>(),
        &[],
    );
    assert_eq!(parse(AgentId::Codex, &out).session_id, Some(thread));
}

#[test]
fn claude_command_built_by_the_adapter_is_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = LaunchSpec {
        prompt: "built".into(),
        model: Some("m1".into()),
        binary: Some(BIN.into()),
        ..LaunchSpec::default()
    };
    let cmd = build_command(AgentId::ClaudeCode, &spec).expect("build");
    let out = fake(
        dir.path(),
        &cmd.args.iter().map(String::as_str).collect::<Vec<_>>(),
        &[],
    );
    assert!(out.status.success());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("fake-agent.txt")).expect("file"),
        "built"
    );
}

#[test]
fn exit_step_sets_the_exit_code_and_error_result_is_an_error_entry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = claude(
        dir.path(),
        "@step result_error API Error: 529 overloaded\n@step exit 3",
        &[],
    );
    assert_eq!(out.status.code(), Some(3));
    let parsed = parse(AgentId::ClaudeCode, &out);
    assert!(parsed.entries.contains(&LogEntryKind::Error {
        message: "API Error: 529 overloaded".into()
    }));
}

#[test]
fn huge_line_is_truncated_by_the_splitter_and_kept_raw() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = claude(dir.path(), "@step huge 2000000\n@step result ok", &[]);
    assert!(out.stdout.len() > 2_000_000 - 1000);
    let parsed = parse(AgentId::ClaudeCode, &out);
    let raw = parsed
        .entries
        .iter()
        .find_map(|e| match e {
            LogEntryKind::Raw { text, .. } => Some(text),
            _ => None,
        })
        .expect("raw entry");
    assert!(raw.contains("… [truncated "));
    assert!(raw.len() < 1024 * 1024 + 100);
}

#[cfg(unix)]
#[test]
fn crash_step_dies_by_abort_signal() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = claude(dir.path(), "@step text before\n@step crash", &[]);
    assert_eq!(out.status.signal(), Some(6));
    let parsed = parse(AgentId::ClaudeCode, &out);
    assert!(parsed.entries.contains(&LogEntryKind::AssistantMessage {
        text: "before".into()
    }));
}

#[cfg(unix)]
#[test]
fn signal_step_kills_itself_with_that_signal() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = claude(dir.path(), "@step signal 15", &[]);
    assert_eq!(out.status.signal(), Some(15));
}

#[test]
fn hang_step_keeps_running_until_killed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(BIN)
        .args(["-p", "@step hang", "--output-format", "stream-json"])
        .current_dir(dir.path())
        .env_remove("CADRE_FAKE_SCENARIO")
        .stdout(Stdio::null())
        .stdin(Stdio::null())
        .spawn()
        .expect("spawn");
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(500) {
        assert!(child.try_wait().expect("wait").is_none(), "exited early");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().expect("kill");
    let _ = child.wait();
}

#[test]
fn prompt_on_stdin_is_read_when_no_argument_is_given() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(BIN)
        .args(["--output-format", "stream-json"])
        .current_dir(dir.path())
        .env_remove("CADRE_FAKE_SCENARIO")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn");
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        stdin.write_all(b"from stdin").expect("write");
    }
    assert!(child.wait().expect("wait").success());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("fake-agent.txt")).expect("file"),
        "from stdin"
    );
}

#[test]
fn version_probe_prints_one_version_line_and_touches_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let out = fake(dir.path(), &["--version"], &[]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.contains("cadre-fake-agent"), "{stdout}");
    let left: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
    assert!(left.is_empty(), "the probe wrote files: {left:?}");
}
