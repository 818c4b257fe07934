//! Per-attempt tokens end to end: the fake agent records the environment cadre
//! gave it, then the test calls the API with that token, inside and outside the
//! attempt's task.

mod support;

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::http::{Api, error_of};
use support::{TestServer, fake_agent};

fn start() -> Api {
    let fake = fake_agent().display().to_string();
    let server = TestServer::start_with(
        tempfile::tempdir().expect("home"),
        // A server started with CADRE_TOKEN set must not hand it to agents.
        &[
            ("CADRE_CLAUDE_CODE_BIN", fake.as_str()),
            ("CADRE_TOKEN", "cadre_srv_leaked"),
        ],
    );
    Api::on(server)
}

async fn settled(api: &Api, id: &str, processes: usize) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, a) = api.get(&format!("/attempts/{id}")).await;
        let done = matches!(
            a["status"].as_str(),
            Some("succeeded" | "failed" | "stopped" | "interrupted")
        );
        if done && a["processes"].as_array().map(Vec::len) == Some(processes) {
            return a;
        }
        assert!(Instant::now() < deadline, "attempt never settled: {a}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Starts an attempt on `task` whose agent writes `$CADRE_SERVER $CADRE_ATTEMPT_TOKEN`
/// to `out`; returns the attempt id once it settled.
async fn attempt_recording_env(api: &Api, task: &str, out: &std::path::Path) -> String {
    let script = format!(
        "@step shell echo \"$CADRE_SERVER $CADRE_ATTEMPT_TOKEN $CADRE_TOKEN\" > {}\n@step result ok\n",
        out.display()
    );
    let (status, a) = api
        .post(
            &format!("/tasks/{task}/attempts"),
            json!({ "agent": "claude-code", "prompt": script }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{a}");
    let id = a["id"].as_str().expect("id").to_owned();
    let done = settled(api, &id, 1).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    id
}

fn recorded(out: &std::path::Path) -> (String, String) {
    let text = std::fs::read_to_string(out).expect("the agent wrote its environment");
    let mut parts = text.split_whitespace();
    let server = parts.next().expect("CADRE_SERVER").to_owned();
    let token = parts.next().expect("CADRE_ATTEMPT_TOKEN").to_owned();
    assert_eq!(
        parts.next(),
        None,
        "CADRE_TOKEN is not passed to agents: {text}"
    );
    (server, token)
}

async fn status_with(api: &Api, token: &str, method: Method, path: &str) -> StatusCode {
    api.request(method, path)
        .bearer_auth(token)
        .send()
        .await
        .expect("request")
        .status()
}

#[tokio::test]
async fn attempt_token_reaches_its_own_task_and_attempts_only() {
    let api = start();
    let (_dir, _) = api.project("WEB").await;
    api.task("WEB", json!({ "title": "mine" })).await;
    let other = api.task("WEB", json!({ "title": "someone else's" })).await;
    let scratch = tempfile::tempdir().expect("scratch");
    let out = scratch.path().join("env-1");
    let id = attempt_recording_env(&api, "WEB-1", &out).await;
    let (server, token) = recorded(&out);
    assert_eq!(server, api.server.url, "CADRE_SERVER is the server's URL");
    assert!(token.starts_with("cadre_att_"), "{token}");

    for path in [
        "/health".to_owned(),
        "/tasks/WEB-1".to_owned(),
        "/tasks/WEB-1/attempts".to_owned(),
        format!("/attempts/{id}"),
        format!("/attempts/{id}/logs"),
    ] {
        assert_eq!(
            status_with(&api, &token, Method::GET, &path).await,
            StatusCode::OK,
            "{path}"
        );
    }
    let other_id = other["id"].as_str().expect("id");
    for path in [
        "/tasks/WEB-2".to_owned(),
        format!("/tasks/{other_id}"),
        "/tasks?project=WEB".to_owned(),
        "/projects".to_owned(),
        "/events".to_owned(),
        "/profiles".to_owned(),
        "/attempts/01890000-0000-7000-8000-000000000000".to_owned(),
    ] {
        assert_eq!(
            status_with(&api, &token, Method::GET, &path).await,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let resp = api
        .request(Method::POST, "/tasks/WEB-2/move")
        .bearer_auth(&token)
        .json(&json!({ "status": "in_progress" }))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let body: Value = resp.json().await.expect("json");
    assert!(error_of(&body).1.contains("only its own task"), "{body}");
    let (_, untouched) = api.get("/tasks/WEB-2").await;
    assert_eq!(untouched["status"], "todo");

    // The other task's attempt cannot read this one's either.
    let out2 = scratch.path().join("env-2");
    attempt_recording_env(&api, "WEB-2", &out2).await;
    let (_, token2) = recorded(&out2);
    assert_ne!(token2, token);
    assert_eq!(
        status_with(&api, &token2, Method::GET, &format!("/attempts/{id}")).await,
        StatusCode::FORBIDDEN
    );
    // Review comments follow their attempt's task.
    let resp = api
        .request(Method::POST, &format!("/attempts/{id}/comments"))
        .bearer_auth(&token)
        .json(&json!({ "file": "a.rs", "line": 1, "body": "note to self" }))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let comment: Value = resp.json().await.expect("json");
    let resolve = format!("/comments/{}/resolve", comment["id"].as_str().expect("id"));
    assert_eq!(
        status_with(&api, &token2, Method::POST, &resolve).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        status_with(&api, &token, Method::POST, &resolve).await,
        StatusCode::OK
    );
    assert_eq!(
        status_with(&api, "cadre_att_forged", Method::GET, "/tasks/WEB-1").await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn attempt_token_is_stored_hashed_and_replaced_at_each_launch() {
    let api = start();
    let (_dir, _) = api.project("WEB").await;
    api.task("WEB", json!({ "title": "mine" })).await;
    let scratch = tempfile::tempdir().expect("scratch");
    let out = scratch.path().join("env");
    let id = attempt_recording_env(&api, "WEB-1", &out).await;
    let (_, first) = recorded(&out);
    for file in ["cadre.db", "cadre.db-wal"] {
        let bytes = std::fs::read(api.server.home.path().join(file)).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(&first), "{file} holds the token in clear");
    }
    let script = format!(
        "@step shell echo \"$CADRE_SERVER $CADRE_ATTEMPT_TOKEN\" > {}\n@step result again",
        out.display()
    );
    let (status, body) = api
        .post(
            &format!("/attempts/{id}/followups"),
            json!({ "text": script }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    settled(&api, &id, 2).await;
    let (_, second) = recorded(&out);
    assert_ne!(second, first, "a new launch gets a new token");
    assert_eq!(
        status_with(&api, &first, Method::GET, "/tasks/WEB-1").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        status_with(&api, &second, Method::GET, "/tasks/WEB-1").await,
        StatusCode::OK
    );
}
