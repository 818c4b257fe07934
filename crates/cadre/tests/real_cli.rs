//! The real Claude Code and Codex CLIs end to end: a real `cadre serve` runs the npm
//! packages (pinned and installed by `scripts/install-agent-clis.sh`, which the test
//! setup runs itself) against a scripted local mock of the model APIs
//! (`support/mock_model.rs`). Each test covers a run that writes a file through the
//! agent's own tool and a follow-up that resumes the same session, checking what
//! cadre recorded against what the CLI did and what it sent to the model.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::mock_model::{MockModel, Reply, Turn};
use support::{TestServer, repo};

/// Where the installed CLIs live.
struct Clis {
    claude: PathBuf,
    codex: PathBuf,
}

/// Installs the pinned CLIs once per test process (the script returns at once when
/// they are already there) and returns their paths.
fn clis() -> &'static Clis {
    static CLIS: OnceLock<Clis> = OnceLock::new();
    CLIS.get_or_init(|| {
        let root = canonical(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."));
        let dir = std::env::var_os("CADRE_AGENT_CLIS_DIR")
            .map_or_else(|| root.join("target/agent-clis"), PathBuf::from);
        let script = root.join("scripts/install-agent-clis.sh");
        let out = Command::new("bash")
            .arg(&script)
            .env("CADRE_AGENT_CLIS_DIR", &dir)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
        assert!(
            out.status.success(),
            "installing the real agent CLIs failed; these tests need node, npm and the npm \
             registry (run {} by hand to see why):\n{}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        Clis {
            claude: dir.join("bin/claude"),
            codex: dir.join("bin/codex"),
        }
    })
}

/// One scripted exchange: the person asks for a file, the model writes it with a
/// tool, sees the result and says it is done.
struct Step {
    ask: &'static str,
    file: &'static str,
    content: &'static str,
    say: &'static str,
    done: &'static str,
}

const FIRST: Step = Step {
    ask: "Create hello.txt",
    file: "hello.txt",
    content: "hello from the mock model\n",
    say: "I will create hello.txt.",
    done: "Created hello.txt.",
};

const FOLLOW_UP: Step = Step {
    ask: "Now also create bye.txt",
    file: "bye.txt",
    content: "goodbye\n",
    say: "I will create bye.txt as well.",
    done: "Created bye.txt too.",
};

/// How one agent is driven: its id, how it writes a file, and its profile.
struct Agent {
    id: &'static str,
    bin_var: &'static str,
    bin: PathBuf,
    /// The tool call that writes `step.file` (the agent's cwd comes from the turn).
    write: fn(&Turn, &Step) -> Reply,
    /// `cadre profile add` arguments beyond the name, agent and env.
    profile_args: fn(&MockModel) -> Vec<String>,
    /// Environment for the CLI, given the mock and a private home directory.
    env: fn(&MockModel, &Path) -> Vec<String>,
}

/// The model's side of the conversation, chosen from what the request says.
fn script(write: fn(&Turn, &Step) -> Reply) -> impl Fn(&Turn) -> Reply + Send + Sync {
    move |turn| {
        // The follow-up's request still carries the first prompt, so match on the
        // newest prompt only, which is what `Turn::prompt` is.
        let step = if turn.prompt.contains(FOLLOW_UP.ask) {
            &FOLLOW_UP
        } else if turn.prompt.contains(FIRST.ask) {
            &FIRST
        } else {
            return Reply::Text(format!("unscripted prompt: {:?}", turn.prompt));
        };
        if turn.tool_outputs.is_empty() {
            write(turn, step)
        } else {
            Reply::Text(step.done.to_owned())
        }
    }
}

