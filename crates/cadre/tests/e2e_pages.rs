//! The web UI's pages over plain HTTP, without a browser: every page and fragment
//! is free of inline scripts, `style=` attributes and `on*=` handlers (so a strict
//! Content-Security-Policy holds), assets are embedded with the right types and
//! long caching, and failures come back as HTML with the API's status and message.

mod support;

use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE};
use support::{TestServer, fake_agent, repo};

/// What a strict CSP would block in `html`, if anything. Only markup counts:
/// text is escaped, so a `<` always opens a tag, and attribute values (quoted)
/// are left out. `javascript:` URLs are looked for in the whole tag.
fn csp_violations(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut found = vec![];
    let mut rest = lower.as_str();
    while let Some(open) = rest.find('<') {
        let close = rest[open..].find('>').map_or(rest.len(), |c| open + c);
        // Attribute values are quoted and escaped; what matters is outside them.
        let mut quoted = false;
        let tag: String = rest[open..close]
            .chars()
            .filter(|&c| {
                if c == '"' {
                    quoted = !quoted;
                }
                !quoted && c != '"'
            })
            .collect();
        let tag = tag.as_str();
        if tag.starts_with("<script") && !tag.contains(" src=") {
            found.push("an inline script".to_owned());
        }
        if tag.starts_with("<style") {
            found.push("a <style> element".to_owned());
        }
        if tag.contains(" style=") {
            found.push(format!("a style attribute in `{tag}`"));
        }
        if rest[open..close].contains("javascript:") {
            found.push(format!("a javascript: URL in `{tag}`"));
        }
        for (i, _) in tag.match_indices(" on") {
            let name = &tag[i + 1..];
            let letters = name[2..].bytes().take_while(u8::is_ascii_lowercase).count();
            if letters > 0 && name.as_bytes().get(2 + letters) == Some(&b'=') {
                found.push(format!("a handler attribute in `{tag}`"));
            }
        }
        rest = &rest[close..];
    }
    found
}

async fn get(url: &str) -> (u16, String, reqwest::header::HeaderMap) {
    let resp = reqwest::get(url).await.expect("GET");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, resp.text().await.expect("body"), headers)
}

