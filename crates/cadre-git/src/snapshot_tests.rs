//! Tests of snapshots: content captured, nothing in the worktree disturbed.

use super::*;
use crate::testing::{TestRepo, write_file};

#[tokio::test]
async fn clean_worktree_gives_no_snapshot() {
    let repo = TestRepo::new().await;
    assert!(!repo.git.is_dirty(&repo.path).await.unwrap());
    let snap = repo.git.snapshot(&repo.path, &snapshot_ref("a1")).await;
    assert_eq!(snap.unwrap(), None);
    assert_eq!(
        repo.git
            .resolve_commit(&repo.path, "refs/cadre/snapshots/a1")
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn snapshot_captures_untracked_and_staged_without_touching_index_or_head() {
    let repo = TestRepo::new().await;
    let head = repo.git(&["rev-parse", "HEAD"]).await;
    repo.write("README.md", "changed\n");
    repo.write("staged.txt", "staged\n");
    repo.git(&["add", "staged.txt"]).await;
    repo.write("new/untracked.txt", "untracked\n");
    let status_before = repo.git(&["status", "--porcelain"]).await;
    assert!(repo.git.is_dirty(&repo.path).await.unwrap());

    let snap = repo
        .git
        .snapshot(&repo.path, &snapshot_ref("a1"))
        .await
        .unwrap()
        .expect("dirty worktree gives a snapshot");

    assert_eq!(snap.head.as_deref(), Some(head.as_str()));
    assert_eq!(repo.git(&["rev-parse", "HEAD"]).await, head);
    assert_eq!(repo.git(&["status", "--porcelain"]).await, status_before);
    let at = |p: &str| format!("refs/cadre/snapshots/a1:{p}");
    assert_eq!(repo.git(&["show", &at("README.md")]).await, "changed");
    assert_eq!(repo.git(&["show", &at("staged.txt")]).await, "staged");
    assert_eq!(
        repo.git(&["show", &at("new/untracked.txt")]).await,
        "untracked"
    );
    assert_eq!(
        repo.git(&["rev-parse", "refs/cadre/snapshots/a1^1"]).await,
        head
    );
    // cadre's own identity, whatever the user's is.
    assert_eq!(
        repo.git(&["show", "-s", "--format=%an <%ae>", &snap.commit])
            .await,
        "cadre <cadre@localhost>"
    );
}

#[tokio::test]
async fn second_snapshot_keeps_first_as_parent() {
    let repo = TestRepo::new().await;
    let r = snapshot_ref("a2");
    repo.write("one.txt", "1\n");
    let first = repo.git.snapshot(&repo.path, &r).await.unwrap().unwrap();
    // Same content again: no new commit.
    let same = repo.git.snapshot(&repo.path, &r).await.unwrap().unwrap();
    assert_eq!(same.commit, first.commit);
    std::fs::remove_file(repo.path.join("one.txt")).unwrap();
    repo.write("two.txt", "2\n");
    let second = repo.git.snapshot(&repo.path, &r).await.unwrap().unwrap();
    assert_ne!(second.commit, first.commit);
    assert_eq!(
        repo.git(&["rev-parse", &format!("{r}^2")]).await,
        first.commit
    );
    assert_eq!(repo.git(&["show", &format!("{r}^2:one.txt")]).await, "1");
}

#[tokio::test]
async fn snapshot_works_without_any_git_identity() {
    let repo = TestRepo::without_identity().await;
    write_file(&repo.path, "x.txt", "x\n");
    let snap = repo
        .git
        .snapshot(&repo.path, &snapshot_ref("n"))
        .await
        .unwrap();
    assert!(snap.is_some());
}

#[tokio::test]
async fn invalid_snapshot_ref_is_refused() {
    let repo = TestRepo::new().await;
    repo.write("x.txt", "x\n");
    for bad in ["heads/x", "refs/cadre/a..b", "refs/cadre/x.lock"] {
        let err = repo.git.snapshot(&repo.path, bad).await;
        assert!(matches!(err, Err(GitError::InvalidRefName { .. })), "{bad}");
    }
}

#[tokio::test]
async fn is_merged_follows_ancestry() {
    let repo = TestRepo::new().await;
    repo.git(&["branch", "side"]).await;
    assert!(
        repo.git
            .is_merged(&repo.path, "side", "main")
            .await
            .unwrap()
    );
    repo.git(&["checkout", "-q", "side"]).await;
    repo.write("side.txt", "s\n");
    repo.commit_all("side").await;
    assert!(
        !repo
            .git
            .is_merged(&repo.path, "side", "main")
            .await
            .unwrap()
    );
    assert!(
        repo.git
            .is_merged(&repo.path, "main", "side")
            .await
            .unwrap()
    );
    assert!(
        repo.git
            .is_merged(&repo.path, "nope", "main")
            .await
            .is_err()
    );
}