fn claude_code() -> Agent {
    Agent {
        id: "claude-code",
        bin_var: "CADRE_CLAUDE_CODE_BIN",
        bin: clis().claude.clone(),
        // Claude Code's Write tool takes an absolute path.
        write: |turn, step| match &turn.cwd {
            Some(cwd) => Reply::Tool {
                text: step.say.to_owned(),
                name: "Write".to_owned(),
                input: json!({"file_path": format!("{cwd}/{}", step.file), "content": step.content}),
            },
            None => Reply::Text("the request named no working directory".to_owned()),
        },
        profile_args: |_| Vec::new(),
        env: |mock, home| {
            vec![
                format!("ANTHROPIC_BASE_URL={}", mock.url()),
                "ANTHROPIC_API_KEY=mock-key".to_owned(),
                "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1".to_owned(),
                "DISABLE_TELEMETRY=1".to_owned(),
                format!("HOME={}", home.display()),
                format!("XDG_CONFIG_HOME={}/.config", home.display()),
            ]
        },
    }
}

fn codex() -> Agent {
    Agent {
        id: "codex",
        bin_var: "CADRE_CODEX_BIN",
        bin: clis().codex.clone(),
        // Codex's shell tool runs in the turn's working directory.
        write: |_, step| Reply::Tool {
            text: step.say.to_owned(),
            name: "exec_command".to_owned(),
            input: json!({"cmd": format!("printf '%s' '{}' > {}", step.content, step.file)}),
        },
        // A model name Codex does not know: it then offers the classic function
        // tools (`exec_command`) instead of its JavaScript "code mode" tool.
        profile_args: |mock| {
            let provider = format!(
                r#"model_providers.mock={{name="mock",base_url="{}/v1",env_key="MOCK_KEY",wire_api="responses"}}"#,
                mock.url()
            );
            [
                "--model",
                "mock-model",
                "--arg=-c",
                "--arg=model_provider=mock",
                "--arg=-c",
            ]
            .iter()
            .map(|s| (*s).to_owned())
            .chain([format!("--arg={provider}")])
            .collect()
        },
        env: |_, home| {
            vec![
                "MOCK_KEY=mock-key".to_owned(),
                // Codex requires its home to exist already.
                format!("CODEX_HOME={}", home.display()),
                format!("HOME={}", home.display()),
                format!("XDG_CONFIG_HOME={}/.config", home.display()),
            ]
        },
    }
}

/// Variables of the developer's own setup that would point a CLI elsewhere.
const FOREIGN_ENV: &[&str] = &[
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_MODEL",
    "CLAUDE_CONFIG_DIR",
    "CLAUDECODE",
    "CLAUDE_CODE_ENTRYPOINT",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
];

struct Board {
    server: TestServer,
    mock: MockModel,
    repo: PathBuf,
    _repo: tempfile::TempDir,
    _agent_home: tempfile::TempDir,
}

