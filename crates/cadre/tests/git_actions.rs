//! Git actions on an attempt, end to end through a real `cadre serve` and its CLI
//! with the fake agent: rebase and merge refusals that leave every repository
//! clean, pull requests through a fake `gh` on the server's PATH (and PR polling
//! to done), opening the worktree in an editor, and the preview (dev) process.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use reqwest::Method;
use serde_json::{Value, json};
use support::board::{Board, alive, branch_exists, eventually, worktree};
use support::{git, git_stdout};

/// Commits `content` as `file` on trunk in the main checkout: the base moves.
fn move_trunk(repo: &Path, file: &str, content: &str) -> String {
    std::fs::write(repo.join(file), content).expect("write");
    git(repo, &["add", file]);
    git(
        repo,
        &["commit", "--quiet", "-m", &format!("trunk: {file}")],
    );
    git_stdout(repo, &["rev-parse", "trunk"])
}

/// Asserts that no rebase or merge is in progress in `dir` and nothing is dirty.
fn assert_clean(dir: &Path) {
    assert_eq!(
        git_stdout(dir, &["status", "--porcelain"]),
        "",
        "{}",
        dir.display()
    );
    for state in ["rebase-merge", "rebase-apply", "MERGE_HEAD"] {
        let path = git_stdout(
            dir,
            &["rev-parse", "--path-format=absolute", "--git-path", state],
        );
        assert!(
            !Path::new(&path).exists(),
            "{path} exists: left mid-operation"
        );
    }
}

fn event<'a>(events: &'a [Value], kind: &str) -> &'a Value {
    events
        .iter()
        .find(|e| e["type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} event"))
}

