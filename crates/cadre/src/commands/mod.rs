//! Runs a parsed command: `serve` in-process, everything else as an API client.

mod attempt;
mod attempt_git;
mod attempt_logs;
pub mod comment;
mod events;
mod followup;
mod goal;
mod login;
mod profile;
mod project;
pub mod supervise;
mod task;

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::client::Client;

/// Dispatches `cli`.
pub async fn run(cli: Cli) -> Result<()> {
    let serving = matches!(cli.command, Command::Serve(_));
    init_logging(if serving { "info" } else { "warn" });
    if let Command::Serve(args) = cli.command {
        return crate::serve::run(args).await;
    }
    let client = Client::locate(cli.server)?;
    match cli.command {
        Command::Serve(_) => unreachable!("handled above"),
        Command::Project(cmd) => project::run(&client, cmd).await,
        Command::Task(cmd) => task::run(&client, cmd).await,
        Command::Goal(cmd) => goal::run(&client, cmd).await,
        Command::Events(args) => events::run(&client, args).await,
        Command::Attempt(cmd) => attempt::run(&client, cmd).await,
        Command::Agents { format } => profile::agents(&client, format).await,
        Command::Profile(cmd) => profile::run(&client, cmd).await,
        Command::LoginLink => login::run(&client).await,
        Command::Comment(cmd) => comment::run(&client, cmd).await,
        Command::Supervise { .. } => unreachable!("dispatched in main before the runtime"),
    }
}

fn init_logging(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
