//! The read-only summaries behind the web UI's overview screens: newest attempt
//! per task, usage totals summed in SQL, and pending follow-ups.

use cadre_core::log::LogEntryKind;
use cadre_core::{Attempt, AttemptId, AttemptStatus, NewProject, NewTask, ProjectId, TaskId};
use cadre_store::Store;
use chrono::Utc;

async fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("cadre.db"))
        .await
        .expect("open store");
    (dir, store)
}

async fn project(store: &Store, key: &str) -> ProjectId {
    let new = NewProject {
        name: key.into(),
        key: key.into(),
        repo_path: "/tmp/repo".into(),
        base_branch: "main".into(),
        ..Default::default()
    };
    let project = new
        .into_project(ProjectId::new(), Utc::now())
        .expect("valid project");
    store
        .create_project(project)
        .await
        .expect("create")
        .value
        .id
}

async fn task(store: &Store, project: ProjectId, title: &str) -> TaskId {
    let new = NewTask {
        title: title.into(),
        ..Default::default()
    };
    store
        .create_task(project, new, Utc::now())
        .await
        .expect("task")
        .value
        .id
}

async fn attempt(store: &Store, project: ProjectId, task: TaskId, agent: &str) -> AttemptId {
    let attempt = Attempt {
        id: AttemptId::new(),
        task_id: task,
        project_id: project,
        agent: agent.into(),
        profile: None,
        prompt: "p".into(),
        base_branch: "main".into(),
        branch: None,
        worktree_path: None,
        status: AttemptStatus::Queued,
        session_id: None,
        head_commit: None,
        summary: None,
        failure_reason: None,
        retry_count: 0,
        parent_attempt_id: None,
        owns_worktree: true,
        warning: None,
        diff_stat: None,
        crash_retries: 0,
        pull_request: None,
        created_at: Utc::now(),
        started_at: None,
        finished_at: None,
    };
    store
        .create_attempt(attempt)
        .await
        .expect("attempt")
        .value
        .id
}

#[tokio::test]
async fn latest_attempts_of_project_has_the_newest_attempt_of_each_task_only() {
    let (_dir, store) = store().await;
    let web = project(&store, "WEB").await;
    let api = project(&store, "API").await;
    let one = task(&store, web, "one").await;
    let two = task(&store, web, "two").await;
    let _none = task(&store, web, "no attempts").await;
    let other = task(&store, api, "elsewhere").await;
    attempt(&store, web, one, "codex").await;
    let newest_one = attempt(&store, web, one, "claude-code").await;
    let only_two = attempt(&store, web, two, "gemini").await;
    attempt(&store, api, other, "codex").await;

    let mut latest: Vec<(TaskId, AttemptId)> = store
        .latest_attempts_of_project(web)
        .await
        .expect("latest")
        .into_iter()
        .map(|a| (a.task_id, a.id))
        .collect();
    latest.sort();
    let mut expected = vec![(one, newest_one), (two, only_two)];
    expected.sort();
    assert_eq!(latest, expected);
}

#[tokio::test]
async fn usage_totals_sum_every_usage_entry_and_nothing_else() {
    let (_dir, store) = store().await;
    let p = project(&store, "WEB").await;
    let t = task(&store, p, "t").await;
    let a = attempt(&store, p, t, "claude-code").await;
    let empty = store.usage_totals(a).await.expect("totals");
    assert_eq!(empty.reports, 0);
    assert_eq!(empty.cost_usd, None);
    let batch = vec![
        LogEntryKind::Usage {
            input_tokens: 100,
            output_tokens: 20,
            cost_usd: Some(0.25),
        },
        LogEntryKind::AssistantMessage { text: "hi".into() },
        LogEntryKind::Usage {
            input_tokens: 5,
            output_tokens: 1,
            cost_usd: None,
        },
    ];
    store
        .append_log(a, &batch, None, Utc::now())
        .await
        .expect("append");
    let totals = store.usage_totals(a).await.expect("totals");
    assert_eq!((totals.input_tokens, totals.output_tokens), (105, 21));
    assert_eq!(totals.cost_usd, Some(0.25));
    assert_eq!(totals.reports, 2);
}

#[tokio::test]
async fn pending_followups_lists_unsent_ones_oldest_first() {
    let (_dir, store) = store().await;
    let p = project(&store, "WEB").await;
    let t = task(&store, p, "t").await;
    let a = attempt(&store, p, t, "claude-code").await;
    for text in ["first", "second", "third"] {
        store
            .queue_followup(a, text, &[], Utc::now())
            .await
            .expect("queue");
    }
    store.take_followup(a, Utc::now()).await.expect("take");
    let pending: Vec<String> = store
        .pending_followups(a)
        .await
        .expect("pending")
        .into_iter()
        .map(|f| f.text)
        .collect();
    assert_eq!(pending, ["second", "third"]);
}