fn write_script(path: &Path, body: &str) {
    std::fs::write(path, format!("#!/bin/sh\n{body}")).expect("write script");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[test]
fn rebase_conflict_is_aborted_and_reported_with_a_follow_up() {
    let board = Board::start(&[]);
    let key = board.task("Reword greeting");
    let id = board.start_attempt(
        &key,
        &[
            "session sess-rebase",
            "write README.md hello from the branch\\n",
            "result Reworded the greeting.",
        ],
    );
    let a = board.settled(&id);
    assert_eq!(a["status"], "succeeded", "{a}");
    let path = worktree(&a);
    let head = a["head_commit"].as_str().expect("head").to_owned();
    let trunk = move_trunk(&board.repo, "README.md", "hello from trunk\n");

    let result = board.server.json(&["attempt", "rebase", &id]);
    insta::assert_json_snapshot!("rebase_conflict", result, {
        ".attempt.id" => "[id]", ".attempt.task_id" => "[id]", ".attempt.project_id" => "[id]",
        ".attempt.branch" => "[branch]", ".attempt.worktree_path" => "[path]",
        ".attempt.head_commit" => "[sha]",
        ".attempt.created_at" => "[time]", ".attempt.started_at" => "[time]",
        ".attempt.finished_at" => "[time]",
    });
    assert_eq!(result["status"], "conflicted");
    assert_eq!(result["conflicts"], json!(["README.md"]));
    assert_clean(&path);
    assert_eq!(
        git_stdout(&path, &["rev-parse", "HEAD"]),
        head,
        "branch unchanged"
    );
    assert_eq!(
        std::fs::read_to_string(path.join("README.md")).expect("read"),
        "hello from the branch\n"
    );
    assert_eq!(git_stdout(&board.repo, &["rev-parse", "trunk"]), trunk);
    assert_clean(&board.repo);

    let readable = board.server.ok(&["attempt", "rebase", &id]);
    assert!(
        readable.contains("conflicts in README.md")
            && readable.contains(&format!("cadre attempt followup {id}")),
        "{readable}"
    );
    let events = board.events_of(&id);
    assert_eq!(
        event(&events, "git.rebase.conflicted")["payload"]["detail"]["conflicts"],
        json!(["README.md"])
    );
}

#[test]
fn merge_is_refused_on_uncommitted_work_a_moved_base_or_a_dirty_base_checkout_then_lands() {
    let board = Board::start(&[]);
    let key = board.task("Add page");
    let id = board.start_attempt(
        &key,
        &["write page.txt the page\\n", "result Added a page."],
    );
    let a = board.settled(&id);
    assert_eq!(a["status"], "succeeded", "{a}");
    let path = worktree(&a);
    let merge = format!("/attempts/{id}/merge");

    // A person's edit in the worktree must be committed before merging.
    std::fs::write(path.join("page.txt"), "the page, reviewed\n").expect("write");
    let (status, reply) = board.api(Method::POST, &merge, Some(json!({})));
    assert_eq!(status, 409, "{reply}");
    assert!(
        reply["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains(&format!("cadre attempt commit {id}"))),
        "{reply}"
    );
    let committed = board
        .server
        .ok(&["attempt", "commit", &id, "-m", "Review the page"]);
    assert!(committed.contains("committed"), "{committed}");
    assert_eq!(
        git_stdout(&path, &["log", "-1", "--format=%s"]),
        "Review the page"
    );
    assert_clean(&path);
    let events = board.events_of(&id);
    let commits: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "git.commit.created")
        .map(|e| &e["payload"]["detail"])
        .collect();
    assert_eq!(
        commits.len(),
        2,
        "the auto-commit, then the person's: {commits:?}"
    );
    assert_eq!(commits[0]["auto"], true, "one shape for both: {commits:?}");
    assert_eq!(commits[1]["auto"], false);
    assert_eq!(commits[1]["message"], "Review the page");
    assert_eq!(
        commits[1]["commit"].as_str(),
        Some(git_stdout(&path, &["rev-parse", "HEAD"]).as_str())
    );

    let trunk = move_trunk(&board.repo, "other.txt", "meanwhile\n");
    let (status, reply) = board.api(Method::POST, &merge, Some(json!({})));
    assert_eq!(status, 409, "{reply}");
    let message = reply["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("has moved") && message.contains("rebase"),
        "{message}"
    );
    assert_eq!(
        git_stdout(&board.repo, &["rev-parse", "trunk"]),
        trunk,
        "base untouched"
    );
    assert_clean(&board.repo);
    assert_clean(&path);
    assert_eq!(board.task_status(&key), "in_review");
    let events = board.events_of(&id);
    let refusals: Vec<&str> = events
        .iter()
        .filter(|e| e["type"] == "git.merge.refused")
        .filter_map(|e| e["payload"]["reason"].as_str())
        .collect();
    assert_eq!(refusals.len(), 2, "{refusals:?}");
    assert!(refusals[1].contains("has moved"), "{refusals:?}");

    let rebased = board.server.json(&["attempt", "rebase", &id]);
    assert_eq!(rebased["status"], "rebased", "{rebased}");

    std::fs::write(board.repo.join("README.md"), "edited by hand\n").expect("write");
    let (status, reply) = board.api(Method::POST, &merge, Some(json!({})));
    assert_eq!(status, 409, "{reply}");
    assert!(
        reply["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("uncommitted")),
        "{reply}"
    );
    assert_eq!(git_stdout(&board.repo, &["rev-parse", "trunk"]), trunk);
    assert_eq!(
        std::fs::read_to_string(board.repo.join("README.md")).expect("read"),
        "edited by hand\n",
        "the person's edit is left alone"
    );
    git(&board.repo, &["checkout", "--", "README.md"]);

    board.server.ok(&["attempt", "merge", &id, "--merge"]);
    assert_eq!(
        git_stdout(&board.repo, &["rev-parse", "trunk^1"]),
        trunk,
        "a merge commit on top of the moved base"
    );
    assert_eq!(
        std::fs::read_to_string(board.repo.join("page.txt")).expect("merged"),
        "the page, reviewed\n"
    );
    assert_clean(&board.repo);
    assert_eq!(board.task_status(&key), "done");
}

/// A `gh` stand-in: records each call's argv (NUL-separated) in `calls/N` next to
/// itself, answers `pr create` with a URL and `pr view` with the state in `state`.
fn install_fake_gh(bin: &Path) {
    std::fs::create_dir_all(bin.join("calls")).expect("mkdir");
    std::fs::write(bin.join("state"), "OPEN").expect("state");
    let dir = bin.display();
    write_script(
        &bin.join("gh"),
        &format!(
            r#"n=$(ls "{dir}/calls" | wc -l)
printf '%s\0' "$@" > "{dir}/calls/$n"
case "$1 $2" in
  "pr create") echo "Creating pull request for the branch"; echo "https://github.com/o/r/pull/7" ;;
  "pr view") printf '{{"state":"%s","url":"https://github.com/o/r/pull/7"}}\n' "$(cat "{dir}/state")" ;;
  *) echo "fake gh: unexpected $*" >&2; exit 1 ;;
esac
"#
        ),
    );
}

