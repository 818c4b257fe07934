//! The command line, as clap types. Every read command takes `--json`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::serve::ServeArgs;

/// cadre: a local-first kanban board that runs AI coding agents.
#[derive(Debug, Parser)]
#[command(name = "cadre", version, about)]
pub struct Cli {
    /// URL of the cadre server (default: the one recorded in the data dir).
    #[arg(long, global = true, env = "CADRE_SERVER")]
    pub server: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server and web UI.
    Serve(ServeArgs),
    /// Manage projects (git repositories).
    #[command(subcommand)]
    Project(ProjectCommand),
    /// Manage tasks (cards).
    #[command(subcommand)]
    Task(TaskCommand),
    /// Manage goals.
    #[command(subcommand)]
    Goal(GoalCommand),
    /// Show the board's event log.
    Events(EventsArgs),
    /// Run agents on tasks and follow their work.
    #[command(subcommand)]
    Attempt(AttemptCommand),
    /// List the agent CLIs cadre can drive and whether they are installed.
    Agents {
        #[command(flatten)]
        format: Format,
    },
    /// Manage agent profiles (agent + model + args + env + timeout).
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Review comments on an attempt's diff.
    #[command(subcommand)]
    Comment(crate::commands::comment::CommentCommand),
    /// Print a one-time link that logs a browser in (servers bound beyond loopback).
    LoginLink,
    /// Internal: supervise one agent run (started by the server; see `commands::supervise`).
    #[command(name = "__supervise", hide = true)]
    Supervise {
        /// The run directory holding spec.json.
        run_dir: PathBuf,
    },
}

/// `cadre attempt ...`
#[derive(Debug, Subcommand)]
pub enum AttemptCommand {
    /// Start an agent on a task; prints the attempt id.
    Start {
        /// Task key or id.
        task: String,
        /// Agent id (see `cadre agents`).
        #[arg(long)]
        agent: Option<String>,
        /// Profile name.
        #[arg(long)]
        profile: Option<String>,
        /// Extra instructions added to the prompt.
        #[arg(long)]
        prompt: Option<String>,
        /// Base branch (default: the project's).
        #[arg(long)]
        base_branch: Option<String>,
        /// An image for the agent: PNG, JPEG, WebP or GIF, at most 5 MiB (repeatable, up to 4).
        #[arg(long = "image")]
        images: Vec<PathBuf>,
        #[command(flatten)]
        format: Format,
    },
    /// List a task's attempts.
    List {
        /// Task key or id.
        task: String,
        #[command(flatten)]
        format: Format,
    },
    /// Show an attempt.
    Show {
        /// Attempt id.
        id: String,
        #[command(flatten)]
        format: Format,
    },
    /// Print an attempt's conversation and tool calls.
    Logs {
        /// Attempt id.
        id: String,
        /// Keep printing new entries until the attempt settles.
        #[arg(long)]
        follow: bool,
        #[command(flatten)]
        format: Format,
    },
    /// Stop a running attempt.
    Stop {
        /// Attempt id.
        id: String,
    },
    /// Send a follow-up message (resumes the agent's session).
    Followup {
        /// Attempt id.
        id: String,
        /// The message (optional when images are attached).
        text: Option<String>,
        /// An image to attach: PNG, JPEG, WebP or GIF, at most 5 MiB (repeatable, up to 4).
        #[arg(long = "image")]
        images: Vec<PathBuf>,
    },
    /// Show the attempt's changes against its base branch.
    Diff {
        /// Attempt id.
        id: String,
        /// Only file names and +/- counts.
        #[arg(long)]
        stat: bool,
        #[command(flatten)]
        format: Format,
    },
    /// Commit everything in the attempt's worktree.
    Commit {
        /// Attempt id.
        id: String,
        /// Commit message.
        #[arg(short, long)]
        message: String,
    },
    /// Rebase the attempt's branch onto the latest base branch.
    Rebase {
        /// Attempt id.
        id: String,
        #[command(flatten)]
        format: Format,
    },
    /// Merge the attempt's branch into its base branch (squash by default).
    Merge {
        /// Attempt id.
        id: String,
        /// Squash into one commit (the default).
        #[arg(long, conflicts_with = "merge")]
        squash: bool,
        /// Make a merge commit instead.
        #[arg(long)]
        merge: bool,
    },
    /// Push the attempt's branch to `origin`.
    Push {
        /// Attempt id.
        id: String,
    },
    /// Push and open a pull request (gh) or merge request (glab).
    Pr {
        /// Attempt id.
        id: String,
    },
    /// Recreate a cleaned-up worktree from its branch or snapshot.
    Restore {
        /// Attempt id.
        id: String,
    },
    /// Open the attempt's worktree in an editor.
    Open {
        /// Attempt id.
        id: String,
        /// code, cursor, zed, idea, or any command (default: $CADRE_EDITOR,
        /// $VISUAL, $EDITOR, then code).
        #[arg(long)]
        editor: Option<String>,
    },
    /// Start or stop the project's dev script in the attempt's worktree.
    Preview {
        /// `start`, `stop` or `status`.
        action: PreviewAction,
        /// Attempt id.
        id: String,
        #[command(flatten)]
        format: Format,
    },
    /// Start a new attempt that continues this one's session in its worktree.
    Refine {
        /// Attempt id.
        id: String,
        /// What to change.
        prompt: String,
    },
    /// Run a settled attempt again (resets its automatic retry counts).
    Retry {
        /// Attempt id.
        id: String,
    },
}

