//! The agent runtime end to end: a real `cadre serve` runs the fake agent (speaking
//! Claude Code's stream-json) through the detached supervisor. Covers persistence
//! order, stop, idle watchdog, timeout, retry of transient failures only,
//! follow-ups (resumed and queued), a missing binary, and a server crash mid-run.

mod support;

use std::time::{Duration, Instant};

use serde_json::Value;
use support::{TestServer, fake_agent, repo};

struct Run {
    server: TestServer,
    _repo: tempfile::TempDir,
    repo: std::path::PathBuf,
}

fn fake_env() -> Vec<(String, String)> {
    let fake = fake_agent().display().to_string();
    vec![
        ("CADRE_CLAUDE_CODE_BIN".into(), fake),
        ("CADRE_STOP_GRACE_MS".into(), "1000".into()),
        ("CADRE_RETRY_BASE_MS".into(), "50".into()),
    ]
}

impl Run {
    fn start(extra: &[(&str, &str)]) -> Self {
        let mut env = fake_env();
        env.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let server = TestServer::start_with(tempfile::tempdir().expect("home"), &env);
        let (dir, path) = repo();
        server.ok(&[
            "project",
            "add",
            path.to_str().expect("path"),
            "--key",
            "WEB",
        ]);
        server.ok(&["task", "add", "--project", "WEB", "Say hello"]);
        Self {
            server,
            _repo: dir,
            repo: path,
        }
    }

    /// Starts an attempt whose fake agent follows `steps`.
    fn attempt(&self, steps: &[&str]) -> String {
        let script: String = steps.iter().map(|s| format!("@step {s}\n")).collect();
        self.server
            .ok(&[
                "attempt",
                "start",
                "WEB-1",
                "--agent",
                "claude-code",
                "--prompt",
                &script,
            ])
            .trim()
            .to_owned()
    }

    fn show(&self, id: &str) -> Value {
        self.server.json(&["attempt", "show", id])
    }

    fn wait_for(&self, id: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let a = self.show(id);
            if done(&a) {
                return a;
            }
            assert!(
                Instant::now() < deadline,
                "attempt never reached the expected state: {a}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn settled(&self, id: &str) -> Value {
        self.wait_for(id, |a| {
            matches!(
                a["status"].as_str(),
                Some("succeeded" | "failed" | "stopped" | "interrupted")
            )
        })
    }

    fn entries(&self, id: &str) -> Vec<Value> {
        let out = self.server.ok(&["attempt", "logs", id, "--json"]);
        out.lines()
            .map(|l| serde_json::from_str::<Value>(l).expect("json line")["entry"].clone())
            .collect()
    }
}

fn kinds(entries: &[Value]) -> Vec<String> {
    entries
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or("?").to_owned())
        .collect()
}

