//! Command builders: turn a [`LaunchSpec`] into the exact [`CommandSpec`] to spawn.
//!
//! Pure functions: nothing is spawned here. The supervisor applies a `CommandSpec` as
//! follows: start `program` with `args` in the task's worktree, remove every variable of
//! `env_remove` from the inherited environment, then set `env_set` **in order** (later
//! pairs win, so profile variables override the adapter's defaults), and wire stdin as
//! [`StdinMode`] says.

use crate::agent::AgentId;

/// How much the agent may do without asking. Headless runs cannot answer prompts, so
/// both modes are non-interactive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PermissionMode {
    /// Everything allowed: edits, shell, network (the CLIs' "yolo"/bypass flags).
    #[default]
    Auto,
    /// Edits in the worktree allowed; the CLI's own safer mode otherwise (e.g. Claude
    /// `acceptEdits`, Codex `workspace-write` sandbox, Gemini `auto_edit`). Agents with
    /// no such mode behave as [`PermissionMode::Auto`].
    Safe,
}

/// How a [`AgentId::Command`] agent receives the prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PromptDelivery {
    /// As the last command-line argument.
    #[default]
    Argument,
    /// On stdin, which is then closed.
    Stdin,
}

/// Configuration of a custom [`AgentId::Command`] agent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CustomCommand {
    /// Executable (name on `PATH` or path).
    pub program: String,
    /// Arguments placed before the prompt.
    pub args: Vec<String>,
    /// How the prompt is passed.
    pub prompt_delivery: PromptDelivery,
}

/// Everything needed to build an agent invocation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LaunchSpec {
    /// The prompt for this turn.
    pub prompt: String,
    /// Session id to continue (from an earlier `session_started` entry).
    pub resume_session_id: Option<String>,
    /// Model name, passed through verbatim.
    pub model: Option<String>,
    /// Extra arguments from the profile, placed before any positional prompt.
    pub extra_args: Vec<String>,
    /// Environment variables from the profile; they override the adapter's own.
    pub env: Vec<(String, String)>,
    /// Permission mode.
    pub permission: PermissionMode,
    /// Whether cadre runs as root (Claude then needs `IS_SANDBOX=1` to accept
    /// `--dangerously-skip-permissions`).
    pub running_as_root: bool,
    /// Program to run instead of the agent's default binary (e.g. the path found by
    /// discovery, or an env override).
    pub binary: Option<String>,
    /// Required for [`AgentId::Command`], ignored otherwise.
    pub custom: Option<CustomCommand>,
}

/// What the child's stdin is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum StdinMode {
    /// `/dev/null`.
    Null,
    /// Write this text, then close stdin (EOF).
    Prompt(String),
}

/// A fully specified process invocation; see the module docs for how to apply it.
/// Serializable because the supervisor hands it to its shim process through a file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CommandSpec {
    /// Executable to run.
    pub program: String,
    /// Arguments.
    pub args: Vec<String>,
    /// Variables to set, applied in order after `env_remove`.
    pub env_set: Vec<(String, String)>,
    /// Variables to remove from the inherited environment.
    pub env_remove: Vec<String>,
    /// Stdin wiring.
    pub stdin: StdinMode,
}

/// A project script (setup, preview, verification) run by `sh -c`, with stdin
/// closed and `env` added to the inherited environment. Scripts are the project
/// owner's own shell text, so a shell is the point here; agent prompts never go
/// through one.
pub fn script_command(script: &str, env: Vec<(String, String)>) -> CommandSpec {
    CommandSpec {
        program: "sh".to_owned(),
        args: vec!["-c".to_owned(), script.to_owned()],
        env_set: env,
        env_remove: Vec::new(),
        stdin: StdinMode::Null,
    }
}

/// Why a command could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// A `command` agent without a configured program.
    #[error("the `command` agent needs a program to run")]
    MissingProgram,
    /// Resume was requested from an agent that cannot resume.
    #[error(
        "agent `{0}` cannot resume a session; summarize the conversation into the prompt instead"
    )]
    ResumeUnsupported(AgentId),
}

/// A prompt passed as an argument must not look like a flag: the CLIs' parsers would
/// read `-x ...` as an option. A leading space is harmless to the model.
fn flag_safe(prompt: &str) -> String {
    if prompt.starts_with('-') {
        format!(" {prompt}")
    } else {
        prompt.to_owned()
    }
}