/// What `cadre attempt preview` does.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum PreviewAction {
    /// Start the dev script.
    Start,
    /// Stop it.
    Stop,
    /// Show whether it runs, its URL and log.
    Status,
}

/// `cadre profile ...`
#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Create or replace a profile.
    Add {
        /// Name.
        name: String,
        /// Agent id.
        #[arg(long)]
        agent: String,
        /// Model.
        #[arg(long)]
        model: Option<String>,
        /// Extra argument for the agent (repeatable).
        #[arg(long = "arg", allow_hyphen_values = true)]
        args: Vec<String>,
        /// Extra environment variable KEY=VALUE (repeatable).
        #[arg(long = "env")]
        env: Vec<String>,
        /// Wall-clock limit of one agent run, in seconds.
        #[arg(long)]
        timeout: Option<i64>,
        /// Scope the profile to one project.
        #[arg(long)]
        project: Option<String>,
        #[command(flatten)]
        format: Format,
    },
    /// List profiles.
    List {
        /// Only profiles visible from this project.
        #[arg(long)]
        project: Option<String>,
        #[command(flatten)]
        format: Format,
    },
    /// Remove a profile.
    Rm {
        /// Name.
        name: String,
        /// The project it belongs to (default: the global one).
        #[arg(long)]
        project: Option<String>,
    },
}

/// Output format shared by read commands.
#[derive(Debug, Args, Clone, Copy)]
pub struct Format {
    /// Print JSON (stable field names) instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `cadre project ...`
#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// Add a git repository as a project.
    Add {
        /// Path of the repository's main checkout.
        path: PathBuf,
        /// Short key, 2 to 6 uppercase letters (e.g. WEB).
        #[arg(long)]
        key: String,
        /// Name (default: the directory name).
        #[arg(long)]
        name: Option<String>,
        /// Base branch (default: detected from the repository).
        #[arg(long)]
        base_branch: Option<String>,
        /// Create the repository if the path is not one yet.
        #[arg(long)]
        init: bool,
        #[command(flatten)]
        format: Format,
    },
    /// List projects.
    List {
        #[command(flatten)]
        format: Format,
    },
    /// Show one project.
    Show {
        /// Key or id.
        project: String,
        #[command(flatten)]
        format: Format,
    },
    /// Remove a project from cadre (the repository is left alone).
    Rm {
        /// Key or id.
        project: String,
    },
}

/// `cadre task ...`
#[derive(Debug, Subcommand)]
pub enum TaskCommand {
    /// Create a task; prints its key.
    Add {
        /// Project key.
        #[arg(long)]
        project: String,
        /// Title.
        title: String,
        /// Markdown description.
        #[arg(long)]
        description: Option<String>,
        /// A task this one depends on (repeatable).
        #[arg(long = "depends-on")]
        depends_on: Vec<String>,
        /// low, medium, high or urgent.
        #[arg(long)]
        priority: Option<String>,
        /// A label (repeatable).
        #[arg(long = "label")]
        labels: Vec<String>,
        /// Initial status (default todo).
        #[arg(long)]
        status: Option<String>,
        #[command(flatten)]
        format: Format,
    },
    /// List tasks of a project.
    List {
        /// Project key.
        #[arg(long)]
        project: Option<String>,
        /// Only these statuses (comma-separated).
        #[arg(long)]
        status: Option<String>,
        #[command(flatten)]
        format: Format,
    },
    /// Show one task.
    Show {
        /// Task key (WEB-12) or id.
        task: String,
        #[command(flatten)]
        format: Format,
    },
    /// Move a task to another status.
    Move {
        /// Task key or id.
        task: String,
        /// Target status: backlog, todo, in_progress, in_review, blocked, done, cancelled.
        status: String,
        /// Position in the target column, from 0 (default: end).
        #[arg(long)]
        position: Option<i64>,
        /// Why (recorded in the task's history).
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        format: Format,
    },
    /// Edit a task's content.
    Edit {
        /// Task key or id.
        task: String,
        /// New title.
        #[arg(long)]
        title: Option<String>,
        /// New description.
        #[arg(long)]
        description: Option<String>,
        /// New priority.
        #[arg(long)]
        priority: Option<String>,
        /// Replace the labels (repeatable).
        #[arg(long = "label")]
        labels: Option<Vec<String>>,
        #[command(flatten)]
        format: Format,
    },
    /// Add a dependency: TASK depends on ON.
    Depend {
        /// Task key or id.
        task: String,
        /// The task it depends on.
        #[arg(long)]
        on: String,
    },
    /// Remove a dependency.
    Undepend {
        /// Task key or id.
        task: String,
        /// The task it no longer depends on.
        #[arg(long)]
        on: String,
    },
    /// Delete a task.
    Rm {
        /// Task key or id.
        task: String,
    },
}

/// `cadre goal ...`
#[derive(Debug, Subcommand)]
pub enum GoalCommand {
    /// Create a goal.
    Add {
        /// Project key.
        #[arg(long)]
        project: String,
        /// Title.
        title: String,
        /// Description.
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        format: Format,
    },
    /// List goals.
    List {
        /// Project key.
        #[arg(long)]
        project: Option<String>,
        #[command(flatten)]
        format: Format,
    },
}

/// `cadre events`
#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Only events after this seq.
    #[arg(long, default_value_t = 0)]
    pub since: i64,
    /// At most this many (without --follow).
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
    /// Keep streaming new events.
    #[arg(long)]
    pub follow: bool,
    #[command(flatten)]
    pub format: Format,
}