fn texts(entries: &[Value], kind: &str) -> Vec<String> {
    entries
        .iter()
        .filter(|e| e["kind"] == kind)
        .map(|e| e["text"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn agent_run_is_persisted_in_order_with_session_summary_and_real_edits() {
    let run = Run::start(&[]);
    let id = run.attempt(&[
        "session sess-1",
        "text Looking at the repo",
        r#"tool Bash {"command":"ls"}"#,
        "write hello.txt hi there",
        "result All done.",
    ]);
    let a = run.settled(&id);
    assert_eq!(a["status"], "succeeded", "{a}");
    assert_eq!(a["session_id"], "sess-1");
    assert_eq!(a["summary"], "All done.");
    let entries = run.entries(&id);
    let k = kinds(&entries);
    assert_eq!(k.first().map(String::as_str), Some("user_message"), "{k:?}");
    assert!(k.contains(&"session_started".to_owned()), "{k:?}");
    let pos = |kind: &str| k.iter().position(|x| x == kind).unwrap_or(usize::MAX);
    assert!(pos("session_started") < pos("assistant_message"), "{k:?}");
    assert!(pos("assistant_message") < pos("tool_call"), "{k:?}");
    assert!(
        entries
            .iter()
            .any(|e| e["action"]["type"] == "command_run" && e["action"]["command"] == "ls")
    );
    assert!(entries.iter().any(|e| {
        e["action"]["type"] == "file_edit"
            && e["action"]["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("hello.txt"))
    }));
    let worktree = std::path::PathBuf::from(a["worktree_path"].as_str().expect("worktree"));
    assert_ne!(worktree, run.repo, "the agent works in its own worktree");
    assert_eq!(
        std::fs::read_to_string(worktree.join("hello.txt")).expect("agent wrote the file"),
        "hi there"
    );
    assert!(
        !run.repo.join("hello.txt").exists(),
        "the main checkout is untouched"
    );
    let task = run.server.json(&["task", "show", "WEB-1"]);
    assert_eq!(
        task["status"], "in_review",
        "a run that changed files puts its task in review"
    );
    let readable = run.server.ok(&["attempt", "logs", &id]);
    assert!(
        readable.contains("agent: Looking at the repo") && readable.contains("-> $ ls"),
        "{readable}"
    );
}

#[test]
fn missing_agent_binary_fails_the_attempt_with_an_install_hint() {
    let run = Run::start(&[("CADRE_CODEX_BIN", "/nonexistent/codex")]);
    let id = run
        .server
        .ok(&["attempt", "start", "WEB-1", "--agent", "codex"])
        .trim()
        .to_owned();
    let a = run.settled(&id);
    assert_eq!(a["status"], "failed");
    assert_eq!(
        a["failure_reason"],
        "agent `codex` not found: install it or set CADRE_CODEX_BIN"
    );
}

#[test]
fn stop_terminates_a_hanging_agent_and_records_the_signal() {
    let run = Run::start(&[]);
    let id = run.attempt(&["text working", "hang"]);
    run.wait_for(&id, |a| {
        a["log_len"].as_i64().unwrap_or(0) >= 3 && a["status"] == "running"
    });
    let stopped = run.server.ok(&["attempt", "stop", &id]);
    assert!(
        stopped.contains("stopping") || stopped.contains("stopped"),
        "{stopped}"
    );
    let a = run.settled(&id);
    assert_eq!(a["status"], "stopped", "{a}");
    assert_eq!(a["processes"][0]["signal"], 15, "SIGTERM was enough: {a}");
    let again = run.server.cli(&["attempt", "stop", &id]);
    assert!(
        !again.success() && again.stderr().contains("already stopped"),
        "{}",
        again.stderr()
    );
}

#[test]
fn silent_agent_is_failed_as_stalled_by_the_idle_watchdog() {
    let run = Run::start(&[("CADRE_IDLE_TIMEOUT_SECS", "1")]);
    let id = run.attempt(&["hang"]);
    let a = run.settled(&id);
    assert_eq!(a["status"], "failed");
    assert!(
        a["failure_reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("stalled")),
        "{a}"
    );
}

#[test]
fn profile_timeout_fails_a_long_run() {
    let run = Run::start(&[]);
    run.server.ok(&[
        "profile",
        "add",
        "quick",
        "--agent",
        "claude-code",
        "--timeout",
        "1",
        "--project",
        "WEB",
    ]);
    let steps = "@step text tick\n@step sleep 500\n@step text tick\n@step sleep 500\n@step text tick\n@step hang\n";
    let id = run
        .server
        .ok(&[
            "attempt",
            "start",
            "WEB-1",
            "--profile",
            "quick",
            "--prompt",
            steps,
        ])
        .trim()
        .to_owned();
    let a = run.settled(&id);
    assert_eq!(a["status"], "failed");
    assert_eq!(a["failure_reason"], "timed out after 1 s");
}

#[test]
fn transient_failures_are_retried_and_permanent_ones_are_not() {
    let run = Run::start(&[]);
    let transient = run.attempt(&["stderr API error: 429 rate limit exceeded", "exit 1"]);
    let a = run.settled(&transient);
    assert_eq!(a["status"], "failed", "{a}");
    assert_eq!(a["retry_count"], 2, "two retries, then give up: {a}");
    assert_eq!(a["processes"].as_array().map(Vec::len), Some(3));
    let notes = texts(&run.entries(&transient), "system_message");
    assert_eq!(
        notes.len(),
        2,
        "each retry is visible in the log: {notes:?}"
    );
    assert!(
        a["failure_reason"]
            .as_str()
            .is_some_and(|r| r.contains("429")),
        "{a}"
    );

    let permanent = run.attempt(&["stderr syntax error in config", "exit 2"]);
    let a = run.settled(&permanent);
    assert_eq!(a["status"], "failed");
    assert_eq!(a["retry_count"], 0);
    assert_eq!(
        a["failure_reason"],
        "the agent ended with exit code 2: syntax error in config"
    );
}

#[test]
fn follow_up_resumes_the_agent_session() {
    let run = Run::start(&[]);
    let id = run.attempt(&["session sess-42", "text first turn", "result one"]);
    assert_eq!(run.settled(&id)["status"], "succeeded");
    run.server.ok(&[
        "attempt",
        "followup",
        &id,
        "@step text second turn\n@step result two",
    ]);
    let a = run.wait_for(&id, |a| {
        a["processes"].as_array().map(Vec::len) == Some(2) && a["status"] == "succeeded"
    });
    assert_eq!(a["session_id"], "sess-42");
    let argv: Vec<String> =
        serde_json::from_value(a["processes"][1]["argv"].clone()).expect("argv");
    let resume = argv
        .iter()
        .position(|x| x == "--resume")
        .expect("--resume in argv");
    assert_eq!(argv[resume + 1], "sess-42");
    let worktree = std::path::PathBuf::from(a["worktree_path"].as_str().expect("worktree"));
    let sessions = std::fs::read_to_string(worktree.join(".fake-agent-sessions/sess-42.log"))
        .expect("session log");
    assert!(sessions.contains("second turn"), "{sessions}");
    let said = texts(&run.entries(&id), "assistant_message");
    assert!(said.iter().any(|t| t == "second turn"), "{said:?}");
}

#[test]
fn follow_up_sent_while_running_is_queued_and_sent_after_the_turn() {
    let run = Run::start(&[]);
    let id = run.attempt(&["session sess-q", "text busy", "sleep 1500", "result first"]);
    run.wait_for(&id, |a| a["status"] == "running");
    run.server.ok(&[
        "attempt",
        "followup",
        &id,
        "@step text from the queue\n@step result second",
    ]);
    let now = run.show(&id);
    assert_eq!(
        now["processes"].as_array().map(Vec::len),
        Some(1),
        "not sent while running"
    );
    let a = run.wait_for(&id, |a| {
        a["processes"].as_array().map(Vec::len) == Some(2) && a["status"] == "succeeded"
    });
    assert_eq!(a["summary"], "second");
    let said = texts(&run.entries(&id), "assistant_message");
    assert!(said.iter().any(|t| t == "from the queue"), "{said:?}");
}

#[test]
fn run_survives_a_server_crash_and_every_line_is_ingested_exactly_once() {
    let run = Run::start(&[]);
    let steps: Vec<String> = (1..=30)
        .flat_map(|i| [format!("text line {i}"), "sleep 100".to_owned()])
        .collect();
    let mut steps: Vec<&str> = steps.iter().map(String::as_str).collect();
    steps.push("result finished");
    let id = run.attempt(&steps);
    run.wait_for(&id, |a| a["log_len"].as_i64().unwrap_or(0) >= 8);
    let Run {
        server,
        _repo,
        repo,
    } = run;
    let home = server.crash();
    std::thread::sleep(Duration::from_millis(700)); // the agent keeps working meanwhile
    let env = fake_env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let run = Run {
        server: TestServer::start_with(home, &env),
        _repo,
        repo,
    };
    let a = run.settled(&id);
    assert_eq!(a["status"], "succeeded", "{a}");
    let said = texts(&run.entries(&id), "assistant_message");
    let expected: Vec<String> = (1..=30).map(|i| format!("line {i}")).collect();
    let lines: Vec<String> = said
        .into_iter()
        .filter(|t| t.starts_with("line "))
        .collect();
    assert_eq!(lines, expected, "every line present once, in order");
    assert_eq!(a["summary"], "finished");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attempt_stream_replays_after_last_event_id_then_delivers_live_entries_and_status() {
    use eventsource_stream::Eventsource;
    use futures_util::StreamExt;
    let run = tokio::task::spawn_blocking(|| Run::start(&[]))
        .await
        .expect("start");
    let run = std::sync::Arc::new(run);
    let r = run.clone();
    let id = tokio::task::spawn_blocking(move || {
        let id = r.attempt(&["text one", "sleep 1200", "text two", "result done"]);
        r.wait_for(&id, |a| a["log_len"].as_i64().unwrap_or(0) >= 3);
        id
    })
    .await
    .expect("attempt");
    let resp = reqwest::Client::new()
        .get(format!("{}/api/v1/attempts/{id}/stream", run.server.url))
        .header("last-event-id", "1")
        .send()
        .await
        .expect("stream");
    assert_eq!(resp.status(), reqwest::StatusCode::OK);
    let mut stream = resp.bytes_stream().eventsource();
    let mut seqs = vec![];
    let mut said = vec![];
    let mut statuses = vec![];
    while let Ok(Some(Ok(event))) =
        tokio::time::timeout(Duration::from_secs(20), stream.next()).await
    {
        let data: Value = serde_json::from_str(&event.data).expect("json");
        match event.event.as_str() {
            "attempt.log.appended" => {
                seqs.push(event.id.parse::<i64>().expect("seq id"));
                if data["entry"]["kind"] == "assistant_message" {
                    said.push(data["entry"]["text"].as_str().unwrap_or("").to_owned());
                }
            }
            "attempt.status" => {
                statuses.push(data["status"].as_str().unwrap_or("").to_owned());
                if data["status"] == "succeeded" {
                    break;
                }
            }
            other => panic!("unexpected event {other}"),
        }
    }
    assert_eq!(seqs.first(), Some(&2), "replay starts after Last-Event-ID");
    assert!(
        seqs.windows(2).all(|w| w[1] == w[0] + 1),
        "no gap, no repeat: {seqs:?}"
    );
    assert!(
        said.contains(&"one".to_owned()) && said.contains(&"two".to_owned()),
        "replayed and live: {said:?}"
    );
    assert_eq!(
        statuses.last().map(String::as_str),
        Some("succeeded"),
        "{statuses:?}"
    );
}

#[test]
fn files_changing_under_a_running_agent_emit_debounced_diff_changed_events() {
    let run = Run::start(&[]);
    let id = run.attempt(&[
        "session sess-w",
        "sleep 1000",
        "write one.txt 1",
        "sleep 1500",
        "write two.txt 2",
        "sleep 1500",
        "result done",
    ]);
    assert_eq!(run.settled(&id)["status"], "succeeded");
    let events = run.server.json(&["events", "--limit", "1000"]);
    let changed: Vec<&Value> = events
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["type"] == "attempt.diff.changed" && e["attempt_id"] == id.as_str())
        .collect();
    // Two writes separated by more than the debounce: at least one refresh each,
    // but not one per filesystem event.
    assert!(
        (2..=6).contains(&changed.len()),
        "expected a few debounced refreshes, got {}",
        changed.len()
    );
}
