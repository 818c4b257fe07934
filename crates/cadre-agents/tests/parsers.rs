//! Parser behaviour over recorded sample streams (fixtures), with insta snapshots of the
//! full normalized output and targeted assertions on the important mappings.

use cadre_agents::{AgentId, LineSplitter, parser_for};
use cadre_core::log::{LogEntryKind, Stream, ToolAction, ToolStatus};
use serde::Serialize;

/// Everything a run yields: entries, then the session id and summary after `finish`.
#[derive(Debug, Serialize)]
struct Outcome {
    entries: Vec<LogEntryKind>,
    session_id: Option<String>,
    summary: Option<String>,
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

/// Runs a fixture through the same pipeline the supervisor uses: splitter, parser,
/// splitter finish, parser finish.
fn run(agent: AgentId, name: &str) -> Outcome {
    let mut splitter = LineSplitter::new(0);
    let mut parser = parser_for(agent);
    let mut entries = Vec::new();
    let bytes = fixture(name);
    let mut lines = splitter.push(&bytes);
    lines.extend(splitter.finish());
    for line in lines {
        entries.extend(parser.parse_line(Stream::Stdout, &line.text));
    }
    entries.extend(parser.finish());
    Outcome {
        entries,
        session_id: parser.session_id().map(str::to_owned),
        summary: parser.summary().map(str::to_owned),
    }
}

fn tool_calls(outcome: &Outcome) -> Vec<(&str, &ToolAction)> {
    outcome
        .entries
        .iter()
        .filter_map(|e| match e {
            LogEntryKind::ToolCall {
                tool_name, action, ..
            } => Some((tool_name.as_str(), action)),
            _ => None,
        })
        .collect()
}

fn count_kind(outcome: &Outcome, kind: &str) -> usize {
    outcome
        .entries
        .iter()
        .filter(|e| e.kind_name() == kind)
        .count()
}

#[test]
fn claude_stream_snapshot() {
    insta::assert_json_snapshot!(run(AgentId::ClaudeCode, "claude.jsonl"));
}

#[test]
fn claude_init_reports_the_session_once() {
    let out = run(AgentId::ClaudeCode, "claude.jsonl");
    assert_eq!(
        out.session_id.as_deref(),
        Some("9f1c2a4e-0b7d-4c35-9a61-2f0e8d7b6c51")
    );
    assert_eq!(count_kind(&out, "session_started"), 1);
    assert_eq!(out.entries[0].kind_name(), "session_started");
}

#[test]
fn claude_bash_tool_use_becomes_command_run() {
    let out = run(AgentId::ClaudeCode, "claude.jsonl");
    let (name, action) = tool_calls(&out)[0];
    assert_eq!(name, "Bash");
    assert_eq!(
        action,
        &ToolAction::CommandRun {
            command: "ls -la".into(),
            exit_code: None,
            output: None
        }
    );
}

#[test]
fn claude_tools_map_to_normalized_actions() {
    let out = run(AgentId::ClaudeCode, "claude.jsonl");
    let types: Vec<&str> = tool_calls(&out)
        .iter()
        .map(|(_, a)| a.type_name())
        .collect();
    assert_eq!(
        types,
        [
            "command_run",
            "file_read",
            "file_edit",
            "file_edit",
            "todo",
            "search",
            "command_run",
            "subagent",
            "other"
        ]
    );
}

#[test]
fn claude_failed_tool_result_is_marked_failed() {
    let out = run(AgentId::ClaudeCode, "claude.jsonl");
    let failed: Vec<&str> = out
        .entries
        .iter()
        .filter_map(|e| match e {
            LogEntryKind::ToolResult {
                call_id,
                status: ToolStatus::Failed,
                ..
            } => Some(call_id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(failed, ["toolu_01G"]);
}

#[test]
fn claude_result_gives_summary_and_usage_without_duplicating_the_last_message() {
    let out = run(AgentId::ClaudeCode, "claude.jsonl");
    let summary = "Fixed the typo in README.md and noted it in NOTES.md.";
    assert_eq!(out.summary.as_deref(), Some(summary));
    let copies = out
        .entries
        .iter()
        .filter(|e| matches!(e, LogEntryKind::AssistantMessage { text } if text == summary))
        .count();
    assert_eq!(copies, 1);
    assert_eq!(
        out.entries.last(),
        Some(&LogEntryKind::Usage {
            input_tokens: 10_120,
            output_tokens: 456,
            cost_usd: Some(0.0421)
        })
    );
}

#[test]
fn claude_unknown_events_are_kept_raw() {
    let out = run(AgentId::ClaudeCode, "claude.jsonl");
    assert_eq!(
        count_kind(&out, "raw"),
        2,
        "rate_limit_event and system status"
    );
}

#[test]
fn claude_error_result_becomes_an_error_entry() {
    let out = run(AgentId::ClaudeCode, "claude_error.jsonl");
    insta::assert_json_snapshot!(out);
}

#[test]
fn qwen_session_start_subtype_reports_the_session() {
    let out = run(AgentId::QwenCode, "qwen.jsonl");
    assert_eq!(out.session_id.as_deref(), Some("qwen-sess-42"));
    assert_eq!(out.summary.as_deref(), Some("Hello from Qwen."));
    assert_eq!(count_kind(&out, "assistant_message"), 1);
}

#[test]
fn codex_stream_snapshot() {
    insta::assert_json_snapshot!(run(AgentId::Codex, "codex.jsonl"));
}

#[test]
fn codex_thread_id_is_the_session_and_last_message_the_summary() {
    let out = run(AgentId::Codex, "codex.jsonl");
    assert_eq!(
        out.session_id.as_deref(),
        Some("0199a213-81c0-7800-8aa1-bbab2a035a53")
    );
    assert_eq!(
        out.summary.as_deref(),
        Some("I fixed the bug in `src/lib.rs` and added a test.")
    );
}

#[test]
fn codex_command_execution_is_one_call_and_one_result() {
    let out = run(AgentId::Codex, "codex.jsonl");
    let item1: Vec<&str> = out
        .entries
        .iter()
        .filter_map(|e| match e {
            LogEntryKind::ToolCall { call_id, .. } if call_id == "item_1" => Some("call"),
            LogEntryKind::ToolResult { call_id, .. } if call_id == "item_1" => Some("result"),
            _ => None,
        })
        .collect();
    assert_eq!(item1, ["call", "result"]);
}

#[test]
fn codex_todo_list_is_emitted_only_when_it_changes() {
    let out = run(AgentId::Codex, "codex.jsonl");
    let todos = tool_calls(&out)
        .iter()
        .filter(|(_, a)| a.type_name() == "todo")
        .count();
    assert_eq!(todos, 2);
}

#[test]
fn codex_turn_failed_becomes_an_error() {
    let out = run(AgentId::Codex, "codex_failed.jsonl");
    assert_eq!(count_kind(&out, "error"), 2);
    assert_eq!(out.session_id.as_deref(), Some("th-fail"));
}

/// `claude_real.jsonl` and `codex_real.jsonl` are verbatim stdout of the pinned real
/// CLIs (scripts/install-agent-clis.sh) writing one file for the mock model in
/// `crates/cadre/tests/real_cli.rs`; rerun that test with `CADRE_REAL_CLI_RECORD=DIR`
/// to refresh them after a version bump. Every line of real output must map to
/// something better than `raw`.
#[test]
fn real_claude_code_output_maps_fully_and_pairs_the_write_with_its_result() {
    let out = run(AgentId::ClaudeCode, "claude_real.jsonl");
    insta::assert_json_snapshot!(out);
    assert_eq!(count_kind(&out, "raw"), 0, "{:#?}", out.entries);
    assert_eq!(
        out.session_id.as_deref(),
        Some("2baf28fc-43ca-47bf-b2de-0a99e7231072")
    );
    assert_eq!(out.summary.as_deref(), Some("Created hello.txt."));
    let call = out.entries.iter().find_map(|e| match e {
        LogEntryKind::ToolCall {
            call_id,
            action: ToolAction::FileEdit {
                path, new_content, ..
            },
            ..
        } => Some((call_id, path, new_content)),
        _ => None,
    });
    let (call_id, path, content) = call.expect("the Write call");
    assert!(path.ends_with("/hello.txt"), "{path}");
    assert_eq!(content.as_deref(), Some("hello from the mock model\n"));
    assert!(out.entries.iter().any(|e| matches!(e,
        LogEntryKind::ToolResult { call_id: id, status: ToolStatus::Success, .. } if id == call_id)));
}

#[test]
fn real_codex_output_maps_fully_and_pairs_the_command_with_its_result() {
    let out = run(AgentId::Codex, "codex_real.jsonl");
    insta::assert_json_snapshot!(out);
    assert_eq!(count_kind(&out, "raw"), 0, "{:#?}", out.entries);
    assert_eq!(
        out.session_id.as_deref(),
        Some("01a1fed1-c859-7bb2-9339-de2fbd51790a")
    );
    assert_eq!(out.summary.as_deref(), Some("Created hello.txt."));
    // Codex reports an unknown model as a non-fatal `error` item.
    assert_eq!(count_kind(&out, "error"), 1);
    let calls = tool_calls(&out);
    assert!(
        matches!(calls.as_slice(), [(_, ToolAction::CommandRun { command, .. })] if command.contains("> hello.txt")),
        "{calls:?}"
    );
    assert!(out.entries.iter().any(|e| matches!(e,
        LogEntryKind::ToolResult { call_id, status: ToolStatus::Success, .. } if call_id == "item_2")));
}

#[test]
fn gemini_stream_snapshot() {
    insta::assert_json_snapshot!(run(AgentId::Gemini, "gemini.jsonl"));
}

#[test]
fn gemini_deltas_are_joined_into_one_message() {
    let out = run(AgentId::Gemini, "gemini.jsonl");
    let texts: Vec<&str> = out
        .entries
        .iter()
        .filter_map(|e| match e {
            LogEntryKind::AssistantMessage { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        texts,
        [
            "I'll read the file first.",
            "Fixed the typo: `wrold` → `world`."
        ]
    );
    assert_eq!(out.summary.as_deref(), Some(texts[1]));
}

#[test]
fn cursor_stream_snapshot() {
    insta::assert_json_snapshot!(run(AgentId::Cursor, "cursor.jsonl"));
}

#[test]
fn cursor_concatenated_result_is_not_repeated_as_a_message() {
    let out = run(AgentId::Cursor, "cursor.jsonl");
    assert_eq!(count_kind(&out, "assistant_message"), 2);
    assert_eq!(count_kind(&out, "thinking"), 1);
    assert_eq!(
        out.session_id.as_deref(),
        Some("6c0e3b8a-2f61-4e8b-a3c2-9d3f4c1b2a10")
    );
}

#[test]
fn opencode_stream_snapshot() {
    insta::assert_json_snapshot!(run(AgentId::OpenCode, "opencode.jsonl"));
}

#[test]
fn copilot_stream_snapshot() {
    insta::assert_json_snapshot!(run(AgentId::Copilot, "copilot.jsonl"));
}

#[test]
fn droid_stream_snapshot() {
    insta::assert_json_snapshot!(run(AgentId::Droid, "droid.jsonl"));
}

#[test]
fn goose_stream_snapshot() {
    insta::assert_json_snapshot!(run(AgentId::Goose, "goose.jsonl"));
}

#[test]
fn plain_text_groups_paragraphs_into_messages() {
    let out = run(AgentId::Aider, "plain.txt");
    insta::assert_json_snapshot!(out);
}

#[test]
fn garbage_lines_become_raw_entries_for_every_json_parser() {
    for agent in [
        AgentId::ClaudeCode,
        AgentId::Codex,
        AgentId::Gemini,
        AgentId::Cursor,
        AgentId::OpenCode,
        AgentId::Copilot,
        AgentId::Droid,
        AgentId::Goose,
    ] {
        let out = run(agent, "garbage.txt");
        assert!(
            out.entries.iter().all(|e| e.kind_name() == "raw"),
            "{agent}: {:?}",
            out.entries
        );
        assert!(out.entries.len() >= 4, "{agent}: {:?}", out.entries);
        assert_eq!(out.session_id, None);
    }
}

#[test]
fn stderr_lines_are_raw_stderr_for_every_agent() {
    for agent in AgentId::ALL {
        let mut parser = parser_for(agent);
        let mut entries = parser.parse_line(Stream::Stderr, "warning: something");
        entries.extend(parser.finish());
        assert_eq!(
            entries,
            [LogEntryKind::Raw {
                stream: Stream::Stderr,
                text: "warning: something".into()
            }],
            "{agent}"
        );
    }
}