fn strings<const N: usize>(items: [&str; N]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// Builds the invocation of `agent` for `spec`.
pub fn build_command(agent: AgentId, spec: &LaunchSpec) -> Result<CommandSpec, BuildError> {
    if spec.resume_session_id.is_some() && !agent.supports_resume() {
        return Err(BuildError::ResumeUnsupported(agent));
    }
    let program = match (agent, &spec.binary) {
        (AgentId::Command, _) => match &spec.custom {
            Some(custom) if !custom.program.trim().is_empty() => custom.program.clone(),
            _ => return Err(BuildError::MissingProgram),
        },
        (_, Some(bin)) => bin.clone(),
        // Every other agent has a default binary; the fallback only keeps this total.
        (_, None) => agent.default_binary().unwrap_or("false").to_owned(),
    };
    let auto = spec.permission == PermissionMode::Auto;
    let prompt = spec.prompt.clone();
    let resume = spec.resume_session_id.as_deref();
    let model = spec.model.as_deref();
    let mut args: Vec<String> = Vec::new();
    let mut env_set: Vec<(String, String)> = Vec::new();
    let mut env_remove: Vec<String> = Vec::new();
    let mut stdin = StdinMode::Null;
    // Pushes `flag value` when the value is present.
    let opt = |args: &mut Vec<String>, flag: &str, value: Option<&str>| {
        if let Some(v) = value {
            args.push(flag.to_owned());
            args.push(v.to_owned());
        }
    };

    match agent {
        AgentId::ClaudeCode => {
            args.extend(strings(["-p"]));
            args.push(flag_safe(&prompt));
            args.extend(strings(["--output-format", "stream-json", "--verbose"]));
            if auto {
                args.push("--dangerously-skip-permissions".into());
            } else {
                args.extend(strings(["--permission-mode", "acceptEdits"]));
            }
            opt(&mut args, "--resume", resume);
            opt(&mut args, "--model", model);
            args.extend(spec.extra_args.iter().cloned());
            // The CLI refuses to start inside another Claude Code session.
            env_remove.extend(strings(["CLAUDECODE", "CLAUDE_CODE_ENTRYPOINT"]));
            if spec.running_as_root {
                env_set.push(("IS_SANDBOX".into(), "1".into()));
            }
        }
        AgentId::Codex => {
            args.extend(strings(["exec", "--json"]));
            if auto {
                args.push("--dangerously-bypass-approvals-and-sandbox".into());
            } else {
                args.extend(strings(["--sandbox", "workspace-write"]));
            }
            args.push("--skip-git-repo-check".into());
            opt(&mut args, "-m", model);
            args.extend(spec.extra_args.iter().cloned());
            if let Some(id) = resume {
                args.extend(strings(["resume", id]));
            }
            args.push(flag_safe(&prompt));
            // A piped stdin would be read as more prompt.
        }
        AgentId::Gemini | AgentId::QwenCode => {
            args.push("-p".into());
            args.push(flag_safe(&prompt));
            args.extend(strings(["--output-format", "stream-json"]));
            if auto {
                args.push("--yolo".into());
            } else {
                args.extend(strings(["--approval-mode", "auto_edit"]));
            }
            opt(&mut args, "-m", model);
            opt(&mut args, "-r", resume);
            args.extend(spec.extra_args.iter().cloned());
        }
        AgentId::Cursor => {
            // Without --force edits are not applied, and without --trust a headless run
            // exits 1, so both modes need them.
            args.extend(strings([
                "-p",
                "--output-format",
                "stream-json",
                "--force",
                "--trust",
            ]));
            opt(&mut args, "--model", model);
            opt(&mut args, "--resume", resume);
            args.extend(spec.extra_args.iter().cloned());
            stdin = StdinMode::Prompt(prompt);
        }
        AgentId::OpenCode => {
            args.extend(strings(["run", "--format", "json"]));
            opt(&mut args, "-m", model);
            opt(&mut args, "-s", resume);
            args.extend(spec.extra_args.iter().cloned());
            args.push(flag_safe(&prompt));
        }
        AgentId::Amp => {
            if let Some(id) = resume {
                args.extend(strings(["threads", "continue", id]));
            }
            args.extend(strings(["--execute", "--stream-json"]));
            if auto {
                args.push("--dangerously-allow-all".into());
            }
            args.extend(spec.extra_args.iter().cloned());
            stdin = StdinMode::Prompt(prompt);
        }
        AgentId::Copilot => {
            args.push("-p".into());
            args.push(flag_safe(&prompt));
            // Headless runs cannot approve tools one by one.
            args.push("--allow-all-tools".into());
            opt(&mut args, "--model", model);
            opt(&mut args, "--resume", resume);
            args.extend(strings(["--output-format", "json"]));
            args.extend(spec.extra_args.iter().cloned());
        }
        AgentId::Droid => {
            args.extend(strings(["exec", "--output-format", "stream-json"]));
            if auto {
                args.push("--skip-permissions-unsafe".into());
            } else {
                args.extend(strings(["--auto", "medium"]));
            }
            opt(&mut args, "-m", model);
            opt(&mut args, "-s", resume);
            args.extend(spec.extra_args.iter().cloned());
            stdin = StdinMode::Prompt(prompt);
        }
        AgentId::Goose => {
            args.push("run".into());
            if let Some(id) = resume {
                args.extend(strings(["--resume", "--session-id", id]));
            }
            args.extend(spec.extra_args.iter().cloned());
            args.extend(strings(["--output-format", "stream-json", "-t"]));
            args.push(flag_safe(&prompt));
            // Goose has no approval UI headless; "auto" is its only mode that never asks.
            env_set.push(("GOOSE_MODE".into(), "auto".into()));
        }
        AgentId::Aider => {
            args.extend(strings(["--message"]));
            args.push(flag_safe(&prompt));
            args.extend(strings(["--yes-always", "--no-stream", "--no-pretty"]));
            opt(&mut args, "--model", model);
            args.extend(spec.extra_args.iter().cloned());
        }
        AgentId::Command => {
            if let Some(custom) = &spec.custom {
                args.extend(custom.args.iter().cloned());
                args.extend(spec.extra_args.iter().cloned());
                match custom.prompt_delivery {
                    PromptDelivery::Argument => args.push(prompt),
                    PromptDelivery::Stdin => stdin = StdinMode::Prompt(prompt),
                }
            }
        }
    }
    env_set.extend(spec.env.iter().cloned());
    Ok(CommandSpec {
        program,
        args,
        env_set,
        env_remove,
        stdin,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(prompt: &str) -> LaunchSpec {
        LaunchSpec {
            prompt: prompt.into(),
            ..LaunchSpec::default()
        }
    }

    #[test]
    fn claude_runs_headless_with_stream_json_and_clean_env() {
        let mut s = spec("do it");
        s.resume_session_id = Some("sess-1".into());
        s.model = Some("opus".into());
        s.running_as_root = true;
        s.env = vec![("FOO".into(), "bar".into())];
        let cmd = build_command(AgentId::ClaudeCode, &s).expect("build");
        assert_eq!(cmd.program, "claude");
        assert_eq!(
            cmd.args,
            [
                "-p",
                "do it",
                "--output-format",
                "stream-json",
                "--verbose",
                "--dangerously-skip-permissions",
                "--resume",
                "sess-1",
                "--model",
                "opus"
            ]
        );
        assert_eq!(cmd.env_remove, ["CLAUDECODE", "CLAUDE_CODE_ENTRYPOINT"]);
        assert_eq!(
            cmd.env_set,
            [
                ("IS_SANDBOX".to_owned(), "1".to_owned()),
                ("FOO".to_owned(), "bar".to_owned())
            ]
        );
        assert_eq!(cmd.stdin, StdinMode::Null);
    }

    #[test]
    fn claude_not_root_gets_no_sandbox_variable() {
        let cmd = build_command(AgentId::ClaudeCode, &spec("x")).expect("build");
        assert!(cmd.env_set.is_empty());
    }

    #[test]
    fn claude_safe_mode_accepts_edits_only() {
        let mut s = spec("x");
        s.permission = PermissionMode::Safe;
        let cmd = build_command(AgentId::ClaudeCode, &s).expect("build");
        assert!(
            !cmd.args
                .contains(&"--dangerously-skip-permissions".to_owned())
        );
        assert!(
            cmd.args
                .windows(2)
                .any(|w| w == ["--permission-mode", "acceptEdits"])
        );
    }

    #[test]
    fn codex_puts_the_prompt_last_and_keeps_stdin_null() {
        let mut s = spec("fix");
        s.model = Some("gpt-5".into());
        let cmd = build_command(AgentId::Codex, &s).expect("build");
        assert_eq!(
            cmd.args,
            [
                "exec",
                "--json",
                "--dangerously-bypass-approvals-and-sandbox",
                "--skip-git-repo-check",
                "-m",
                "gpt-5",
                "fix"
            ]
        );
        assert_eq!(cmd.stdin, StdinMode::Null);
    }

    #[test]
    fn codex_resume_repeats_flags_then_thread_and_prompt() {
        let mut s = spec("more");
        s.resume_session_id = Some("th-9".into());
        let cmd = build_command(AgentId::Codex, &s).expect("build");
        assert_eq!(
            cmd.args,
            [
                "exec",
                "--json",
                "--dangerously-bypass-approvals-and-sandbox",
                "--skip-git-repo-check",
                "resume",
                "th-9",
                "more"
            ]
        );
    }

    #[test]
    fn gemini_and_qwen_use_yolo_and_short_resume_flag() {
        let mut s = spec("p");
        s.resume_session_id = Some("g1".into());
        for agent in [AgentId::Gemini, AgentId::QwenCode] {
            let cmd = build_command(agent, &s).expect("build");
            assert_eq!(
                cmd.args,
                [
                    "-p",
                    "p",
                    "--output-format",
                    "stream-json",
                    "--yolo",
                    "-r",
                    "g1"
                ]
            );
        }
        assert_eq!(
            build_command(AgentId::QwenCode, &s).expect("build").program,
            "qwen"
        );
    }

    #[test]
    fn amp_cursor_and_droid_read_the_prompt_on_stdin() {
        for agent in [AgentId::Amp, AgentId::Cursor, AgentId::Droid] {
            let cmd = build_command(agent, &spec("hello")).expect("build");
            assert_eq!(cmd.stdin, StdinMode::Prompt("hello".into()), "{agent}");
            assert!(!cmd.args.contains(&"hello".to_owned()), "{agent}");
        }
    }

    #[test]
    fn amp_resume_continues_the_thread() {
        let mut s = spec("again");
        s.resume_session_id = Some("T-1".into());
        let cmd = build_command(AgentId::Amp, &s).expect("build");
        assert_eq!(
            cmd.args,
            [
                "threads",
                "continue",
                "T-1",
                "--execute",
                "--stream-json",
                "--dangerously-allow-all"
            ]
        );
    }

    #[test]
    fn goose_runs_in_auto_mode() {
        let cmd = build_command(AgentId::Goose, &spec("g")).expect("build");
        assert_eq!(cmd.env_set, [("GOOSE_MODE".to_owned(), "auto".to_owned())]);
        assert_eq!(cmd.args.last().map(String::as_str), Some("g"));
    }

    #[test]
    fn aider_cannot_resume() {
        let mut s = spec("a");
        s.resume_session_id = Some("x".into());
        assert_eq!(
            build_command(AgentId::Aider, &s),
            Err(BuildError::ResumeUnsupported(AgentId::Aider))
        );
    }

    #[test]
    fn command_agent_passes_prompt_as_argument_or_stdin() {
        let mut s = spec("the prompt");
        s.custom = Some(CustomCommand {
            program: "./run.sh".into(),
            args: vec!["--fast".into()],
            prompt_delivery: PromptDelivery::Argument,
        });
        let cmd = build_command(AgentId::Command, &s).expect("build");
        assert_eq!(cmd.program, "./run.sh");
        assert_eq!(cmd.args, ["--fast", "the prompt"]);
        if let Some(c) = s.custom.as_mut() {
            c.prompt_delivery = PromptDelivery::Stdin;
        }
        let cmd = build_command(AgentId::Command, &s).expect("build");
        assert_eq!(cmd.args, ["--fast"]);
        assert_eq!(cmd.stdin, StdinMode::Prompt("the prompt".into()));
    }

    #[test]
    fn command_agent_without_program_is_an_error() {
        assert_eq!(
            build_command(AgentId::Command, &spec("x")),
            Err(BuildError::MissingProgram)
        );
    }

    #[test]
    fn prompt_starting_with_a_dash_is_not_taken_for_a_flag() {
        let cmd = build_command(AgentId::Codex, &spec("-- fix it")).expect("build");
        assert_eq!(cmd.args.last().map(String::as_str), Some(" -- fix it"));
        let cmd = build_command(AgentId::Amp, &spec("-x")).expect("build");
        assert_eq!(
            cmd.stdin,
            StdinMode::Prompt("-x".into()),
            "stdin stays verbatim"
        );
    }

    #[test]
    fn binary_override_replaces_the_default_program() {
        let mut s = spec("x");
        s.binary = Some("/opt/claude".into());
        let cmd = build_command(AgentId::ClaudeCode, &s).expect("build");
        assert_eq!(cmd.program, "/opt/claude");
    }
}
