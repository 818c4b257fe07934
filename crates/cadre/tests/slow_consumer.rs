//! Slow SSE consumers against a real server: a subscriber that stops reading
//! neither slows ingestion nor makes the server's memory grow without bound; one
//! that reads too slowly gets `resync` and resumes from its position; both
//! streams send heartbeat comments.

mod support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::http::Api;
use support::{TestServer, fake_agent};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// Resident memory of process `pid`, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

fn server_pid(server: &TestServer) -> u32 {
    let info: Value = serde_json::from_slice(
        &std::fs::read(server.home.path().join("server.json")).expect("server.json"),
    )
    .expect("json");
    info["pid"].as_u64().expect("pid") as u32
}

/// Opens an SSE stream with a tiny receive window and reads only the response
/// head; the caller then stops reading (or reads when it wants).
async fn subscribe(url: &str, path: &str, last_event_id: Option<i64>) -> TcpStream {
    let addr: std::net::SocketAddr = url
        .trim_start_matches("http://")
        .parse()
        .expect("socket address");
    let socket = TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("rcvbuf");
    let mut stream = socket.connect(addr).await.expect("connect");
    let resume = last_event_id
        .map(|id| format!("Last-Event-ID: {id}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "GET /api/v1{path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n{resume}\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("send");
    let mut got = Vec::new();
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        stream.read_exact(&mut byte).await.expect("response head");
        got.push(byte[0]);
    }
    assert!(
        got.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&got)
    );
    stream
}

async fn settled(api: &Api, id: &str) -> (Value, Duration) {
    let started = Instant::now();
    loop {
        let (_, a) = api.get(&format!("/attempts/{id}")).await;
        if matches!(a["status"].as_str(), Some("succeeded" | "failed")) {
            return (a, started.elapsed());
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "never settled: {a}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn attempt(api: &Api, script: &str) -> String {
    let (status, a) = api
        .post(
            "/tasks/WEB-1/attempts",
            json!({ "agent": "claude-code", "prompt": script }),
        )
        .await;
    assert!(status.is_success(), "{a}");
    a["id"].as_str().expect("id").to_owned()
}

/// Reads the rest of a chunked SSE response (until its last chunk) and returns
/// the events as (event name, id, data).
async fn read_to_end(stream: &mut TcpStream) -> Vec<(String, String, String)> {
    let mut raw = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    while !raw.ends_with(b"\r\n0\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut buf))
            .await
            .expect("the stream ends after resync")
            .expect("read");
        assert!(n > 0, "connection closed before the last chunk");
        raw.extend_from_slice(&buf[..n]);
    }
    // Undo the chunked transfer encoding.
    let mut body = Vec::new();
    let mut rest = &raw[..];
    loop {
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("chunk size");
        let size = usize::from_str_radix(std::str::from_utf8(&rest[..line_end]).expect("hex"), 16)
            .expect("chunk size");
        if size == 0 {
            break;
        }
        body.extend_from_slice(&rest[line_end + 2..line_end + 2 + size]);
        rest = &rest[line_end + 2 + size + 2..];
    }
    String::from_utf8(body)
        .expect("utf-8")
        .split("\n\n")
        .filter(|block| !block.trim().is_empty() && !block.starts_with(':'))
        .map(|block| {
            let field = |name: &str| {
                block
                    .lines()
                    .filter_map(|l| l.strip_prefix(name))
                    .map(|v| v.strip_prefix(' ').unwrap_or(v))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            (field("event:"), field("id:"), field("data:"))
        })
        .collect()
}

const LINES: i64 = 100_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_subscriber_slows_nothing_holds_no_memory_and_gets_resync() {
    let fake = fake_agent().display().to_string();
    let server = TestServer::start_with(
        tempfile::tempdir().expect("home"),
        &[("CADRE_CLAUDE_CODE_BIN", fake.as_str())],
    );
    let pid = server_pid(&server);
    let api = Api::on(server);
    let (_dir, _) = api.project("WEB").await;
    api.task("WEB", json!({ "title": "noisy" })).await;

    // The same run twice: unobserved, then with subscribers that stop reading.
    let alone = attempt(&api, &format!("@step filler {LINES}\n@step result done")).await;
    let (a, unobserved) = settled(&api, &alone).await;
    assert_eq!(a["status"], "succeeded");
    let rss_before = rss_kib(pid);
    let script = format!("@step sleep 500\n@step filler {LINES}\n@step result done");
    let watched = attempt(&api, &script).await;
    let url = api.server.url.clone();
    let mut stalled = subscribe(&url, &format!("/attempts/{watched}/stream"), None).await;
    let _stalled_board = subscribe(&url, "/events", None).await;
    let (a, observed) = settled(&api, &watched).await;
    let rss_after = rss_kib(pid);
    assert_eq!(a["status"], "succeeded");
    let total = a["log_len"].as_i64().expect("log_len");
    assert!(total > LINES, "{a}");
    assert!(
        observed < unobserved * 3 + Duration::from_secs(5),
        "ingestion slowed by a stalled subscriber: {unobserved:?} alone, {observed:?} watched"
    );
    // Holding on to the run's entries for the stalled client would cost far more
    // (about 19 MiB per 100,000 entries before queues were bounded).
    assert!(
        rss_after < rss_before + 12 * 1024,
        "server memory grew from {rss_before} to {rss_after} KiB"
    );

    // Reading again, the client finds what was queued for it, then `resync`, then
    // the end of the stream; reconnecting from its last id gets the rest, once.
    let events = read_to_end(&mut stalled).await;
    let (last_name, _, data) = events.last().expect("events").clone();
    assert_eq!(last_name, "resync", "{:?}", events.last());
    let mut seqs: Vec<i64> = events
        .iter()
        .filter(|(name, _, _)| name == "attempt.log.appended")
        .map(|(_, id, _)| id.parse().expect("seq id"))
        .collect();
    let resync: Value = serde_json::from_str(&data).expect("resync data");
    assert_eq!(
        resync["last_seq"].as_i64(),
        seqs.last().copied(),
        "{resync}"
    );
    assert!(
        (seqs.len() as i64) < total,
        "the stalled client was cut off early"
    );

    let mut again = subscribe(
        &url,
        &format!("/attempts/{watched}/stream"),
        seqs.last().copied(),
    )
    .await;
    let mut pending = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    while seqs.len() < total as usize {
        let n = tokio::time::timeout(Duration::from_secs(30), again.read(&mut buf))
            .await
            .expect("the rest arrives")
            .expect("read");
        assert!(n > 0);
        pending.extend_from_slice(&buf[..n]);
        // Only complete lines: a read may end in the middle of one.
        let Some(end) = pending.iter().rposition(|b| *b == b'\n') else {
            continue;
        };
        let complete: Vec<u8> = pending.drain(..=end).collect();
        for line in String::from_utf8_lossy(&complete).lines() {
            if let Some(id) = line.strip_prefix("id:") {
                seqs.push(id.trim().parse().expect("seq id"));
            }
        }
    }
    assert_eq!(
        seqs,
        (1..=total).collect::<Vec<_>>(),
        "every entry once, in order"
    );
}

/// Reads raw bytes until a heartbeat comment (a chunk that is just `:`) arrives.
async fn heartbeat(mut stream: TcpStream) -> Duration {
    let started = Instant::now();
    let mut raw = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    while !raw.windows(5).any(|w| w == b"\r\n:\n\n") {
        let n = tokio::time::timeout(Duration::from_secs(25), stream.read(&mut buf))
            .await
            .expect("a heartbeat within 25 s")
            .expect("read");
        assert!(n > 0, "stream closed");
        raw.extend_from_slice(&buf[..n]);
    }
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_streams_send_heartbeat_comments_every_15_seconds() {
    let fake = fake_agent().display().to_string();
    let server = TestServer::start_with(
        tempfile::tempdir().expect("home"),
        &[("CADRE_CLAUDE_CODE_BIN", fake.as_str())],
    );
    let api = Api::on(server);
    let (_dir, _) = api.project("WEB").await;
    api.task("WEB", json!({ "title": "quiet" })).await;
    let id = attempt(&api, "@step result done").await;
    settled(&api, &id).await;
    let url = api.server.url.clone();
    let board = subscribe(&url, "/events", None).await;
    let log = subscribe(&url, &format!("/attempts/{id}/stream"), None).await;
    let (board, log) = tokio::join!(heartbeat(board), heartbeat(log));
    for waited in [board, log] {
        assert!(
            waited >= Duration::from_secs(14) && waited < Duration::from_secs(20),
            "{waited:?}"
        );
    }
}