impl Board {
    /// A server that runs `agent`'s real binary, a project on a fresh repository,
    /// one task, and a profile `mock` pointing the CLI at a new mock model.
    fn start(agent: &Agent) -> Self {
        let mock = MockModel::start(script(agent.write));
        let bin = agent.bin.display().to_string();
        let server = TestServer::start_with_env(
            tempfile::tempdir().expect("home"),
            &[(agent.bin_var, bin.as_str())],
            FOREIGN_ENV,
        );
        let (dir, path) = repo();
        server.ok(&[
            "project",
            "add",
            path.to_str().expect("path"),
            "--key",
            "WEB",
        ]);
        server.ok(&["task", "add", "--project", "WEB", "Greet"]);
        let agent_home = tempfile::tempdir().expect("agent home");
        let mut args: Vec<String> = ["profile", "add", "mock", "--agent", agent.id]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        args.extend((agent.profile_args)(&mock));
        for pair in (agent.env)(&mock, agent_home.path()) {
            args.push(format!("--env={pair}"));
        }
        args.extend(["--project".to_owned(), "WEB".to_owned()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        server.ok(&args);
        Self {
            server,
            mock,
            repo: path,
            _repo: dir,
            _agent_home: agent_home,
        }
    }

    fn show(&self, id: &str) -> Value {
        self.server.json(&["attempt", "show", id])
    }

    /// Waits until the attempt has run `processes` turns and settled.
    fn settled(&self, id: &str, processes: usize) -> Value {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let a = self.show(id);
            let done = matches!(
                a["status"].as_str(),
                Some("succeeded" | "failed" | "stopped" | "interrupted")
            );
            if done && a["processes"].as_array().map(Vec::len) == Some(processes) {
                return a;
            }
            assert!(
                Instant::now() < deadline,
                "attempt did not settle after {processes} turn(s): {a}\nlog: {:#?}",
                self.entries(id)
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn entries(&self, id: &str) -> Vec<Value> {
        self.server
            .ok(&["attempt", "logs", id, "--json"])
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).expect("json line")["entry"].clone())
            .collect()
    }

    /// With `CADRE_REAL_CLI_RECORD=DIR` set, copies each turn's raw stdout to
    /// `DIR/<agent>-<turn>.jsonl`: how the parser fixtures `*_real.jsonl` in
    /// `cadre-agents` are refreshed when a pinned version changes.
    fn record(&self, agent: &Agent, attempt: &Value) {
        let Some(dir) = std::env::var_os("CADRE_REAL_CLI_RECORD") else {
            return;
        };
        let id = attempt["id"].as_str().expect("attempt id");
        let runs = self.server.home.path().join("runs").join(id);
        std::fs::create_dir_all(&dir).expect("create the record dir");
        for (turn, process) in attempt["processes"]
            .as_array()
            .expect("processes")
            .iter()
            .enumerate()
        {
            let process = process["id"].as_str().expect("process id");
            let to = Path::new(&dir).join(format!("{}-{}.jsonl", agent.id, turn + 1));
            std::fs::copy(runs.join(process).join("stdout.log"), &to)
                .unwrap_or_else(|e| panic!("record {}: {e}", to.display()));
        }
    }

    /// Where the agent worked: the attempt's worktree when it has one, else the
    /// project's checkout.
    fn workdir(&self, attempt: &Value) -> PathBuf {
        attempt["worktree_path"]
            .as_str()
            .map_or_else(|| self.repo.clone(), PathBuf::from)
    }

    /// Model calls whose newest prompt is `step`'s.
    fn turns_of(&self, step: &Step) -> Vec<(Value, Turn)> {
        self.mock
            .turns()
            .into_iter()
            .filter(|(_, t)| t.prompt.contains(step.ask))
            .map(|(r, t)| (r.body, t))
            .collect()
    }
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The log shows `step`'s exchange: what the agent said, a tool call touching the
/// file and its successful result, and the final message.
fn assert_step_logged(entries: &[Value], step: &Step) {
    let said: Vec<&str> = entries
        .iter()
        .filter(|e| e["kind"] == "assistant_message")
        .filter_map(|e| e["text"].as_str())
        .collect();
    assert!(said.contains(&step.say), "{said:?}");
    assert!(said.contains(&step.done), "{said:?}");
    let call = entries
        .iter()
        .find(|e| e["kind"] == "tool_call" && e["action"].to_string().contains(step.file))
        .unwrap_or_else(|| panic!("no tool call touching {}: {entries:#?}", step.file));
    let result = entries
        .iter()
        .find(|e| e["kind"] == "tool_result" && e["call_id"] == call["call_id"])
        .unwrap_or_else(|| panic!("no result for {call}: {entries:#?}"));
    assert_eq!(result["status"], "success", "{result}");
}

/// Starts an attempt with the real CLI, checks the written file, the log and the
/// session, then follows up and checks the CLI resumed that same session.
fn run_writes_file_and_follow_up_resumes_session(agent: &Agent) {
    let board = Board::start(agent);
    let agents = board.server.json(&["agents"]);
    let found = agents
        .as_array()
        .and_then(|all| all.iter().find(|a| a["id"] == agent.id))
        .unwrap_or_else(|| panic!("{} is not listed: {agents}", agent.id));
    assert_eq!(found["installed"], true, "{found}");
    assert!(
        found["version"].as_str().is_some_and(|v| !v.is_empty()),
        "discovery reads the real CLI's version: {found}"
    );
    let id = board
        .server
        .ok(&[
            "attempt",
            "start",
            "WEB-1",
            "--profile",
            "mock",
            "--prompt",
            FIRST.ask,
        ])
        .trim()
        .to_owned();
    let a = board.settled(&id, 1);
    assert_eq!(a["status"], "succeeded", "{a}\n{:#?}", board.entries(&id));
    let session = a["session_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no session id recorded: {a}"))
        .to_owned();
    assert_eq!(a["summary"], FIRST.done, "{a}");

    let dir = board.workdir(&a);
    assert_eq!(
        std::fs::read_to_string(dir.join(FIRST.file)).expect("the agent wrote the file"),
        FIRST.content
    );
    assert_eq!(
        canonical(Path::new(a["processes"][0]["cwd"].as_str().expect("cwd"))),
        canonical(&dir)
    );

    let entries = board.entries(&id);
    assert_step_logged(&entries, &FIRST);
    let started: Vec<&Value> = entries
        .iter()
        .filter(|e| e["kind"] == "session_started")
        .collect();
    assert_eq!(started.len(), 1, "{entries:#?}");
    assert_eq!(started[0]["session_id"], session.as_str());

    // The model saw the directory cadre chose and the session cadre recorded.
    let first = board.turns_of(&FIRST);
    assert_eq!(
        first.len(),
        2,
        "the prompt, then the tool result: {first:#?}"
    );
    for (_, turn) in &first {
        let cwd = turn.cwd.as_deref().expect("the CLI told the model its cwd");
        assert_eq!(canonical(Path::new(cwd)), canonical(&dir));
        assert_eq!(turn.session_id.as_deref(), Some(session.as_str()));
    }

    board
        .server
        .ok(&["attempt", "followup", &id, FOLLOW_UP.ask]);
    let a = board.settled(&id, 2);
    assert_eq!(a["status"], "succeeded", "{a}\n{:#?}", board.entries(&id));
    assert_eq!(
        a["session_id"],
        session.as_str(),
        "the session id is unchanged"
    );
    assert_eq!(a["summary"], FOLLOW_UP.done, "{a}");
    let argv: Vec<String> =
        serde_json::from_value(a["processes"][1]["argv"].clone()).expect("argv");
    assert!(
        argv.windows(2)
            .any(|w| (w[0] == "--resume" || w[0] == "resume") && w[1] == session),
        "the follow-up resumes the session: {argv:?}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join(FOLLOW_UP.file)).expect("the follow-up wrote its file"),
        FOLLOW_UP.content
    );
    assert_step_logged(&board.entries(&id), &FOLLOW_UP);
    board.record(agent, &a);

    // The resumed CLI sent the earlier turns along, under the same session.
    let second = board.turns_of(&FOLLOW_UP);
    assert_eq!(
        second.len(),
        2,
        "the follow-up, then the tool result: {second:#?}"
    );
    for (body, turn) in &second {
        assert_eq!(turn.session_id.as_deref(), Some(session.as_str()));
        let sent = body.to_string();
        for earlier in [FIRST.ask, FIRST.say, FIRST.done] {
            assert!(
                sent.contains(earlier),
                "the resumed conversation lacks {earlier:?}"
            );
        }
    }
    let elsewhere: Vec<String> = board
        .mock
        .requests()
        .into_iter()
        .filter(|r| r.turn.is_none())
        .map(|r| r.request_line)
        .collect();
    assert!(
        elsewhere.is_empty(),
        "the CLI called more than the model API: {elsewhere:?}"
    );
}

#[test]
fn claude_code_run_writes_file_and_follow_up_resumes_session() {
    run_writes_file_and_follow_up_resumes_session(&claude_code());
}

#[test]
fn codex_run_writes_file_and_follow_up_resumes_session() {
    run_writes_file_and_follow_up_resumes_session(&codex());
}
