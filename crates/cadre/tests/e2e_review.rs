//! Images and inline review in a real browser (see `e2e.rs` for the harness):
//! an attempt started from the dialog with an image, a follow-up with images
//! picked, pasted and dropped (previews, removal, the limit of four), their
//! thumbnails in the conversation, an inline comment on a diff line opened from
//! the keyboard, and "Send review to agent" reaching the agent as one follow-up
//! naming file and line. Screenshots land in `target/e2e-artifacts/`.
//!
//! Set `CADRE_SKIP_BROWSER_TESTS=1` to skip these where no browser can be
//! installed; otherwise a missing browser fails the tests.

#[path = "support/browser.rs"]
mod browser;
mod support;

use browser::{AGENT_SAID, Browser, skip};
use serde_json::json;
use support::{TestServer, fake_agent};

fn server() -> TestServer {
    let fake = fake_agent().display().to_string();
    TestServer::start_with(
        tempfile::tempdir().expect("home"),
        &[("CADRE_CLAUDE_CODE_BIN", fake.as_str())],
    )
}

/// A valid 8x8 red PNG, to attach.
const RED_PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x08, 0x08, 0x02, 0x00, 0x00, 0x00, 0x4b, 0x6d, 0x29,
    0xdc, 0x00, 0x00, 0x00, 0x11, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xb8, 0x60, 0x60, 0x80,
    0x15, 0x31, 0x0c, 0x2d, 0x09, 0x00, 0xda, 0x7b, 0x4c, 0x01, 0x96, 0x79, 0xb5, 0x84, 0x00, 0x00,
    0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// Pastes `arguments[0]` (PNG bytes) into the composer as `pasted.png` and drops
/// three copies (`a.png`, `b.png`, `c.png`) on the conversation, the way the
/// browser delivers them; returns how many previews the composer shows.
const PASTE_AND_DROP: &str = "const bytes = new Uint8Array(arguments[0]);
     const file = (name) => new File([bytes], name, { type: 'image/png' });
     const pasted = new DataTransfer();
     pasted.items.add(file('pasted.png'));
     document.getElementById('followup-text').dispatchEvent(
       new ClipboardEvent('paste', { clipboardData: pasted, bubbles: true, cancelable: true }));
     const dropped = new DataTransfer();
     ['a.png', 'b.png', 'c.png'].forEach((n) => dropped.items.add(file(n)));
     const zone = document.getElementById('entries');
     for (const type of ['dragover', 'drop']) {
       zone.dispatchEvent(new DragEvent(type, { dataTransfer: dropped, bubbles: true, cancelable: true }));
     }
     return document.querySelectorAll('#composer .image-preview').length";

/// Every prompt the fake agent received in `worktree` (its session logs).
fn session_prompts(worktree: &std::path::Path) -> String {
    std::fs::read_dir(worktree.join(".fake-agent-sessions"))
        .expect("the fake agent's session logs")
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "log"))
        .map(|e| std::fs::read_to_string(e.path()).expect("session log"))
        .collect()
}

