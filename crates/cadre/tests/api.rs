//! The JSON API against a real `cadre serve` bound to port 0: happy paths, the
//! error body and status for each kind of bad input, the event log and its SSE
//! stream, and the Host/Origin checks.

mod support;

use std::time::Duration;

use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{TestServer, repo};

struct Api {
    server: TestServer,
    http: reqwest::Client,
}

impl Api {
    fn start() -> Self {
        Self {
            server: TestServer::start(),
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.server.url)
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, self.url(path));
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    /// Creates project `key` on a fresh hermetic repository.
    async fn project(&self, key: &str) -> (tempfile::TempDir, Value) {
        let (dir, path) = repo();
        let (status, body) = self
            .post("/projects", json!({ "repo_path": path, "key": key }))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        (dir, body)
    }

    async fn task(&self, project: &str, body: Value) -> Value {
        let (status, task) = self.post(&format!("/projects/{project}/tasks"), body).await;
        assert_eq!(status, StatusCode::CREATED, "{task}");
        task
    }

    async fn advance_to_done(&self, key: &str) {
        for status in ["in_progress", "in_review", "done"] {
            let (code, body) = self
                .post(&format!("/tasks/{key}/move"), json!({ "status": status }))
                .await;
            assert_eq!(code, StatusCode::OK, "{body}");
        }
    }
}

fn error_of(body: &Value) -> (&str, &str) {
    (
        body["error"]["code"].as_str().expect("error.code"),
        body["error"]["message"].as_str().expect("error.message"),
    )
}

