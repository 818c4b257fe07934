//! Attempts in git worktrees, end to end through a real `cadre serve`, its CLI and
//! API, with the fake agent: the worktree and branch of an attempt, auto-commit,
//! diff and squash merge, cleanup that never loses work (snapshots, unmerged
//! branches kept), the orphan sweep, restore, concurrent starts, unsafe input,
//! and refine attempts that borrow a worktree.

mod support;

use std::path::{Path, PathBuf};

use reqwest::Method;
use serde_json::{Value, json};
use support::board::{Board, eventually};
use support::{git, git_output, git_stdout};

/// The attempt's worktree path, which must exist.
fn worktree(attempt: &Value) -> PathBuf {
    let path = PathBuf::from(attempt["worktree_path"].as_str().expect("worktree_path"));
    assert!(path.is_dir(), "{} is not a directory", path.display());
    path
}

fn branch_exists(repo: &Path, branch: &str) -> bool {
    git_output(
        repo,
        &["rev-parse", "--verify", "--quiet", &format!("refs/heads/{branch}")],
    )
    .status
    .success()
}

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
        board.worktree_root().join("WEB").join(format!("{short}-say-hello"))
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
    assert_eq!(a["diff_stat"], json!({ "files": 2, "additions": 2, "deletions": 0 }));
    assert_eq!(board.task_status(&key), "in_review");

    let diff = board.server.json(&["attempt", "diff", &id]);
    insta::assert_json_snapshot!("diff_of_an_agent_edit", diff, {
        ".branch" => "[branch]", ".merge_base" => "[sha]",
    });
    let readable = board.server.ok(&["attempt", "diff", &id]);
    assert!(readable.contains("+hi there"), "{readable}");

    let merged = board.server.ok(&["attempt", "merge", &id]);
    assert!(merged.contains("merged") && merged.contains("trunk"), "{merged}");
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
    assert!(!listed.contains(&short), "git forgot the worktree: {listed}");

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
    let removed = board
        .events_of(&id)
        .into_iter()
        .find(|e| e["type"] == "worktree.removed")
        .expect("worktree.removed");
    let detail = &removed["payload"]["detail"];
    assert_eq!(detail["branch_fate"], "deleted_squash_merged", "{removed}");
    let archived = detail["archived_ref"].as_str().expect("archived ref");
    assert_eq!(
        git_stdout(&board.repo, &["rev-parse", archived]),
        a["head_commit"].as_str().expect("head"),
        "the squashed branch's tip stays reachable"
    );
}
