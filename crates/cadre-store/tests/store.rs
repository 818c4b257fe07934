//! Store round trips on a temporary on-disk database: migrations from empty,
//! every entity written and read back, rule refusals leaving nothing behind, and
//! the event log's ordering and replay.

use cadre_core::{
    Actor, DomainError, EventKind, GoalPatch, GoalStatus, NewGoal, NewProject, NewTask, Priority,
    ProjectId, TaskPatch, TaskStatus,
};
use cadre_store::{Store, StoreError, TaskFilter};
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
        name: format!("{key} project"),
        key: key.into(),
        repo_path: "/tmp/repo".into(),
        base_branch: "main".into(),
        copy_files: vec![".env".into()],
        verify_commands: vec![vec!["cargo".into(), "test".into()]],
        ..Default::default()
    };
    let project = new
        .into_project(ProjectId::new(), Utc::now())
        .expect("valid project");
    store
        .create_project(project)
        .await
        .expect("create project")
        .value
        .id
}

fn task(title: &str) -> NewTask {
    NewTask {
        title: title.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn migrations_apply_to_an_empty_database_and_reopen_cleanly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("nested.db");
    let first = Store::open(&path)
        .await
        .expect("first open creates and migrates");
    project(&first, "WEB").await;
    first.close().await;
    let second = Store::open(&path)
        .await
        .expect("second open finds migrations applied");
    assert_eq!(second.projects().await.expect("list").len(), 1);
}

#[tokio::test]
async fn project_round_trips_with_all_settings() {
    let (_dir, store) = store().await;
    let id = project(&store, "WEB").await;
    let loaded = store.project(id).await.expect("load");
    assert_eq!(loaded.key.as_str(), "WEB");
    assert_eq!(loaded.copy_files, vec![".env"]);
    assert_eq!(loaded.verify_commands, vec![vec!["cargo", "test"]]);
    let by_key = store
        .project_by_key(&"WEB".parse().expect("key"))
        .await
        .expect("by key");
    assert_eq!(by_key, loaded);
}

#[tokio::test]
async fn duplicate_project_key_is_a_conflict() {
    let (_dir, store) = store().await;
    project(&store, "WEB").await;
    let again = NewProject {
        name: "Other".into(),
        key: "WEB".into(),
        repo_path: "/x".into(),
        base_branch: "main".into(),
        ..Default::default()
    }
    .into_project(ProjectId::new(), Utc::now())
    .expect("valid");
    let err = store
        .create_project(again)
        .await
        .expect_err("duplicate key");
    assert!(
        matches!(err, StoreError::Conflict(ref m) if m.contains("`WEB` already exists")),
        "{err}"
    );
}

#[tokio::test]
async fn tasks_get_sequential_keys_that_are_never_reused() {
    let (_dir, store) = store().await;
    let p = project(&store, "WEB").await;
    let one = store
        .create_task(p, task("one"), Utc::now())
        .await
        .expect("create")
        .value;
    let two = store
        .create_task(p, task("two"), Utc::now())
        .await
        .expect("create")
        .value;
    assert_eq!(
        (one.key.to_string(), two.key.to_string()),
        ("WEB-1".into(), "WEB-2".into())
    );
    store.delete_task(two.id, Utc::now()).await.expect("delete");
    let three = store
        .create_task(p, task("three"), Utc::now())
        .await
        .expect("create")
        .value;
    assert_eq!(three.key.to_string(), "WEB-3");
}

#[tokio::test]
async fn task_round_trips_with_labels_priority_and_dependencies() {
    let (_dir, store) = store().await;
    let p = project(&store, "WEB").await;
    let dep = store
        .create_task(p, task("schema"), Utc::now())
        .await
        .expect("create")
        .value;
    let new = NewTask {
        title: "api".into(),
        description: "# Build it".into(),
        priority: Priority::High,
        labels: vec!["backend".into(), "api".into()],
        depends_on: vec![dep.id],
        ..Default::default()
    };
    let created = store
        .create_task(p, new, Utc::now())
        .await
        .expect("create")
        .value;
    let loaded = store
        .task_by_key(&"WEB-2".parse().expect("key"))
        .await
        .expect("load");
    assert_eq!(loaded, created);
    assert_eq!(loaded.labels, vec!["api", "backend"]);
    assert_eq!(loaded.priority, Priority::High);
    assert_eq!(loaded.depends_on.len(), 1);
    assert_eq!(loaded.depends_on[0].key.to_string(), "WEB-1");
}

#[tokio::test]
async fn update_changes_only_the_patched_fields() {
    let (_dir, store) = store().await;
    let p = project(&store, "WEB").await;
    let t = store
        .create_task(p, task("old"), Utc::now())
        .await
        .expect("create")
        .value;
    let patch = TaskPatch {
        title: Some("new".into()),
        ..Default::default()
    };
    let updated = store
        .update_task(t.id, patch, Utc::now())
        .await
        .expect("update")
        .value;
    assert_eq!(updated.title, "new");
    assert_eq!(updated.priority, t.priority);
    assert_eq!(store.task(t.id).await.expect("load").title, "new");
}

#[tokio::test]
async fn starting_a_task_with_an_unfinished_dependency_is_refused_and_changes_nothing() {
    let (_dir, store) = store().await;
    let p = project(&store, "WEB").await;
    let dep = store
        .create_task(p, task("first"), Utc::now())
        .await
        .expect("create")
        .value;
    let t = store
        .create_task(
            p,
            NewTask {
                depends_on: vec![dep.id],
                ..task("second")
            },
            Utc::now(),
        )
        .await
        .expect("create")
        .value;
    let seq = store.latest_seq().await.expect("seq");
    let err = store
        .move_task(
            t.id,
            TaskStatus::InProgress,
            None,
            Actor::User,
            None,
            Utc::now(),
        )
        .await
        .expect_err("dependency not done");
    assert!(
        matches!(err, StoreError::Domain(DomainError::Transition(_))),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "cannot start WEB-2: it depends on WEB-1 which is not done"
    );
    assert_eq!(
        store.task(t.id).await.expect("load").status,
        TaskStatus::Todo
    );
    assert_eq!(
        store.latest_seq().await.expect("seq"),
        seq,
        "no event for a refused move"
    );

    for to in [
        TaskStatus::InProgress,
        TaskStatus::InReview,
        TaskStatus::Done,
    ] {
        store
            .move_task(dep.id, to, None, Actor::User, None, Utc::now())
            .await
            .expect("advance dependency");
    }
    let moved = store
        .move_task(
            t.id,
            TaskStatus::InProgress,
            None,
            Actor::Agent,
            Some("attempt started".into()),
            Utc::now(),
        )
        .await
        .expect("now allowed");
    assert_eq!(moved.value.status, TaskStatus::InProgress);
    let transitions = store.task_transitions(t.id).await.expect("transitions");
    assert_eq!(transitions.len(), 1);
    assert_eq!(
        (transitions[0].from, transitions[0].to),
        (TaskStatus::Todo, TaskStatus::InProgress)
    );
    assert_eq!(transitions[0].actor, Actor::Agent);
    assert_eq!(transitions[0].reason.as_deref(), Some("attempt started"));
}

#[tokio::test]
async fn forbidden_transition_is_refused_with_allowed_moves() {
    let (_dir, store) = store().await;
    let p = project(&store, "WEB").await;
    let t = store
        .create_task(p, task("x"), Utc::now())
        .await
        .expect("create")
        .value;
    let err = store
        .move_task(t.id, TaskStatus::Done, None, Actor::User, None, Utc::now())
        .await
        .expect_err("todo -> done is forbidden");
    assert!(
        err.to_string()
            .contains("it can move to: backlog, in_progress, blocked, cancelled"),
        "{err}"
    );
}

#[tokio::test]
async fn moving_within_and_across_columns_keeps_positions_dense() {
    let (_dir, store) = store().await;
    let p = project(&store, "WEB").await;
    let mut ids = vec![];
    for title in ["a", "b", "c"] {
        ids.push(
            store
                .create_task(p, task(title), Utc::now())
                .await
                .expect("create")
                .value
                .id,
        );
    }
    // Reorder: c to the top of todo.
    store
        .move_task(
            ids[2],
            TaskStatus::Todo,
            Some(0),
            Actor::User,
            None,
            Utc::now(),
        )
        .await
        .expect("reorder");
    let filter = TaskFilter {
        project_id: Some(p),
        statuses: vec![TaskStatus::Todo],
        ..Default::default()
    };
    let titles: Vec<_> = store
        .tasks(&filter)
        .await
        .expect("list")
        .into_iter()
        .map(|t| (t.title, t.position))
        .collect();
    assert_eq!(
        titles,
        vec![("c".into(), 0), ("a".into(), 1), ("b".into(), 2)]
    );
    // Across: a to backlog; todo closes the gap on the next placement.
    store
        .move_task(
            ids[0],
            TaskStatus::Backlog,
            None,
            Actor::User,
            None,
            Utc::now(),
        )
        .await
        .expect("move");
    let all = store
        .tasks(&TaskFilter {
            project_id: Some(p),
            ..Default::default()
        })
        .await
        .expect("list");
    let order: Vec<_> = all.iter().map(|t| (t.title.as_str(), t.status)).collect();
    assert_eq!(
        order,
        vec![
            ("a", TaskStatus::Backlog),
            ("c", TaskStatus::Todo),
            ("b", TaskStatus::Todo)
        ]
    );
}

#[tokio::test]
async fn dependency_closing_a_cycle_is_refused_naming_the_cycle() {
    let (_dir, store) = store().await;
    let p = project(&store, "WEB").await;
    let a = store
        .create_task(p, task("a"), Utc::now())
        .await
        .expect("create")
        .value;
    let b = store
        .create_task(
            p,
            NewTask {
                depends_on: vec![a.id],
                ..task("b")
            },
            Utc::now(),
        )
        .await
        .expect("create")
        .value;
    let c = store
        .create_task(
            p,
            NewTask {
                depends_on: vec![b.id],
                ..task("c")
            },
            Utc::now(),
        )
        .await
        .expect("create")
        .value;
    let err = store
        .add_dependency(a.id, c.id, Utc::now())
        .await
        .expect_err("cycle");
    assert!(
        matches!(err, StoreError::Domain(DomainError::Cycle(_))),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "adding this dependency would create a cycle: WEB-1 -> WEB-3 -> WEB-2 -> WEB-1"
    );
    assert!(store.task(a.id).await.expect("load").depends_on.is_empty());
    let removed = store
        .remove_dependency(c.id, b.id, Utc::now())
        .await
        .expect("remove")
        .value;
    assert!(removed.depends_on.is_empty());
    store
        .add_dependency(a.id, c.id, Utc::now())
        .await
        .expect("no cycle any more");
}

#[tokio::test]
async fn dependency_on_another_projects_task_is_refused() {
    let (_dir, store) = store().await;
    let web = project(&store, "WEB").await;
    let api = project(&store, "API").await;
    let a = store
        .create_task(web, task("a"), Utc::now())
        .await
        .expect("create")
        .value;
    let b = store
        .create_task(api, task("b"), Utc::now())
        .await
        .expect("create")
        .value;
    let err = store
        .add_dependency(a.id, b.id, Utc::now())
        .await
        .expect_err("cross project");
    assert!(
        err.to_string().contains("belongs to another project"),
        "{err}"
    );
}

#[tokio::test]
async fn goals_round_trip_and_filter_tasks() {
    let (_dir, store) = store().await;
    let p = project(&store, "WEB").await;
    let goal = store
        .create_goal(
            p,
            NewGoal {
                title: "Launch".into(),
                description: String::new(),
            },
            Utc::now(),
        )
        .await
        .expect("goal")
        .value;
    store
        .create_task(
            p,
            NewTask {
                goal_id: Some(goal.id),
                ..task("in goal")
            },
            Utc::now(),
        )
        .await
        .expect("create");
    store
        .create_task(p, task("outside"), Utc::now())
        .await
        .expect("create");
    let in_goal = store
        .tasks(&TaskFilter {
            goal_id: Some(goal.id),
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(in_goal.len(), 1);
    assert_eq!(in_goal[0].title, "in goal");
    let done = store
        .update_goal(
            goal.id,
            GoalPatch {
                status: Some(GoalStatus::Completed),
                ..Default::default()
            },
            Utc::now(),
        )
        .await
        .expect("update")
        .value;
    assert_eq!(done.status, GoalStatus::Completed);
    assert_eq!(
        store
            .goals(Some(p), Some(GoalStatus::Active))
            .await
            .expect("list")
            .len(),
        0
    );
    let deleted = store
        .delete_goal(goal.id, Utc::now())
        .await
        .expect("delete");
    let kinds: Vec<&str> = deleted.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["task.updated", "goal.deleted"],
        "each task that loses the goal is announced"
    );
    assert_eq!(
        deleted.events[0].payload["goal_id"],
        serde_json::Value::Null
    );
    let orphan = store
        .tasks(&TaskFilter {
            project_id: Some(p),
            ..Default::default()
        })
        .await
        .expect("list");
    assert!(
        orphan.iter().all(|t| t.goal_id.is_none()),
        "tasks lose the deleted goal"
    );
}

#[tokio::test]
async fn every_change_appends_one_event_with_strictly_increasing_seq_replayable_from_any_point() {
    let (_dir, store) = store().await;
    let p = project(&store, "WEB").await;
    let t = store
        .create_task(p, task("x"), Utc::now())
        .await
        .expect("create")
        .value;
    store
        .move_task(
            t.id,
            TaskStatus::InProgress,
            None,
            Actor::User,
            None,
            Utc::now(),
        )
        .await
        .expect("move");
    store
        .update_task(
            t.id,
            TaskPatch {
                title: Some("y".into()),
                ..Default::default()
            },
            Utc::now(),
        )
        .await
        .expect("update");
    store.delete_task(t.id, Utc::now()).await.expect("delete");
    let all = store.events_since(0, 100).await.expect("replay");
    let kinds: Vec<_> = all.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![
            EventKind::ProjectCreated,
            EventKind::TaskCreated,
            EventKind::TaskMoved,
            EventKind::TaskUpdated,
            EventKind::TaskDeleted
        ]
    );
    assert!(
        all.windows(2).all(|w| w[0].seq < w[1].seq),
        "seq strictly increasing"
    );
    for start in 0..all.len() {
        let tail = store
            .events_since(all[start].seq, 100)
            .await
            .expect("replay");
        assert_eq!(
            tail,
            all[start + 1..].to_vec(),
            "replay after seq {}",
            all[start].seq
        );
    }
    assert_eq!(
        store.events_since(0, 2).await.expect("page").len(),
        2,
        "limit bounds a page"
    );
    assert_eq!(all[2].payload["from"], "todo");
    assert_eq!(all[2].payload["to"], "in_progress");
    assert_eq!(all[1].task_id, Some(t.id));
}

#[tokio::test]
async fn log_batches_spanning_several_inserts_keep_seq_order_offsets_and_pages() {
    use cadre_core::log::LogEntryKind;
    use cadre_core::{
        Attempt, AttemptId, ExecutionProcess, NewAttempt, ProcessKind, ProcessStatus,
    };
    use cadre_store::{LogPage, Offsets};
    let (_dir, store) = store().await;
    let p = project(&store, "WEB").await;
    let t = store
        .create_task(p, task("x"), Utc::now())
        .await
        .expect("task")
        .value;
    let attempt = Attempt::queued(
        NewAttempt {
            id: AttemptId::new(),
            task_id: t.id,
            project_id: p,
            agent: "claude-code".into(),
            profile: None,
            prompt: "p".into(),
            base_branch: "main".into(),
        },
        Utc::now(),
    );
    let id = store
        .create_attempt(attempt)
        .await
        .expect("attempt")
        .value
        .id;
    let process = ExecutionProcess {
        id: uuid::Uuid::now_v7(),
        attempt_id: id,
        kind: ProcessKind::Agent,
        argv: vec!["claude".into()],
        cwd: "/tmp".into(),
        pid: None,
        pgid: None,
        status: ProcessStatus::Running,
        exit_code: None,
        signal: None,
        run_dir: "/tmp/run".into(),
        stdout_offset: 0,
        stderr_offset: 0,
        started_at: Utc::now(),
        finished_at: None,
    };
    store.create_process(&process).await.expect("process");
    let batch: Vec<LogEntryKind> = (0..450)
        .map(|i| LogEntryKind::AssistantMessage {
            text: format!("m{i}"),
        })
        .collect();
    let offsets = Offsets {
        process: process.id,
        stdout: 12_345,
        stderr: 67,
    };
    let stored = store
        .append_log(id, &batch, Some(offsets), Utc::now())
        .await
        .expect("append");
    assert_eq!(stored.value.first().map(|e| e.seq), Some(1));
    let kinds: Vec<&str> = stored.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["attempt.log.appended", "attempt.conversation.appended"],
        "one log event per batch, plus one for its messages"
    );
    assert_eq!(stored.events[0].payload["first_seq"], 1);
    assert_eq!(stored.events[0].payload["last_seq"], 450);
    store
        .append_log(id, &batch[..3], None, Utc::now())
        .await
        .expect("second batch");
    assert_eq!(store.log_len(id).await.expect("len"), 453);
    let saved = store.process(process.id).await.expect("process");
    assert_eq!(
        (saved.stdout_offset, saved.stderr_offset),
        (12_345, 67),
        "offsets stored with the entries"
    );
    let all = store
        .log_entries(id, LogPage::After(0), 1000)
        .await
        .expect("page");
    let seqs: Vec<i64> = all.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=453).collect::<Vec<_>>());
    assert_eq!(
        all[449].entry,
        LogEntryKind::AssistantMessage {
            text: "m449".into()
        }
    );
    let before = store
        .log_entries(id, LogPage::Before(11), 5)
        .await
        .expect("page");
    assert_eq!(
        before.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![6, 7, 8, 9, 10]
    );
    let latest = store
        .log_entries(id, LogPage::Latest, 2)
        .await
        .expect("page");
    assert_eq!(
        latest.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![452, 453]
    );
}