#[tokio::test]
async fn health_reports_ok() {
    let api = Api::start();
    let (status, body) = api.get("/health").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn project_is_created_from_a_git_repository_with_its_branch_detected() {
    let api = Api::start();
    let (_dir, project) = api.project("WEB").await;
    insta::assert_json_snapshot!(project, {
        ".id" => "[id]", ".repo_path" => "[path]", ".created_at" => "[time]", ".updated_at" => "[time]",
    });
    let (status, by_key) = api.get("/projects/WEB").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(by_key, project);
    let (_, list) = api.get("/projects").await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn project_settings_can_be_changed_and_cleared() {
    let api = Api::start();
    let (_dir, _) = api.project("WEB").await;
    let patch = json!({ "setup_script": "npm ci", "copy_files": [".env"], "verify_commands": [["npm", "test"]] });
    let (status, p) = api
        .send(reqwest::Method::PATCH, "/projects/WEB", Some(patch))
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["setup_script"], "npm ci");
    assert_eq!(p["verify_commands"], json!([["npm", "test"]]));
    let (_, p) = api
        .send(
            reqwest::Method::PATCH,
            "/projects/WEB",
            Some(json!({ "setup_script": null })),
        )
        .await;
    assert_eq!(p["setup_script"], Value::Null);
    assert_eq!(
        p["copy_files"],
        json!([".env"]),
        "absent fields stay as they were"
    );
}

#[tokio::test]
async fn project_on_a_path_that_is_not_a_repository_is_422() {
    let api = Api::start();
    let dir = tempfile::tempdir().expect("dir");
    let (status, body) = api
        .post(
            "/projects",
            json!({ "repo_path": dir.path(), "key": "WEB" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (code, message) = error_of(&body);
    assert_eq!(code, "not_a_repository");
    assert!(message.contains("is not a git repository"), "{message}");
}

#[tokio::test]
async fn project_with_init_creates_the_repository() {
    let api = Api::start();
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("fresh");
    let (status, body) = api
        .post(
            "/projects",
            json!({ "repo_path": path, "key": "NEW", "init": true }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["base_branch"], "main");
    assert!(path.join(".git").exists());
}

#[tokio::test]
async fn duplicate_project_key_is_409() {
    let api = Api::start();
    let (_a, _) = api.project("WEB").await;
    let (_dir, path) = repo();
    let (status, body) = api
        .post("/projects", json!({ "repo_path": path, "key": "WEB" }))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        error_of(&body),
        (
            "conflict",
            "a project with key `WEB` already exists: choose another key"
        )
    );
}

#[tokio::test]
async fn invalid_project_key_is_422_with_an_example() {
    let api = Api::start();
    let (_dir, path) = repo();
    let (status, body) = api
        .post("/projects", json!({ "repo_path": path, "key": "web1" }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error_of(&body)
            .1
            .contains("use 2 to 6 uppercase letters, e.g. WEB"),
        "{body}"
    );
}

#[tokio::test]
async fn malformed_json_and_missing_fields_are_400_naming_the_problem() {
    let api = Api::start();
    let (_dir, _) = api.project("WEB").await;
    let (status, body) = api
        .post("/projects/WEB/tasks", json!({ "description": "no title" }))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error_of(&body).1.contains("missing field `title`"),
        "{body}"
    );

    let resp = api
        .http
        .post(api.url("/projects/WEB/tasks"))
        .header("content-type", "application/json")
        .body("{\"title\": ")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(error_of(&body).0, "bad_request");
    assert!(error_of(&body).1.starts_with("malformed JSON"), "{body}");

    let (status, body) = api
        .post(
            "/projects/WEB/tasks",
            json!({ "title": "x", "colour": "red" }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error_of(&body).1.contains("unknown field `colour`"),
        "{body}"
    );
}

#[tokio::test]
async fn task_is_created_listed_shown_edited_and_deleted() {
    let api = Api::start();
    let (_dir, _) = api.project("WEB").await;
    let task = api
        .task("WEB", json!({ "title": "Login page", "description": "# Login", "priority": "high", "labels": ["ui"] }))
        .await;
    insta::assert_json_snapshot!(task, {
        ".id" => "[id]", ".project_id" => "[id]", ".created_at" => "[time]", ".updated_at" => "[time]",
    });
    let (_, shown) = api.get("/tasks/WEB-1").await;
    assert_eq!(shown, task);
    let (_, by_id) = api
        .get(&format!("/tasks/{}", task["id"].as_str().expect("id")))
        .await;
    assert_eq!(by_id, task);
    let (status, edited) = api
        .send(
            reqwest::Method::PATCH,
            "/tasks/WEB-1",
            Some(json!({ "title": "Login form", "labels": [] })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(
        (edited["title"].as_str(), edited["labels"].clone()),
        (Some("Login form"), json!([]))
    );
    let (status, _) = api
        .send(reqwest::Method::DELETE, "/tasks/WEB-1", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = api.get("/tasks/WEB-1").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_of(&body), ("not_found", "task `WEB-1` not found"));
}

#[tokio::test]
async fn unknown_project_and_task_are_404_naming_them() {
    let api = Api::start();
    let (status, body) = api.get("/projects/NOPE").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_of(&body).1, "project `NOPE` not found");
    let (status, body) = api
        .post("/projects/NOPE/tasks", json!({ "title": "x" }))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = api.get("/tasks/NOPE-3").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_of(&body).1, "task `NOPE-3` not found");
    let unknown = "0190f0f0-0000-7000-8000-000000000000";
    for path in ["attempts", "transitions"] {
        let (status, body) = api.get(&format!("/tasks/{unknown}/{path}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    let (status, body) = api.get("/nowhere").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_of(&body).0, "not_found");
}

#[tokio::test]
async fn forbidden_transition_is_409_naming_the_allowed_moves() {
    let api = Api::start();
    let (_dir, _) = api.project("WEB").await;
    api.task("WEB", json!({ "title": "x", "status": "backlog" }))
        .await;
    let (status, body) = api
        .post("/tasks/WEB-1/move", json!({ "status": "done" }))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        error_of(&body),
        (
            "invalid_transition",
            "cannot move a task from backlog to done; from backlog it can move to: todo, in_progress, cancelled"
        )
    );
}

#[tokio::test]
async fn starting_a_task_before_its_dependency_is_done_is_409() {
    let api = Api::start();
    let (_dir, _) = api.project("WEB").await;
    api.task("WEB", json!({ "title": "schema" })).await;
    api.task("WEB", json!({ "title": "api", "depends_on": ["WEB-1"] }))
        .await;
    let (status, body) = api
        .post("/tasks/WEB-2/move", json!({ "status": "in_progress" }))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        error_of(&body),
        (
            "dependencies_not_done",
            "cannot start WEB-2: it depends on WEB-1 which is not done"
        )
    );
    api.advance_to_done("WEB-1").await;
    let (status, body) = api
        .post(
            "/tasks/WEB-2/move",
            json!({ "status": "in_progress", "reason": "go" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, history) = api.get("/tasks/WEB-2/transitions").await;
    assert_eq!(history[0]["from"], "todo");
    assert_eq!(history[0]["to"], "in_progress");
    assert_eq!(history[0]["actor"], "user");
    assert_eq!(history[0]["reason"], "go");
}

#[tokio::test]
async fn dependency_cycle_is_422_naming_the_cycle() {
    let api = Api::start();
    let (_dir, _) = api.project("WEB").await;
    api.task("WEB", json!({ "title": "a" })).await;
    api.task("WEB", json!({ "title": "b", "depends_on": ["WEB-1"] }))
        .await;
    let (status, body) = api
        .post(
            "/tasks/WEB-1/dependencies",
            json!({ "depends_on": "WEB-2" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error_of(&body),
        (
            "dependency_cycle",
            "adding this dependency would create a cycle: WEB-1 -> WEB-2 -> WEB-1"
        )
    );
    let (status, task) = api
        .send(
            reqwest::Method::DELETE,
            "/tasks/WEB-2/dependencies/WEB-1",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(task["depends_on"], json!([]));
}

#[tokio::test]
async fn tasks_are_filtered_by_status_and_goal_and_reordered_within_a_column() {
    let api = Api::start();
    let (_dir, _) = api.project("WEB").await;
    let (status, goal) = api
        .post("/projects/WEB/goals", json!({ "title": "Launch" }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{goal}");
    let goal_id = goal["id"].as_str().expect("goal id");
    api.task("WEB", json!({ "title": "a", "goal_id": goal_id }))
        .await;
    api.task("WEB", json!({ "title": "b" })).await;
    api.task("WEB", json!({ "title": "c", "status": "backlog" }))
        .await;
    let (_, todo) = api.get("/projects/WEB/tasks?status=todo").await;
    let titles: Vec<_> = todo
        .as_array()
        .expect("list")
        .iter()
        .map(|t| t["title"].clone())
        .collect();
    assert_eq!(titles, vec![json!("a"), json!("b")]);
    let (_, in_goal) = api.get(&format!("/tasks?goal={goal_id}")).await;
    assert_eq!(in_goal.as_array().map(Vec::len), Some(1));
    let (_, two) = api.get("/tasks?project=WEB&status=todo,backlog").await;
    assert_eq!(two.as_array().map(Vec::len), Some(3));
    let (status, _) = api
        .post(
            "/tasks/WEB-2/move",
            json!({ "status": "todo", "position": 0 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, todo) = api.get("/projects/WEB/tasks?status=todo").await;
    let order: Vec<_> = todo
        .as_array()
        .expect("list")
        .iter()
        .map(|t| (t["key"].clone(), t["position"].clone()))
        .collect();
    assert_eq!(
        order,
        vec![(json!("WEB-2"), json!(0)), (json!("WEB-1"), json!(1))]
    );
    let (status, body) = api.get("/tasks?status=doing").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[tokio::test]
async fn goals_are_created_updated_listed_and_deleted() {
    let api = Api::start();
    let (_dir, _) = api.project("WEB").await;
    let (_, goal) = api
        .post(
            "/projects/WEB/goals",
            json!({ "title": "Launch", "description": "v1" }),
        )
        .await;
    let id = goal["id"].as_str().expect("id");
    let (status, updated) = api
        .send(
            reqwest::Method::PATCH,
            &format!("/goals/{id}"),
            Some(json!({ "status": "completed" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(updated["status"], "completed");
    let (_, active) = api.get("/goals?project=WEB&status=active").await;
    assert_eq!(active, json!([]));
    let (status, _) = api
        .send(reqwest::Method::DELETE, &format!("/goals/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = api.get(&format!("/goals/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn every_change_is_an_event_with_increasing_seq_replayable_from_any_seq() {
    let api = Api::start();
    let (_dir, _) = api.project("WEB").await;
    api.task("WEB", json!({ "title": "a" })).await;
    api.post("/tasks/WEB-1/move", json!({ "status": "in_progress" }))
        .await;
    api.send(
        reqwest::Method::PATCH,
        "/tasks/WEB-1",
        Some(json!({ "title": "b" })),
    )
    .await;
    let (_, all) = api.get("/events").await;
    let all = all.as_array().expect("events").clone();
    let kinds: Vec<_> = all
        .iter()
        .map(|e| e["type"].as_str().expect("type").to_owned())
        .collect();
    assert_eq!(
        kinds,
        [
            "project.created",
            "task.created",
            "task.moved",
            "task.updated"
        ]
    );
    let seqs: Vec<i64> = all
        .iter()
        .map(|e| e["seq"].as_i64().expect("seq"))
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    for (i, seq) in seqs.iter().enumerate() {
        let (_, tail) = api.get(&format!("/events?since={seq}")).await;
        assert_eq!(tail.as_array().expect("events"), &all[i + 1..]);
    }
}

async fn next_sse(
    stream: &mut (
             impl futures_util::Stream<Item = Result<eventsource_stream::Event, impl std::fmt::Debug>>
             + Unpin
         ),
) -> eventsource_stream::Event {
    tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("an SSE event within 10 s")
        .expect("stream still open")
        .expect("well-formed SSE")
}

#[tokio::test]
async fn event_stream_resumes_after_last_event_id_then_delivers_live_events() {
    use eventsource_stream::Eventsource;
    let api = Api::start();
    let (_dir, _) = api.project("WEB").await;
    api.task("WEB", json!({ "title": "a" })).await;
    api.task("WEB", json!({ "title": "b" })).await;
    let resp = api
        .http
        .get(api.url("/events"))
        .header("accept", "text/event-stream")
        .header("last-event-id", "1")
        .send()
        .await
        .expect("stream");
    assert_eq!(resp.status(), StatusCode::OK);
    let mut stream = resp.bytes_stream().eventsource();
    let first = next_sse(&mut stream).await;
    assert_eq!(
        (first.id.as_str(), first.event.as_str()),
        ("2", "task.created")
    );
    let second = next_sse(&mut stream).await;
    assert_eq!(second.id, "3");
    api.post("/tasks/WEB-1/move", json!({ "status": "in_progress" }))
        .await;
    let live = next_sse(&mut stream).await;
    assert_eq!((live.id.as_str(), live.event.as_str()), ("4", "task.moved"));
    let data: Value = serde_json::from_str(&live.data).expect("json data");
    assert_eq!(data["payload"]["to"], "in_progress");
}

#[tokio::test]
async fn foreign_host_header_is_refused_with_403() {
    let api = Api::start();
    let resp = api
        .http
        .get(api.url("/health"))
        .header("host", "attacker.example:80")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(error_of(&body).0, "forbidden");
}

#[tokio::test]
async fn state_change_from_a_foreign_origin_is_refused_but_same_origin_passes() {
    let api = Api::start();
    let (_dir, _) = api.project("WEB").await;
    let foreign = api
        .http
        .post(api.url("/projects/WEB/tasks"))
        .header("origin", "http://attacker.example")
        .json(&json!({ "title": "pwned" }))
        .send()
        .await
        .expect("request");
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    let own_origin = api.server.url.clone();
    let same = api
        .http
        .post(api.url("/projects/WEB/tasks"))
        .header("origin", own_origin)
        .json(&json!({ "title": "fine" }))
        .send()
        .await
        .expect("request");
    assert_eq!(same.status(), StatusCode::CREATED);
    let (_, tasks) = api.get("/projects/WEB/tasks").await;
    assert_eq!(
        tasks.as_array().map(Vec::len),
        Some(1),
        "the refused request wrote nothing"
    );
}

#[tokio::test]
async fn attempt_endpoints_refuse_bad_input_with_the_right_status() {
    let api = Api::start();
    let (_dir, _) = api.project("WEB").await;
    api.task("WEB", json!({ "title": "x" })).await;

    let (status, body) = api.post("/tasks/WEB-1/attempts", json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_of(&body).1.contains("name an agent"), "{body}");
    let (status, body) = api
        .post("/tasks/WEB-1/attempts", json!({ "agent": "hal-9000" }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_of(&body).1.contains("hal-9000"), "{body}");
    let (status, _) = api
        .post(
            "/tasks/WEB-1/attempts",
            json!({ "agent": "claude-code", "profile": "nope" }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, task) = api.get("/tasks/WEB-1").await;
    assert_eq!(
        task["status"], "todo",
        "a refused start leaves the task where it was"
    );

    let unknown = "01890000-0000-7000-8000-000000000000";
    let (status, body) = api.get(&format!("/attempts/{unknown}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_of(&body).1, format!("attempt `{unknown}` not found"));
    let (status, _) = api.get("/attempts/not-a-uuid").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = api
        .post(&format!("/attempts/{unknown}/stop"), json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = api.get(&format!("/attempts/{unknown}/stream")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = api
        .get(&format!("/attempts/{unknown}/logs?after=1&before=9"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error_of(&body).1.contains("either `after` or `before`"),
        "{body}"
    );
}

#[tokio::test]
async fn profiles_are_saved_scoped_listed_and_removed() {
    let api = Api::start();
    let (_dir, _) = api.project("WEB").await;
    let body = json!({ "name": "fast", "agent": "codex", "model": "m", "env": ["A=1"], "timeout_secs": 60 });
    let (status, saved) = api.post("/profiles", body).await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    assert_eq!(saved["env"], json!(["A=1"]));
    let (status, body) = api
        .post(
            "/profiles",
            json!({ "name": "bad", "agent": "codex", "env": ["NOEQUALS"] }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = api
        .post(
            "/profiles",
            json!({ "name": "bad name!", "agent": "codex" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = api
        .post(
            "/profiles",
            json!({ "name": "p", "agent": "codex", "project": "WEB" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, all) = api.get("/profiles").await;
    assert_eq!(all.as_array().map(Vec::len), Some(2));
    let (status, _) = api.send(reqwest::Method::DELETE, "/profiles/p", None).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "p is scoped to WEB, not global"
    );
    let (status, _) = api
        .send(reqwest::Method::DELETE, "/profiles/p?project=WEB", None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, all) = api.get("/profiles?project=WEB").await;
    assert_eq!(all.as_array().map(Vec::len), Some(1));
}
