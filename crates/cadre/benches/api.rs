//! API benchmark against a real release `cadre serve`: with 10,000 tasks, `GET` of
//! the project's task list (its first page, as a client gets it without
//! parameters) at 50 concurrent connections (p50/p99 latency), idle and while
//! tasks are edited 100 times a second (so that answers cannot come from the
//! cache), and the time to read the whole list page by page; then
//! 500 concurrent SSE subscribers to `/events` while the board changes about
//! 1,000 times a second (p50/p99 delivery latency, events delivered, server RSS
//! before, while and after). Prints the figures; BENCHMARKS.md records them.

mod support;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::json;
use support::{BenchResult, git, post, start_server};
use tokio::sync::Mutex;

const TASKS: usize = 10_000;
const LIST_CONNECTIONS: usize = 50;
const LIST_REQUESTS_EACH: usize = 20;
const SUBSCRIBERS: usize = 500;
const EVENTS_PER_SEC: u64 = 1_000;
const STREAM_SECS: u64 = 10;

fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// CPU seconds (user + system) used so far by process `pid`.
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may contain spaces) start after ")".
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 here.
    (ticks(11) + ticks(12)) / 100.0
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// Creates the project and its tasks, 16 requests at a time.
async fn fill(api: &str, repo: &Path) -> BenchResult<()> {
    let http = reqwest::Client::new();
    let project = json!({ "repo_path": repo.display().to_string(), "key": "BEN" });
    post(&http, &format!("{api}/projects"), project).await?;
    let started = Instant::now();
    let next = Arc::new(AtomicU64::new(0));
    let mut workers = Vec::new();
    for _ in 0..16 {
        let (http, next, url) = (
            http.clone(),
            next.clone(),
            format!("{api}/projects/BEN/tasks"),
        );
        workers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= TASKS as u64 {
                    return Ok::<_, Box<dyn std::error::Error + Send + Sync>>(());
                }
                let body = json!({ "title": format!("task {i}"), "description": "a bench task", "labels": ["bench"] });
                post(&http, &url, body).await?;
            }
        }));
    }
    for w in workers {
        w.await??;
    }
    println!(
        "created {TASKS} tasks in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `GET /projects/BEN/tasks` from `connections` connections at once, `each`
/// requests per connection; with `writes_per_sec > 0` a writer edits tasks
/// meanwhile, so that most answers must be read from the store again.
async fn list_latency(
    api: &str,
    connections: usize,
    each: usize,
    writes_per_sec: u64,
) -> BenchResult<()> {
    let url = format!("{api}/projects/BEN/tasks");
    let writing = Arc::new(AtomicBool::new(writes_per_sec > 0));
    let writes = Arc::new(AtomicU64::new(0));
    let writer = {
        let (writing, writes, http, api) = (
            writing.clone(),
            writes.clone(),
            reqwest::Client::new(),
            api.to_owned(),
        );
        tokio::spawn(async move {
            let period = Duration::from_micros(1_000_000 / writes_per_sec.max(1));
            let mut tick = tokio::time::interval(period);
            let mut i = 0u64;
            while writing.load(Ordering::Relaxed) {
                tick.tick().await;
                let url = format!("{api}/tasks/BEN-{}", 1 + i % 100);
                let body = json!({ "title": format!("edited {i}") });
                if http.patch(&url).json(&body).send().await.is_ok() {
                    writes.fetch_add(1, Ordering::Relaxed);
                }
                i += 1;
            }
        })
    };
    let probe = reqwest::get(&url).await?.bytes().await?;
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let started = Instant::now();
    let mut clients = Vec::new();
    for _ in 0..connections {
        // One client per connection, so that there really are 50 connections.
        let (http, url, latencies) = (reqwest::Client::new(), url.clone(), latencies.clone());
        clients.push(tokio::spawn(async move {
            for _ in 0..each {
                let t = Instant::now();
                let body = http
                    .get(&url)
                    .send()
                    .await?
                    .error_for_status()?
                    .bytes()
                    .await?;
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                if body.len() < 1000 {
                    return Err::<(), Box<dyn std::error::Error + Send + Sync>>(
                        "short answer".into(),
                    );
                }
                latencies.lock().await.push(ms);
            }
            Ok(())
        }));
    }
    for c in clients {
        c.await??;
    }
    let wall = started.elapsed().as_secs_f64();
    writing.store(false, Ordering::Relaxed);
    writer.await?;
    let writes = writes.load(Ordering::Relaxed);
    let mut l = latencies.lock().await.clone();
    l.sort_by(f64::total_cmp);
    println!(
        "task list, first page of a {TASKS}-task project ({:.1} KiB per answer), {connections} connections x {each}, {writes} task edits meanwhile: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms, {:.0} requests/s",
        probe.len() as f64 / 1024.0,
        percentile(&l, 0.50),
        percentile(&l, 0.99),
        l.last().copied().unwrap_or(f64::NAN),
        l.len() as f64 / wall
    );
    Ok(())
}

/// Reads the whole list by following the `Link: rel="next"` headers from the
/// first page of `limit` tasks; prints the time and the number of pages.
async fn walk_pages(base: &str, limit: u32) -> BenchResult<()> {
    let http = reqwest::Client::new();
    let started = Instant::now();
    let mut next = Some(format!("/api/v1/projects/BEN/tasks?limit={limit}"));
    let (mut pages, mut bytes) = (0, 0);
    while let Some(path) = next.take() {
        let resp = http
            .get(format!("{base}{path}"))
            .send()
            .await?
            .error_for_status()?;
        next = resp
            .headers()
            .get("link")
            .and_then(|v| v.to_str().ok())
            .and_then(|l| l.strip_prefix('<'))
            .and_then(|l| l.split_once('>'))
            .map(|(target, _)| target.to_owned());
        bytes += resp.bytes().await?.len();
        pages += 1;
    }
    println!(
        "whole list ({TASKS} tasks, {:.1} MiB) through {pages} pages of {limit}: {:.0} ms",
        bytes as f64 / (1024.0 * 1024.0),
        started.elapsed().as_secs_f64() * 1000.0
    );
    Ok(())
}

/// Delivery latency of one SSE data line received at `now`: now minus the
/// event's `created_at` (the last one in the line: the payload has its own,
/// earlier).
fn latency_ms(line: &[u8], now: chrono::DateTime<chrono::Utc>) -> Option<f64> {
    const FIELD: &[u8] = b"\"created_at\":\"";
    let at = line.windows(FIELD.len()).rposition(|w| w == FIELD)? + FIELD.len();
    let end = at + line[at..].iter().position(|b| *b == b'"')?;
    let created =
        chrono::DateTime::parse_from_rfc3339(std::str::from_utf8(&line[at..end]).ok()?).ok()?;
    let us = (now - created.with_timezone(&chrono::Utc)).num_microseconds()? as f64;
    Some(us / 1000.0)
}

/// One subscriber: collects the delivery latency of every event until `stop`.
async fn subscriber(
    url: String,
    stop: Arc<AtomicBool>,
    out: Arc<Mutex<Vec<f64>>>,
    ready: Arc<AtomicU64>,
) -> BenchResult<u64> {
    let http = reqwest::Client::new();
    let resp = http
        .get(&url)
        .header("accept", "text/event-stream")
        .send()
        .await?
        .error_for_status()?;
    ready.fetch_add(1, Ordering::Relaxed);
    let mut stream = resp.bytes_stream();
    let mut pending = Vec::new();
    let mut mine = Vec::new();
    let mut resyncs = 0;
    while !stop.load(Ordering::Relaxed) {
        let Ok(Some(chunk)) = tokio::time::timeout(Duration::from_millis(200), stream.next()).await
        else {
            continue;
        };
        // Everything in one chunk arrived at the same moment.
        let now = chrono::Utc::now();
        pending.extend_from_slice(&chunk?);
        let mut start = 0;
        while let Some(nl) = pending[start..].iter().position(|b| *b == b'\n') {
            let line = &pending[start..start + nl];
            if line.starts_with(b"event: resync") {
                resyncs += 1;
            } else if line.starts_with(b"data:")
                && let Some(ms) = latency_ms(line, now)
            {
                mine.push(ms);
            }
            start += nl + 1;
        }
        pending.drain(..start);
    }
    out.lock().await.extend(mine);
    Ok(resyncs)
}

/// 500 subscribers while about 1,000 events a second are committed.
async fn stream_latency(api: &str, pid: u32) -> BenchResult<()> {
    let rss_idle = rss_mib(pid);
    let stop = Arc::new(AtomicBool::new(false));
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let ready = Arc::new(AtomicU64::new(0));
    let mut subs = Vec::new();
    let connecting = Instant::now();
    for _ in 0..SUBSCRIBERS {
        subs.push(tokio::spawn(subscriber(
            format!("{api}/events"),
            stop.clone(),
            latencies.clone(),
            ready.clone(),
        )));
    }
    while ready.load(Ordering::Relaxed) < SUBSCRIBERS as u64 {
        if let Some(i) = subs.iter().position(|s| s.is_finished()) {
            let failed = subs.swap_remove(i).await?;
            return Err(format!("a subscriber could not connect: {failed:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "{SUBSCRIBERS} subscribers connected in {:.1} s",
        connecting.elapsed().as_secs_f64()
    );
    let rss_subscribed = rss_mib(pid);

    // The producer: task edits paced at EVENTS_PER_SEC by 32 writers.
    let sent = Arc::new(AtomicU64::new(0));
    let peak = Arc::new(AtomicU64::new(0));
    let (server_cpu, bench_cpu) = (cpu_secs(pid), cpu_secs(std::process::id()));
    let started = Instant::now();
    let writers = 32u64;
    let mut producers = Vec::new();
    for w in 0..writers {
        let (http, api, sent) = (reqwest::Client::new(), api.to_owned(), sent.clone());
        producers.push(tokio::spawn(async move {
            let mut tick =
                tokio::time::interval(Duration::from_micros(1_000_000 * writers / EVENTS_PER_SEC));
            let mut i = 0u64;
            while started.elapsed() < Duration::from_secs(STREAM_SECS) {
                tick.tick().await;
                let key = format!("BEN-{}", 1 + (w * 997 + i) % TASKS as u64);
                let url = format!("{api}/tasks/{key}");
                let ok = http
                    .patch(&url)
                    .json(&json!({ "title": format!("edit {i}") }))
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                if ok {
                    sent.fetch_add(1, Ordering::Relaxed);
                }
                i += 1;
            }
        }));
    }
    let sampler = {
        let (peak, stop) = (peak.clone(), stop.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                peak.fetch_max((rss_mib(pid) * 1024.0) as u64, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    for p in producers {
        p.await?;
    }
    let produced_in = started.elapsed().as_secs_f64();
    let server_cpu = cpu_secs(pid) - server_cpu;
    let bench_cpu = cpu_secs(std::process::id()) - bench_cpu;
    tokio::time::sleep(Duration::from_secs(2)).await; // let the last events arrive
    let rss_end = rss_mib(pid);
    stop.store(true, Ordering::Relaxed);
    let mut resyncs = 0;
    for s in subs {
        resyncs += s.await??;
    }
    let _ = sampler.await;
    let mut l = latencies.lock().await.clone();
    l.sort_by(f64::total_cmp);
    let sent = sent.load(Ordering::Relaxed);
    println!(
        "SSE: {SUBSCRIBERS} subscribers, {sent} events in {produced_in:.1} s ({:.0}/s): {} deliveries of {} expected, {resyncs} resyncs; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        sent as f64 / produced_in,
        l.len(),
        sent * SUBSCRIBERS as u64,
        percentile(&l, 0.50),
        percentile(&l, 0.99),
        l.last().copied().unwrap_or(f64::NAN),
    );
    println!(
        "CPU while producing: server {:.0} %, bench client (subscribers and producers) {:.0} % of one core",
        server_cpu / produced_in * 100.0,
        bench_cpu / produced_in * 100.0
    );
    println!(
        "server RSS: idle {rss_idle:.1} MiB, {SUBSCRIBERS} subscribed {rss_subscribed:.1} MiB, peak while streaming {:.1} MiB, after {rss_end:.1} MiB",
        peak.load(Ordering::Relaxed) as f64 / 1024.0
    );
    Ok(())
}

fn main() -> BenchResult<()> {
    let tmp = tempfile::tempdir()?;
    let home = tmp.path().join("home");
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(&home)?;
    std::fs::create_dir_all(&repo)?;
    git(&repo, &["init", "--quiet"])?;
    std::fs::write(repo.join("README.md"), "bench\n")?;
    git(&repo, &["add", "."])?;
    git(&repo, &["commit", "--quiet", "-m", "first"])?;
    let server = start_server(&home, None)?;
    let api = format!("{}/api/v1", server.url);
    println!(
        "cadre api bench: server {} (pid {})",
        env!("CARGO_BIN_EXE_cadre"),
        server.pid
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    // CADRE_BENCH_PART=list or =sse runs one part only.
    let part = std::env::var("CADRE_BENCH_PART").unwrap_or_default();
    rt.block_on(async {
        fill(&api, &repo).await?;
        if part != "sse" {
            list_latency(&api, 1, 10, 0).await?;
            list_latency(&api, LIST_CONNECTIONS, LIST_REQUESTS_EACH, 0).await?;
            // Every edit invalidates the cached answers: most reads go to the store.
            list_latency(&api, 1, 1000, 100).await?;
            list_latency(&api, LIST_CONNECTIONS, 100, 100).await?;
            walk_pages(&server.url, 100).await?;
            walk_pages(&server.url, 1000).await?;
        }
        if part != "list" {
            stream_latency(&api, server.pid).await?;
        }
        Ok(())
    })
}
