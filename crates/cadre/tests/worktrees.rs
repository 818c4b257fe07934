//! Attempts in git worktrees, end to end through a real `cadre serve`, its CLI and
//! API, with the fake agent: the worktree and branch of an attempt, auto-commit,
//! diff and squash merge, cleanup that never loses work (snapshots, unmerged
//! branches kept, nothing removed under a running agent), the orphan sweep,
//! restore, concurrent starts, and refine attempts that borrow a worktree.

mod support;

use reqwest::Method;
use serde_json::{Value, json};
use support::board::{Board, branch_exists, eventually, worktree};
use support::{git, git_output, git_stdout};

fn short_id(attempt: &str) -> String {
    let hex = attempt.replace('-', "");
    hex[hex.len() - 8..].to_owned()
}

#[test]
fn attempt_runs_in_its_own_worktree_and_lands_through_merge() {
    let board = Board::start(&[]);
    let key = board.task("Say hello");
    let id = board.start_attempt(
        &key,
        &[
            "session sess-1",
            // A commit of the agent's own, so the squash on trunk is a new commit
            // (with fixed dates, squashing a lone auto-commit reproduces it exactly).
            "write NOTES.md plan\\n",
            "shell git add NOTES.md && git commit -q -m 'agent: plan'",
            "write hello.txt hi there\\n",
            "result Added hello.txt with a greeting.\\nIt is one line.\\n\\nNothing else changed.",
        ],
    );
    let a = board.settled(&id);
    assert_eq!(a["status"], "succeeded", "{a}");

    let short = short_id(&id);
    let path = worktree(&a);
    assert_eq!(
        path,
        board
            .worktree_root()
            .join("WEB")
            .join(format!("{short}-say-hello"))
    );
    let branch = format!("cadre/web-1-say-hello-{short}");
    assert_eq!(a["branch"], branch.as_str());
    assert_eq!(
        git_stdout(&path, &["rev-parse", "--abbrev-ref", "HEAD"]),
        branch
    );
    assert_eq!(
        git_stdout(&path, &["log", "-1", "--format=%B"]),
        "WEB-1: Say hello\n\nAdded hello.txt with a greeting.\nIt is one line.",
        "auto-commit: key and title, then the summary's first paragraph"
    );
    assert_eq!(git_stdout(&path, &["status", "--porcelain"]), "");
    assert_eq!(a["head_commit"], git_stdout(&path, &["rev-parse", "HEAD"]));
    assert_eq!(
        a["diff_stat"],
        json!({ "files": 2, "additions": 2, "deletions": 0 })
    );
    assert_eq!(board.task_status(&key), "in_review");

    let diff = board.server.json(&["attempt", "diff", &id]);
    insta::assert_json_snapshot!("diff_of_an_agent_edit", diff, {
        ".branch" => "[branch]", ".merge_base" => "[sha]",
    });
    let readable = board.server.ok(&["attempt", "diff", &id]);
    assert!(readable.contains("+hi there"), "{readable}");

    let merged = board.server.ok(&["attempt", "merge", &id]);
    assert!(
        merged.contains("merged") && merged.contains("trunk"),
        "{merged}"
    );
    assert_eq!(
        std::fs::read_to_string(board.repo.join("hello.txt")).expect("merged file"),
        "hi there\n",
        "the base checkout has the change"
    );
    assert_eq!(
        git_stdout(&board.repo, &["log", "-1", "--format=%s", "trunk"]),
        "WEB-1: Say hello"
    );
    assert_eq!(
        git_stdout(&board.repo, &["rev-list", "--count", "trunk"]),
        "2",
        "squashed into one commit on trunk"
    );
    assert_eq!(board.task_status(&key), "done");
    let a = board.attempt(&id);
    assert_eq!(a["worktree_path"], Value::Null, "{a}");
    assert!(!path.exists(), "worktree directory removed");
    assert!(!branch_exists(&board.repo, &branch), "branch deleted");
    let listed = git_stdout(&board.repo, &["worktree", "list", "--porcelain"]);
    assert!(
        !listed.contains(&short),
        "git forgot the worktree: {listed}"
    );

    let kinds = board.event_kinds_of(&id);
    let pos = |kind: &str| {
        kinds
            .iter()
            .position(|k| k == kind)
            .unwrap_or_else(|| panic!("no {kind} event in {kinds:?}"))
    };
    assert!(pos("worktree.created") < pos("attempt.autocommit.requested"));
    assert!(pos("attempt.autocommit.requested") < pos("git.commit.created"));
    assert!(pos("git.commit.created") < pos("git.merged"));
    assert!(pos("git.merged") < pos("worktree.removed"));
    let events = board.events_of(&id);
    let find = |kind: &str| {
        events
            .iter()
            .find(|e| e["type"] == kind)
            .unwrap_or_else(|| panic!("no {kind}"))
    };
    let autocommit = &find("git.commit.created")["payload"]["detail"];
    assert_eq!(autocommit["auto"], true, "{autocommit}");
    assert_eq!(autocommit["commit"], a["head_commit"], "{autocommit}");
    assert_eq!(
        autocommit["message"],
        "WEB-1: Say hello\n\nAdded hello.txt with a greeting.\nIt is one line."
    );
    let removed = find("worktree.removed");
    let detail = &removed["payload"]["detail"];
    assert_eq!(detail["branch_fate"], "deleted_squash_merged", "{removed}");
    let archived = detail["archived_ref"].as_str().expect("archived ref");
    assert_eq!(
        git_stdout(&board.repo, &["rev-parse", archived]),
        a["head_commit"].as_str().expect("head"),
        "the squashed branch's tip stays reachable"
    );
}

