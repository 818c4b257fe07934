//! Scenario scripts: the line-based format and where a scenario comes from.
//!
//! One step per line, `VERB ARGUMENTS`; blank lines and lines starting with `#` are
//! ignored. In text arguments `\n`, `\t` and `\\` are unescaped.
//!
//! | Step | Effect |
//! |------|--------|
//! | `session ID` | use this session id (unless resuming) |
//! | `text TEXT` | assistant message |
//! | `thinking TEXT` | reasoning block |
//! | `tool NAME JSON` / `tool_fail NAME JSON` | a tool call and its (failed) result |
//! | `write PATH CONTENT` | really writes the file, reported as a Write tool call |
//! | `append PATH CONTENT` | really appends to the file |
//! | `edit PATH OLD => NEW` | really replaces OLD by NEW in the file |
//! | `delete PATH` | really deletes the file |
//! | `shell COMMAND` | runs `sh -c COMMAND`, reported as a Bash call with its output |
//! | `sleep MS` | pauses |
//! | `filler N` | N assistant messages `filler line i` (load tests) |
//! | `garbage TEXT` | prints TEXT verbatim (not JSON) |
//! | `huge N` | one assistant message line of about N bytes |
//! | `invalid_utf8` | a line with invalid UTF-8 bytes |
//! | `stderr TEXT` | writes TEXT to stderr |
//! | `hang` | sleeps forever |
//! | `crash` | aborts (SIGABRT) |
//! | `signal N` | kills itself with signal N |
//! | `exit N` | exits with code N now |
//! | `result TEXT` | final result (Claude `result`, Codex message + `turn.completed`) |
//! | `result_error TEXT` | failed result (Claude `is_error`, Codex `turn.failed`) |

use std::path::Path;

/// One scripted step; see the module docs.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Fixed session id.
    Session(String),
    /// Assistant text.
    Text(String),
    /// Reasoning.
    Thinking(String),
    /// Tool call and result.
    Tool {
        /// Tool name.
        name: String,
        /// Tool input.
        input: serde_json::Value,
        /// Whether the result is a failure.
        failed: bool,
    },
    /// Write a file.
    Write(String, String),
    /// Append to a file.
    Append(String, String),
    /// Replace text in a file.
    Edit(String, String, String),
    /// Delete a file.
    Delete(String),
    /// Run a shell command.
    Shell(String),
    /// Sleep milliseconds.
    Sleep(u64),
    /// Filler messages.
    Filler(u64),
    /// Verbatim non-JSON line.
    Garbage(String),
    /// One line of about N bytes.
    Huge(usize),
    /// A line with invalid UTF-8.
    InvalidUtf8,
    /// A stderr line.
    Stderr(String),
    /// Sleep forever.
    Hang,
    /// Abort.
    Crash,
    /// Kill self with a signal.
    Signal(i32),
    /// Exit with a code.
    Exit(i32),
    /// Successful final result.
    Result(String),
    /// Failed final result.
    ResultError(String),
}

