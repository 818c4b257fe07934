//! The CLI's live views over SSE against a real server: `cadre attempt logs
//! --follow` and `cadre events --follow`, including resuming after a server
//! restart, and a server that shuts down promptly with streams open.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{TestServer, cadre_bin, fake_agent};

/// A CLI process whose stdout lines arrive on a channel; killed on drop.
struct Follower {
    child: Child,
    lines: Receiver<String>,
}

impl Follower {
    fn start(home: &std::path::Path, args: &[&str]) -> Self {
        let mut child = Command::new(cadre_bin())
            .args(args)
            .env("CADRE_HOME", home)
            .env_remove("CADRE_SERVER")
            .env_remove("CADRE_TOKEN")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the CLI");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Self { child, lines }
    }

    /// The next line, within `secs` seconds.
    fn line(&self, secs: u64) -> Option<String> {
        self.lines.recv_timeout(Duration::from_secs(secs)).ok()
    }

    /// Waits for the process to end by itself; returns every remaining line.
    fn finish(mut self) -> (bool, Vec<String>) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            assert!(Instant::now() < deadline, "the CLI did not finish");
            std::thread::sleep(Duration::from_millis(50));
        };
        let rest = std::iter::from_fn(|| self.line(5)).collect();
        (status.success(), rest)
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn fake_server() -> TestServer {
    let fake = fake_agent().display().to_string();
    TestServer::start_with(
        tempfile::tempdir().expect("home"),
        &[("CADRE_CLAUDE_CODE_BIN", fake.as_str())],
    )
}

fn start_attempt(server: &TestServer, steps: &[&str]) -> String {
    let script: String = steps.iter().map(|s| format!("@step {s}\n")).collect();
    server
        .ok(&[
            "attempt",
            "start",
            "WEB-1",
            "--agent",
            "claude-code",
            "--prompt",
            &script,
        ])
        .trim()
        .to_owned()
}

#[test]
fn attempt_logs_follow_streams_live_entries_until_the_attempt_settles() {
    let server = fake_server();
    let (_dir, _) = server.add_project("WEB");
    server.ok(&["task", "add", "--project", "WEB", "Stream me"]);
    let id = start_attempt(
        &server,
        &["text one", "sleep 1500", "text two", "result done"],
    );
    let follower = Follower::start(server.home.path(), &["attempt", "logs", &id, "--follow"]);
    // "one" arrives while the agent still sleeps: live, not at the end.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let line = follower.line(30).expect("a line while the agent runs");
        if line == "agent: one" {
            break;
        }
        assert!(Instant::now() < deadline, "never saw `agent: one`");
    }
    let status = server.json(&["attempt", "show", &id]);
    assert_eq!(status["status"], "running", "seen before the attempt ended");
    let (ok, rest) = follower.finish();
    assert!(ok, "{rest:?}");
    assert_eq!(
        rest.iter().filter(|l| *l == "agent: two").count(),
        1,
        "{rest:?}"
    );
    assert!(
        !rest.contains(&"agent: one".to_owned()),
        "no repeats: {rest:?}"
    );
    assert_eq!(
        rest.last().map(String::as_str),
        Some("-- attempt succeeded"),
        "{rest:?}"
    );
}

#[test]
fn attempt_logs_follow_of_a_settled_attempt_prints_it_all_and_exits() {
    let server = fake_server();
    let (_dir, _) = server.add_project("WEB");
    server.ok(&["task", "add", "--project", "WEB", "Done already"]);
    let id = start_attempt(&server, &["text only", "result done"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.json(&["attempt", "show", &id])["status"] != "succeeded" {
        assert!(Instant::now() < deadline, "attempt never settled");
        std::thread::sleep(Duration::from_millis(100));
    }
    let follower = Follower::start(
        server.home.path(),
        &["attempt", "logs", &id, "--follow", "--json"],
    );
    let (ok, lines) = follower.finish();
    assert!(ok);
    let seqs: Vec<i64> = lines
        .iter()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("json line")["seq"]
                .as_i64()
                .expect("seq")
        })
        .collect();
    assert!(!seqs.is_empty());
    assert_eq!(
        seqs,
        (1..=seqs.len() as i64).collect::<Vec<_>>(),
        "each entry once"
    );
}

/// The seq of a `cadre events --follow --json` line.
fn seq(line: &str) -> i64 {
    serde_json::from_str::<Value>(line).expect("json event")["seq"]
        .as_i64()
        .expect("seq")
}

#[test]
fn events_follow_resumes_after_a_server_restart_without_gaps_or_repeats() {
    let server = TestServer::start();
    let (_dir, _) = server.add_project("WEB");
    let follower = Follower::start(server.home.path(), &["events", "--follow", "--json"]);
    server.ok(&["task", "add", "--project", "WEB", "before"]);
    let mut seen = vec![];
    while seen.len() < 2 {
        seen.push(seq(&follower.line(20).expect("an event")));
    }

    // A restart on another port: the follower finds it through server.json and
    // asks for what came after its last seq.
    let (status, home) = server.stop();
    assert!(status.success(), "the server stops with a stream open");
    let server = TestServer::start_with(home, &[]);
    for title in ["after 1", "after 2", "after 3"] {
        server.ok(&["task", "add", "--project", "WEB", title]);
    }
    while seen.len() < 5 {
        seen.push(seq(&follower.line(30).expect("an event after the restart")));
    }
    assert_eq!(seen, vec![1, 2, 3, 4, 5]);
    assert_eq!(follower.line(1), None, "nothing repeated");
}
