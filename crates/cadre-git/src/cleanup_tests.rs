//! Tests of cleanup, restore and orphan sweeping: work is never lost.

use std::collections::HashSet;

use super::*;
use crate::testing::{TestRepo, write_file};
use crate::{CreateWorktree, snapshot_ref};

async fn attempt(repo: &TestRepo, name: &str) -> (WorktreeManager, PathBuf, String) {
    let manager = WorktreeManager::new(repo.git.clone(), &repo.root).unwrap();
    let branch = format!("cadre/{name}");
    let created = manager
        .create(&CreateWorktree {
            repo: repo.path.clone(),
            path: repo.root.join(name),
            branch: branch.clone(),
            base: "main".into(),
            copy_files: vec![],
        })
        .await
        .unwrap();
    (manager, created.path, branch)
}

fn cleanup_of(repo: &TestRepo, path: &Path, branch: &str, id: &str) -> Cleanup {
    Cleanup {
        repo: repo.path.clone(),
        worktree: path.to_path_buf(),
        branch: branch.to_owned(),
        base: "main".into(),
        snapshot_ref: snapshot_ref(id),
        delete_squash_merged: false,
    }
}

#[tokio::test]
async fn cleanup_of_dirty_worktree_keeps_uncommitted_file_in_snapshot_ref() {
    let repo = TestRepo::new().await;
    let (manager, path, branch) = attempt(&repo, "dirty").await;
    write_file(&path, "work.txt", "precious\n");
    let report = manager
        .cleanup(&cleanup_of(&repo, &path, &branch, "dirty"))
        .await
        .unwrap();
    assert!(report.worktree_removed);
    assert!(!path.exists());
    let snap = report.snapshot.expect("dirty worktree was snapshotted");
    assert_eq!(snap.ref_name, "refs/cadre/snapshots/dirty");
    assert_eq!(
        repo.git(&["show", "refs/cadre/snapshots/dirty:work.txt"])
            .await,
        "precious"
    );
    // No commits beyond main: the branch goes, the snapshot holds the work.
    assert_eq!(report.branch, BranchFate::Deleted);
    assert!(!repo.branch_exists(&branch).await);
}

#[tokio::test]
async fn unmerged_branch_is_kept_on_cleanup() {
    let repo = TestRepo::new().await;
    let (manager, path, branch) = attempt(&repo, "unmerged").await;
    write_file(&path, "feature.txt", "f\n");
    let tip = repo.commit_all_in(&path, "feature").await;
    let report = manager
        .cleanup(&cleanup_of(&repo, &path, &branch, "unmerged"))
        .await
        .unwrap();
    assert_eq!(report.snapshot, None);
    assert_eq!(report.branch, BranchFate::KeptUnmerged);
    assert_eq!(repo.git(&["rev-parse", &branch]).await, tip);
}

#[tokio::test]
async fn merged_branch_is_deleted_on_cleanup() {
    let repo = TestRepo::new().await;
    let (manager, path, branch) = attempt(&repo, "merged").await;
    write_file(&path, "feature.txt", "f\n");
    repo.commit_all_in(&path, "feature").await;
    repo.git(&["merge", "--ff-only", "-q", &branch]).await;
    let report = manager
        .cleanup(&cleanup_of(&repo, &path, &branch, "merged"))
        .await
        .unwrap();
    assert_eq!(report.branch, BranchFate::Deleted);
    assert!(!repo.branch_exists(&branch).await);
}

#[tokio::test]
async fn cleanup_of_already_removed_worktree_still_handles_branch() {
    let repo = TestRepo::new().await;
    let (manager, path, branch) = attempt(&repo, "gone").await;
    std::fs::remove_dir_all(&path).unwrap();
    let report = manager
        .cleanup(&cleanup_of(&repo, &path, &branch, "gone"))
        .await
        .unwrap();
    assert!(!report.worktree_removed);
    assert_eq!(report.branch, BranchFate::Deleted);
    assert_eq!(repo.git.list_worktrees(&repo.path).await.unwrap().len(), 1);
}

