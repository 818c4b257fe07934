//! Tests of worktree diffs against real hermetic repositories.

use proptest::prelude::*;

use super::*;
use crate::testing::{TestRepo, write_file};

async fn attempt_repo() -> TestRepo {
    let repo = TestRepo::new().await;
    repo.write("src/lib.rs", "one\ntwo\nthree\n");
    repo.write("rename_me.txt", "a\nb\nc\nd\ne\nf\n");
    repo.write("delete_me.txt", "bye\n");
    repo.write("Cargo.lock", "v1\n");
    repo.commit_all("base").await;
    repo.git(&["checkout", "-q", "-b", "attempt"]).await;
    // A committed change on the branch...
    repo.write("src/lib.rs", "one\n2\nthree\n");
    repo.commit_all("attempt work").await;
    // Main moves on: the diff must still be against the merge-base.
    repo.git(&["checkout", "-q", "main"]).await;
    repo.write("main_only.txt", "m\n");
    repo.commit_all("main moves").await;
    repo.git(&["checkout", "-q", "attempt"]).await;
    // ...and uncommitted ones, including untracked and odd names.
    repo.git(&["mv", "rename_me.txt", "renamed.txt"]).await;
    std::fs::remove_file(repo.path.join("delete_me.txt")).unwrap();
    repo.write("new dir/tab\there é.txt", "fresh\n");
    repo.write("Cargo.lock", "v2\n");
    std::fs::write(repo.path.join("image.bin"), [0u8, 159, 146, 150, 0, 1]).unwrap();
    repo
}

#[tokio::test]
async fn worktree_diff_includes_committed_uncommitted_and_untracked() {
    let repo = attempt_repo().await;
    let before = repo.git(&["status", "--porcelain"]).await;
    let diff = repo
        .git
        .worktree_diff(&repo.path, "main", &DiffOptions::default())
        .await
        .unwrap();
    assert_eq!(repo.git(&["status", "--porcelain"]).await, before);
    let mut settings = insta::Settings::clone_current();
    settings.add_redaction(".merge_base", "[sha]");
    settings.add_redaction(".tree", "[sha]");
    settings.bind(|| insta::assert_json_snapshot!("worktree_diff", diff));
    assert!(diff.files.iter().all(|f| f.path != "main_only.txt"));
}

#[tokio::test]
async fn summary_lists_files_with_counts() {
    let repo = attempt_repo().await;
    let summary = repo.git.diff_summary(&repo.path, "main").await.unwrap();
    let rows: Vec<_> = summary
        .iter()
        .map(|f| {
            (
                f.path.as_str(),
                f.status,
                f.binary,
                f.additions,
                f.deletions,
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("Cargo.lock", FileStatus::Modified, false, 1, 1),
            ("delete_me.txt", FileStatus::Deleted, false, 0, 1),
            ("image.bin", FileStatus::Added, true, 0, 0),
            ("new dir/tab\there é.txt", FileStatus::Added, false, 1, 0),
            ("renamed.txt", FileStatus::Renamed, false, 0, 0),
            ("src/lib.rs", FileStatus::Modified, false, 1, 1),
        ]
    );
    assert_eq!(summary[4].old_path.as_deref(), Some("rename_me.txt"));
}

#[tokio::test]
async fn large_files_are_summarized_without_hunks() {
    let repo = TestRepo::new().await;
    let big: String = (0..3000).map(|i| format!("line {i}\n")).collect();
    write_file(&repo.path, "big.txt", &big);
    write_file(&repo.path, "wide.txt", &"x".repeat(600 * 1024));
    write_file(&repo.path, "small.txt", "s\n");
    let diff = repo
        .git
        .worktree_diff(&repo.path, "main", &DiffOptions::default())
        .await
        .unwrap();
    let by_path = |p: &str| diff.files.iter().find(|f| f.path == p).unwrap();
    assert!(by_path("big.txt").too_large);
    assert!(by_path("big.txt").hunks.is_empty());
    assert_eq!(by_path("big.txt").additions, 3000);
    assert!(by_path("wide.txt").too_large);
    assert!(!by_path("small.txt").too_large);
    assert_eq!(by_path("small.txt").hunks.len(), 1);
}

#[test]
fn lockfiles_are_recognised_by_name() {
    assert!(is_lockfile("Cargo.lock"));
    assert!(is_lockfile("web/package-lock.json"));
    assert!(!is_lockfile("Cargo.lock.txt"));
}

proptest! {
    #[test]
    fn raw_numstat_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = parse_raw_numstat(&bytes);
    }
}
