//! Benchmark of cadre-git's hot paths, printed as figures (run with
//! `cargo bench -p cadre-git`): worktree creation through [`WorktreeManager`]
//! versus a bare `git worktree add` on the same repository, and the diff of a
//! worktree touching 2,000 files. Results are recorded in the workspace `BENCHMARKS.md`.

#![allow(missing_docs, clippy::unwrap_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use cadre_git::{CreateWorktree, DiffOptions, Git, WorktreeManager};

const FILES: usize = 2_000;
const ROUNDS: usize = 15;

fn hermetic_git(home: &Path) -> Git {
    Git::new().with_envs([
        ("HOME", home.as_os_str().to_owned()),
        ("GIT_CONFIG_GLOBAL", "/dev/null".into()),
        ("GIT_CONFIG_NOSYSTEM", "1".into()),
        ("GIT_AUTHOR_NAME", "Bench".into()),
        ("GIT_AUTHOR_EMAIL", "bench@example.com".into()),
        ("GIT_COMMITTER_NAME", "Bench".into()),
        ("GIT_COMMITTER_EMAIL", "bench@example.com".into()),
    ])
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().canonicalize().unwrap();
    let home = base.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let repo = base.join("repo");
    let git = hermetic_git(&home);
    git.init(&repo, "main").await.unwrap();
    for i in 0..FILES {
        let path = repo.join(format!("src/d{:03}/f{i:05}.rs", i % 100));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let body: String = (0..40).map(|l| format!("// file {i} line {l}\n")).collect();
        std::fs::write(path, body).unwrap();
    }
    git.run(&repo, ["add", "-A"]).await.unwrap();
    git.run(&repo, ["commit", "-q", "-m", "base"])
        .await
        .unwrap();

    let root = base.join("worktrees");
    creation(&git, &repo, &root, FILES).await;

    // A tiny repository, where git's own work is smallest and our extra
    // process (check-ref-format) weighs the most.
    let small = base.join("small");
    git.init(&small, "main").await.unwrap();
    std::fs::write(small.join("README.md"), "hi\n").unwrap();
    git.run(&small, ["add", "-A"]).await.unwrap();
    git.run(&small, ["commit", "-q", "-m", "base"])
        .await
        .unwrap();
    creation(&git, &small, &base.join("small-worktrees"), 1).await;

    // A worktree touching all 2,000 files, uncommitted (the expensive case:
    // every file is re-hashed into the temporary tree).
    let wt = root.join("managed-0");
    for i in 0..FILES {
        let path = wt.join(format!("src/d{:03}/f{i:05}.rs", i % 100));
        let mut body = std::fs::read_to_string(&path).unwrap();
        body.push_str("// changed\n");
        std::fs::write(path, body).unwrap();
    }
    let options = DiffOptions::default();
    let (mut full, mut summary) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let start = Instant::now();
        let diff = git.worktree_diff(&wt, "main", &options).await.unwrap();
        full.push(start.elapsed());
        assert_eq!(diff.files.len(), FILES);
        let start = Instant::now();
        let files = git.diff_summary(&wt, "main").await.unwrap();
        summary.push(start.elapsed());
        assert_eq!(files.len(), FILES);
    }
    println!(
        "diff of {FILES} changed files (full, hunks): {:8.1} ms",
        ms(median(full))
    );
    println!(
        "diff of {FILES} changed files (summary):     {:8.1} ms",
        ms(median(summary))
    );
}

/// Times bare `git worktree add` against `WorktreeManager::create`, interleaved.
async fn creation(git: &Git, repo: &Path, root: &Path, files: usize) {
    let manager = WorktreeManager::new(git.clone(), root).unwrap();
    let (mut bare, mut managed) = (Vec::new(), Vec::new());
    // Interleaved so that cache warmth and disk state favour neither side.
    for round in 0..ROUNDS {
        let path = root.join(format!("bare-{round}"));
        let branch = format!("bare/{round}");
        let start = Instant::now();
        git.run(
            repo,
            [
                "worktree".as_ref(),
                "add".as_ref(),
                "--quiet".as_ref(),
                "-b".as_ref(),
                branch.as_ref(),
                path.as_os_str(),
                "main".as_ref(),
            ],
        )
        .await
        .unwrap();
        bare.push(start.elapsed());

        let request = CreateWorktree {
            repo: repo.to_path_buf(),
            path: root.join(format!("managed-{round}")),
            branch: format!("cadre/{round}"),
            base: "main".into(),
            copy_files: vec![".env".into()],
        };
        let start = Instant::now();
        manager.create(&request).await.unwrap();
        managed.push(start.elapsed());
    }
    let (bare, managed) = (median(bare), median(managed));
    let overhead = (managed.as_secs_f64() / bare.as_secs_f64() - 1.0) * 100.0;
    println!("repo: {files} files, median of {ROUNDS} creations");
    println!("bare `git worktree add`:     {:8.1} ms", ms(bare));
    println!("WorktreeManager::create:     {:8.1} ms", ms(managed));
    println!("creation overhead:           {overhead:8.1} %");
}