#[tokio::test]
async fn restore_brings_back_branch_commits_and_uncommitted_work() {
    let repo = TestRepo::new().await;
    let (manager, path, branch) = attempt(&repo, "r").await;
    write_file(&path, "committed.txt", "c\n");
    repo.commit_all_in(&path, "c").await;
    write_file(&path, "committed.txt", "c2\n");
    write_file(&path, "untracked.txt", "u\n");
    std::fs::remove_file(path.join("README.md")).unwrap();
    manager
        .cleanup(&cleanup_of(&repo, &path, &branch, "r"))
        .await
        .unwrap();
    let report = manager
        .restore(&repo.path, &path, &branch, &snapshot_ref("r"))
        .await
        .unwrap();
    assert!(!report.branch_recreated);
    assert!(report.conflicts.is_empty());
    assert!(report.applied_snapshot.is_some());
    assert_eq!(
        std::fs::read_to_string(path.join("committed.txt")).unwrap(),
        "c2\n"
    );
    assert_eq!(
        std::fs::read_to_string(path.join("untracked.txt")).unwrap(),
        "u\n"
    );
    assert!(!path.join("README.md").exists());
    // Uncommitted again, nothing staged.
    let status = repo.git_in(&path, &["status", "--porcelain"]).await;
    assert_eq!(
        status,
        "D README.md\n M committed.txt\n?? untracked.txt".trim_start()
    );
}

#[tokio::test]
async fn restore_recreates_deleted_branch_from_snapshot_parent() {
    let repo = TestRepo::new().await;
    let (manager, path, branch) = attempt(&repo, "b").await;
    write_file(&path, "wip.txt", "w\n");
    let report = manager
        .cleanup(&cleanup_of(&repo, &path, &branch, "b"))
        .await
        .unwrap();
    assert_eq!(report.branch, BranchFate::Deleted);
    let restored = manager
        .restore(&repo.path, &path, &branch, &snapshot_ref("b"))
        .await
        .unwrap();
    assert!(restored.branch_recreated);
    assert!(repo.branch_exists(&branch).await);
    assert_eq!(
        std::fs::read_to_string(path.join("wip.txt")).unwrap(),
        "w\n"
    );
}

#[tokio::test]
async fn restore_onto_moved_branch_merges_and_reports_conflicts() {
    let repo = TestRepo::new().await;
    let (manager, path, branch) = attempt(&repo, "m").await;
    write_file(&path, "README.md", "from snapshot\n");
    write_file(&path, "other.txt", "o\n");
    manager
        .cleanup(&cleanup_of(&repo, &path, &branch, "m"))
        .await
        .unwrap();
    // The branch was deleted (no commits); recreate it and move it on.
    repo.git(&["branch", &branch, "main"]).await;
    repo.git(&["checkout", "-q", &branch]).await;
    repo.write("README.md", "from branch\n");
    repo.commit_all("moved").await;
    repo.git(&["checkout", "-q", "main"]).await;
    let report = manager
        .restore(&repo.path, &path, &branch, &snapshot_ref("m"))
        .await
        .unwrap();
    assert_eq!(report.conflicts, vec!["README.md".to_owned()]);
    assert!(
        std::fs::read_to_string(path.join("README.md"))
            .unwrap()
            .contains("<<<<<<<")
    );
    assert_eq!(
        std::fs::read_to_string(path.join("other.txt")).unwrap(),
        "o\n"
    );
}

