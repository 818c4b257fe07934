//! The web UI end to end in a real browser: a real `cadre serve` on a temporary
//! data dir, driven through headless Chromium (Debian's `chromium` and
//! `chromium-driver`, which `.ci/run` installs). Covers the empty state, adding a
//! project and tasks through the UI, drag and drop (a forbidden move snaps back
//! with the server's reason), live updates made from the CLI, and an attempt run
//! by the fake agent: its log streaming live, a follow-up, the diff, the merge and
//! the task reaching done (images and inline review are in `e2e_review.rs`).
//! Screenshots land in `target/e2e-artifacts/`.
//!
//! Set `CADRE_SKIP_BROWSER_TESTS=1` to skip these where no browser can be
//! installed; otherwise a missing browser fails the tests.

#[path = "support/browser.rs"]
mod browser;
mod support;

use browser::{AGENT_SAID, Browser, skip};
use serde_json::json;
use support::{TestServer, fake_agent, repo};

/// One browser at a time: the machine's cores are better spent on one fast run
/// than on two slow ones.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn server() -> TestServer {
    let fake = fake_agent().display().to_string();
    TestServer::start_with(
        tempfile::tempdir().expect("home"),
        &[("CADRE_CLAUDE_CODE_BIN", fake.as_str())],
    )
}

