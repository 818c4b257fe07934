//! Tests of forge detection and the `gh`/`glab` calls, with fake tools on a
//! private `PATH` that record their argv.

use std::path::PathBuf;

use super::*;
use crate::testing::TestRepo;

/// Installs a fake `tool` in a fresh bin dir that writes its argv (NUL-separated)
/// to `argv` and prints `answer`; returns the bin dir.
fn fake_tool(repo: &TestRepo, tool: &str, answer: &str) -> (PathBuf, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let bin = repo.base().join(format!("bin-{tool}"));
    std::fs::create_dir_all(&bin).unwrap();
    let argv = repo.base().join(format!("{tool}.argv"));
    let script = format!(
        "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done > '{}'\nprintf '%s\\n' '{answer}'\n",
        argv.display()
    );
    let path = bin.join(tool);
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    (bin, argv)
}

fn recorded(argv: &Path) -> Vec<String> {
    std::fs::read_to_string(argv)
        .unwrap()
        .split('\0')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn request() -> PrRequest {
    PrRequest {
        title: "Fix login".into(),
        body: "Body with\nnewline and 'quotes'".into(),
        base: "main".into(),
        head: "cadre/cad-1-fix-login-ab12".into(),
    }
}

#[test]
fn forge_is_picked_from_remote_host() {
    let cases = [
        ("git@github.com:o/r.git", Some(ForgeKind::GitHub)),
        ("https://github.com/o/r", Some(ForgeKind::GitHub)),
        (
            "ssh://git@gitlab.example.com:2222/o/r.git",
            Some(ForgeKind::GitLab),
        ),
        ("https://gitlab.com/o/r.git", Some(ForgeKind::GitLab)),
        ("https://example.com/github/r.git", None),
        ("/srv/git/r.git", None),
    ];
    for (url, expected) in cases {
        assert_eq!(ForgeKind::from_remote_url(url), expected, "{url}");
    }
}

#[tokio::test]
async fn forge_of_repo_follows_origin() {
    let repo = TestRepo::new().await;
    assert_eq!(repo.git.forge(&repo.path).await.unwrap(), None);
    repo.git(&["remote", "add", "origin", "git@gitlab.com:o/r.git"])
        .await;
    assert_eq!(
        repo.git.forge(&repo.path).await.unwrap(),
        Some(ForgeKind::GitLab)
    );
}

#[tokio::test]
async fn pr_create_calls_gh_with_title_and_body() {
    let repo = TestRepo::new().await;
    let (bin, argv) = fake_tool(&repo, "gh", "https://github.com/o/r/pull/7");
    let git = repo
        .git
        .clone()
        .with_env("PATH", format!("{}:/usr/bin:/bin", bin.display()));
    let url = git
        .create_pr(&repo.path, ForgeKind::GitHub, &request())
        .await
        .unwrap();
    assert_eq!(url, "https://github.com/o/r/pull/7");
    assert_eq!(
        recorded(&argv),
        [
            "pr",
            "create",
            "--title",
            "Fix login",
            "--body",
            "Body with\nnewline and 'quotes'",
            "--base",
            "main",
            "--head",
            "cadre/cad-1-fix-login-ab12"
        ]
    );
}

#[tokio::test]
async fn mr_create_calls_glab_with_source_and_target() {
    let repo = TestRepo::new().await;
    let (bin, argv) = fake_tool(&repo, "glab", "https://gitlab.com/o/r/-/merge_requests/3");
    let git = repo
        .git
        .clone()
        .with_env("PATH", format!("{}:/usr/bin:/bin", bin.display()));
    let url = git
        .create_pr(&repo.path, ForgeKind::GitLab, &request())
        .await
        .unwrap();
    assert_eq!(url, "https://gitlab.com/o/r/-/merge_requests/3");
    let args = recorded(&argv);
    assert_eq!(&args[..2], ["mr", "create"]);
    assert!(args.windows(2).any(|w| w == ["--target-branch", "main"]));
    assert!(
        args.windows(2)
            .any(|w| w == ["--source-branch", "cadre/cad-1-fix-login-ab12"])
    );
}

#[tokio::test]
async fn pr_status_reads_gh_json() {
    let repo = TestRepo::new().await;
    let (bin, argv) = fake_tool(
        &repo,
        "gh",
        r#"{"state":"MERGED","url":"https://github.com/o/r/pull/7"}"#,
    );
    let git = repo
        .git
        .clone()
        .with_env("PATH", format!("{}:/usr/bin:/bin", bin.display()));
    let status = git
        .pr_status(&repo.path, ForgeKind::GitHub, "cadre/x")
        .await
        .unwrap();
    assert_eq!(status.state, PrState::Merged);
    assert_eq!(status.url.as_deref(), Some("https://github.com/o/r/pull/7"));
    assert_eq!(
        recorded(&argv),
        ["pr", "view", "cadre/x", "--json", "state,url"]
    );
}

#[tokio::test]
async fn missing_forge_tool_is_a_typed_error_naming_it() {
    let repo = TestRepo::new().await;
    let empty = repo.base().join("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    let git = repo.git.clone().with_env("PATH", &empty);
    for (forge, tool) in [(ForgeKind::GitHub, "gh"), (ForgeKind::GitLab, "glab")] {
        let err = git
            .create_pr(&repo.path, forge, &request())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, GitError::ToolMissing { tool: t } if t == tool),
            "{err:?}"
        );
        assert!(err.to_string().contains(tool));
    }
}

#[test]
fn glab_status_json_is_understood() {
    let status = parse_pr_status(br#"{"state":"opened","web_url":"u"}"#).unwrap();
    assert_eq!(
        status,
        PrStatus {
            state: PrState::Open,
            url: Some("u".into())
        }
    );
    assert_eq!(parse_pr_status(b"not json"), None);
}
