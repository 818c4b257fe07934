//! Live events reach subscribers in commit order even when writes race.

use std::sync::Arc;

use cadre_app::{AddProject, AddTask, App, AppConfig, RuntimeConfig};
use cadre_core::ProjectRef;
use cadre_git::Git;
use cadre_store::Store;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_are_published_in_strictly_increasing_seq_order() {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open(&dir.path().join("cadre.db"))
        .await
        .expect("store");
    let app = Arc::new(
        App::new(
            store,
            Git::new(),
            AppConfig::new(dir.path().to_path_buf(), RuntimeConfig::new("cadre".into())),
        )
        .expect("app"),
    );
    let repo = dir.path().join("repo");
    app.add_project(AddProject {
        repo_path: repo,
        key: "WEB".into(),
        init: true,
        ..Default::default()
    })
    .await
    .expect("project");
    let mut sub = app.hub().subscribe();
    let project: ProjectRef = "WEB".parse().expect("ref");
    let mut handles = vec![];
    for i in 0..40 {
        let app = app.clone();
        let project = project.clone();
        handles.push(tokio::spawn(async move {
            app.add_task(
                &project,
                AddTask {
                    title: format!("task {i}"),
                    ..Default::default()
                },
            )
            .await
        }));
    }
    for h in handles {
        h.await.expect("join").expect("task created");
    }
    let mut last = 0;
    for _ in 0..40 {
        let event = sub.recv().await.expect("event");
        assert!(event.seq > last, "seq {} after {}", event.seq, last);
        last = event.seq;
    }
    assert_eq!(app.latest_seq().await.expect("seq"), last);
}
