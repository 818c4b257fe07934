//! Tests of branch naming, worktree creation, listing and path refusal.

use std::path::PathBuf;

use super::*;
use crate::testing::{TestRepo, write_file};

#[test]
fn slug_is_ascii_kebab_and_capped_at_40() {
    assert_eq!(slug("Fix the Login  redirect!"), "fix-the-login-redirect");
    assert_eq!(slug("  --Café crème--  "), "caf-cr-me");
    assert_eq!(slug("日本語"), "");
    let long = slug(&"word ".repeat(30));
    assert!(long.len() <= 40, "{long}");
    assert!(!long.ends_with('-'));
}

#[test]
fn branch_name_joins_prefix_key_slug_and_id() {
    assert_eq!(
        branch_name("cadre", "CAD-12", "Fix login redirect", "a1b2c3"),
        "cadre/cad-12-fix-login-redirect-a1b2c3"
    );
    assert_eq!(branch_name("", "K 1", "", "ID"), "k-1-id");
}

#[tokio::test]
async fn generated_branch_names_pass_check_ref_format() {
    let repo = TestRepo::new().await;
    for title in ["..", "a.lock", "x@{y}", "~^:?*[\\", "tab\there", "ünïcödé"] {
        let name = branch_name(DEFAULT_BRANCH_PREFIX, "CAD-1", title, "ff00");
        repo.git.check_branch_name(&repo.path, &name).await.unwrap();
    }
    let err = repo.git.check_branch_name(&repo.path, "bad..name").await;
    assert!(matches!(err, Err(GitError::InvalidRefName { .. })));
}

fn request(repo: &TestRepo, dir: &str, branch: &str) -> CreateWorktree {
    CreateWorktree {
        repo: repo.path.clone(),
        path: repo.root.join(dir),
        branch: branch.to_owned(),
        base: "main".to_owned(),
        copy_files: Vec::new(),
    }
}

#[tokio::test]
async fn created_worktree_is_on_new_branch_from_base() {
    let repo = TestRepo::new().await;
    let manager = WorktreeManager::new(repo.git.clone(), &repo.root).unwrap();
    let created = manager
        .create(&request(&repo, "a/one", "cadre/one"))
        .await
        .unwrap();
    assert_eq!(created.path, repo.root.join("a/one"));
    assert!(created.path.join("README.md").is_file());
    let head = repo
        .git_in(&created.path, &["symbolic-ref", "--short", "HEAD"])
        .await;
    assert_eq!(head, "cadre/one");
    let list = repo.git.list_worktrees(&repo.path).await.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].path, repo.path);
    assert_eq!(list[0].branch.as_deref(), Some("main"));
    assert_eq!(list[1].path, created.path);
    assert_eq!(list[1].branch.as_deref(), Some("cadre/one"));

    manager.remove(&repo.path, &created.path).await.unwrap();
    assert!(!created.path.exists());
    assert_eq!(repo.git.list_worktrees(&repo.path).await.unwrap().len(), 1);
}

#[tokio::test]
async fn path_outside_managed_root_is_refused() {
    let repo = TestRepo::new().await;
    let manager = WorktreeManager::new(repo.git.clone(), &repo.root).unwrap();
    let outside = repo.base().join("elsewhere");
    let escape = repo.root.join("a/../../elsewhere");
    std::fs::create_dir_all(repo.base().join("target")).unwrap();
    std::os::unix::fs::symlink(repo.base().join("target"), repo.root.join("link")).unwrap();
    for path in [
        outside.clone(),
        escape,
        PathBuf::from("../x"),
        repo.root.join("link/inside"),
        repo.root.clone(),
    ] {
        let mut req = request(&repo, "unused", "cadre/x");
        req.path = path.clone();
        let err = manager.create(&req).await;
        assert!(
            matches!(err, Err(GitError::PathOutsideRoot { .. })),
            "{path:?}: {err:?}"
        );
    }
    assert!(!outside.exists());
    assert!(!repo.branch_exists("cadre/x").await);
    // A relative path is taken relative to the root.
    assert_eq!(
        manager.resolve(Path::new("p/q")).unwrap(),
        repo.root.join("p/q")
    );
}