#[tokio::test]
async fn pages_and_fragments_need_no_inline_script_or_style() {
    let fake = fake_agent().display().to_string();
    let server = TestServer::start_with(
        tempfile::tempdir().expect("home"),
        &[("CADRE_CLAUDE_CODE_BIN", fake.as_str())],
    );
    let (_dir, path) = repo();
    let (status, empty, _) = get(&format!("{}/", server.url)).await;
    assert_eq!(status, 200);
    assert!(empty.contains("Welcome to cadre"), "{empty}");
    server.ok(&[
        "project",
        "add",
        path.to_str().expect("path"),
        "--key",
        "WEB",
    ]);
    server.ok(&["task", "add", "--project", "WEB", "One"]);
    server.ok(&[
        "task",
        "add",
        "--project",
        "WEB",
        "Two <b onclick=alert(1)>",
        "--depends-on",
        "WEB-1",
    ]);
    server.ok(&[
        "task",
        "edit",
        "WEB-1",
        "--description",
        "<script>alert(1)</script><p style=\"x\" onmouseover=\"y\">hi</p>",
    ]);
    let id = server
        .ok(&[
            "attempt",
            "start",
            "WEB-1",
            "--agent",
            "claude-code",
            "--prompt",
            "@step write a.rs fn main() {}\\n\n@step text <img src=x onerror=alert(1)>\n@step result done",
        ])
        .trim()
        .to_owned();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while server.json(&["attempt", "show", &id])["status"] != "succeeded" {
        assert!(
            std::time::Instant::now() < deadline,
            "attempt did not finish"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let pages = [
        "/?add=1".to_owned(),
        "/p/WEB".to_owned(),
        "/p/WEB?task=WEB-1".to_owned(),
        "/p/WEB?task=WEB-99".to_owned(),
        "/ui/p/WEB/board".to_owned(),
        "/ui/p/WEB/new-task".to_owned(),
        "/ui/tasks/WEB-1/panel".to_owned(),
        "/ui/tasks/WEB-1/edit".to_owned(),
        "/ui/tasks/WEB-1/start".to_owned(),
        format!("/a/{id}"),
        format!("/ui/attempts/{id}/header"),
        format!("/ui/attempts/{id}/entries?after=0"),
        format!("/ui/attempts/{id}/diff"),
        format!("/ui/attempts/{id}/diff?view=split"),
        format!("/ui/attempts/{id}/preview"),
    ];
    for page in pages {
        let (status, html, headers) = get(&format!("{}{page}", server.url)).await;
        assert_eq!(status, 200, "{page}: {html}");
        assert!(
            headers[CONTENT_TYPE]
                .to_str()
                .unwrap_or_default()
                .starts_with("text/html"),
            "{page}"
        );
        let problems = csp_violations(&html);
        assert!(problems.is_empty(), "{page}: {problems:?}");
    }
    // The deep link to a missing task still shows the board, and says why.
    let (_, html, _) = get(&format!("{}/p/WEB?task=WEB-99", server.url)).await;
    assert!(html.contains("id=\"board-live\""));
    assert!(html.contains("alert-error"), "{html}");
}

/// Waits until attempt `id` settled as `succeeded` with `runs` agent runs.
fn settled(server: &TestServer, id: &str, runs: usize) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let shown = server.json(&["attempt", "show", id]);
        let agent_runs = shown["processes"]
            .as_array()
            .map_or(0, |p| p.iter().filter(|p| p["kind"] == "agent").count());
        if shown["status"] == "succeeded" && agent_runs >= runs {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "attempt did not settle: {shown}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// A UI form post (as htmx sends it); its status and body.
async fn post_form(url: &str, body: &str) -> (u16, String) {
    let resp = reqwest::Client::new()
        .post(url)
        .header("hx-request", "true")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body.to_owned())
        .send()
        .await
        .expect("POST");
    (resp.status().as_u16(), resp.text().await.expect("body"))
}

#[tokio::test]
async fn the_diff_has_a_comment_button_per_line_and_shows_open_comments_under_them() {
    let fake = fake_agent().display().to_string();
    let server = TestServer::start_with(
        tempfile::tempdir().expect("home"),
        &[("CADRE_CLAUDE_CODE_BIN", fake.as_str())],
    );
    let (_dir, _) = server.add_project("WEB");
    server.ok(&["task", "add", "--project", "WEB", "One"]);
    let id = server
        .ok(&[
            "attempt",
            "start",
            "WEB-1",
            "--agent",
            "claude-code",
            "--prompt",
            "@step write a.rs fn main() {}\\nfn b() {}\\n\n@step result done",
        ])
        .trim()
        .to_owned();
    settled(&server, &id, 1);
    let url = &server.url;

    // Added through the UI's form post: the answer is the comment, escaped.
    let (status, added) = post_form(
        &format!("{url}/ui/attempts/{id}/comments"),
        "file=a.rs&line=2&side=new&body=%3Cscript%3Ealert(1)%3C%2Fscript%3E+rename+b",
    )
    .await;
    assert_eq!(status, 200, "{added}");
    assert!(
        added.contains("rename b") && !added.contains("<script>"),
        "{added}"
    );
    assert!(csp_violations(&added).is_empty(), "{added}");
    // One on a line the diff does not have, and a refused one.
    let (status, _) = post_form(
        &format!("{url}/ui/attempts/{id}/comments"),
        "file=gone.rs&line=7&body=stale",
    )
    .await;
    assert_eq!(status, 200);
    let (status, refused) = post_form(
        &format!("{url}/ui/attempts/{id}/comments"),
        "file=a.rs&line=0&body=x",
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    assert!(refused.contains("alert-error"), "{refused}");

    for view in ["", "?view=split"] {
        let (status, html, _) = get(&format!("{url}/ui/attempts/{id}/diff{view}")).await;
        assert_eq!(status, 200);
        assert!(csp_violations(&html).is_empty(), "{view}");
        assert!(
            html.contains("aria-label=\"Comment on line 2 of a.rs\""),
            "{view}: {html}"
        );
        assert!(html.contains("id=\"comment-form-template\""));
        assert!(
            html.contains("<strong data-open-count>2</strong>"),
            "{html}"
        );
        let row = html.find("class=\"comment-row\"").expect("a comment row");
        assert!(html[row..].contains("rename b"), "{view}");
        let stale = html
            .find("no longer in the diff")
            .expect("the stale comment's section");
        assert!(html[stale..].contains("gone.rs:7"), "{view}");
    }

    // Sending the review says what went; a second send says there is nothing.
    let (status, sent) = post_form(&format!("{url}/ui/attempts/{id}/review/send"), "").await;
    assert_eq!(status, 200, "{sent}");
    assert!(
        sent.contains("a.rs:2") && sent.contains("gone.rs:7"),
        "{sent}"
    );
    settled(&server, &id, 2);
    let (status, nothing) = post_form(&format!("{url}/ui/attempts/{id}/review/send"), "").await;
    assert_eq!(status, 422);
    assert!(nothing.contains("no open review comments"), "{nothing}");
    let (_, html, _) = get(&format!("{url}/ui/attempts/{id}/diff")).await;
    assert!(
        !html.contains("class=\"comment-row\""),
        "sent comments are resolved"
    );
}

#[tokio::test]
async fn the_composer_posts_text_and_images_as_multipart() {
    let fake = fake_agent().display().to_string();
    let server = TestServer::start_with(
        tempfile::tempdir().expect("home"),
        &[("CADRE_CLAUDE_CODE_BIN", fake.as_str())],
    );
    let (_dir, _) = server.add_project("WEB");
    server.ok(&["task", "add", "--project", "WEB", "One"]);
    let id = server
        .ok(&[
            "attempt",
            "start",
            "WEB-1",
            "--agent",
            "claude-code",
            "--prompt",
            "@step result done",
        ])
        .trim()
        .to_owned();
    settled(&server, &id, 1);
    let post = |form: reqwest::multipart::Form| {
        let url = format!("{}/ui/attempts/{id}/followups", server.url);
        async move {
            let resp = reqwest::Client::new()
                .post(url)
                .header("hx-request", "true")
                .multipart(form)
                .send()
                .await
                .expect("POST");
            (resp.status().as_u16(), resp.text().await.expect("body"))
        }
    };
    // A browser sends an empty file input as an unnamed empty file: ignored.
    let empty = reqwest::multipart::Part::bytes(Vec::new()).file_name("");
    let form = reqwest::multipart::Form::new()
        .text("text", "@step result first")
        .part("images", empty);
    let (status, html) = post(form).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Sent") || html.contains("Queued"), "{html}");
    settled(&server, &id, 2);
    // Something that is not an image is refused with the app's message.
    let bogus = reqwest::multipart::Part::bytes(b"not an image".to_vec()).file_name("x.png");
    let form = reqwest::multipart::Form::new()
        .text("text", "look")
        .part("images", bogus);
    let (status, html) = post(form).await;
    assert_eq!(status, 415, "{html}");
    assert!(
        html.contains("alert-error") && html.contains("not a PNG"),
        "{html}"
    );
}

#[tokio::test]
async fn assets_are_embedded_typed_and_cached_for_their_version() {
    let server = TestServer::start();
    let (_, page, _) = get(&format!("{}/", server.url)).await;
    let start = page.find("/assets/").expect("an asset link");
    let version: String = page[start + 8..]
        .chars()
        .take_while(|c| *c != '/')
        .collect();
    for (file, kind) in [
        ("app.css", "text/css"),
        ("syntax.css", "text/css"),
        ("app.js", "text/javascript"),
        ("vendor/htmx.min.js", "text/javascript"),
        ("vendor/sse.js", "text/javascript"),
        ("vendor/Sortable.min.js", "text/javascript"),
        ("favicon.svg", "image/svg+xml"),
    ] {
        let url = format!("{}/assets/{version}/{file}", server.url);
        let (status, body, headers) = get(&url).await;
        assert_eq!(status, 200, "{file}");
        assert!(!body.is_empty(), "{file}");
        let content_type = headers[CONTENT_TYPE].to_str().unwrap_or_default();
        assert!(content_type.starts_with(kind), "{file}: {content_type}");
        assert!(
            headers[CACHE_CONTROL]
                .to_str()
                .unwrap_or_default()
                .contains("immutable"),
            "{file}"
        );
    }
    let (_, _, stale) = get(&format!("{}/assets/old/app.css", server.url)).await;
    assert_eq!(
        stale[CACHE_CONTROL], "no-cache",
        "a stale version is not cached"
    );
    let (status, _, _) = get(&format!("{}/assets/{version}/nope.js", server.url)).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn failures_render_the_message_with_the_apis_status() {
    let server = TestServer::start();
    let (status, html, _) = get(&format!("{}/p/NOPE", server.url)).await;
    assert_eq!(status, 404);
    assert!(
        html.contains("NOPE") && html.contains("alert-error"),
        "{html}"
    );
    let (status, html, _) = get(&format!("{}/a/not-an-id", server.url)).await;
    assert_eq!(status, 404);
    assert!(html.contains("not an attempt id"), "{html}");
    let resp = reqwest::Client::new()
        .post(format!("{}/ui/projects", server.url))
        .header("hx-request", "true")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body("repo_path=relative%2Fpath&key=web")
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status().as_u16(), 422);
    let html = resp.text().await.expect("body");
    assert!(
        html.contains("alert-error") && html.contains("absolute"),
        "{html}"
    );
}

#[test]
fn the_csp_scanner_catches_what_it_should() {
    assert!(
        csp_violations(
            "<script src=\"/a.js\"></script><a href=\"/x\">x onclick=y &lt;b style=z&gt;</a>"
        )
        .is_empty()
    );
    assert_eq!(csp_violations("<script>x()</script>").len(), 1);
    assert_eq!(csp_violations("<p style=\"color:red\">").len(), 1);
    assert_eq!(csp_violations("<img src=x onerror=y>").len(), 1);
}