#[test]
fn cleanup_of_a_dirty_worktree_snapshots_the_uncommitted_work_first() {
    let board = Board::start(&[]);
    board.configure(json!({ "auto_commit": false }));
    let key = board.task("Draft notes");
    let id = board.start_attempt(
        &key,
        &["write notes.txt uncommitted work\\n", "result Drafted."],
    );
    let a = board.settled(&id);
    assert_eq!(a["status"], "succeeded", "{a}");
    assert!(
        a["warning"]
            .as_str()
            .is_some_and(|w| w.contains("uncommitted changes")),
        "a dirty worktree is reported: {a}"
    );
    let path = worktree(&a);
    assert_eq!(
        git_stdout(&path, &["status", "--porcelain"]),
        "?? notes.txt"
    );
    assert_eq!(
        git_stdout(&path, &["log", "-1", "--format=%s"]),
        "first",
        "nothing was committed"
    );
    assert_eq!(
        board.task_status(&key),
        "in_review",
        "untracked files count"
    );

    board.server.ok(&["task", "move", &key, "done"]);
    let a = board.attempt(&id);
    assert_eq!(a["worktree_path"], Value::Null, "{a}");
    assert!(!path.exists(), "worktree removed");
    let snapshot = format!("refs/cadre/snapshots/{id}");
    assert_eq!(
        git_stdout(&board.repo, &["show", &format!("{snapshot}:notes.txt")]),
        "uncommitted work",
        "the snapshot holds the uncommitted file"
    );
    let kinds = board.event_kinds_of(&id);
    let snapshotted = kinds.iter().position(|k| k == "worktree.snapshotted");
    let removed = kinds.iter().position(|k| k == "worktree.removed");
    assert!(
        snapshotted.is_some() && snapshotted < removed,
        "snapshot before removal: {kinds:?}"
    );
}

#[test]
fn cancelling_a_task_keeps_its_unmerged_branch_and_removes_only_the_worktree() {
    let board = Board::start(&[]);
    let key = board.task("Add feature");
    let id = board.start_attempt(&key, &["write feature.txt the work\\n", "result Added it."]);
    let a = board.settled(&id);
    assert_eq!(a["status"], "succeeded", "{a}");
    let path = worktree(&a);
    let branch = a["branch"].as_str().expect("branch").to_owned();
    let head = a["head_commit"].as_str().expect("head").to_owned();

    board.server.ok(&["task", "move", &key, "cancelled"]);
    assert_eq!(board.attempt(&id)["worktree_path"], Value::Null);
    assert!(!path.exists(), "worktree removed");
    assert!(branch_exists(&board.repo, &branch), "unmerged branch kept");
    assert_eq!(
        git_stdout(&board.repo, &["rev-parse", &format!("refs/heads/{branch}")]),
        head
    );
    assert_eq!(
        git_stdout(&board.repo, &["show", &format!("{branch}:feature.txt")]),
        "the work"
    );
    assert_eq!(
        git_stdout(&board.repo, &["rev-list", "--count", "trunk"]),
        "1",
        "trunk untouched"
    );
    let removed = board
        .events_of(&id)
        .into_iter()
        .find(|e| e["type"] == "worktree.removed")
        .expect("worktree.removed");
    assert_eq!(removed["payload"]["detail"]["branch_fate"], "kept_unmerged");
}