/// The recorded `gh` calls, oldest first.
fn gh_calls(bin: &Path) -> Vec<Vec<String>> {
    let mut calls: Vec<(usize, Vec<String>)> = std::fs::read_dir(bin.join("calls"))
        .expect("calls")
        .flatten()
        .map(|entry| {
            let n = entry.file_name().to_string_lossy().parse().expect("number");
            let bytes = std::fs::read(entry.path()).expect("read");
            let argv = bytes
                .split(|b| *b == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            (n, argv)
        })
        .collect();
    calls.sort();
    calls.into_iter().map(|(_, argv)| argv).collect()
}

/// `PATH` without any directory holding a real `gh`, behind `first`.
fn path_without_gh(first: &Path) -> String {
    let inherited = std::env::var("PATH").unwrap_or_default();
    std::iter::once(first.display().to_string())
        .chain(
            std::env::split_paths(&inherited)
                .filter(|dir| !dir.join("gh").exists())
                .map(|dir| dir.display().to_string()),
        )
        .collect::<Vec<_>>()
        .join(":")
}

#[test]
fn pull_request_is_opened_with_gh_and_polled_until_merged() {
    let tools = tempfile::tempdir().expect("tools dir");
    let bin: PathBuf = tools.path().join("bin");
    std::fs::create_dir(&bin).expect("mkdir");
    let path = path_without_gh(&bin);
    let board = Board::start(&[("PATH", &path), ("CADRE_PR_POLL_SECS", "1")]);
    // origin looks like GitHub (so `gh` is the tool); pushes go to a local bare repo.
    let remote = tools.path().join("remote.git");
    git(
        tools.path(),
        &["init", "--quiet", "--bare", remote.to_str().expect("path")],
    );
    git(
        &board.repo,
        &["remote", "add", "origin", "https://github.com/o/r.git"],
    );
    git(
        &board.repo,
        &[
            "remote",
            "set-url",
            "--push",
            "origin",
            remote.to_str().expect("path"),
        ],
    );
    let key = board.task("Open a PR");
    let id = board.start_attempt(
        &key,
        &[
            "write pr.txt reviewed\\n",
            "result Adds pr.txt.\\n\\nReview welcome.",
        ],
    );
    let a = board.settled(&id);
    assert_eq!(a["status"], "succeeded", "{a}");
    let branch = a["branch"].as_str().expect("branch").to_owned();

    let missing = board.server.cli(&["attempt", "pr", &id]);
    assert!(!missing.success(), "{}", missing.stdout());
    assert!(
        missing.stderr().contains("`gh` is not installed"),
        "the error names the tool: {}",
        missing.stderr()
    );
    assert_eq!(board.attempt(&id)["pull_request"], Value::Null);

    install_fake_gh(&bin);
    let url = board.server.ok(&["attempt", "pr", &id]);
    assert_eq!(url.trim(), "https://github.com/o/r/pull/7");
    let create = gh_calls(&bin)
        .into_iter()
        .find(|argv| argv.starts_with(&["pr".into(), "create".into()]))
        .expect("gh pr create");
    let arg = |flag: &str| {
        let at = create
            .iter()
            .position(|a| a == flag)
            .unwrap_or_else(|| panic!("{flag} in {create:?}"));
        create[at + 1].clone()
    };
    assert_eq!(arg("--title"), "WEB-1: Open a PR");
    assert_eq!(arg("--base"), "trunk");
    assert_eq!(arg("--head"), branch);
    assert!(arg("--body").starts_with("Adds pr.txt."), "{create:?}");
    assert_eq!(
        git_stdout(&remote, &["rev-parse", &format!("refs/heads/{branch}")]),
        a["head_commit"].as_str().expect("head"),
        "the branch was pushed"
    );
    let a = board.attempt(&id);
    assert_eq!(
        a["pull_request"],
        json!({ "url": "https://github.com/o/r/pull/7", "number": 7, "state": "open" })
    );
    let events = board.events_of(&id);
    let created = &event(&events, "git.pr.created")["payload"]["detail"];
    assert_eq!(created["number"], 7, "{created}");
    assert_eq!(created["tool"], "gh");

    std::fs::write(bin.join("state"), "MERGED").expect("state");
    board.wait_task(&key, "done");
    let a = board.attempt(&id);
    assert_eq!(a["pull_request"]["state"], "merged", "{a}");
    assert!(
        gh_calls(&bin)
            .iter()
            .any(|argv| argv[..] == ["pr", "view", &branch, "--json", "state,url"]),
        "polled with gh pr view"
    );
    let events = board.events_of(&id);
    event(&events, "git.pr.status.changed");
    eventually("cleanup after the PR merged", || {
        board.attempt(&id)["worktree_path"].is_null().then_some(())
    });
    assert!(
        branch_exists(&board.repo, &branch),
        "not merged locally: kept"
    );
}

#[test]
fn open_in_editor_records_the_launch_and_its_failure() {
    let board = Board::start(&[]);
    let key = board.task("Edit me");
    let id = board.start_attempt(&key, &["result Nothing."]);
    let path = worktree(&board.settled(&id));
    let args_file = board.scratch().join("editor-args");
    let editor = board.scratch().join("record-editor");
    write_script(
        &editor,
        &format!("printf '%s\\n' \"$@\" > '{}'\n", args_file.display()),
    );
    let out = board.server.ok(&[
        "attempt",
        "open",
        &id,
        "--editor",
        &format!("{} --new-window", editor.display()),
    ]);
    assert!(out.contains("opened"), "{out}");
    assert_eq!(
        std::fs::read_to_string(&args_file).expect("editor ran"),
        format!("--new-window\n{}\n", path.display())
    );
    let kinds = board.event_kinds_of(&id);
    let requested = kinds.iter().position(|k| k == "editor.open.requested");
    let succeeded = kinds.iter().position(|k| k == "editor.open.succeeded");
    assert!(requested.is_some() && requested < succeeded, "{kinds:?}");

    let broken = board.scratch().join("broken-editor");
    write_script(&broken, "echo 'cannot open display :0' >&2\nexit 2\n");
    let failed = board.server.cli(&[
        "attempt",
        "open",
        &id,
        "--editor",
        &broken.display().to_string(),
    ]);
    assert!(!failed.success());
    assert!(
        failed.stderr().contains("cannot open display :0"),
        "{}",
        failed.stderr()
    );
    let events = board.events_of(&id);
    let payload = &event(&events, "editor.open.failed")["payload"];
    assert_eq!(payload["exit_code"], 2, "{payload}");
    assert_eq!(payload["stderr"], "cannot open display :0");
    assert_eq!(payload["command"][0], broken.display().to_string());
}

#[test]
fn preview_runs_the_dev_script_with_a_port_and_stops_before_cleanup() {
    let board = Board::start(&[]);
    let key = board.task("Show it");
    let id = board.start_attempt(&key, &["write index.html hi\\n", "result Page added."]);
    board.settled(&id);
    let (status, reply) = board.api(Method::POST, &format!("/attempts/{id}/preview/start"), None);
    assert_eq!(status, 422, "no dev script yet: {reply}");

    let port_file = board.scratch().join("preview-port");
    board.configure(json!({
        "dev_script": format!("echo \"$PORT\" > '{}'; exec sleep 600", port_file.display())
    }));
    let started = board.server.json(&["attempt", "preview", "start", &id]);
    assert_eq!(started["running"], true, "{started}");
    let port = started["port"].as_u64().expect("port");
    let pid = started["process"]["pid"].as_i64().expect("pid");
    assert_eq!(started["process"]["kind"], "dev");
    let written = eventually("the dev script to write its port", || {
        std::fs::read_to_string(&port_file)
            .ok()
            .filter(|p| !p.trim().is_empty())
    });
    assert_eq!(
        written.trim(),
        port.to_string(),
        "PORT is the preview's port"
    );
    assert!(alive(pid));

    let stopped = board.server.json(&["attempt", "preview", "stop", &id]);
    assert_eq!(stopped["running"], false, "{stopped}");
    eventually("the dev process to end", || (!alive(pid)).then_some(()));

    let again = board.server.json(&["attempt", "preview", "start", &id]);
    let pid = again["process"]["pid"].as_i64().expect("pid");
    assert!(alive(pid));
    board.server.ok(&["task", "move", &key, "done"]);
    assert!(!alive(pid), "stopped with its worktree");
    let kinds = board.event_kinds_of(&id);
    let last_stop = kinds.iter().rposition(|k| k == "preview.stopped");
    let removed = kinds.iter().position(|k| k == "worktree.removed");
    assert!(
        last_stop.is_some() && removed.is_some() && last_stop < removed,
        "preview stopped before the worktree went: {kinds:?}"
    );
    let status = board.server.json(&["attempt", "preview", "status", &id]);
    assert_eq!(status["running"], false);
}
