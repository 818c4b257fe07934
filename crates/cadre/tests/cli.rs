//! The CLI as a client of a running server: the story from the README, `--json`
//! output, and how it finds (or fails to find) the server.

mod support;

use serde_json::Value;
use support::{TestServer, cadre_bin, repo};

#[test]
fn cli_builds_a_board_with_dependencies_and_refuses_to_start_blocked_work() {
    let server = TestServer::start();
    let (_dir, path) = repo();
    let path = path.to_str().expect("utf-8 path");
    let added = server.ok(&["project", "add", path, "--key", "WEB"]);
    assert!(added.contains("added project WEB"), "{added}");
    assert!(
        added.contains("base branch trunk"),
        "detects the repository's branch: {added}"
    );

    assert_eq!(
        server
            .ok(&["task", "add", "--project", "WEB", "Design schema"])
            .trim(),
        "WEB-1"
    );
    let key = server.ok(&[
        "task",
        "add",
        "--project",
        "WEB",
        "Build API",
        "--depends-on",
        "WEB-1",
        "--priority",
        "high",
    ]);
    assert_eq!(key.trim(), "WEB-2");

    let refused = server.cli(&["task", "move", "WEB-2", "in_progress"]);
    assert!(!refused.success());
    assert!(
        refused
            .stderr()
            .contains("cannot start WEB-2: it depends on WEB-1 which is not done"),
        "{}",
        refused.stderr()
    );

    for status in ["in_progress", "in_review", "done"] {
        server.ok(&["task", "move", "WEB-1", status]);
    }
    assert!(
        server
            .ok(&["task", "move", "WEB-2", "in-progress"])
            .contains("WEB-2 is now in_progress")
    );

    let table = server.ok(&["task", "list", "--project", "WEB"]);
    assert!(
        table.contains("WEB-2") && table.contains("in_progress") && table.contains("Build API"),
        "{table}"
    );

    let events = server.json(&["events"]);
    let events = events.as_array().expect("events");
    let seqs: Vec<i64> = events
        .iter()
        .map(|e| e["seq"].as_i64().expect("seq"))
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "seq strictly increasing: {seqs:?}"
    );
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["type"].as_str().expect("type"))
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "task.moved").count(),
        4,
        "{kinds:?}"
    );
    assert_eq!(kinds[0], "project.created");
}

#[test]
fn read_commands_print_stable_json() {
    let server = TestServer::start();
    let (_dir, path) = repo();
    let project = server.json(&[
        "project",
        "add",
        path.to_str().expect("path"),
        "--key",
        "API",
        "--name",
        "Api",
    ]);
    assert_eq!(project["key"], "API");
    assert_eq!(project["name"], "Api");
    server.ok(&[
        "task",
        "add",
        "--project",
        "API",
        "One",
        "--label",
        "x",
        "--description",
        "details",
    ]);

    let projects = server.json(&["project", "list"]);
    assert_eq!(projects[0]["key"], "API");
    let shown = server.json(&["project", "show", "API"]);
    assert_eq!(shown["base_branch"], "trunk");

    let tasks = server.json(&["task", "list", "--project", "API"]);
    let task = &tasks[0];
    let mut fields: Vec<&str> = task
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "created_at",
            "depends_on",
            "description",
            "goal_id",
            "id",
            "key",
            "labels",
            "parent_id",
            "position",
            "priority",
            "project_id",
            "status",
            "title",
            "updated_at"
        ]
    );
    let one = server.json(&["task", "show", "API-1"]);
    assert_eq!(one["description"], "details");
    assert_eq!(one["labels"], serde_json::json!(["x"]));

    let edited = server.json(&[
        "task",
        "edit",
        "API-1",
        "--title",
        "Uno",
        "--priority",
        "urgent",
    ]);
    assert_eq!(
        (edited["title"].as_str(), edited["priority"].as_str()),
        (Some("Uno"), Some("urgent"))
    );
    let moved = server.json(&["task", "move", "API-1", "backlog"]);
    assert_eq!(moved["status"], "backlog");
    server.ok(&["task", "rm", "API-1"]);
    assert_eq!(
        server.json(&["task", "list", "--project", "API"]),
        Value::Array(vec![])
    );
}

#[test]
fn cli_errors_name_what_was_wrong() {
    let server = TestServer::start();
    let missing = server.cli(&["task", "show", "WEB-9"]);
    assert!(!missing.success());
    assert!(
        missing.stderr().contains("task `WEB-9` not found (404)"),
        "{}",
        missing.stderr()
    );
    let dir = tempfile::tempdir().expect("dir");
    let not_repo = server.cli(&[
        "project",
        "add",
        dir.path().to_str().expect("path"),
        "--key",
        "NO",
    ]);
    assert!(
        not_repo.stderr().contains("is not a git repository"),
        "{}",
        not_repo.stderr()
    );
    let bad_status = server.cli(&["task", "list", "--status", "doing"]);
    assert!(
        bad_status.stderr().contains("`doing` is not a status"),
        "{}",
        bad_status.stderr()
    );
}

#[test]
fn project_add_with_init_creates_a_repository_from_a_relative_path() {
    let server = TestServer::start();
    let cwd = tempfile::tempdir().expect("dir");
    let out = std::process::Command::new(cadre_bin())
        .args([
            "project", "add", "fresh", "--key", "NEW", "--init", "--json",
        ])
        .current_dir(cwd.path())
        .env("CADRE_HOME", server.home.path())
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let project: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(cwd.path().join("fresh/.git").is_dir());
    assert!(
        project["repo_path"]
            .as_str()
            .expect("path")
            .ends_with("/fresh")
    );
}

#[test]
fn cli_without_a_running_server_says_to_start_one() {
    let home = tempfile::tempdir().expect("dir");
    let out = std::process::Command::new(cadre_bin())
        .args(["project", "list"])
        .env("CADRE_HOME", home.path())
        .env_remove("CADRE_SERVER")
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("start one with `cadre serve`"), "{stderr}");

    let out = std::process::Command::new(cadre_bin())
        .args(["project", "list"])
        .env("CADRE_SERVER", "http://127.0.0.1:9")
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot reach the cadre server at http://127.0.0.1:9"),
        "{stderr}"
    );
}

#[test]
fn serve_publishes_server_json_and_removes_it_on_sigterm() {
    let server = TestServer::start();
    let file = server.home.path().join("server.json");
    let info: Value =
        serde_json::from_slice(&std::fs::read(&file).expect("server.json")).expect("json");
    assert!(
        info["url"]
            .as_str()
            .expect("url")
            .starts_with("http://127.0.0.1:")
    );
    assert!(info["pid"].as_u64().is_some());
    assert!(server.home.path().join("cadre.db").exists());
    let (status, home) = server.stop();
    assert!(status.success(), "clean exit on SIGTERM: {status:?}");
    assert!(
        home.path().join("cadre.db").exists(),
        "the data dir is still there"
    );
    assert!(
        !home.path().join("server.json").exists(),
        "server.json removed on clean shutdown"
    );
}