#[test]
fn restore_recreates_a_cleaned_up_worktree_from_its_branch_and_snapshot() {
    let board = Board::start(&[]);
    board.configure(json!({ "auto_commit": false }));
    let key = board.task("Half done");
    let id = board.start_attempt(
        &key,
        &[
            "write committed.txt kept on the branch\\n",
            "shell git add committed.txt && git commit -q -m 'agent: part one'",
            "write draft.txt still a draft\\n",
            "result Part one done.",
        ],
    );
    let a = board.settled(&id);
    assert_eq!(a["status"], "succeeded", "{a}");
    let path = worktree(&a);
    board.server.ok(&["task", "move", &key, "cancelled"]);
    assert!(!path.exists());

    for (method, action, body) in [
        (Method::GET, "diff", None),
        (Method::POST, "commit", Some(json!({ "message": "x" }))),
        (Method::POST, "rebase", None),
        (Method::POST, "merge", Some(json!({}))),
        (Method::POST, "followups", Some(json!({ "text": "go on" }))),
    ] {
        let (status, body) = board.api(method, &format!("/attempts/{id}/{action}"), body);
        assert_eq!(status, 409, "{action}: {body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("cleaned up")
                && message.contains(&format!("cadre attempt restore {id}")),
            "{action}: {message}"
        );
    }
    let refused = board.server.cli(&["attempt", "diff", &id]);
    assert!(
        !refused.success() && refused.stderr().contains("restore"),
        "{}",
        refused.stderr()
    );

    let restored = board.server.ok(&["attempt", "restore", &id]);
    assert!(restored.contains("restored"), "{restored}");
    let a = board.attempt(&id);
    assert_eq!(worktree(&a), path, "recreated where it was");
    assert_eq!(
        git_stdout(&path, &["log", "-1", "--format=%s"]),
        "agent: part one",
        "from its branch"
    );
    assert_eq!(
        std::fs::read_to_string(path.join("draft.txt")).expect("draft re-applied"),
        "still a draft\n"
    );
    assert_eq!(
        git_stdout(&path, &["status", "--porcelain"]),
        "?? draft.txt",
        "the snapshot comes back as uncommitted work"
    );
    let restored = board
        .events_of(&id)
        .into_iter()
        .find(|e| e["type"] == "worktree.restored")
        .expect("worktree.restored");
    assert_eq!(restored["payload"]["detail"]["branch_recreated"], false);
    let diff = board.server.json(&["attempt", "diff", &id]);
    assert_eq!(diff["files_changed"], 2, "git calls work again: {diff}");
}

#[test]
fn restore_recreates_a_deleted_branch_from_the_snapshot() {
    let board = Board::start(&[]);
    board.configure(json!({ "auto_commit": false }));
    let key = board.task("Only a draft");
    let id = board.start_attempt(
        &key,
        &["write draft.txt never committed\\n", "result Drafted."],
    );
    let a = board.settled(&id);
    let branch = a["branch"].as_str().expect("branch").to_owned();
    board.server.ok(&["task", "move", &key, "cancelled"]);
    assert!(
        !branch_exists(&board.repo, &branch),
        "a branch without commits of its own is deleted"
    );

    board.server.ok(&["attempt", "restore", &id]);
    let a = board.attempt(&id);
    let path = worktree(&a);
    assert!(branch_exists(&board.repo, &branch), "branch recreated");
    assert_eq!(
        std::fs::read_to_string(path.join("draft.txt")).expect("draft"),
        "never committed\n"
    );
    let event = board
        .events_of(&id)
        .into_iter()
        .find(|e| e["type"] == "worktree.restored")
        .expect("worktree.restored");
    assert_eq!(event["payload"]["detail"]["branch_recreated"], true);
}