/// A scenario line that could not be understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "scenario line {}: {}", self.line, self.message)
    }
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('\\') => out.push('\\'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn number<T: std::str::FromStr>(arg: &str, verb: &str) -> Result<T, String> {
    arg.trim()
        .parse()
        .map_err(|_| format!("`{verb}` needs a number, got `{arg}`"))
}

/// Splits `PATH REST` at the first whitespace.
fn path_and_rest(arg: &str) -> (String, &str) {
    match arg.split_once(char::is_whitespace) {
        Some((path, rest)) => (path.to_owned(), rest),
        None => (arg.to_owned(), ""),
    }
}

fn parse_step(verb: &str, arg: &str) -> Result<Step, String> {
    Ok(match verb {
        "session" => Step::Session(arg.trim().to_owned()),
        "text" => Step::Text(unescape(arg)),
        "thinking" => Step::Thinking(unescape(arg)),
        "tool" | "tool_fail" => {
            let (name, json) = path_and_rest(arg);
            let input = if json.trim().is_empty() {
                serde_json::json!({})
            } else {
                serde_json::from_str(json).map_err(|e| format!("tool input is not JSON: {e}"))?
            };
            Step::Tool {
                name,
                input,
                failed: verb == "tool_fail",
            }
        }
        "write" | "append" => {
            let (path, content) = path_and_rest(arg);
            if verb == "write" {
                Step::Write(path, unescape(content))
            } else {
                Step::Append(path, unescape(content))
            }
        }
        "edit" => {
            let (path, rest) = path_and_rest(arg);
            let (old, new) = rest
                .split_once(" => ")
                .ok_or_else(|| "`edit` needs `PATH OLD => NEW`".to_owned())?;
            Step::Edit(path, unescape(old), unescape(new))
        }
        "delete" => Step::Delete(arg.trim().to_owned()),
        "shell" => Step::Shell(arg.to_owned()),
        "sleep" => Step::Sleep(number(arg, verb)?),
        "filler" => Step::Filler(number(arg, verb)?),
        "garbage" => Step::Garbage(unescape(arg)),
        "huge" => Step::Huge(number(arg, verb)?),
        "invalid_utf8" => Step::InvalidUtf8,
        "stderr" => Step::Stderr(unescape(arg)),
        "hang" => Step::Hang,
        "crash" => Step::Crash,
        "signal" => Step::Signal(number(arg, verb)?),
        "exit" => Step::Exit(number(arg, verb)?),
        "result" => Step::Result(unescape(arg)),
        "result_error" => Step::ResultError(unescape(arg)),
        other => return Err(format!("unknown step `{other}`")),
    })
}

/// Parses a scenario script.
pub fn parse(text: &str) -> Result<Vec<Step>, ParseError> {
    let mut steps = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_start();
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (verb, arg) = line.split_once(' ').unwrap_or((line.trim_end(), ""));
        steps.push(parse_step(verb, arg).map_err(|message| ParseError {
            line: i + 1,
            message,
        })?);
    }
    Ok(steps)
}

/// The default run: one message, one file written (`fake-agent.txt` holding the
/// prompt), and a result.
pub fn default_steps(prompt: &str) -> Vec<Step> {
    vec![
        Step::Text("Working on it.".into()),
        Step::Write("fake-agent.txt".into(), prompt.to_owned()),
        Step::Result("Wrote fake-agent.txt.".into()),
    ]
}

/// Where the steps come from, in priority order: a `@scenario PATH` line in the prompt,
/// `@step ...` lines in the prompt (inline script), the `CADRE_FAKE_SCENARIO` file,
/// else [`default_steps`]. Relative paths are resolved against `cwd`.
pub fn load(prompt: &str, env_scenario: Option<&str>, cwd: &Path) -> Result<Vec<Step>, String> {
    let from_prompt = prompt
        .lines()
        .find_map(|l| l.trim().strip_prefix("@scenario "))
        .map(str::trim);
    if let Some(path) = from_prompt {
        return read_file(&cwd.join(path));
    }
    let inline: Vec<&str> = prompt
        .lines()
        .filter_map(|l| l.trim().strip_prefix("@step "))
        .collect();
    if !inline.is_empty() {
        return parse(&inline.join("\n")).map_err(|e| e.to_string());
    }
    match env_scenario.filter(|p| !p.trim().is_empty()) {
        Some(path) => read_file(&cwd.join(path)),
        None => Ok(default_steps(prompt)),
    }
}

fn read_file(path: &Path) -> Result<Vec<Step>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read scenario {}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_parsed_with_escapes() {
        let steps = parse(
            "# comment\n\ntext hello\\nworld\nedit a.txt old => new\ntool Bash {\"command\":\"ls\"}\nexit 3\n",
        )
        .expect("parse");
        assert_eq!(
            steps,
            vec![
                Step::Text("hello\nworld".into()),
                Step::Edit("a.txt".into(), "old".into(), "new".into()),
                Step::Tool {
                    name: "Bash".into(),
                    input: serde_json::json!({"command": "ls"}),
                    failed: false
                },
                Step::Exit(3),
            ]
        );
    }

    #[test]
    fn unknown_step_reports_its_line() {
        let err = parse("text ok\nfly away").expect_err("must fail");
        assert_eq!(err.line, 2);
    }

    #[test]
    fn inline_steps_in_the_prompt_win_over_the_env_file() {
        let steps = load(
            "do this\n@step text inline",
            Some("/nonexistent"),
            Path::new("."),
        )
        .expect("load");
        assert_eq!(steps, vec![Step::Text("inline".into())]);
    }
}
