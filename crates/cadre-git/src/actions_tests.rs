//! Tests of commit, rebase, merge and push on hermetic repositories.

use super::*;
use crate::testing::{TestRepo, write_file};

/// A repo with an attempt worktree on `cadre/a` under the managed root.
async fn with_attempt() -> (TestRepo, PathBuf) {
    let repo = TestRepo::new().await;
    let wt = repo.root.join("a");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "cadre/a",
        wt.to_str().unwrap(),
        "main",
    ])
    .await;
    (repo, wt)
}

fn squash(message: &str) -> MergeRequest {
    MergeRequest {
        branch: "cadre/a".into(),
        base: "main".into(),
        strategy: MergeStrategy::Squash,
        message: message.into(),
    }
}

#[tokio::test]
async fn commit_all_commits_everything_or_reports_nothing() {
    let (repo, wt) = with_attempt().await;
    assert_eq!(repo.git.commit_all(&wt, "nothing").await.unwrap(), None);
    write_file(&wt, "new.txt", "n\n");
    let sha = repo.git.commit_all(&wt, "add new").await.unwrap().unwrap();
    assert_eq!(repo.git.head_sha(&wt).await.unwrap(), sha);
    assert!(!repo.git.is_dirty(&wt).await.unwrap());
    assert_eq!(
        repo.git_in(&wt, &["log", "-1", "--format=%s"]).await,
        "add new"
    );
}

#[tokio::test]
async fn commit_all_without_identity_uses_cadre_fallback() {
    let repo = TestRepo::without_identity().await;
    repo.write("x.txt", "x\n");
    let sha = repo
        .git
        .commit_all(&repo.path, "auto")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        repo.git(&["show", "-s", "--format=%an <%ae>", &sha]).await,
        "cadre <cadre@localhost>"
    );
}

#[tokio::test]
async fn diff_stat_totals_the_summary() {
    let (repo, wt) = with_attempt().await;
    write_file(&wt, "a.txt", "1\n2\n");
    write_file(&wt, "README.md", "changed\n");
    let stat = repo.git.diff_stat(&wt, "main").await.unwrap();
    assert_eq!(
        stat,
        DiffStat {
            files: 2,
            additions: 3,
            deletions: 1
        }
    );
}