#[test]
fn startup_sweep_removes_unowned_worktrees_after_snapshotting_them() {
    let board = Board::start(&[]);
    let key = board.task("Owned work");
    let id = board.start_attempt(&key, &["write owned.txt mine\\n", "result Done."]);
    let owned = worktree(&board.settled(&id));
    let owned_head = git_stdout(&owned, &["rev-parse", "HEAD"]);
    std::fs::write(owned.join("wip.txt"), "owned and dirty\n").expect("write");

    let dirty = board.worktree_root().join("WEB").join("by-hand");
    let clean = board.worktree_root().join("WEB").join("clean-by-hand");
    for (dir, branch) in [(&dirty, "by-hand"), (&clean, "clean-by-hand")] {
        git(
            &board.repo,
            &[
                "worktree",
                "add",
                "--quiet",
                "-b",
                branch,
                dir.to_str().expect("path"),
                "trunk",
            ],
        );
    }
    std::fs::write(dirty.join("scratch.txt"), "left behind\n").expect("write");

    let board = board.restart();
    eventually("the sweep", || {
        (!dirty.exists() && !clean.exists()).then_some(())
    });
    let listed = git_stdout(&board.repo, &["worktree", "list", "--porcelain"]);
    assert!(!listed.contains("by-hand"), "{listed}");
    assert_eq!(
        git_stdout(
            &board.repo,
            &["show", "refs/cadre/orphans/web-by-hand:scratch.txt"]
        ),
        "left behind",
        "the dirty orphan was snapshotted"
    );
    assert!(
        !git_output(
            &board.repo,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                "refs/cadre/orphans/web-clean-by-hand"
            ]
        )
        .status
        .success(),
        "a clean orphan needs no snapshot"
    );
    assert!(branch_exists(&board.repo, "by-hand"), "branches are kept");

    let a = board.attempt(&id);
    assert_eq!(worktree(&a), owned, "the owned worktree stays");
    assert_eq!(git_stdout(&owned, &["rev-parse", "HEAD"]), owned_head);
    assert_eq!(
        std::fs::read_to_string(owned.join("wip.txt")).expect("untouched"),
        "owned and dirty\n"
    );
}

#[test]
fn two_attempts_started_at_once_get_their_own_worktrees_and_branches() {
    let board = Board::start(&[]);
    let key = board.task("Race");
    let body = json!({
        "agent": "claude-code",
        "prompt": support::board::steps(&["write race.txt mine\\n", "result Wrote it."]),
    });
    let path = format!("/tasks/{key}/attempts");
    let results = board.api_concurrently(vec![
        (Method::POST, path.clone(), Some(body.clone())),
        (Method::POST, path, Some(body)),
    ]);
    for (status, body) in &results {
        assert_eq!(*status, 202, "{body}");
    }
    let ids: Vec<String> = results
        .iter()
        .map(|(_, a)| a["id"].as_str().expect("id").to_owned())
        .collect();
    let attempts: Vec<Value> = ids.iter().map(|id| board.settled(id)).collect();
    for a in &attempts {
        assert_eq!(a["status"], "succeeded", "{a}");
        let path = worktree(a);
        assert_eq!(
            git_stdout(&path, &["rev-parse", "--abbrev-ref", "HEAD"]),
            a["branch"].as_str().expect("branch")
        );
        assert_eq!(
            git_stdout(&path, &["log", "-1", "--format=%s"]),
            "WEB-1: Race"
        );
    }
    assert_ne!(attempts[0]["worktree_path"], attempts[1]["worktree_path"]);
    assert_ne!(attempts[0]["branch"], attempts[1]["branch"]);
    let listed = git_stdout(&board.repo, &["worktree", "list"]);
    assert_eq!(listed.lines().count(), 3, "{listed}");
}