#[tokio::test]
async fn two_worktrees_created_concurrently_both_succeed() {
    let repo = TestRepo::new().await;
    let manager = WorktreeManager::new(repo.git.clone(), &repo.root).unwrap();
    let (a, b) = (
        request(&repo, "a", "cadre/a"),
        request(&repo, "b", "cadre/b"),
    );
    let (ra, rb) = tokio::join!(manager.create(&a), manager.create(&b));
    ra.unwrap();
    rb.unwrap();
    assert_eq!(repo.git.list_worktrees(&repo.path).await.unwrap().len(), 3);
}

#[tokio::test]
async fn many_worktrees_created_concurrently_through_separate_managers_all_succeed() {
    let repo = TestRepo::new().await;
    let requests: Vec<_> = (0..6)
        .map(|i| request(&repo, &format!("c{i}"), &format!("cadre/c{i}")))
        .collect();
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|req| {
            // A manager per task, as separate app components would have.
            let manager = WorktreeManager::new(repo.git.clone(), &repo.root).unwrap();
            tokio::spawn(async move { manager.create(&req).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(repo.git.list_worktrees(&repo.path).await.unwrap().len(), 7);
}

#[tokio::test]
async fn stale_registration_is_pruned_and_creation_retried() {
    let repo = TestRepo::new().await;
    let manager = WorktreeManager::new(repo.git.clone(), &repo.root).unwrap();
    let first = manager
        .create(&request(&repo, "w", "cadre/first"))
        .await
        .unwrap();
    // Simulate a crash that lost the directory but left git's registration.
    std::fs::remove_dir_all(&first.path).unwrap();
    let again = manager.create(&request(&repo, "w", "cadre/second")).await;
    assert_eq!(again.unwrap().path, first.path);
}

#[tokio::test]
async fn copy_files_copies_matches_and_stays_inside_checkout() {
    let repo = TestRepo::new().await;
    repo.write(".gitignore", ".env\nconfig/*.local\n");
    repo.commit_all("ignore").await;
    repo.write(".env", "SECRET=1\n");
    repo.write("config/db.local", "db\n");
    repo.write("config/other.txt", "no\n");
    write_file(repo.base(), "outside.local", "never\n");
    // A symlink in the checkout pointing outside it must not be followed.
    std::os::unix::fs::symlink(
        repo.base().join("outside.local"),
        repo.path.join("config/evil.local"),
    )
    .unwrap();
    let manager = WorktreeManager::new(repo.git.clone(), &repo.root).unwrap();
    let mut req = request(&repo, "c", "cadre/c");
    req.copy_files = vec![".env".into(), "config/*.local".into(), "missing".into()];
    let created = manager.create(&req).await.unwrap();
    assert_eq!(
        created.copied,
        vec![PathBuf::from(".env"), PathBuf::from("config/db.local")]
    );
    assert_eq!(
        std::fs::read_to_string(created.path.join(".env")).unwrap(),
        "SECRET=1\n"
    );
    assert!(!created.path.join("config/other.txt").exists());

    for bad in ["../outside.local", "/etc/passwd", "a/../../x"] {
        let mut req = request(&repo, "d", "cadre/d");
        req.copy_files = vec![bad.into()];
        let err = manager.create(&req).await;
        assert!(
            matches!(err, Err(GitError::InvalidPattern(_))),
            "{bad}: {err:?}"
        );
        // Refused up front: no worktree, no branch.
        assert!(!repo.root.join("d").exists());
        assert!(!repo.branch_exists("cadre/d").await);
    }
}

#[test]
fn worktree_list_parser_handles_all_fields() {
    let raw = b"worktree /r\0HEAD abc\0branch refs/heads/main\0\0worktree /w x\0HEAD def\0detached\0locked why\0prunable gone\0\0worktree /b\0bare\0\0";
    let list = parse_worktree_list(raw);
    assert_eq!(list.len(), 3);
    assert_eq!(list[0].branch.as_deref(), Some("main"));
    assert_eq!(list[1].path, PathBuf::from("/w x"));
    assert!(list[1].detached);
    assert_eq!(list[1].locked.as_deref(), Some("why"));
    assert_eq!(list[1].prunable.as_deref(), Some("gone"));
    assert!(list[2].bare);
    assert!(parse_worktree_list(b"garbage\0\0\0").is_empty());
}
