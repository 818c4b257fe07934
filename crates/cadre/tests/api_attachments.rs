//! Image attachments against a real server: upload and download, the checks on
//! every upload (magic bytes, size, count, the body cap before reading), path
//! parameters that are not digests, and follow-ups carrying images (URLs in the
//! log, local paths in the agent's prompt), as do attempts started with images.

mod support;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::http::{Api, error_of, read};
use support::{TestServer, fake_agent};

/// A tiny "PNG": the signature is what counts.
fn png(tag: &str) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(tag.as_bytes());
    bytes
}

fn file(bytes: Vec<u8>, name: &str, declared: &str) -> Part {
    Part::bytes(bytes)
        .file_name(name.to_owned())
        .mime_str(declared)
        .expect("mime")
}

async fn upload(api: &Api, form: Form) -> (StatusCode, Value) {
    let resp = api
        .request(Method::POST, "/attachments")
        .multipart(form)
        .send()
        .await
        .expect("upload");
    read(resp).await
}

fn stored_files(api: &Api) -> usize {
    std::fs::read_dir(api.server.home.path().join("attachments"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[tokio::test]
async fn uploaded_images_are_stored_by_hash_and_served_with_their_type_and_nosniff() {
    let api = Api::start();
    // Declared types and names are ignored: the content decides.
    let form = Form::new()
        .part("image", file(png("one"), "notes.txt", "text/plain"))
        .part(
            "image",
            file(b"GIF89a-pixels".to_vec(), "x.png", "image/png"),
        );
    let (status, body) = upload(&api, form).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    insta::assert_json_snapshot!("uploaded", body);
    let png_url = body["attachments"][0]["url"].as_str().expect("url");
    let id = body["attachments"][0]["id"].as_str().expect("id");
    let on_disk = api.server.home.path().join(format!("attachments/{id}.png"));
    assert_eq!(std::fs::read(&on_disk).expect("stored file"), png("one"));

    let resp = api
        .http
        .get(format!("{}{png_url}", api.server.url))
        .send()
        .await
        .expect("download");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "image/png");
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    assert_eq!(resp.bytes().await.expect("bytes").to_vec(), png("one"));

    let again = Form::new().part("image", file(png("one"), "copy.png", "image/png"));
    let (_, body) = upload(&api, again).await;
    assert_eq!(body["attachments"][0]["id"], id, "same content, same id");
    assert_eq!(stored_files(&api), 2, "stored once");
}

#[tokio::test]
async fn a_file_that_is_not_an_image_by_its_magic_bytes_is_415_and_nothing_is_stored() {
    let api = Api::start();
    let html = b"<html><script>alert(document.cookie)</script>".to_vec();
    let form = Form::new()
        .part("image", file(png("fine"), "ok.png", "image/png"))
        .part("image", file(html, "cat.png", "image/png"));
    let (status, body) = upload(&api, form).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    let (code, message) = error_of(&body);
    assert_eq!(code, "unsupported_media_type");
    assert!(
        message.contains("file 2 is not a PNG, JPEG, WebP or GIF"),
        "{message}"
    );
    assert_eq!(stored_files(&api), 0, "a refused request stores nothing");
}

#[tokio::test]
async fn five_images_in_one_request_are_422() {
    let api = Api::start();
    let form = (0..5).fold(Form::new(), |form, i| {
        form.part("image", file(png(&i.to_string()), "a.png", "image/png"))
    });
    let (status, body) = upload(&api, form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(error_of(&body).1.contains("at most 4"), "{body}");
    assert_eq!(stored_files(&api), 0);
}

#[tokio::test]
async fn a_six_megabyte_image_is_413() {
    let api = Api::start();
    let mut big = png("");
    big.resize(6_000_000, 0);
    let form = Form::new().part("image", file(big, "big.png", "image/png"));
    let (status, body) = upload(&api, form).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(error_of(&body).0, "too_large");
    assert!(error_of(&body).1.contains("5 MiB"), "{body}");
}

/// Sends only the headers of a request declaring a 30 MB body and reads the
/// answer: it must come without the body being sent.
fn declared_oversized_body(url: &str, path: &str) -> String {
    let addr = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let head = format!(
        "POST /api/v1{path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: multipart/form-data; boundary=xyz\r\nContent-Length: 30000000\r\n\r\n--xyz\r\n"
    );
    stream.write_all(head.as_bytes()).expect("send head");
    let mut answer = vec![0u8; 4096];
    let n = stream
        .read(&mut answer)
        .expect("an answer before the body was sent");
    String::from_utf8_lossy(&answer[..n]).into_owned()
}

#[tokio::test]
async fn an_oversized_body_is_413_before_it_is_read() {
    let api = Api::start();
    let url = api.server.url.clone();
    let attempt = "01890000-0000-7000-8000-000000000000";
    let answers = tokio::task::spawn_blocking(move || {
        [
            declared_oversized_body(&url, "/attachments"),
            declared_oversized_body(&url, &format!("/attempts/{attempt}/followups")),
        ]
    })
    .await
    .expect("raw requests");
    for answer in answers {
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        assert!(answer.contains("\"too_large\""), "{answer}");
    }
}

#[tokio::test]
async fn attachment_ids_that_are_not_digests_never_reach_the_disk() {
    let api = Api::start();
    for bad in [
        "..%2F..%2Fcadre.db",
        "%2Fetc%2Fpasswd",
        &"A".repeat(64),
        "abc",
    ] {
        let (status, body) = api.get(&format!("/attachments/{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert!(
            error_of(&body).1.contains("64 lowercase hex digits"),
            "{body}"
        );
    }
    let (status, body) = api.get(&format!("/attachments/{}", "a".repeat(64))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

struct Run {
    api: Api,
    _dir: tempfile::TempDir,
    attempt: String,
}

async fn settled_attempt() -> Run {
    let fake = fake_agent().display().to_string();
    let server = TestServer::start_with(
        tempfile::tempdir().expect("home"),
        &[("CADRE_CLAUDE_CODE_BIN", fake.as_str())],
    );
    let api = Api::on(server);
    let (dir, _) = api.project("WEB").await;
    api.task("WEB", json!({ "title": "Layout" })).await;
    let (_, a) = api
        .post(
            "/tasks/WEB-1/attempts",
            json!({ "agent": "claude-code", "prompt": "@step session s-img\n@step result first" }),
        )
        .await;
    let attempt = a["id"].as_str().expect("id").to_owned();
    let run = Run {
        api,
        _dir: dir,
        attempt,
    };
    run.settled(1).await;
    run
}

impl Run {
    async fn settled(&self, processes: usize) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let (_, a) = self.api.get(&format!("/attempts/{}", self.attempt)).await;
            let done = matches!(a["status"].as_str(), Some("succeeded" | "failed"));
            if done && a["processes"].as_array().map(Vec::len) == Some(processes) {
                return;
            }
            assert!(Instant::now() < deadline, "attempt never settled: {a}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn user_messages(&self) -> Vec<Value> {
        let (_, logs) = self
            .api
            .get(&format!("/attempts/{}/logs", self.attempt))
            .await;
        logs.as_array()
            .expect("logs")
            .iter()
            .filter(|e| e["entry"]["kind"] == "user_message")
            .map(|e| e["entry"].clone())
            .collect()
    }
}

#[tokio::test]
async fn follow_up_with_images_logs_their_urls_and_gives_the_agent_local_paths() {
    let run = settled_attempt().await;
    let form = Form::new()
        .text("text", "The button overlaps the footer, see the screenshot")
        .part("image", file(png("shot"), "shot.png", "image/png"));
    let resp = run
        .api
        .request(
            Method::POST,
            &format!("/attempts/{}/followups", run.attempt),
        )
        .multipart(form)
        .send()
        .await
        .expect("follow-up");
    let (status, body) = read(resp).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    run.settled(2).await;
    let said = run.user_messages().await;
    let url = said[1]["attachments"][0]
        .as_str()
        .expect("an attachment URL");
    assert!(url.starts_with("/api/v1/attachments/"), "{url}");
    assert_eq!(
        said[1]["text"],
        "The button overlaps the footer, see the screenshot"
    );
    let id = url.rsplit('/').next().expect("id");
    let path = run
        .api
        .server
        .home
        .path()
        .join(format!("attachments/{id}.png"));
    let prompt = support::last_agent_prompt(run.api.server.home.path());
    assert!(
        prompt.contains("The button overlaps the footer"),
        "{prompt}"
    );
    assert!(
        prompt.contains(&format!("- {}", path.display())),
        "{prompt}"
    );

    // JSON follow-ups refer to images uploaded before.
    let (_, up) = upload(
        &run.api,
        Form::new().part("image", file(png("two"), "b.png", "image/png")),
    )
    .await;
    let second = up["attachments"][0]["id"].as_str().expect("id").to_owned();
    let (status, body) = run
        .api
        .post(
            &format!("/attempts/{}/followups", run.attempt),
            json!({ "attachments": [second] }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::ACCEPTED,
        "an image alone is enough: {body}"
    );
    run.settled(3).await;
    let said = run.user_messages().await;
    assert_eq!(
        said[2]["attachments"][0],
        format!("/api/v1/attachments/{second}")
    );
}

#[tokio::test]
async fn follow_ups_without_text_or_image_or_with_unknown_images_are_422() {
    let run = settled_attempt().await;
    let path = format!("/attempts/{}/followups", run.attempt);
    let (status, body) = run.api.post(&path, json!({ "text": "  " })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        error_of(&body).1.contains("text or at least one image"),
        "{body}"
    );
    let resp = run
        .api
        .request(Method::POST, &path)
        .multipart(Form::new().text("text", ""))
        .send()
        .await
        .expect("empty form");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (status, body) = run
        .api
        .post(
            &path,
            json!({ "text": "see", "attachments": ["b".repeat(64)] }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(error_of(&body).1.contains("upload it first"), "{body}");
    let (status, _) = run
        .api
        .post(&path, json!({ "text": "see", "attachments": ["../x"] }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(run.user_messages().await.len(), 1, "nothing was sent");
}

#[tokio::test]
async fn cli_sends_a_follow_up_with_an_image() {
    let run = settled_attempt().await;
    let dir = tempfile::tempdir().expect("dir");
    let image = dir.path().join("screen.png");
    std::fs::write(&image, png("cli")).expect("write image");
    let out = run.api.server.ok(&[
        "attempt",
        "followup",
        &run.attempt,
        "Look at this",
        "--image",
        image.to_str().expect("path"),
    ]);
    assert!(out.contains("with 1 image"), "{out}");
    run.settled(2).await;
    let said = run.user_messages().await;
    assert_eq!(said[1]["attachments"].as_array().map(Vec::len), Some(1));
    let refused = run.api.server.cli(&[
        "attempt",
        "followup",
        &run.attempt,
        "--image",
        "/no/such/file.png",
    ]);
    assert!(!refused.success());
    assert!(
        refused.stderr().contains("cannot read the image"),
        "{}",
        refused.stderr()
    );
}

#[tokio::test]
async fn a_follow_up_with_an_image_queued_behind_a_running_turn_keeps_its_image() {
    let run = settled_attempt().await;
    let path = format!("/attempts/{}/followups", run.attempt);
    let (status, _) = run
        .api
        .post(
            &path,
            json!({ "text": "@step session s-img\n@step sleep 1500\n@step result busy" }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let form = Form::new()
        .text("text", "And this one")
        .part("image", file(png("queued"), "q.png", "image/png"));
    let resp = run
        .api
        .request(Method::POST, &path)
        .multipart(form)
        .send()
        .await
        .expect("follow-up");
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let (_, a) = run.api.get(&format!("/attempts/{}", run.attempt)).await;
    assert_eq!(
        a["processes"].as_array().map(Vec::len),
        Some(2),
        "queued, not sent: {a}"
    );
    run.settled(3).await;
    let said = run.user_messages().await;
    assert_eq!(said[2]["text"], "And this one");
    let url = said[2]["attachments"][0].as_str().expect("url");
    let id = url.rsplit('/').next().expect("id");
    let prompt = support::last_agent_prompt(run.api.server.home.path());
    assert!(
        prompt.contains(&format!("attachments/{id}.png")),
        "{prompt}"
    );
}

/// A server with the fake agent as Claude Code and one task, `WEB-1`.
async fn board_with_a_task() -> (Api, tempfile::TempDir) {
    let fake = fake_agent().display().to_string();
    let server = TestServer::start_with(
        tempfile::tempdir().expect("home"),
        &[("CADRE_CLAUDE_CODE_BIN", fake.as_str())],
    );
    let api = Api::on(server);
    let (dir, _) = api.project("WEB").await;
    api.task("WEB", json!({ "title": "Layout" })).await;
    (api, dir)
}

#[tokio::test]
async fn starting_an_attempt_with_an_image_shows_it_first_and_gives_the_agent_its_path() {
    let (api, _dir) = board_with_a_task().await;
    let dir = tempfile::tempdir().expect("dir");
    let image = dir.path().join("mockup.png");
    std::fs::write(&image, png("mockup")).expect("write image");
    let id = api
        .server
        .ok(&[
            "attempt",
            "start",
            "WEB-1",
            "--agent",
            "claude-code",
            "--prompt",
            "Match the mockup",
            "--image",
            image.to_str().expect("path"),
        ])
        .trim()
        .to_owned();
    let run = Run {
        api,
        _dir: dir,
        attempt: id,
    };
    run.settled(1).await;
    let said = run.user_messages().await;
    assert_eq!(said.len(), 1, "{said:?}");
    let url = said[0]["attachments"][0]
        .as_str()
        .expect("an attachment URL");
    assert!(url.starts_with("/api/v1/attachments/"), "{url}");
    let text = said[0]["text"].as_str().expect("text");
    assert!(text.contains("Layout"), "the task's prompt: {text}");
    let sha = url.rsplit('/').next().expect("id");
    let path = run
        .api
        .server
        .home
        .path()
        .join(format!("attachments/{sha}.png"));
    let prompt = support::last_agent_prompt(run.api.server.home.path());
    assert!(prompt.contains("Layout"), "{prompt}");
    assert!(
        prompt.contains(&format!("- {}", path.display())),
        "{prompt}"
    );
}

#[tokio::test]
async fn starting_with_an_image_that_was_never_uploaded_is_422_and_changes_nothing() {
    let (api, _dir) = board_with_a_task().await;
    let (status, body) = api
        .post(
            "/tasks/WEB-1/attempts",
            json!({ "agent": "claude-code", "attachments": ["c".repeat(64)] }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(error_of(&body).1.contains("upload it first"), "{body}");
    let (status, _) = api
        .post(
            "/tasks/WEB-1/attempts",
            json!({ "agent": "claude-code", "attachments": ["../../etc/passwd"] }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, task) = api.get("/tasks/WEB-1").await;
    assert_eq!(task["status"], "todo", "the card did not move: {task}");
    let (_, attempts) = api.get("/tasks/WEB-1/attempts").await;
    assert_eq!(attempts, json!([]));
    assert!(
        !api.server.home.path().join("worktrees/WEB").exists(),
        "no worktree was created"
    );
}