#[tokio::test]
async fn rebase_conflict_leaves_repo_clean_and_names_files() {
    let (repo, wt) = with_attempt().await;
    write_file(&wt, "README.md", "attempt\n");
    let before = repo.git.commit_all(&wt, "attempt").await.unwrap().unwrap();
    repo.write("README.md", "main\n");
    repo.commit_all("main").await;
    let err = repo.git.rebase(&wt, "main").await.unwrap_err();
    match err {
        GitError::Conflict { operation, files } => {
            assert_eq!(operation, "rebase");
            assert_eq!(files, vec!["README.md".to_owned()]);
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(repo.git.head_sha(&wt).await.unwrap(), before);
    assert!(!repo.git.is_dirty(&wt).await.unwrap());
    assert!(!repo.git.rebase_in_progress(&wt).await.unwrap());
}

#[tokio::test]
async fn rebase_onto_moved_base_replays_commits() {
    let (repo, wt) = with_attempt().await;
    write_file(&wt, "feature.txt", "f\n");
    repo.git.commit_all(&wt, "feature").await.unwrap();
    repo.write("main.txt", "m\n");
    let main_tip = repo.commit_all("main").await;
    let outcome = repo.git.rebase(&wt, "main").await.unwrap();
    assert!(outcome.rebased);
    assert!(repo.git.is_merged(&wt, &main_tip, "HEAD").await.unwrap());
    let again = repo.git.rebase(&wt, "main").await.unwrap();
    assert!(!again.rebased);
    write_file(&wt, "dirty.txt", "d\n");
    assert!(matches!(
        repo.git.rebase(&wt, "main").await,
        Err(GitError::Refused(Refusal::DirtyWorktree(_)))
    ));
}

#[tokio::test]
async fn squash_merge_fast_forwards_checked_out_base() {
    let (repo, wt) = with_attempt().await;
    write_file(&wt, "one.txt", "1\n");
    repo.git.commit_all(&wt, "one").await.unwrap();
    write_file(&wt, "two.txt", "2\n");
    repo.git.commit_all(&wt, "two").await.unwrap();
    let base_before = repo.git(&["rev-parse", "main"]).await;
    let outcome = repo
        .git
        .merge(&repo.path, &squash("Squashed"))
        .await
        .unwrap();
    assert_eq!(outcome.previous_base, base_before);
    assert_eq!(outcome.base_checkout.as_deref(), Some(repo.path.as_path()));
    assert_eq!(repo.git(&["rev-parse", "main"]).await, outcome.commit);
    assert_eq!(repo.git(&["rev-parse", "main^"]).await, base_before);
    assert_eq!(
        repo.git(&["log", "-1", "--format=%s", "main"]).await,
        "Squashed"
    );
    // The checkout moved with the branch: files present, nothing dirty.
    assert!(repo.path.join("two.txt").is_file());
    assert!(!repo.git.is_dirty(&repo.path).await.unwrap());
}

#[tokio::test]
async fn merge_commit_into_base_not_checked_out_moves_only_the_ref() {
    let (repo, wt) = with_attempt().await;
    repo.git(&["checkout", "-q", "--detach"]).await;
    write_file(&wt, "one.txt", "1\n");
    let tip = repo.git.commit_all(&wt, "one").await.unwrap().unwrap();
    let mut request = squash("Merge cadre/a");
    request.strategy = MergeStrategy::MergeCommit;
    let outcome = repo.git.merge(&repo.path, &request).await.unwrap();
    assert_eq!(outcome.base_checkout, None);
    assert_eq!(repo.git(&["rev-parse", "main^2"]).await, tip);
}

#[tokio::test]
async fn merge_is_refused_when_base_moved() {
    let (repo, wt) = with_attempt().await;
    write_file(&wt, "one.txt", "1\n");
    repo.git.commit_all(&wt, "one").await.unwrap();
    repo.write("main.txt", "m\n");
    let main_tip = repo.commit_all("main moved").await;
    let err = repo.git.merge(&repo.path, &squash("x")).await.unwrap_err();
    assert!(
        matches!(err, GitError::Refused(Refusal::BaseMoved { .. })),
        "{err:?}"
    );
    assert_eq!(repo.git(&["rev-parse", "main"]).await, main_tip);
}

#[tokio::test]
async fn merge_is_refused_when_base_checkout_is_dirty() {
    let (repo, wt) = with_attempt().await;
    write_file(&wt, "one.txt", "1\n");
    repo.git.commit_all(&wt, "one").await.unwrap();
    repo.write("README.md", "local edit\n");
    let err = repo.git.merge(&repo.path, &squash("x")).await.unwrap_err();
    assert!(
        matches!(err, GitError::Refused(Refusal::BaseCheckoutDirty { .. })),
        "{err:?}"
    );
    assert_eq!(
        std::fs::read_to_string(repo.path.join("README.md")).unwrap(),
        "local edit\n"
    );
}

#[tokio::test]
async fn merge_of_branch_without_commits_is_refused() {
    let (repo, _wt) = with_attempt().await;
    let err = repo.git.merge(&repo.path, &squash("x")).await.unwrap_err();
    assert!(matches!(
        err,
        GitError::Refused(Refusal::NothingToMerge { .. })
    ));
}

#[tokio::test]
async fn push_sets_upstream_on_origin() {
    let (repo, wt) = with_attempt().await;
    let remote = repo.base().join("remote.git");
    repo.git(&["init", "-q", "--bare", remote.to_str().unwrap()])
        .await;
    repo.git(&["remote", "add", "origin", remote.to_str().unwrap()])
        .await;
    write_file(&wt, "one.txt", "1\n");
    let tip = repo.git.commit_all(&wt, "one").await.unwrap().unwrap();
    repo.git.push(&wt, "origin", "cadre/a").await.unwrap();
    assert_eq!(repo.git_in(&remote, &["rev-parse", "cadre/a"]).await, tip);
    assert_eq!(
        repo.git_in(&wt, &["rev-parse", "--abbrev-ref", "@{upstream}"])
            .await,
        "origin/cadre/a"
    );
}