#[test]
fn refine_resumes_the_session_in_the_same_worktree_which_it_never_removes() {
    let board = Board::start(&[]);
    let key = board.task("Polish");
    let parent = board.start_attempt(
        &key,
        &[
            "session sess-r",
            "write first.txt one\\n",
            "result First pass.",
        ],
    );
    let p = board.settled(&parent);
    assert_eq!(p["status"], "succeeded", "{p}");
    let path = worktree(&p);

    let prompt = support::board::steps(&["write second.txt two\\n", "result Second pass."]);
    let (status, refine) = board.api(
        Method::POST,
        &format!("/attempts/{parent}/refine"),
        Some(json!({ "prompt": prompt })),
    );
    assert_eq!(status, 202, "{refine}");
    let id = refine["id"].as_str().expect("id").to_owned();
    assert_ne!(id, parent);
    assert_eq!(refine["parent_attempt_id"], parent.as_str());
    assert_eq!(refine["owns_worktree"], false);
    assert_eq!(refine["worktree_path"], p["worktree_path"]);
    assert_eq!(refine["branch"], p["branch"]);
    let r = board.settled(&id);
    assert_eq!(r["status"], "succeeded", "{r}");
    let argv: Vec<String> =
        serde_json::from_value(r["processes"][0]["argv"].clone()).expect("argv");
    let resume = argv.iter().position(|a| a == "--resume").expect("--resume");
    assert_eq!(argv[resume + 1], "sess-r", "resumes the parent's session");
    assert_eq!(r["session_id"], "sess-r");
    assert_eq!(git_stdout(&path, &["show", "HEAD:second.txt"]), "two");
    assert_eq!(git_stdout(&path, &["show", "HEAD:first.txt"]), "one");

    // A second refine is still at work when the card is cancelled: its
    // worktree must stay until it settles, then go with its owner.
    let prompt = support::board::steps(&["text thinking", "hang"]);
    let (status, busy) = board.api(
        Method::POST,
        &format!("/attempts/{parent}/refine"),
        Some(json!({ "prompt": prompt })),
    );
    assert_eq!(status, 202, "{busy}");
    let busy = busy["id"].as_str().expect("id").to_owned();
    board.wait_for(&busy, "running", |a| a["status"] == "running");
    board.server.ok(&["task", "move", &key, "cancelled"]);
    assert!(path.is_dir(), "removed under a running refine attempt");
    assert_eq!(board.attempt(&parent)["worktree_path"], p["worktree_path"]);

    board.server.ok(&["attempt", "stop", &busy]);
    board.settled(&busy);
    eventually("the worktree to go once every attempt settled", || {
        let gone = [&parent, &id, &busy]
            .iter()
            .all(|a| board.attempt(a)["worktree_path"].is_null());
        gone.then_some(())
    });
    assert!(!path.exists());
    for attempt in [&parent, &id, &busy] {
        assert_eq!(board.attempt(attempt)["worktree_path"], Value::Null);
    }
    let removals: Vec<Value> = board
        .events()
        .into_iter()
        .filter(|e| e["type"] == "worktree.removed" && e["payload"]["detail"].is_object())
        .collect();
    assert_eq!(removals.len(), 1, "removed once: {removals:?}");
    assert_eq!(removals[0]["attempt_id"], parent.as_str(), "by its owner");
    let (status, reply) = board.api(Method::POST, &format!("/attempts/{id}/restore"), None);
    assert_eq!(status, 409, "{reply}");
    assert!(
        reply["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains(&format!("restore attempt {parent}"))),
        "{reply}"
    );
}

#[test]
fn closing_a_task_while_its_agent_runs_removes_the_worktree_once_the_agent_settles() {
    let board = Board::start(&[]);
    let key = board.task("Long job");
    let id = board.start_attempt(&key, &["write part.txt half\\n", "text working", "hang"]);
    let a = board.wait_for(&id, "running", |a| {
        a["status"] == "running" && a["log_len"].as_i64().unwrap_or(0) >= 3
    });
    let path = worktree(&a);
    board.server.ok(&["task", "move", &key, "cancelled"]);
    assert!(path.is_dir(), "not removed under a running agent");
    assert_eq!(board.attempt(&id)["worktree_path"], a["worktree_path"]);

    board.server.ok(&["attempt", "stop", &id]);
    assert_eq!(board.settled(&id)["status"], "stopped");
    eventually("cleanup after the agent settled", || {
        board.attempt(&id)["worktree_path"].is_null().then_some(())
    });
    assert!(!path.exists());
    assert_eq!(
        git_stdout(
            &board.repo,
            &["show", &format!("refs/cadre/snapshots/{id}:part.txt")]
        ),
        "half",
        "what the stopped agent left is in the snapshot"
    );
    assert_eq!(
        board.task_status(&key),
        "cancelled",
        "the card stays where it was put"
    );
}
