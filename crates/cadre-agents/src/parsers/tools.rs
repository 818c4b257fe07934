//! Mapping of agent tool names and inputs to normalized [`ToolAction`]s.
//!
//! Agents name the same tools differently (`Bash`, `run_shell_command`, `Execute`,
//! `bash`, `developer__shell`) and spell their arguments differently (`file_path`,
//! `filePath`, `path`, `absolute_path`), so the lookup normalizes the name (lowercase,
//! no `_`/`-`, MCP-style `server__tool` prefix removed) and tries every known key.
//! When a recognized tool lacks the argument we need, it falls back to
//! [`ToolAction::Other`] rather than inventing a value.

use super::common::str_at;
use cadre_core::log::{TodoItem, ToolAction};
use serde_json::Value;

const PATH_KEYS: &[&str] = &[
    "file_path",
    "filePath",
    "path",
    "absolute_path",
    "notebook_path",
    "file",
    "filename",
    "target_file",
];
const COMMAND_KEYS: &[&str] = &["command", "cmd", "script"];
const QUERY_KEYS: &[&str] = &["pattern", "query", "globPattern", "glob", "regex", "q"];

fn normalize(name: &str) -> String {
    let base = name.rsplit("__").next().unwrap_or(name);
    base.chars()
        .filter(|c| *c != '_' && *c != '-' && *c != ' ')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Normalizes a tool call of any agent into a [`ToolAction`].
pub fn map_tool(name: &str, input: &Value) -> ToolAction {
    mapped(&normalize(name), input).unwrap_or_else(|| ToolAction::Other {
        name: name.to_owned(),
        input: input.clone(),
    })
}

fn mapped(name: &str, input: &Value) -> Option<ToolAction> {
    let path = || str_at(input, PATH_KEYS).map(str::to_owned);
    Some(match name {
        "bash" | "shell" | "runshellcommand" | "execute" | "execcommand" | "terminal"
        | "runterminalcmd" | "localshell" => {
            let command = match input.get("command") {
                // Codex-style argv arrays.
                Some(Value::Array(parts)) => parts
                    .iter()
                    .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join(" "),
                _ => str_at(input, COMMAND_KEYS)?.to_owned(),
            };
            ToolAction::CommandRun {
                command,
                exit_code: None,
                output: None,
            }
        }
        "read" | "readfile" | "view" | "cat" => ToolAction::FileRead { path: path()? },
        "write" | "writefile" | "create" | "createfile" => ToolAction::FileEdit {
            path: path()?,
            diff: None,
            new_content: str_at(input, &["content", "file_text", "fileText", "contents"])
                .map(str::to_owned),
        },
        "edit" | "replace" | "strreplace" | "strreplaceeditor" | "searchreplace" => {
            ToolAction::FileEdit {
                path: path()?,
                diff: edit_diff(input),
                new_content: None,
            }
        }
        "multiedit" => {
            let diffs: Vec<String> = input
                .get("edits")
                .and_then(Value::as_array)
                .map(|edits| edits.iter().filter_map(edit_diff).collect())
                .unwrap_or_default();
            ToolAction::FileEdit {
                path: path()?,
                diff: (!diffs.is_empty()).then(|| diffs.join("\n")),
                new_content: None,
            }
        }
        "delete" | "deletefile" | "remove" => ToolAction::FileEdit {
            path: path()?,
            diff: Some("(file deleted)".into()),
            new_content: None,
        },
        "grep" | "glob" | "search" | "websearch" | "googlewebsearch" | "searchfilecontent"
        | "find" | "codebasesearch" => ToolAction::Search {
            query: str_at(input, QUERY_KEYS)?.to_owned(),
        },
        "webfetch" | "fetch" | "fetchurl" | "urlfetch" => ToolAction::WebFetch {
            url: str_at(input, &["url", "uri", "prompt"])?.to_owned(),
        },
        "todowrite" | "writetodos" | "updatetodos" | "todo" | "todolist" => ToolAction::Todo {
            items: todo_items(input.get("todos").or_else(|| input.get("items"))?),
        },
        "task" | "agent" | "subagent" => ToolAction::Subagent {
            description: str_at(input, &["description", "prompt", "task"])?.to_owned(),
        },
        _ => return None,
    })
}

/// Renders an `old → new` replacement as a minimal line diff.
fn edit_diff(input: &Value) -> Option<String> {
    let old = str_at(input, &["old_string", "oldString", "old_str", "old"])?;
    let new = str_at(input, &["new_string", "newString", "new_str", "new"])?;
    let mut diff = String::new();
    for line in old.lines() {
        diff.push('-');
        diff.push_str(line);
        diff.push('\n');
    }
    for line in new.lines() {
        diff.push('+');
        diff.push_str(line);
        diff.push('\n');
    }
    Some(diff.trim_end_matches('\n').to_owned())
}

/// Reads a todo list of any common shape: `{content|text|description, status}` or
/// `{text, completed: bool}`.
pub(crate) fn todo_items(v: &Value) -> Vec<TodoItem> {
    v.as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| {
                    let text = str_at(item, &["content", "text", "description", "title"])?;
                    let status = match str_at(item, &["status", "state"]) {
                        Some(s) => s.to_owned(),
                        None => match item.get("completed").and_then(Value::as_bool) {
                            Some(true) => "completed".to_owned(),
                            _ => "pending".to_owned(),
                        },
                    };
                    Some(TodoItem {
                        text: text.to_owned(),
                        status,
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shell_tools_of_every_agent_become_command_run() {
        for name in [
            "Bash",
            "run_shell_command",
            "Execute",
            "bash",
            "developer__shell",
        ] {
            let action = map_tool(name, &json!({"command": "ls -la"}));
            assert_eq!(action.type_name(), "command_run", "{name}");
        }
        let action = map_tool("shell", &json!({"command": ["bash", "-lc", "ls"]}));
        assert!(
            matches!(action, ToolAction::CommandRun { command, .. } if command == "bash -lc ls")
        );
    }

    #[test]
    fn edit_renders_old_and_new_as_a_line_diff() {
        let action = map_tool(
            "Edit",
            &json!({"file_path": "/w/a.rs", "old_string": "a\nb", "new_string": "c"}),
        );
        assert_eq!(
            action,
            ToolAction::FileEdit {
                path: "/w/a.rs".into(),
                diff: Some("-a\n-b\n+c".into()),
                new_content: None
            }
        );
    }

    #[test]
    fn write_keeps_the_new_content() {
        let action = map_tool("Write", &json!({"file_path": "x", "content": "hi"}));
        assert!(matches!(action, ToolAction::FileEdit { new_content: Some(c), .. } if c == "hi"));
    }

    #[test]
    fn recognized_tool_missing_its_argument_falls_back_to_other() {
        let action = map_tool("Read", &json!({"nope": 1}));
        assert_eq!(
            action,
            ToolAction::Other {
                name: "Read".into(),
                input: json!({"nope": 1})
            }
        );
    }

    #[test]
    fn todo_list_accepts_status_or_completed_flag() {
        let items = todo_items(&json!([
            {"content": "a", "status": "in_progress"},
            {"text": "b", "completed": true},
            {"text": "c"}
        ]));
        let statuses: Vec<_> = items.iter().map(|i| i.status.as_str()).collect();
        assert_eq!(statuses, ["in_progress", "completed", "pending"]);
    }
}