/// Whether every thumbnail matching `css` is loaded and has pixels.
fn images_loaded(css: &str) -> String {
    format!(
        "const imgs = [...document.querySelectorAll({})];
         return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0)",
        json!(css)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn followup_with_image_and_inline_review_reach_the_agent() {
    if skip() {
        return;
    }
    let server = server();
    let (_dir, _) = server.add_project("WEB");
    server.ok(&["task", "add", "--project", "WEB", "List the letters"]);
    let images = tempfile::tempdir().expect("images dir");
    let png = images.path().join("red.png");
    std::fs::write(&png, RED_PNG).expect("write png");
    let b = Browser::start(1440, 900).await;

    // Start from the dialog with a mockup attached: previewed, then shown with
    // the first message.
    b.goto(&format!("{}/p/WEB?task=WEB-1", server.url)).await;
    b.click("#panel .panel-actions .primary").await;
    b.find("#start-agent").await;
    b.js(
        "document.getElementById('start-agent').value = 'claude-code'",
        vec![],
    )
    .await;
    b.type_into(
        "#modal textarea[name=prompt]",
        "@step write notes.txt alpha\\nbeta\\ngamma\\n\n@step result Wrote notes.txt",
    )
    .await;
    b.find("#start-images")
        .await
        .send_keys(png.to_str().expect("png path"))
        .await
        .expect("choose the mockup");
    b.until(
        "the dialog's preview",
        &images_loaded("#modal .image-preview img"),
    )
    .await;
    b.screenshot("start-dialog-image").await;
    b.click("#modal button[type=submit]").await;
    b.find(".attempt-shell").await;
    b.until(
        "the mockup with the first message",
        &images_loaded("#entries .entry-user .attached-thumb"),
    )
    .await;
    b.until(
        "the attempt to succeed",
        "return document.querySelector('[data-attempt-status=succeeded]')",
    )
    .await;
    let id = b
        .js(
            "return document.querySelector('.attempt-shell').dataset.attempt",
            vec![],
        )
        .await
        .as_str()
        .expect("attempt id")
        .to_owned();

    // A follow-up with an image: picked into the composer, previewed, sent, and
    // shown as a thumbnail in the conversation.
    b.find("#followup-images")
        .await
        .send_keys(png.to_str().expect("png path"))
        .await
        .expect("choose the image");
    b.until(
        "the preview",
        &images_loaded("#composer .image-preview img"),
    )
    .await;
    let label = b
        .js(
            "return document.querySelector('#composer [data-image-remove]').getAttribute('aria-label')",
            vec![],
        )
        .await;
    assert_eq!(label, "Remove image 1 (red.png)");
    // One pasted into the text and three dropped on the conversation: the
    // fifth is refused (four at most), and two are removed again.
    let previews = b.js(PASTE_AND_DROP, vec![json!(RED_PNG)]).await;
    assert_eq!(previews, 4);
    let note = b.text("#composer [data-image-note]").await;
    assert!(note.contains("c.png is one too many"), "{note}");
    b.click("#composer [data-image-remove='3']").await;
    b.click("#composer [data-image-remove='2']").await;
    let names = b
        .js(
            "return [...document.querySelectorAll('#composer .image-preview img')].map(i => i.alt)",
            vec![],
        )
        .await;
    assert_eq!(names, json!(["Image 1: red.png", "Image 2: pasted.png"]));
    b.type_into(
        "#followup-text",
        "@step text Saw the image.\n@step result ok",
    )
    .await;
    b.screenshot("composer-images").await;
    b.click("#composer button[type=submit]").await;
    b.until(
        "the follow-up's answer",
        &format!("{AGENT_SAID}.includes('Saw the image.')"),
    )
    .await;
    b.until(
        "the thumbnail in the conversation",
        "return document.querySelectorAll('#entries .entry-user .attached-thumb').length === 3",
    )
    .await;
    b.until(
        "both thumbnails to load",
        &images_loaded("#entries .entry-user .attached-thumb"),
    )
    .await;
    let previews = b
        .js(
            "return document.querySelectorAll('#composer .image-preview').length",
            vec![],
        )
        .await;
    assert_eq!(previews, 0, "the composer forgets sent images");
    b.until(
        "the follow-up run to settle",
        "return document.querySelector('[data-attempt-status=succeeded]')",
    )
    .await;
    b.screenshot("attempt-image").await;
    let shown = server.json(&["attempt", "show", &id]);
    let worktree = std::path::PathBuf::from(shown["worktree_path"].as_str().expect("worktree"));
    let prompts = session_prompts(&worktree);
    assert_eq!(
        prompts.matches("Attached images (local files").count(),
        2,
        "the start and the follow-up each gave the agent its image: {prompts}"
    );

    // An inline comment on line 2 of notes.txt, opened from the keyboard.
    b.click("#tab-changes-button").await;
    b.find(".file[data-file='notes.txt'] table.diff").await;
    b.js(
        "document.querySelector(\".file[data-file='notes.txt'] .line-comment[data-line='2'][data-side='new']\").focus()",
        vec![],
    )
    .await;
    b.client
        .active_element()
        .await
        .expect("focus")
        .send_keys("\u{e007}")
        .await
        .expect("press Enter");
    let label = b.text(".comment-form [data-comment-label]").await;
    assert_eq!(label, "Comment on line 2 of notes.txt");
    b.type_into(".comment-form textarea", "Say beta louder.")
        .await;
    b.click(".comment-form button[type=submit]").await;
    b.until(
        "the comment under its line",
        "return [...document.querySelectorAll('.comment-row .comment-body')].some(c => c.innerText === 'Say beta louder.')",
    )
    .await;
    assert_eq!(b.text("[data-open-count]").await, "1");
    b.screenshot("diff-comment").await;
    // The server renders it too: the split view shows it under its row.
    b.click("[data-diff-view=split]").await;
    b.find("table.diff-split .comment-row .comment").await;
    let place = b.text("table.diff-split .comment-place").await;
    assert_eq!(place, "notes.txt:2");

    // Send the review: the agent gets one follow-up naming the file and line.
    b.click("#send-review").await;
    b.until(
        "the review result",
        "return /Review (sent|queued)/.test(document.getElementById('git-result').innerText)",
    )
    .await;
    assert!(b.text("#git-result").await.contains("notes.txt:2"));
    b.until(
        "the sent comment to leave the diff",
        "return document.querySelector('#diff-area .review-bar') && !document.querySelector('#diff-area .comment')",
    )
    .await;
    b.find("#diff-area table.diff-split").await;
    b.until(
        "the review run to settle",
        "return document.querySelector('[data-attempt-status=succeeded]')",
    )
    .await;
    let prompt = support::last_agent_prompt(server.home.path());
    assert!(
        prompt.contains("notes.txt:2") && prompt.contains("Say beta louder."),
        "{prompt}"
    );

    // Nothing left to send: the error says so instead of a blank panel.
    b.click("#send-review").await;
    b.until(
        "the refusal",
        "return document.querySelector('#git-result .alert-error')",
    )
    .await;
    let refusal = b.text("#git-result").await;
    assert!(refusal.contains("no open review comments"), "{refusal}");
    b.close().await;
}
