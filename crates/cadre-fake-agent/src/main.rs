//! `cadre-fake-agent`: a scriptable stand-in for the `claude` and `codex` CLIs, so
//! cadre's supervisor, parsers and UI can be tested without a model.
//!
//! It accepts the real CLIs' argument shapes: `exec ...` as the first argument selects
//! Codex (`exec --json [flags] [resume ID] PROMPT`), anything else Claude
//! (`-p PROMPT --output-format stream-json --verbose [--resume ID] [--model M]`);
//! unknown flags are ignored and a missing prompt is read from stdin. It prints events
//! in the matching format, flushing every line.
//!
//! What it does is scripted by a scenario (format in [`scenario`]): a `@scenario PATH`
//! line in the prompt, else `@step ...` lines in the prompt, else the file named by
//! `CADRE_FAKE_SCENARIO`, else a default run that writes `fake-agent.txt`.
//!
//! `--version` prints a version line, as the real CLIs do.
//!
//! Sessions: a new run gets a fresh id; `--resume ID` (Codex: `resume ID`) reuses ID.
//! Every run appends its prompt (as a JSON string, one per line) to `ID.log` in
//! `$CADRE_FAKE_STATE`, or else in `.fake-agent-sessions/` of the working directory
//! (which holds a `.gitignore` so git does not report it).

mod cli;
mod emit;
mod scenario;

use emit::{Emitter, FileChange, raw_line, stderr_line};
use scenario::Step;
use serde_json::json;
use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// A fresh UUID-shaped session id from the process's random hasher keys (no extra
/// dependency needed for randomness).
fn new_session_id() -> String {
    let word = || {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u32(std::process::id());
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        h.finish()
    };
    let hex = format!("{:016x}{:016x}", word(), word());
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

fn state_dir(cwd: &Path) -> PathBuf {
    match std::env::var_os("CADRE_FAKE_STATE") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => cwd.join(".fake-agent-sessions"),
    }
}

/// Appends the prompt to the session's state file.
fn record_prompt(cwd: &Path, session: &str, prompt: &str) -> std::io::Result<()> {
    let dir = state_dir(cwd);
    std::fs::create_dir_all(&dir)?;
    let ignore = dir.join(".gitignore");
    if !ignore.exists() {
        std::fs::write(&ignore, "*\n")?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(format!("{session}.log")))?;
    writeln!(file, "{}", serde_json::Value::from(prompt))
}

/// Runs `sh -c command`, returning combined output and exit code.
fn run_shell(cwd: &Path, command: &str) -> (String, i32) {
    match std::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(cwd)
        .output()
    {
        Ok(out) => {
            let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
            text.push_str(&String::from_utf8_lossy(&out.stderr));
            (text, out.status.code().unwrap_or(-1))
        }
        Err(e) => (format!("cannot run sh: {e}"), 127),
    }
}

