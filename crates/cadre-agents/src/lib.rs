//! Launches coding agents and parses their output: the only crate of cadre that spawns agents.
//!
//! This crate knows every supported agent CLI: how to invoke it, how to read what it
//! prints, whether a failure is worth retrying, and whether it is installed. It depends
//! only on `cadre-core` (for the log model) in the workspace. Command building is pure;
//! agent runs are spawned only by [`supervisor`], from the [`CommandSpec`] built here,
//! and the only other processes started here are `BIN --version` probes in
//! [`discovery`].
//!
//! # Running an agent, step by step
//! 1. Pick an [`AgentId`] (`"claude-code".parse()`), fill a [`LaunchSpec`] (prompt, model,
//!    `resume_session_id` from an earlier run, profile env) and call [`build_command`].
//!    For agents without resume ([`AgentId::supports_resume`] is false) build the
//!    prompt with [`follow_up_prompt`] from the previous entries instead.
//! 2. Spawn the [`CommandSpec`] in the worktree with stdout and stderr redirected to
//!    files.
//! 3. Tail each file with its own [`LineSplitter`] (`LineSplitter::new(saved_offset)`);
//!    feed every [`Line`]'s text to one parser from [`parser_for`] with the stream it
//!    came from, persist the returned [`cadre_core::log::LogEntryKind`]s, then persist
//!    `line.end_offset` as the resume point for that file.
//! 4. When the process has exited, drain the files, call [`LineSplitter::finish`] on
//!    each splitter (the last line may lack a newline) and parse that line too, then
//!    call [`OutputParser::finish`] and persist its entries.
//! 5. Read [`OutputParser::session_id`] (also emitted once as a `session_started`
//!    entry) to resume later, and [`OutputParser::summary`] for the agent's final
//!    message (the `result` text, else the last assistant message).
//! 6. On failure, [`classify_failure`] says whether to retry, and
//!    [`RetryPolicy::next_retry`] when.
//!
//! [`OutputPipeline`] bundles steps 3–5: one parser and a splitter per stream, returning
//! per line the entries together with the offset to persist in the same transaction.
//!
//! After a restart the parser state is gone; build a fresh parser and continue from the
//! saved offsets. The entries already persisted stay valid; at worst a streamed message
//! that was being assembled (Gemini deltas, grouped plain text) is cut in two.
//!
//! [`discovery::discover_all`] lists the agents with their resolved binary and version.
//!
//! # Supervision
//! [`supervisor`] runs a [`CommandSpec`] so that it survives a crash or restart of the
//! server: [`launch`] starts a detached shim (`cadre __supervise RUN_DIR`, which calls
//! [`run_shim`]) that runs the agent in its own process group with its output appended
//! to files in the run directory and records `started.json` / `exit.json` there.
//! [`read_exit`], [`group_alive`] and [`stop_group`] then need only the run directory
//! and the recorded pgid, so a restarted server adopts running agents as they are.

#![warn(clippy::unwrap_used)]

pub mod agent;
pub mod command;
pub mod discovery;
pub mod lines;
pub mod parsers;
pub mod pipeline;
pub mod retry;
pub mod summarize;
pub mod supervisor;

pub use agent::{AgentId, UnknownAgent};
pub use command::{
    BuildError, CommandSpec, CustomCommand, LaunchSpec, PermissionMode, PromptDelivery, StdinMode,
    build_command, script_command,
};
pub use discovery::{DiscoveredAgent, discover, discover_all, resolve_binary};
pub use lines::{Line, LineSplitter};
pub use parsers::{OutputParser, parser_for};
pub use pipeline::{OutputPipeline, ParsedLine};
pub use retry::{FailureClass, FailureInfo, RetryPolicy, backoff_delay, classify_failure};
pub use summarize::{follow_up_prompt, summarize_for_prompt};
pub use supervisor::{
    ExitRecord, Launched, RunDir, RunSpec, ShimCommand, StartedRecord, StopOutcome,
    SupervisorError, group_alive, is_alive, launch, read_exit, read_started, run_shim,
    run_shim_attached, stop_group,
};