#[tokio::test]
async fn sweep_removes_unowned_worktrees_after_snapshot_and_keeps_owned() {
    let repo = TestRepo::new().await;
    let (manager, owned_path, _) = attempt(&repo, "owned").await;
    let (_, orphan, orphan_branch) = attempt(&repo, "orphan").await;
    write_file(&orphan, "lost.txt", "not lost\n");
    let stray = repo.root.join("stray");
    std::fs::create_dir_all(stray.join(".git")).unwrap();
    let owned = HashSet::from([owned_path.clone()]);
    let report = manager
        .sweep_orphans(std::slice::from_ref(&repo.path), &owned)
        .await
        .unwrap();
    assert_eq!(report.removed.len(), 1);
    assert_eq!(report.removed[0].path, orphan);
    assert!(!orphan.exists());
    assert!(owned_path.exists());
    assert_eq!(report.unregistered, vec![stray]);
    assert_eq!(
        repo.git(&["show", "refs/cadre/orphans/orphan:lost.txt"])
            .await,
        "not lost"
    );
    assert!(repo.branch_exists(&orphan_branch).await);
}

#[tokio::test]
async fn restore_after_directory_was_deleted_by_hand_prunes_and_succeeds() {
    let repo = TestRepo::new().await;
    let (manager, path, branch) = attempt(&repo, "hand").await;
    write_file(&path, "f.txt", "f\n");
    repo.commit_all_in(&path, "f").await;
    std::fs::remove_dir_all(&path).unwrap();
    let report = manager
        .restore(&repo.path, &path, &branch, &snapshot_ref("none"))
        .await
        .unwrap();
    assert_eq!(report.applied_snapshot, None);
    assert!(path.join("f.txt").is_file());
}

#[tokio::test]
async fn sweep_keeps_locked_orphans_and_reports_them() {
    let repo = TestRepo::new().await;
    let (manager, orphan, _) = attempt(&repo, "locked").await;
    repo.git(&["worktree", "lock", orphan.to_str().unwrap()])
        .await;
    let report = manager
        .sweep_orphans(std::slice::from_ref(&repo.path), &HashSet::new())
        .await
        .unwrap();
    assert!(report.removed.is_empty());
    assert_eq!(report.locked, vec![orphan.clone()]);
    assert!(orphan.exists());
}

#[tokio::test]
async fn squash_merged_branch_is_archived_then_deleted_only_when_asked() {
    let repo = TestRepo::new().await;
    let (manager, path, branch) = attempt(&repo, "sq").await;
    write_file(&path, "feature.txt", "f\n");
    let tip = repo.commit_all_in(&path, "feature").await;
    repo.git(&["merge", "--squash", "-q", &branch]).await;
    repo.git(&["commit", "-q", "-m", "squashed"]).await;
    let mut request = cleanup_of(&repo, &path, &branch, "sq");
    let report = manager.cleanup(&request).await.unwrap();
    assert_eq!(report.branch, BranchFate::KeptUnmerged);
    request.delete_squash_merged = true;
    let report = manager.cleanup(&request).await.unwrap();
    assert_eq!(report.branch, BranchFate::DeletedSquashMerged);
    assert!(!repo.branch_exists(&branch).await);
    let archived = report.archived_ref.unwrap();
    assert_eq!(repo.git(&["rev-parse", &archived]).await, tip);
}

#[tokio::test]
async fn partly_merged_branch_is_kept_even_when_squash_deletion_is_asked() {
    let repo = TestRepo::new().await;
    let (manager, path, branch) = attempt(&repo, "part").await;
    write_file(&path, "a.txt", "a\n");
    repo.commit_all_in(&path, "a").await;
    repo.git(&["merge", "--squash", "-q", &branch]).await;
    repo.git(&["commit", "-q", "-m", "squashed a"]).await;
    write_file(&path, "b.txt", "b\n");
    repo.commit_all_in(&path, "b, not merged").await;
    let mut request = cleanup_of(&repo, &path, &branch, "part");
    request.delete_squash_merged = true;
    let report = manager.cleanup(&request).await.unwrap();
    assert_eq!(report.branch, BranchFate::KeptUnmerged);
    assert!(repo.branch_exists(&branch).await);
}