/// Executes the steps; returns the exit code when a step ends the run early.
fn run(steps: &[Step], em: &mut Emitter, cwd: &Path) -> Option<i32> {
    let mut turns = 1;
    for step in steps {
        match step {
            Step::Session(_) => {}
            Step::Text(text) => em.text(text),
            Step::Thinking(text) => em.thinking(text),
            Step::Tool {
                name,
                input,
                failed,
            } => {
                turns += 1;
                let output = if *failed { "tool failed" } else { "ok" };
                em.tool(name, input, output, *failed);
            }
            Step::Write(path, content) | Step::Append(path, content) => {
                turns += 1;
                let full = cwd.join(path);
                let existed = full.exists();
                let append = matches!(step, Step::Append(..));
                let result = if append {
                    std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(&full)
                        .and_then(|mut f| f.write_all(content.as_bytes()))
                } else {
                    std::fs::write(&full, content)
                };
                let shown = full.display().to_string();
                let output = match &result {
                    Ok(()) => format!("File written: {shown}"),
                    Err(e) => format!("cannot write {shown}: {e}"),
                };
                em.file_change(FileChange {
                    claude_tool: "Write",
                    input: json!({"file_path": shown, "content": content}),
                    path: &shown,
                    kind: if existed { "update" } else { "add" },
                    output: &output,
                    failed: result.is_err(),
                });
            }
            Step::Edit(path, old, new) => {
                turns += 1;
                let full = cwd.join(path);
                let shown = full.display().to_string();
                let result = std::fs::read_to_string(&full)
                    .map_err(|e| e.to_string())
                    .and_then(|text| {
                        if text.contains(old.as_str()) {
                            std::fs::write(&full, text.replacen(old.as_str(), new, 1))
                                .map_err(|e| e.to_string())
                        } else {
                            Err("String to replace not found in file.".to_owned())
                        }
                    });
                let output = match &result {
                    Ok(()) => format!("The file {shown} has been updated."),
                    Err(e) => e.clone(),
                };
                em.file_change(FileChange {
                    claude_tool: "Edit",
                    input: json!({"file_path": shown, "old_string": old, "new_string": new}),
                    path: &shown,
                    kind: "update",
                    output: &output,
                    failed: result.is_err(),
                });
            }
            Step::Delete(path) => {
                turns += 1;
                let full = cwd.join(path);
                let shown = full.display().to_string();
                let result = std::fs::remove_file(&full);
                let output = match &result {
                    Ok(()) => String::new(),
                    Err(e) => format!("rm: {shown}: {e}"),
                };
                em.file_change(FileChange {
                    claude_tool: "Bash",
                    input: json!({"command": format!("rm {shown}")}),
                    path: &shown,
                    kind: "delete",
                    output: &output,
                    failed: result.is_err(),
                });
            }
            Step::Shell(command) => {
                turns += 1;
                let (output, code) = run_shell(cwd, command);
                em.command(command, &output, code);
            }
            Step::Sleep(ms) => std::thread::sleep(Duration::from_millis(*ms)),
            Step::Filler(n) => {
                for i in 0..*n {
                    em.text(&format!("filler line {i}"));
                }
            }
            Step::Garbage(text) => raw_line(text.as_bytes()),
            Step::Huge(n) => em.text(&"x".repeat(n.saturating_sub(200).max(1))),
            Step::InvalidUtf8 => raw_line(b"invalid utf8: \xff\xfe \xc3\x28 end"),
            Step::Stderr(text) => stderr_line(text),
            Step::Hang => loop {
                std::thread::sleep(Duration::from_secs(3600));
            },
            Step::Crash => std::process::abort(),
            Step::Signal(sig) => {
                let _ = std::process::Command::new("kill")
                    .arg(format!("-{sig}"))
                    .arg(std::process::id().to_string())
                    .status();
                // The signal may be caught or ignored; give it a moment, then abort.
                std::thread::sleep(Duration::from_secs(2));
                std::process::abort();
            }
            Step::Exit(code) => return Some(*code),
            Step::Result(text) => em.result(text, turns),
            Step::ResultError(text) => em.result_error(text, turns),
        }
    }
    None
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Answered like the real CLIs, before anything else: cadre probes every agent
    // with `--version`, and a default run would write files in its directory.
    if args.first().map(String::as_str) == Some("--version") {
        println!("{} (cadre-fake-agent)", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    let inv = cli::parse(&args);
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let env_scenario = std::env::var("CADRE_FAKE_SCENARIO").ok();
    let steps = match scenario::load(&inv.prompt, env_scenario.as_deref(), &cwd) {
        Ok(steps) => steps,
        Err(message) => {
            stderr_line(&format!("cadre-fake-agent: {message}"));
            return ExitCode::from(2);
        }
    };
    let fixed = steps.iter().find_map(|s| match s {
        Step::Session(id) => Some(id.clone()),
        _ => None,
    });
    let session = inv.resume.clone().or(fixed).unwrap_or_else(new_session_id);
    if let Err(e) = record_prompt(&cwd, &session, &inv.prompt) {
        stderr_line(&format!(
            "cadre-fake-agent: cannot record session state: {e}"
        ));
    }
    let mut em = Emitter::new(
        inv.format,
        session,
        inv.model.clone(),
        cwd.display().to_string(),
    );
    em.init();
    match run(&steps, &mut em, &cwd) {
        Some(code) => ExitCode::from(u8::try_from(code.rem_euclid(256)).unwrap_or(1)),
        None => ExitCode::SUCCESS,
    }
}
