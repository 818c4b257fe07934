//! Ingest throughput benchmark: a real `cadre serve` runs the fake agent printing a
//! Claude stream of N filler lines; measures entries/s from attempt creation to
//! `succeeded` with every entry stored, and samples the server's RSS (VmHWM/VmRSS)
//! every 100 ms. Runs N = 100,000 then N = 1,000,000, each on a fresh server and home.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{BenchResult, fake_agent, git, post, start_server};

/// Reads `VmHWM` and `VmRSS` (KiB) of a process.
fn mem_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    Some((field("VmHWM:")?, field("VmRSS:")?))
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// One run on a fresh home and server: returns nothing, prints the figures.
async fn run(n: u64, fake: &Path) -> BenchResult<()> {
    let tmp = tempfile::tempdir()?;
    let home = tmp.path().join("home");
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(&home)?;
    std::fs::create_dir_all(&repo)?;
    git(&repo, &["init", "--quiet"])?;
    std::fs::write(repo.join("README.md"), "bench\n")?;
    git(&repo, &["add", "."])?;
    git(&repo, &["commit", "--quiet", "-m", "first"])?;

    let server = start_server(&home, Some(fake))?;
    let api = format!("{}/api/v1", server.url);
    let http = reqwest::Client::new();
    post(
        &http,
        format!("{api}/projects"),
        json!({"repo_path": repo.display().to_string(), "key": "BEN"}),
    )
    .await?;
    post(
        &http,
        format!("{api}/projects/BEN/tasks"),
        json!({"title": "bench"}),
    )
    .await?;

    // RSS sampler every 100 ms on the server process.
    let stop = Arc::new(AtomicBool::new(false));
    let peak_hwm = Arc::new(AtomicU64::new(0));
    let peak_rss = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (stop, peak_hwm, peak_rss, pid) =
            (stop.clone(), peak_hwm.clone(), peak_rss.clone(), server.pid);
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                if let Some((hwm, rss)) = mem_kib(pid) {
                    peak_hwm.fetch_max(hwm, Ordering::Relaxed);
                    peak_rss.fetch_max(rss, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    let before = mem_kib(server.pid).unwrap_or_default();

    let started = Instant::now();
    let attempt = post(
        &http,
        format!("{api}/tasks/BEN-1/attempts"),
        json!({
            "agent": "claude-code",
            "prompt": format!("@step filler {n}\n@step result done"),
        }),
    )
    .await?;
    let id = attempt["id"]
        .as_str()
        .ok_or("attempt without id")?
        .to_owned();

    let deadline = started + Duration::from_secs(1800);
    let (log_len, elapsed) = loop {
        let a: Value = http
            .get(format!("{api}/attempts/{id}"))
            .send()
            .await?
            .json()
            .await?;
        let len = a["log_len"].as_u64().unwrap_or(0);
        let status = a["status"].as_str().unwrap_or("");
        if status == "succeeded" && len >= n {
            break (len, started.elapsed());
        }
        if matches!(status, "failed" | "stopped" | "interrupted") {
            return Err(format!("attempt ended {status} with {len} entries: {a}").into());
        }
        if Instant::now() > deadline {
            return Err(format!("timed out at {len} entries, status {status}").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    stop.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    let end = mem_kib(server.pid).unwrap_or_default();
    let secs = elapsed.as_secs_f64();
    println!(
        "ingest N={n}: log_len={log_len} in {secs:.2} s = {:.0} entries/s | server RSS before {:.1} MiB, peak VmHWM {:.1} MiB (max sampled VmRSS {:.1} MiB), VmRSS at end {:.1} MiB",
        log_len as f64 / secs,
        mib(before.1),
        mib(peak_hwm.load(Ordering::Relaxed).max(end.0)),
        mib(peak_rss.load(Ordering::Relaxed)),
        mib(end.1),
    );
    drop(server);
    Ok(())
}

/// Times the fake agent alone printing N lines to /dev/null.
fn fake_alone(n: u64, fake: &Path) -> BenchResult<()> {
    let dir = tempfile::tempdir()?;
    let started = Instant::now();
    let status = Command::new(fake)
        .args([
            "-p",
            &format!("@step filler {n}"),
            "--output-format",
            "stream-json",
            "--verbose",
        ])
        .current_dir(dir.path())
        .env("CADRE_FAKE_STATE", dir.path())
        .stdout(Stdio::null())
        .status()?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "fake agent alone N={n}: {secs:.2} s to /dev/null = {:.0} lines/s ({status})",
        n as f64 / secs
    );
    Ok(())
}

fn main() -> BenchResult<()> {
    // `cargo bench` passes `--bench`; ignore arguments.
    let fake = fake_agent()?;
    println!(
        "cadre ingest bench: server {}, fake agent {}",
        env!("CARGO_BIN_EXE_cadre"),
        fake.display()
    );
    fake_alone(1_000_000, &fake)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        run(100_000, &fake).await?;
        run(1_000_000, &fake).await
    })
}
