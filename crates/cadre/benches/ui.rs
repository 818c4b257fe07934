//! Web UI benchmark: a real `cadre serve` with a board of 1,000 tasks (labels,
//! dependencies, every column) and an attempt whose fake agent wrote 100,000 log
//! entries. Prints the server-side time to render the board (page and live
//! fragment), the attempt page (its first page of entries, header with usage
//! totals) and an older page of entries, as medians and p95 over repeated GETs
//! from a local client. When chromedriver and Chromium are installed, it also
//! loads both pages in headless Chromium and prints when they became usable.

#[path = "../tests/support/browser.rs"]
#[allow(dead_code)]
mod browser;
mod support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{BenchResult, fake_agent, git, post, start_server};

const TASKS: usize = 1_000;
const ENTRIES: u64 = 100_000;
const SAMPLES: usize = 30;

/// GETs `url` `SAMPLES` times (after one warm-up) and prints median, p95 and size.
async fn time_get(http: &reqwest::Client, what: &str, url: &str) -> BenchResult<()> {
    let mut times = Vec::with_capacity(SAMPLES);
    let mut size = 0;
    for i in 0..=SAMPLES {
        let started = Instant::now();
        let resp = http.get(url).send().await?;
        let status = resp.status();
        let body = resp.bytes().await?;
        let took = started.elapsed();
        if !status.is_success() {
            return Err(format!("GET {url}: {status}").into());
        }
        if i > 0 {
            times.push(took);
        }
        size = body.len();
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{what}: median {:.1} ms, p95 {:.1} ms, min {:.1} ms, {:.0} KiB of HTML",
        ms(times[times.len() / 2]),
        ms(times[times.len() * 95 / 100]),
        ms(times[0]),
        size as f64 / 1024.0
    );
    Ok(())
}

/// A board of `TASKS` tasks spread over the columns, with labels and dependencies.
async fn fill_board(http: &reqwest::Client, api: &str) -> BenchResult<()> {
    let labels = ["backend", "ui", "infra", "docs", "bug"];
    let priorities = ["low", "medium", "high", "urgent"];
    for i in 0..TASKS {
        let mut body = json!({
            "title": format!("Task number {i}: do the thing that needs doing"),
            "priority": priorities[i % 4],
            "labels": [labels[i % labels.len()], labels[(i / 3) % labels.len()]],
            "status": if i % 5 == 0 { "backlog" } else { "todo" },
        });
        if i % 5 == 1 && i > 10 {
            body["depends_on"] = json!([format!("BEN-{}", i - 10)]);
        }
        post(http, format!("{api}/projects/BEN/tasks"), body).await?;
    }
    // Move some along: todo -> in_progress -> in_review/done, blocked.
    for i in (3..TASKS).step_by(5) {
        let key = format!("BEN-{}", i + 1);
        post(
            http,
            format!("{api}/tasks/{key}/move"),
            json!({"status": "in_progress"}),
        )
        .await?;
        let to = ["in_review", "done", "blocked", "in_progress"][(i / 5) % 4];
        if to != "in_progress" {
            post(
                http,
                format!("{api}/tasks/{key}/move"),
                json!({"status": to}),
            )
            .await?;
        }
    }
    Ok(())
}

async fn attempt_with_entries(http: &reqwest::Client, api: &str) -> BenchResult<String> {
    post(
        http,
        format!("{api}/projects/BEN/tasks"),
        json!({"title": "Chatty agent"}),
    )
    .await?;
    let key = format!("BEN-{}", TASKS + 1);
    let attempt = post(
        http,
        format!("{api}/tasks/{key}/attempts"),
        json!({"agent": "claude-code", "prompt": format!("@step filler {ENTRIES}\n@step result done")}),
    )
    .await?;
    let id = attempt["id"].as_str().ok_or("no id")?.to_owned();
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let a: Value = http
            .get(format!("{api}/attempts/{id}"))
            .send()
            .await?
            .json()
            .await?;
        if a["status"] == "succeeded" && a["log_len"].as_u64().unwrap_or(0) >= ENTRIES {
            return Ok(id);
        }
        if Instant::now() > deadline {
            return Err(format!("attempt never finished: {a}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Loads `url` in headless Chromium and prints when it was usable.
async fn browser_load(url: &str, what: &str, ready: &str) -> BenchResult<()> {
    let b = browser::Browser::start(1440, 900).await;
    for round in 0..3 {
        b.goto(url).await;
        let value = b.until(what, ready).await;
        let nav = b
            .js(
                "const n = performance.getEntriesByType('navigation')[0]; return [n.responseEnd, n.domContentLoadedEventEnd, n.loadEventEnd]",
                vec![],
            )
            .await;
        println!(
            "browser, {what} (load {}): usable at {:.0} ms after navigation start (response end {:.0} ms, DOMContentLoaded end {:.0} ms)",
            round + 1,
            value.as_f64().unwrap_or(f64::NAN),
            nav[0].as_f64().unwrap_or(f64::NAN),
            nav[1].as_f64().unwrap_or(f64::NAN),
        );
    }
    b.close().await;
    Ok(())
}

fn main() -> BenchResult<()> {
    let fake = fake_agent()?;
    let tmp = tempfile::tempdir()?;
    let home = tmp.path().join("home");
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(&home)?;
    std::fs::create_dir_all(&repo)?;
    git(&repo, &["init", "--quiet"])?;
    std::fs::write(repo.join("README.md"), "bench\n")?;
    git(&repo, &["add", "."])?;
    git(&repo, &["commit", "--quiet", "-m", "first"])?;
    let server = start_server(&home, Some(&fake))?;
    let api = format!("{}/api/v1", server.url);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let http = reqwest::Client::new();
        post(
            &http,
            format!("{api}/projects"),
            json!({"repo_path": repo.display().to_string(), "key": "BEN"}),
        )
        .await?;
        let started = Instant::now();
        fill_board(&http, &api).await?;
        println!(
            "setup: {TASKS} tasks created and moved in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        let started = Instant::now();
        let id = attempt_with_entries(&http, &api).await?;
        println!(
            "setup: attempt with {ENTRIES} entries ingested in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        let base = &server.url;
        time_get(
            &http,
            "board page, 1,001 tasks (GET /p/BEN)",
            &format!("{base}/p/BEN"),
        )
        .await?;
        time_get(
            &http,
            "board fragment, live refresh (GET /ui/p/BEN/board)",
            &format!("{base}/ui/p/BEN/board"),
        )
        .await?;
        time_get(
            &http,
            "attempt page, 100,000 entries, first page (GET /a/ID)",
            &format!("{base}/a/{id}"),
        )
        .await?;
        time_get(
            &http,
            "older entries page (GET /ui/attempts/ID/entries?before=50000)",
            &format!("{base}/ui/attempts/{id}/entries?before=50000"),
        )
        .await?;
        time_get(
            &http,
            "attempt header with usage totals (GET /ui/attempts/ID/header)",
            &format!("{base}/ui/attempts/{id}/header"),
        )
        .await?;
        match browser::tools() {
            Ok(_) => {
                browser_load(
                    &format!("{base}/p/BEN"),
                    "board of 1,001 tasks",
                    "return window.cadre && window.cadre.boardReadyAt",
                )
                .await?;
                browser_load(
                    &format!("{base}/a/{id}"),
                    "attempt of 100,000 entries",
                    "return window.cadre && window.cadre.attemptReadyAt",
                )
                .await?;
            }
            Err(why) => println!("browser figures skipped: {why}"),
        }
        Ok::<(), support::BenchError>(())
    })?;
    drop(server);
    Ok(())
}