/// Where a card is: the status of its column, or "" when it is not on the board.
const CARD_COLUMN: &str = "const c = document.getElementById('card-' + arguments[0]);
     return c ? c.closest('.column').dataset.status : ''";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn board_from_empty_state_to_drag_and_drop_and_live_updates() {
    if skip() {
        return;
    }
    let _serial = SERIAL.lock().await;
    let server = server();
    let (_dir, path) = repo();
    let b = Browser::start(1440, 900).await;

    // A new user sees how to add a project.
    b.goto(&server.url).await;
    let heading = b.find("main h1").await.text().await.expect("heading");
    assert_eq!(heading, "Welcome to cadre");
    b.screenshot("empty-state").await;

    // A wrong path shows the server's message in the form, not a blank page.
    b.type_into("input[name=repo_path]", "/no/such/repository")
        .await;
    b.type_into("input[name=key]", "web").await;
    b.click("#add-project button[type=submit]").await;
    b.until(
        "the add-project error",
        "return document.querySelector('#add-project-result .alert-error')",
    )
    .await;
    let error = b.text("#add-project-result").await;
    assert!(error.contains("/no/such/repository"), "{error}");

    // Add the project for real: its (empty) board opens.
    b.find("input[name=repo_path]")
        .await
        .clear()
        .await
        .expect("clear");
    b.type_into("input[name=repo_path]", path.to_str().expect("path"))
        .await;
    b.click("#add-project button[type=submit]").await;
    b.find(".board .column-todo").await;
    assert!(
        b.client
            .current_url()
            .await
            .expect("url")
            .path()
            .ends_with("/p/WEB")
    );

    // Quick add into To do, twice; the input keeps focus for the next one.
    for title in ["Design the schema", "Build the API"] {
        b.type_into("#quick-add-todo", &format!("{title}\n")).await;
        b.until(
            "the new card",
            &format!(
                "return [...document.querySelectorAll('.card-title')].some(a => a.textContent === {})",
                json!(title)
            ),
        )
        .await;
    }
    // `n` opens the new-task dialog; this task depends on WEB-1.
    b.js("document.activeElement.blur()", vec![]).await;
    b.find("body").await.send_keys("n").await.expect("press n");
    b.type_into("#modal input[name=title]", "Write the docs")
        .await;
    b.type_into("#modal input[name=depends_on]", "WEB-1").await;
    b.click("#modal button[type=submit]").await;
    b.until(
        "WEB-3 on the board",
        "return document.getElementById('card-WEB-3')",
    )
    .await;
    let badge = b.text("#card-WEB-3 .dep-badge").await;
    assert_eq!(badge, "waits on WEB-1");

    // Dragging WEB-3 to Done is refused by the state machine: it snaps back and
    // the reason is shown.
    let card = b.find("#card-WEB-3").await;
    let done = b.find("#column-done .column-cards").await;
    b.drag(&card, &done).await;
    b.until(
        "the refusal",
        "return [...document.querySelectorAll('.toast.error')].map(t => t.textContent).join(' ')",
    )
    .await;
    let toast = b.text(".toast.error").await;
    assert!(
        toast.contains("cannot move a task from todo to done"),
        "{toast}"
    );
    let column = b.js(CARD_COLUMN, vec![json!("WEB-3")]).await;
    assert_eq!(column, "todo", "the card snapped back");
    assert_eq!(server.json(&["task", "show", "WEB-3"])["status"], "todo");

    // An allowed move goes through the API.
    let card = b.find("#card-WEB-1").await;
    let doing = b.find("#column-in_progress .column-cards").await;
    b.drag(&card, &doing).await;
    b.until(
        "WEB-1 in progress on the server",
        "return document.querySelector('#column-in_progress #card-WEB-1')",
    )
    .await;
    assert_eq!(
        server.json(&["task", "show", "WEB-1"])["status"],
        "in_progress"
    );

    // Changes made elsewhere (here: the CLI) appear without a reload.
    b.js("window.__sameDocument = true", vec![]).await;
    server.ok(&["task", "add", "--project", "WEB", "Added from the CLI"]);
    server.ok(&["task", "move", "WEB-2", "backlog"]);
    b.until(
        "the CLI's task",
        "return document.getElementById('card-WEB-4')",
    )
    .await;
    b.until(
        "WEB-2 moved by the CLI",
        "return document.querySelector('#column-backlog #card-WEB-2')",
    )
    .await;
    assert_eq!(b.js("return window.__sameDocument", vec![]).await, true);

    // The filter hides what does not match.
    b.type_into("#board-search", "docs").await;
    let visible = b
        .js(
            "return [...document.querySelectorAll('.card:not(.filtered-out)')].map(c => c.dataset.key)",
            vec![],
        )
        .await;
    assert_eq!(visible, json!(["WEB-3"]));
    b.find("#board-search").await.clear().await.expect("clear");
    b.js("document.getElementById('board-search').dispatchEvent(new Event('input', {bubbles: true}))", vec![]).await;

    // Toasts go away when clicked; then the board as it stands.
    b.click(".toast").await;
    b.js(
        "document.querySelectorAll('.toast').forEach(t => t.remove());
         document.getElementById('board-live').scrollLeft = 0",
        vec![],
    )
    .await;
    let shot = b.screenshot("board").await;
    eprintln!("board screenshot: {}", shot.display());

    // The task panel: dependencies, with the URL pointing at it.
    b.click("#card-WEB-3 .card-title").await;
    b.find("#panel .panel-title").await;
    let deps = b.text("#panel .task-links").await;
    assert!(deps.contains("WEB-1"), "{deps}");
    let url = b.client.current_url().await.expect("url");
    assert_eq!(url.query(), Some("task=WEB-3"));
    b.screenshot("board-panel").await;

    // Keyboard: Esc closes the panel, j focuses a card, Enter opens it, ? helps.
    b.js("document.activeElement.blur()", vec![]).await;
    b.find("body")
        .await
        .send_keys("\u{e00c}")
        .await
        .expect("press Esc");
    b.until(
        "the panel to close",
        "return document.getElementById('panel').hidden",
    )
    .await;
    b.find("body").await.send_keys("j").await.expect("press j");
    let focused = b
        .js(
            "return document.activeElement.closest('.card').dataset.key",
            vec![],
        )
        .await;
    assert_eq!(focused, "WEB-2", "the first card of the first column");
    b.client
        .active_element()
        .await
        .expect("focus")
        .send_keys("\u{e007}")
        .await
        .expect("press Enter");
    b.until(
        "WEB-2's panel",
        "return document.querySelector('#panel:not([hidden]) [data-task=\"WEB-2\"]')",
    )
    .await;
    b.js("document.activeElement.blur()", vec![]).await;
    b.find("body").await.send_keys("?").await.expect("press ?");
    b.until(
        "the help",
        "return document.getElementById('help-dialog').open",
    )
    .await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attempt_streams_live_takes_a_follow_up_and_merges_to_done() {
    if skip() {
        return;
    }
    let _serial = SERIAL.lock().await;
    let server = server();
    let (_dir, path) = server.add_project("WEB");
    server.ok(&["task", "add", "--project", "WEB", "Say hello"]);
    let b = Browser::start(1440, 900).await;

    // Start an attempt from the task panel's dialog.
    b.goto(&format!("{}/p/WEB?task=WEB-1", server.url)).await;
    b.click("#panel .panel-actions .primary").await;
    b.find("#start-agent").await;
    b.js(
        "document.getElementById('start-agent').value = 'claude-code'",
        vec![],
    )
    .await;
    let script = [
        "@step text Starting on it.",
        "@step sleep 1500",
        "@step write hello.txt Hello from the agent\\n",
        "@step shell cat hello.txt",
        "@step sleep 800",
        "@step text All done.",
        "@step result Wrote hello.txt",
    ]
    .join("\n");
    b.type_into("#modal textarea[name=prompt]", &script).await;
    b.click("#modal button[type=submit]").await;
    b.find(".attempt-shell").await;
    b.js("window.__sameDocument = true", vec![]).await;

    // The first message arrives while the agent still runs; the rest follows
    // live, in the same document.
    b.until(
        "the first message",
        &format!("{AGENT_SAID}.includes('Starting on it.')"),
    )
    .await;
    let status = b
        .js(
            "return document.querySelector('[data-attempt-status]').dataset.attemptStatus",
            vec![],
        )
        .await;
    assert!(
        matches!(status.as_str(), Some("queued" | "running")),
        "still running when the first message shows: {status}"
    );
    let said = b.js(AGENT_SAID, vec![]).await;
    assert!(
        !said.as_str().unwrap_or_default().contains("All done."),
        "{said}"
    );
    b.screenshot("attempt-live").await;
    b.until(
        "the last message",
        &format!("{AGENT_SAID}.includes('All done.')"),
    )
    .await;
    b.until(
        "the attempt to succeed",
        "return document.querySelector('[data-attempt-status=succeeded]')",
    )
    .await;
    let command = b.text("details.tool-command .tool-target").await;
    assert_eq!(command, "cat hello.txt");
    assert_eq!(b.js("return window.__sameDocument", vec![]).await, true);

    // A follow-up resumes the session; its answer streams in too.
    b.type_into(
        "#followup-text",
        "@step text Follow-up received.\n@step result ok",
    )
    .await;
    b.click("#composer button[type=submit]").await;
    b.until(
        "the follow-up's answer",
        &format!("{AGENT_SAID}.includes('Follow-up received.')"),
    )
    .await;
    b.until(
        "the follow-up run to settle",
        "return document.querySelector('[data-attempt-status=succeeded]')",
    )
    .await;
    let shot = b.screenshot("attempt").await;
    eprintln!("attempt screenshot: {}", shot.display());

    // The diff shows the new file, highlighted server-side.
    b.click("#tab-changes-button").await;
    b.until(
        "the diff",
        "return [...document.querySelectorAll('.file-list .file-path')].map(e => e.textContent).join(',')",
    )
    .await;
    let files = b.text(".file-list").await;
    assert!(files.contains("hello.txt"), "{files}");
    b.screenshot("diff").await;
    b.click("[data-diff-view=split]").await;
    b.find("table.diff-split").await;
    b.screenshot("diff-split").await;

    // Merge (confirming the browser's dialog): the task reaches done.
    b.click(".merge-form button[type=submit]").await;
    b.client.accept_alert().await.expect("confirm the merge");
    b.until(
        "the merge result",
        "return document.getElementById('git-result').innerText.includes('Merged into trunk')",
    )
    .await;
    assert_eq!(server.json(&["task", "show", "WEB-1"])["status"], "done");
    b.goto(&format!("{}/p/WEB", server.url)).await;
    b.find("#column-done #card-WEB-1").await;
    let badge = b.text("#card-WEB-1 .attempt-badge").await;
    assert!(badge.contains("done"), "{badge}");
    assert!(
        std::fs::read_to_string(path.join("hello.txt"))
            .expect("merged file")
            .contains("Hello from the agent")
    );
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebase_conflicts_are_listed_and_handed_to_the_agent() {
    if skip() {
        return;
    }
    let _serial = SERIAL.lock().await;
    let server = server();
    let (_dir, path) = server.add_project("WEB");
    server.ok(&["task", "add", "--project", "WEB", "Greet"]);
    let id = server
        .ok(&[
            "attempt",
            "start",
            "WEB-1",
            "--agent",
            "claude-code",
            "--prompt",
            "@step write README.md hi from the agent\\n\n@step result done",
        ])
        .trim()
        .to_owned();
    let b = Browser::start(1440, 900).await;
    b.goto(&format!("{}/a/{id}#changes", server.url)).await;
    b.until(
        "the attempt to succeed",
        "return document.querySelector('[data-attempt-status=succeeded]')",
    )
    .await;
    // The base moves on with a conflicting change to the same file.
    std::fs::write(path.join("README.md"), "hello from trunk\n").expect("write");
    support::git(&path, &["commit", "--quiet", "-am", "trunk moves"]);

    let rebase = b.find(".git-buttons button[hx-post$='/git/rebase']").await;
    b.until(
        "the git buttons to be enabled",
        "return !document.querySelector(\".git-buttons button[hx-post$='/git/rebase']\").disabled",
    )
    .await;
    rebase.click().await.expect("rebase");
    b.until(
        "the conflicts",
        "return document.querySelector('#git-result .conflicts')",
    )
    .await;
    let conflicts = b.text("#git-result .conflicts").await;
    assert!(conflicts.contains("README.md"), "{conflicts}");
    b.click("#git-result form button[type=submit]").await;
    b.until(
        "the follow-up to be sent",
        "return /Sent|Queued/.test(document.getElementById('git-result').innerText)",
    )
    .await;
    b.click("#tab-conversation-button").await;
    b.until(
        "the request in the conversation",
        "return document.getElementById('entries').innerText.includes('resolve the conflicts')",
    )
    .await;
    b.close().await;
}
