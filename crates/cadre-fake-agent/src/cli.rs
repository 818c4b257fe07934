//! Command-line parsing: accepts the argument shapes of the real `claude` and `codex`.

use std::io::Read;

/// Which real CLI is imitated, and so which output format is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Claude Code `stream-json`.
    Claude,
    /// Codex `exec --json`.
    Codex,
}

/// What the invocation asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// Output format.
    pub format: Format,
    /// The prompt (from the arguments, else from stdin).
    pub prompt: String,
    /// Session to resume.
    pub resume: Option<String>,
    /// Model name, echoed in the init event.
    pub model: Option<String>,
}

/// Claude flags that take a value; any other flag is treated as a switch.
const CLAUDE_VALUE_FLAGS: &[&str] = &[
    "--output-format",
    "--input-format",
    "--resume",
    "-r",
    "--model",
    "--permission-mode",
    "--max-turns",
    "--append-system-prompt",
    "--system-prompt",
    "--mcp-config",
    "--session-id",
    "--allowedTools",
    "--allowed-tools",
    "--disallowedTools",
    "--disallowed-tools",
    "--fallback-model",
    "--settings",
    "--add-dir",
];

/// Codex `exec` flags that take a value.
const CODEX_VALUE_FLAGS: &[&str] = &[
    "-m",
    "--model",
    "-c",
    "--config",
    "-s",
    "--sandbox",
    "-C",
    "--cd",
    "-p",
    "--profile",
    "-o",
    "--output-last-message",
    "--color",
    "-i",
    "--image",
    "--output-schema",
    "--add-dir",
    "-a",
    "--ask-for-approval",
];

/// Splits arguments into positionals and `(flag, value)` pairs.
fn split(args: &[String], value_flags: &[&str]) -> (Vec<String>, Vec<(String, String)>) {
    let mut positionals = Vec::new();
    let mut values = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if let Some((flag, value)) = arg.split_once('=').filter(|_| arg.starts_with("--")) {
            values.push((flag.to_owned(), value.to_owned()));
        } else if value_flags.contains(&arg.as_str()) {
            if let Some(value) = iter.next() {
                values.push((arg.clone(), value.clone()));
            }
        } else if arg.starts_with('-') && arg != "-" {
            // Unknown switch: ignored.
        } else {
            positionals.push(arg.clone());
        }
    }
    (positionals, values)
}

fn value_of(values: &[(String, String)], names: &[&str]) -> Option<String> {
    values
        .iter()
        .rev()
        .find(|(flag, _)| names.contains(&flag.as_str()))
        .map(|(_, v)| v.clone())
}

/// Reads the prompt from stdin when the arguments carry none (Amp/Cursor style).
fn prompt_or_stdin(prompt: Option<String>) -> String {
    match prompt {
        Some(p) if p != "-" => p,
        _ => {
            let mut text = String::new();
            let _ = std::io::stdin().read_to_string(&mut text);
            text
        }
    }
}

/// Parses the arguments (without the program name).
pub fn parse(args: &[String]) -> Invocation {
    if args.first().map(String::as_str) == Some("exec") {
        let (positionals, values) = split(&args[1..], CODEX_VALUE_FLAGS);
        let model = value_of(&values, &["-m", "--model"]);
        let mut rest = positionals.into_iter();
        let first = rest.next();
        let (resume, prompt) = if first.as_deref() == Some("resume") {
            (rest.next(), rest.next())
        } else {
            (None, first)
        };
        return Invocation {
            format: Format::Codex,
            prompt: prompt_or_stdin(prompt),
            resume,
            model,
        };
    }
    let (positionals, values) = split(args, CLAUDE_VALUE_FLAGS);
    Invocation {
        format: Format::Claude,
        prompt: prompt_or_stdin(positionals.into_iter().next()),
        resume: value_of(&values, &["--resume", "-r"]),
        model: value_of(&values, &["--model"]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn claude_shape_is_parsed() {
        let inv = parse(&args(&[
            "-p",
            "do it",
            "--output-format",
            "stream-json",
            "--verbose",
            "--dangerously-skip-permissions",
            "--resume",
            "s1",
            "--model",
            "opus",
            "--unknown-switch",
        ]));
        assert_eq!(inv.format, Format::Claude);
        assert_eq!(inv.prompt, "do it");
        assert_eq!(inv.resume.as_deref(), Some("s1"));
        assert_eq!(inv.model.as_deref(), Some("opus"));
    }

    #[test]
    fn codex_resume_shape_is_parsed() {
        let inv = parse(&args(&[
            "exec",
            "--json",
            "--dangerously-bypass-approvals-and-sandbox",
            "--skip-git-repo-check",
            "-m",
            "gpt",
            "resume",
            "th-1",
            "more",
        ]));
        assert_eq!(inv.format, Format::Codex);
        assert_eq!(inv.prompt, "more");
        assert_eq!(inv.resume.as_deref(), Some("th-1"));
        assert_eq!(inv.model.as_deref(), Some("gpt"));
    }
}
