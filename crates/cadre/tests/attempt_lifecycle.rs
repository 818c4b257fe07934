//! An attempt's life around the agent, end to end through a real `cadre serve`
//! with the fake agent: starts refused with nothing left behind (unsafe base
//! branches, paths and branch names: 422; unfinished dependencies: 409), restart
//! reconciliation (a crashed agent restarted automatically, at most three times;
//! a queued attempt launched), the project's setup script as a `setup` process,
//! and the prompt built from finished dependencies and the project's instructions.

mod support;

use std::path::Path;

use reqwest::Method;
use serde_json::{Value, json};
use support::board::{Board, alive, eventually, steps, worktree};
use support::{cadre_bin, git_stdout};

/// Entries of `kind` in an attempt's log, as their `text`.
fn texts(entries: &[Value], kind: &str) -> Vec<String> {
    entries
        .iter()
        .filter(|e| e["kind"] == kind)
        .map(|e| e["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn kinds(processes: &Value) -> Vec<String> {
    processes
        .as_array()
        .expect("processes")
        .iter()
        .map(|p| p["kind"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Kills a run the way a crash or an OOM kill would, not through stop: first its
/// supervising shim (so no exit record is ever written), then the agent's group.
fn crash_run(home: &Path, attempt: &str, process: &Value) {
    let process_id = process["id"].as_str().expect("process id");
    let started_file = home
        .join("runs")
        .join(attempt)
        .join(process_id)
        .join("started.json");
    let started: Value = eventually("the run's started record", || {
        std::fs::read(&started_file)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
    });
    let shim = started["shim_pid"].as_i64().expect("shim pid");
    let group = -started["pgid"].as_i64().expect("pgid");
    for target in [shim, group] {
        let status = std::process::Command::new("kill")
            .args(["-KILL", "--", &target.to_string()])
            .status()
            .expect("kill");
        assert!(status.success(), "kill -KILL {target}");
    }
    eventually("the run to be gone", || {
        (!alive(shim) && !alive(group)).then_some(())
    });
}

#[test]
fn crashed_agent_is_restarted_automatically_after_a_server_restart() {
    let board = Board::start(&[]);
    let key = board.task("Survive");
    let id = board.start_attempt(&key, &["session sess-crash", "text working", "hang"]);
    let a = board.wait_for(&id, "its agent running", |a| {
        a["processes"][0]["pid"].is_i64() && a["log_len"].as_i64().unwrap_or(0) >= 3
    });
    let process = a["processes"][0].clone();
    let parked = board.stop();
    crash_run(parked.home.path(), &id, &process);

    let board = parked.start();
    let a = board.settled(&id);
    assert_eq!(a["status"], "succeeded", "{a}");
    assert_eq!(a["crash_retries"], 1, "{a}");
    assert_eq!(a["retry_count"], 0, "not a transient-failure retry: {a}");
    assert_eq!(kinds(&a["processes"]), ["agent", "agent"]);
    assert_eq!(a["processes"][0]["status"], "lost", "{a}");
    let argv: Vec<String> =
        serde_json::from_value(a["processes"][1]["argv"].clone()).expect("argv");
    let resume = argv.iter().position(|x| x == "--resume").expect("--resume");
    assert_eq!(argv[resume + 1], "sess-crash", "the session is resumed");
    let notes = texts(&board.entries(&id), "system_message");
    assert!(
        notes
            .iter()
            .any(|n| n.contains("restarting the agent automatically (1 of 3)")),
        "{notes:?}"
    );
    assert!(
        worktree(&a).join("fake-agent.txt").exists(),
        "the retry did the work"
    );
    assert_eq!(board.task_status(&key), "in_review");
}

#[test]
fn agent_killed_by_a_signal_cadre_did_not_send_is_restarted_as_a_crash() {
    let board = Board::start(&[]);
    let key = board.task("Killed");
    let id = board.start_attempt(&key, &["session sess-killed", "text working", "hang"]);
    let a = board.wait_for(&id, "its agent running", |a| {
        a["processes"][0]["pid"].is_i64() && a["log_len"].as_i64().unwrap_or(0) >= 3
    });
    // The agent's group only (an OOM kill, a person's `kill`): its shim lives on
    // and records the signal.
    let pgid = a["processes"][0]["pid"].as_i64().expect("pid");
    let status = std::process::Command::new("kill")
        .args(["-KILL", "--", &(-pgid).to_string()])
        .status()
        .expect("kill");
    assert!(status.success());

    let a = board.settled(&id);
    assert_eq!(a["status"], "succeeded", "{a}");
    assert_eq!(a["processes"][0]["signal"], 9, "{a}");
    assert_eq!(a["crash_retries"], 1, "{a}");
    assert_eq!(a["retry_count"], 0, "{a}");
    let notes = texts(&board.entries(&id), "system_message");
    assert!(
        notes
            .iter()
            .any(|n| n.contains("restarting the agent automatically (1 of 3)")),
        "{notes:?}"
    );
}

#[test]
fn stop_requested_just_before_a_restart_is_carried_out_by_the_next_server() {
    // An agent that ignores SIGTERM, so it outlives the stop's grace period, and
    // a grace long enough for the server to go down in the middle of it.
    let tools = tempfile::tempdir().expect("tools");
    let stubborn = tools.path().join("stubborn-agent");
    std::fs::write(
        &stubborn,
        format!(
            "#!/bin/sh\ntrap '' TERM\nexec '{}' \"$@\"\n",
            support::fake_agent().display()
        ),
    )
    .expect("write");
    std::fs::set_permissions(
        &stubborn,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    let env = [
        ("CADRE_CLAUDE_CODE_BIN", stubborn.to_str().expect("path")),
        ("CADRE_STOP_GRACE_MS", "4000"),
    ];
    let board = Board::start(&env);
    let key = board.task("Stop me");
    let id = board.start_attempt(&key, &["text working", "hang"]);
    let a = board.wait_for(&id, "its agent running", |a| {
        a["processes"][0]["pid"].is_i64() && a["log_len"].as_i64().unwrap_or(0) >= 2
    });
    let pid = a["processes"][0]["pid"].as_i64().expect("pid");
    board.server.ok(&["attempt", "stop", &id]);
    assert_eq!(board.attempt(&id)["status"], "stopping");
    let parked = board.stop();
    assert!(alive(pid), "the agent ignored SIGTERM");

    let board = parked.start();
    let a = board.settled(&id);
    assert_eq!(a["status"], "stopped", "the person's stop stands: {a}");
    assert_eq!(a["processes"][0]["signal"], 9, "{a}");
    assert_eq!(a["crash_retries"], 0, "{a}");
    assert!(!alive(pid));
}

#[test]
fn agent_that_keeps_crashing_is_interrupted_after_three_automatic_restarts() {
    // Restarts resume the session with a "continue" prompt; the fake agent then
    // follows this scenario file, so every run hangs until it is killed.
    let scenario = tempfile::tempdir().expect("scenario dir");
    let hang = scenario.path().join("hang.txt");
    std::fs::write(&hang, "text still here\nhang\n").expect("write");
    let board = Board::start(&[("CADRE_FAKE_SCENARIO", hang.to_str().expect("path"))]);
    let key = board.task("Crash loop");
    let id = board.start_attempt(&key, &["text first run", "hang"]);
    for run in 0..4 {
        let a = board.wait_for(&id, &format!("run {}", run + 1), |a| {
            let process = &a["processes"][run];
            a["status"] == "running" && process["status"] == "running" && process["pid"].is_i64()
        });
        crash_run(board.home(), &id, &a["processes"][run]);
    }
    let a = board.settled(&id);
    assert_eq!(a["status"], "interrupted", "{a}");
    assert_eq!(a["crash_retries"], 3);
    assert_eq!(a["processes"].as_array().map(Vec::len), Some(4));
    assert!(
        a["failure_reason"]
            .as_str()
            .is_some_and(|r| r.contains("gave up after 3 automatic restarts")),
        "{a}"
    );
    let notes = texts(&board.entries(&id), "system_message");
    for n in 1..=3 {
        let note = format!("restarting the agent automatically ({n} of 3)");
        assert!(notes.iter().any(|t| t.contains(&note)), "{note}: {notes:?}");
    }
    assert_eq!(board.task_status(&key), "in_progress", "left for a person");

    board.server.ok(&["attempt", "retry", &id]);
    let a = board.wait_for(&id, "a manual retry running", |a| {
        a["status"] == "running" && a["processes"].as_array().map(Vec::len) == Some(5)
    });
    assert_eq!(a["crash_retries"], 0, "a manual retry resets the count");
    board.server.ok(&["attempt", "stop", &id]);
    assert_eq!(board.settled(&id)["status"], "stopped");
}

#[test]
fn queued_attempt_is_launched_after_a_restart() {
    let board = Board::start(&[]);
    let key = board.task("Queued work");
    let parked = board.stop();

    // A server that dies right after recording an attempt, before launching it:
    // the app on the same data dir, its runtime dropped as soon as
    // `start_attempt` returns, so the first turn it spawned never runs.
    let id = {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let config = cadre_app::AppConfig::new(
            parked.home.path().to_path_buf(),
            cadre_app::RuntimeConfig::new(cadre_bin().into()),
        );
        let input = cadre_app::StartAttempt {
            agent: Some("claude-code".into()),
            prompt: Some(steps(&[
                "write queued.txt ran\\n",
                "result Ran after the restart.",
            ])),
            ..Default::default()
        };
        let task: cadre_core::TaskRef = key.parse().expect("task key");
        rt.block_on(async {
            let app = cadre_app::App::open(config).await.expect("open app");
            app.start_attempt(&task, input).await.expect("start")
        })
        .id
        .to_string()
    };

    let restarted = chrono::Utc::now();
    let board = parked.start();
    let a = board.settled(&id);
    assert_eq!(a["status"], "succeeded", "{a}");
    assert_eq!(kinds(&a["processes"]), ["agent"]);
    let started: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(a["processes"][0]["started_at"].clone()).expect("started_at");
    assert!(started > restarted, "launched by the new server");
    assert_eq!(
        texts(&board.entries(&id), "user_message").len(),
        1,
        "the prompt is not sent twice"
    );
    assert_eq!(
        git_stdout(&worktree(&a), &["show", "HEAD:queued.txt"]),
        "ran"
    );
}

#[test]
fn setup_script_runs_as_a_setup_process_before_the_agent() {
    let board = Board::start(&[]);
    board.configure(json!({
        "setup_script": "echo preparing the worktree; echo ready > setup-done.txt"
    }));
    let key = board.task("Needs setup");
    let id = board.start_attempt(
        &key,
        &[
            "shell cp setup-done.txt seen-by-agent.txt",
            "result Used what setup left.",
        ],
    );
    let a = board.settled(&id);
    assert_eq!(a["status"], "succeeded", "{a}");
    assert_eq!(kinds(&a["processes"]), ["setup", "agent"]);
    assert_eq!(a["processes"][0]["exit_code"], 0);
    assert_eq!(
        git_stdout(&worktree(&a), &["show", "HEAD:seen-by-agent.txt"]),
        "ready",
        "the agent ran after the setup script"
    );
    let entries = board.entries(&id);
    assert!(
        entries.iter().any(|e| e["kind"] == "raw"
            && e["stream"] == "stdout"
            && e["text"] == "preparing the worktree"),
        "setup output is in the log as raw entries: {entries:?}"
    );
    let notes = texts(&entries, "system_message");
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("running the setup script")),
        "{notes:?}"
    );
    let finished = board
        .events_of(&id)
        .into_iter()
        .find(|e| e["type"] == "attempt.setup.finished")
        .expect("attempt.setup.finished");
    assert_eq!(finished["payload"]["detail"]["ok"], true, "{finished}");
}

#[test]
fn failing_setup_script_fails_the_attempt_unless_the_project_allows_it() {
    let board = Board::start(&[]);
    board.configure(json!({
        "setup_script": "echo installing; echo 'error: lockfile is out of date'; exit 3"
    }));
    let key = board.task("Broken setup");
    let id = board.start_attempt(&key, &["write never.txt x\\n", "result Should not run."]);
    let a = board.settled(&id);
    assert_eq!(a["status"], "failed", "{a}");
    assert_eq!(
        a["failure_reason"],
        "setup script failed with exit code 3: error: lockfile is out of date"
    );
    assert_eq!(kinds(&a["processes"]), ["setup"], "the agent never ran");
    assert!(!worktree(&a).join("never.txt").exists());
    assert_eq!(board.task_status(&key), "blocked");

    board.configure(json!({ "allow_setup_failure": true }));
    let id = board.start_attempt(&key, &["write ran.txt anyway\\n", "result Ran anyway."]);
    let a = board.settled(&id);
    assert_eq!(a["status"], "succeeded", "{a}");
    assert_eq!(kinds(&a["processes"]), ["setup", "agent"]);
    let notes = texts(&board.entries(&id), "system_message");
    assert!(
        notes
            .iter()
            .any(|n| n.contains("the project allows setup failures")),
        "{notes:?}"
    );
}

#[test]
fn prompt_carries_finished_dependencies_summaries_and_project_instructions() {
    let board = Board::start(&[]);
    let first = board.task("Users table");
    let id = board.start_attempt(
        &first,
        &[
            "write users.sql create table users;\\n",
            "result Created the users table with email and password hash.",
        ],
    );
    assert_eq!(board.settled(&id)["status"], "succeeded");
    board.server.ok(&["attempt", "merge", &id]);
    assert_eq!(board.task_status(&first), "done");
    board.configure(json!({ "instructions": "Always run the test suite before finishing." }));
    let second = board
        .server
        .ok(&[
            "task",
            "add",
            "--project",
            "WEB",
            "Login",
            "--depends-on",
            &first,
        ])
        .trim()
        .to_owned();

    let id = board.start_attempt(&second, &["session sess-deps", "result Read the context."]);
    let a = board.settled(&id);
    assert_eq!(a["status"], "succeeded", "{a}");
    let prompt = a["prompt"].as_str().expect("prompt");
    let order = [
        "# WEB-2: Login",
        "## Context from finished dependencies",
        "### WEB-1: Users table",
        "Created the users table with email and password hash.",
        "## Project instructions",
        "Always run the test suite before finishing.",
        "@step session sess-deps",
    ];
    let positions: Vec<usize> = order
        .iter()
        .map(|needle| {
            prompt
                .find(needle)
                .unwrap_or_else(|| panic!("{needle} missing: {prompt}"))
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{prompt}");
    assert_eq!(texts(&board.entries(&id), "user_message"), [prompt]);
    let received = std::fs::read_to_string(worktree(&a).join(".fake-agent-sessions/sess-deps.log"))
        .expect("the fake agent's record of its prompt");
    let received: String =
        serde_json::from_str(received.lines().next().expect("one prompt")).expect("a JSON string");
    assert_eq!(received.trim(), prompt.trim(), "the agent got that prompt");
}

/// Asserts a 422 and returns its error code and message.
fn unprocessable(board: &Board, method: Method, path: &str, body: Value) -> (String, String) {
    let (status, reply) = board.api(method, path, Some(body));
    assert_eq!(status, 422, "{path}: {reply}");
    (
        reply["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        reply["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

#[test]
fn unsafe_base_branches_and_paths_are_refused_with_422_before_anything_is_created() {
    let board = Board::start(&[]);
    let key = board.task("Careful");
    let start = format!("/tasks/{key}/attempts");
    for base in [
        "does-not-exist",
        "../../etc/passwd",
        "--upload-pack=touch /tmp/x",
        "trunk/../trunk",
    ] {
        let body = json!({ "agent": "claude-code", "base_branch": base });
        let (code, message) = unprocessable(&board, Method::POST, &start, body);
        assert_eq!(code, "invalid", "{base}: {message}");
        assert!(message.contains("does not exist"), "{base}: {message}");
    }
    assert_eq!(board.get(&start), json!([]), "no attempt recorded");
    assert_eq!(board.task_status(&key), "todo", "the card did not move");
    let project_dir = board.worktree_root().join("WEB");
    assert!(
        std::fs::read_dir(&project_dir).map_or(true, |mut d| d.next().is_none()),
        "no worktree created"
    );

    // copy-files globs are resolved inside the main checkout only.
    for glob in ["../secret.env", "/etc/passwd", "config/../../x"] {
        let (code, message) = unprocessable(
            &board,
            Method::PATCH,
            "/projects/WEB",
            json!({ "copy_files": [glob] }),
        );
        assert_eq!(code, "invalid", "{glob}: {message}");
    }
    let outside = board.scratch().join("secret.env");
    std::fs::write(&outside, "TOKEN=outside\n").expect("write");
    std::os::unix::fs::symlink(&outside, board.repo.join(".env")).expect("symlink");
    std::fs::write(board.repo.join("config.local"), "local=1\n").expect("write");
    board.configure(json!({ "copy_files": [".env", "config.local"] }));
    let id = board.start_attempt(&key, &["result Nothing to do."]);
    let a = board.settled(&id);
    let path = worktree(&a);
    assert_eq!(
        std::fs::read_to_string(path.join("config.local")).expect("copied"),
        "local=1\n"
    );
    assert!(
        path.join(".env").symlink_metadata().is_err(),
        "a symlink leading out of the checkout is not followed"
    );
    let created = board
        .events_of(&id)
        .into_iter()
        .find(|e| e["type"] == "worktree.created")
        .expect("worktree.created");
    assert_eq!(created["payload"]["copied_files"], json!(["config.local"]));

    // A path filter on the diff only ever selects among the attempt's files.
    let (status, reply) = board.api(
        Method::GET,
        &format!("/attempts/{id}/diff?path=../../../etc/passwd"),
        None,
    );
    assert_eq!(status, 404, "{reply}");
    assert!(!reply.to_string().contains("root:"), "{reply}");
}

#[test]
fn a_branch_prefix_that_makes_an_invalid_ref_is_refused_with_422() {
    // Task keys cannot produce an invalid ref: they are validated as letters and
    // a number, and branch names are built from their lowercased words. The
    // prefix is configuration, so it is checked with `git check-ref-format`.
    let board = Board::start(&[("CADRE_BRANCH_PREFIX", "bad..prefix")]);
    let key = board.task("Prefix");
    let (code, message) = unprocessable(
        &board,
        Method::POST,
        &format!("/tasks/{key}/attempts"),
        json!({ "agent": "claude-code" }),
    );
    assert_eq!(code, "invalid_branch", "{message}");
    assert!(message.contains("bad..prefix/web-1-prefix-"), "{message}");
    assert_eq!(board.get(&format!("/tasks/{key}/attempts")), json!([]));
    assert_eq!(board.task_status(&key), "todo");
    assert_eq!(
        git_stdout(&board.repo, &["worktree", "list"])
            .lines()
            .count(),
        1,
        "no worktree created"
    );
}

#[test]
fn a_start_refused_by_unfinished_dependencies_leaves_no_worktree_or_branch() {
    let board = Board::start(&[]);
    let first = board.task("Schema");
    let second = board
        .server
        .ok(&[
            "task",
            "add",
            "--project",
            "WEB",
            "API",
            "--depends-on",
            &first,
        ])
        .trim()
        .to_owned();
    let (status, reply) = board.api(
        Method::POST,
        &format!("/tasks/{second}/attempts"),
        Some(json!({ "agent": "claude-code" })),
    );
    assert_eq!(status, 409, "{reply}");
    assert_eq!(reply["error"]["code"], "dependencies_not_done", "{reply}");
    assert_eq!(board.get(&format!("/tasks/{second}/attempts")), json!([]));
    assert_eq!(
        git_stdout(&board.repo, &["worktree", "list"])
            .lines()
            .count(),
        1,
        "no worktree left behind"
    );
    assert_eq!(
        git_stdout(&board.repo, &["branch", "--list", "cadre/*"]),
        "",
        "no branch left behind"
    );
    let project_dir = board.worktree_root().join("WEB");
    assert!(
        std::fs::read_dir(&project_dir).map_or(true, |mut d| d.next().is_none()),
        "no directory left behind"
    );
}
