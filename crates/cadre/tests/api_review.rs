//! Review comments over the API against a real server running the fake agent:
//! create, list, resolve, delete, send as one follow-up, their events, and the
//! errors of each endpoint (snapshots with ids and times redacted).

mod support;

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::http::{Api, error_of};
use support::{TestServer, fake_agent};

struct Review {
    api: Api,
    _dir: tempfile::TempDir,
    attempt: String,
}

/// A server with project WEB, task WEB-1 and one settled attempt on it.
async fn review() -> Review {
    let fake = fake_agent().display().to_string();
    let server = TestServer::start_with(
        tempfile::tempdir().expect("home"),
        &[("CADRE_CLAUDE_CODE_BIN", fake.as_str())],
    );
    let api = Api::on(server);
    let (dir, _) = api.project("WEB").await;
    api.task("WEB", json!({ "title": "Cart" })).await;
    let (status, a) = api
        .post(
            "/tasks/WEB-1/attempts",
            json!({ "agent": "claude-code", "prompt": "@step session s-1\n@step result first" }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{a}");
    let attempt = a["id"].as_str().expect("id").to_owned();
    let review = Review {
        api,
        _dir: dir,
        attempt,
    };
    review.settled(1).await;
    review
}

impl Review {
    async fn settled(&self, processes: usize) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let (_, a) = self.api.get(&format!("/attempts/{}", self.attempt)).await;
            let settled = matches!(a["status"].as_str(), Some("succeeded" | "failed"));
            if settled && a["processes"].as_array().map(Vec::len) == Some(processes) {
                return a;
            }
            assert!(Instant::now() < deadline, "attempt never settled: {a}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn comment(&self, body: Value) -> Value {
        let (status, c) = self
            .api
            .post(&format!("/attempts/{}/comments", self.attempt), body)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
        c
    }
}

#[tokio::test]
async fn review_comments_are_created_listed_resolved_and_deleted_with_events() {
    let r = review().await;
    let first = r
        .comment(json!({ "file": "src/cart.rs", "line": 12, "body": "Use a BTreeMap here." }))
        .await;
    insta::assert_json_snapshot!("comment_created", first, {
        ".id" => "[id]", ".attempt_id" => "[id]", ".created_at" => "[time]",
    });
    assert_eq!(first["attempt_id"], r.attempt.as_str());
    let second = r
        .comment(
            json!({ "file": "src/old.rs", "line": 3, "side": "old", "body": "Why drop this?" }),
        )
        .await;
    let (status, list) = r
        .api
        .get(&format!("/attempts/{}/comments", r.attempt))
        .await;
    assert_eq!(status, StatusCode::OK);
    insta::assert_json_snapshot!("comments_listed", list, {
        "[].id" => "[id]", "[].attempt_id" => "[id]", "[].created_at" => "[time]",
    });

    let id = first["id"].as_str().expect("id");
    let (status, resolved) = r
        .api
        .post(&format!("/comments/{id}/resolve"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{resolved}");
    assert!(resolved["resolved_at"].is_string(), "{resolved}");
    let (status, again) = r
        .api
        .post(&format!("/comments/{id}/resolve"), json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    assert!(error_of(&again).1.contains("already resolved"), "{again}");

    let other = second["id"].as_str().expect("id");
    let (status, deleted) = r.api.delete(&format!("/comments/{other}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(deleted["file"], "src/old.rs");
    let (status, _) = r.api.get(&format!("/comments/{other}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (_, events) = r.api.get("/events?limit=1000").await;
    let kinds: Vec<&str> = events
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["type"].as_str())
        .filter(|k| k.starts_with("review."))
        .collect();
    assert_eq!(
        kinds,
        [
            "review.comment.created",
            "review.comment.created",
            "review.comment.resolved",
            "review.comment.deleted"
        ]
    );
}

#[tokio::test]
async fn review_send_turns_open_comments_into_one_follow_up_naming_file_and_line() {
    let r = review().await;
    r.comment(json!({ "file": "src/cart.rs", "line": 12, "body": "Use a BTreeMap here." }))
        .await;
    let done = r
        .comment(json!({ "file": "src/done.rs", "line": 1, "body": "Already handled." }))
        .await;
    let done_id = done["id"].as_str().expect("id");
    r.api
        .post(&format!("/comments/{done_id}/resolve"), json!({}))
        .await;
    r.comment(json!({ "file": "src/old.rs", "line": 3, "side": "old", "body": "Why drop this?" }))
        .await;

    let (status, sent) = r
        .api
        .post(&format!("/attempts/{}/review/send", r.attempt), json!({}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{sent}");
    assert_eq!(sent["attempt"]["id"], r.attempt.as_str());
    insta::assert_json_snapshot!("review_sent_comments", sent["comments"], {
        "[].id" => "[id]", "[].attempt_id" => "[id]", "[].created_at" => "[time]",
        "[].resolved_at" => "[time]",
    });
    r.settled(2).await;

    // The agent got one message naming each open comment's place, not the resolved one.
    let prompt = support::last_agent_prompt(r.api.server.home.path());
    assert!(
        prompt.contains("1. src/cart.rs:12\n   Use a BTreeMap here."),
        "{prompt}"
    );
    assert!(
        prompt.contains("2. src/old.rs:3 (in the base version, before your change)"),
        "{prompt}"
    );
    assert!(!prompt.contains("src/done.rs"), "{prompt}");
    let (_, logs) = r.api.get(&format!("/attempts/{}/logs", r.attempt)).await;
    let said: Vec<&str> = logs
        .as_array()
        .expect("logs")
        .iter()
        .filter(|e| e["entry"]["kind"] == "user_message")
        .filter_map(|e| e["entry"]["text"].as_str())
        .collect();
    assert_eq!(said.len(), 2, "{said:?}");
    assert!(said[1].contains("src/cart.rs:12"), "{said:?}");

    let (_, list) = r
        .api
        .get(&format!("/attempts/{}/comments", r.attempt))
        .await;
    assert!(
        list.as_array()
            .expect("list")
            .iter()
            .all(|c| c["resolved_at"].is_string()),
        "{list}"
    );
    let (status, nothing) = r
        .api
        .post(&format!("/attempts/{}/review/send", r.attempt), json!({}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    insta::assert_json_snapshot!("review_send_with_nothing_open", nothing);
}

#[tokio::test]
async fn review_endpoints_refuse_bad_input_with_the_right_status() {
    let r = review().await;
    let unknown = "01890000-0000-7000-8000-000000000000";
    let path = format!("/attempts/{}/comments", r.attempt);
    let good = json!({ "file": "a.rs", "line": 1, "body": "x" });
    let cases: Vec<(&str, Method, String, Option<Value>)> = vec![
        (
            "line 0",
            Method::POST,
            path.clone(),
            Some(json!({ "file": "a.rs", "line": 0, "body": "x" })),
        ),
        (
            "empty body",
            Method::POST,
            path.clone(),
            Some(json!({ "file": "a.rs", "line": 1, "body": " " })),
        ),
        (
            "unknown side",
            Method::POST,
            path.clone(),
            Some(json!({ "file": "a.rs", "line": 1, "side": "middle", "body": "x" })),
        ),
        (
            "absolute file",
            Method::POST,
            path.clone(),
            Some(json!({ "file": "/etc/passwd", "line": 1, "body": "x" })),
        ),
        (
            "missing line",
            Method::POST,
            path.clone(),
            Some(json!({ "file": "a.rs", "body": "x" })),
        ),
        (
            "unknown attempt",
            Method::POST,
            format!("/attempts/{unknown}/comments"),
            Some(good.clone()),
        ),
        (
            "list of unknown attempt",
            Method::GET,
            format!("/attempts/{unknown}/comments"),
            None,
        ),
        (
            "send on unknown attempt",
            Method::POST,
            format!("/attempts/{unknown}/review/send"),
            Some(json!({})),
        ),
        (
            "resolve unknown comment",
            Method::POST,
            format!("/comments/{unknown}/resolve"),
            Some(json!({})),
        ),
        (
            "delete unknown comment",
            Method::DELETE,
            format!("/comments/{unknown}"),
            None,
        ),
        (
            "comment id not a uuid",
            Method::DELETE,
            "/comments/..%2F..%2Fcadre.db".to_owned(),
            None,
        ),
    ];
    let mut results = vec![];
    for (case, method, path, body) in cases {
        let (status, body) = r.api.send(method, &path, body).await;
        results.push(json!({ "case": case, "status": status.as_u16(), "body": body }));
    }
    insta::assert_json_snapshot!("review_errors", results);
    let (_, list) = r.api.get(&path).await;
    assert_eq!(list, json!([]), "no refused request wrote anything");
}

#[tokio::test]
async fn cli_adds_lists_resolves_and_removes_comments() {
    let r = review().await;
    let s = &r.api.server;
    let id = s
        .ok(&[
            "comment",
            "add",
            &r.attempt,
            "--file",
            "src/a.rs",
            "--line",
            "7",
            "Name this better",
        ])
        .trim()
        .to_owned();
    s.ok(&[
        "comment", "add", &r.attempt, "--file", "src/b.rs", "--line", "2", "--side", "old",
        "Keep it",
    ]);
    let list = s.json(&["comment", "list", &r.attempt]);
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[1]["side"], "old");
    let table = s.ok(&["comment", "list", &r.attempt]);
    assert!(
        table.contains("src/a.rs:7 (new)") && table.contains("open"),
        "{table}"
    );
    assert!(
        s.ok(&["comment", "resolve", &id])
            .contains("resolved src/a.rs:7")
    );
    assert!(s.ok(&["comment", "rm", &id]).contains("deleted"));
    let refused = s.cli(&[
        "comment", "add", &r.attempt, "--file", "a.rs", "--line", "0", "x",
    ]);
    assert!(!refused.success());
    assert!(
        refused.stderr().contains("line number from 1"),
        "{}",
        refused.stderr()
    );
    let sent = s.json(&["comment", "send", &r.attempt]);
    assert_eq!(sent["comments"].as_array().map(Vec::len), Some(1));
}
