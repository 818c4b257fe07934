//! Review comments and attempt tokens in the store: round trips, the events they
//! record, refusals that write nothing, and cascade on attempt deletion.

use cadre_core::{
    Attempt, AttemptId, CommentId, DiffSide, EventKind, NewAttempt, NewComment, NewProject,
    NewTask, ProjectId,
};
use cadre_store::{Store, StoreError};
use chrono::Utc;

async fn attempt() -> (tempfile::TempDir, Store, Attempt) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("cadre.db"))
        .await
        .expect("open store");
    let project = NewProject {
        name: "web".into(),
        key: "WEB".into(),
        repo_path: "/tmp/repo".into(),
        base_branch: "main".into(),
        ..Default::default()
    }
    .into_project(ProjectId::new(), Utc::now())
    .expect("project");
    let project = store.create_project(project).await.expect("create").value;
    let task = NewTask {
        title: "x".into(),
        ..Default::default()
    };
    let task = store
        .create_task(project.id, task, Utc::now())
        .await
        .expect("task")
        .value;
    let attempt = Attempt::queued(
        NewAttempt {
            id: AttemptId::new(),
            task_id: task.id,
            project_id: project.id,
            agent: "claude-code".into(),
            profile: None,
            prompt: "p".into(),
            base_branch: "main".into(),
        },
        Utc::now(),
    );
    let attempt = store.create_attempt(attempt).await.expect("attempt").value;
    (dir, store, attempt)
}

fn new(file: &str, line: i64, body: &str) -> NewComment {
    NewComment::new(file, line, DiffSide::New, body).expect("valid")
}

#[tokio::test]
async fn comments_are_written_listed_resolved_and_deleted_with_their_events() {
    let (_dir, store, attempt) = attempt().await;
    let first = store
        .create_comment(attempt.id, new("src/a.rs", 3, "rename"), Utc::now())
        .await
        .expect("create");
    assert_eq!(first.events[0].kind, EventKind::ReviewCommentCreated);
    assert_eq!(first.events[0].attempt_id, Some(attempt.id));
    assert_eq!(first.events[0].task_id, Some(attempt.task_id));
    let second = store
        .create_comment(attempt.id, new("src/b.rs", 9, "test it"), Utc::now())
        .await
        .expect("create")
        .value;
    let listed = store.comments_of_attempt(attempt.id).await.expect("list");
    assert_eq!(listed, vec![first.value.clone(), second.clone()]);

    let resolved = store
        .resolve_comments(&[first.value.id, second.id], Utc::now())
        .await
        .expect("resolve");
    assert_eq!(resolved.events.len(), 2);
    assert!(resolved.value.iter().all(|c| !c.is_open()));
    let again = store.resolve_comments(&[second.id], Utc::now()).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");

    let deleted = store
        .delete_comment(first.value.id, Utc::now())
        .await
        .expect("delete");
    assert_eq!(deleted.events[0].kind, EventKind::ReviewCommentDeleted);
    assert_eq!(
        store
            .comments_of_attempt(attempt.id)
            .await
            .expect("list")
            .len(),
        1
    );
    let missing = store.comment(first.value.id).await;
    assert!(
        matches!(missing, Err(StoreError::NotFound { .. })),
        "{missing:?}"
    );
}

#[tokio::test]
async fn a_refused_resolve_writes_nothing() {
    let (_dir, store, attempt) = attempt().await;
    let open = store
        .create_comment(attempt.id, new("a.rs", 1, "x"), Utc::now())
        .await
        .expect("create")
        .value;
    let before = store.latest_seq().await.expect("seq");
    let result = store
        .resolve_comments(&[open.id, CommentId::new()], Utc::now())
        .await;
    assert!(
        matches!(result, Err(StoreError::NotFound { .. })),
        "{result:?}"
    );
    assert!(store.comment(open.id).await.expect("still there").is_open());
    assert_eq!(store.latest_seq().await.expect("seq"), before);
}

#[tokio::test]
async fn comment_on_an_unknown_attempt_is_not_found() {
    let (_dir, store, _) = attempt().await;
    let result = store
        .create_comment(AttemptId::new(), new("a.rs", 1, "x"), Utc::now())
        .await;
    assert!(
        matches!(
            result,
            Err(StoreError::NotFound {
                entity: "attempt",
                ..
            })
        ),
        "{result:?}"
    );
}

#[tokio::test]
async fn attempt_token_hash_is_replaced_and_found_with_its_task() {
    let (_dir, store, attempt) = attempt().await;
    assert_eq!(store.attempt_for_token("h1").await.expect("lookup"), None);
    store
        .set_attempt_token(attempt.id, "h1", Utc::now())
        .await
        .expect("set");
    assert_eq!(
        store.attempt_for_token("h1").await.expect("lookup"),
        Some((attempt.id, attempt.task_id))
    );
    store
        .set_attempt_token(attempt.id, "h2", Utc::now())
        .await
        .expect("replace");
    assert_eq!(store.attempt_for_token("h1").await.expect("lookup"), None);
    assert!(
        store
            .attempt_for_token("h2")
            .await
            .expect("lookup")
            .is_some()
    );
}
