//! The only crate of cadre that runs git.
//!
//! Every git invocation goes through [`Git`], which passes arguments as argv (never
//! through a shell) and turns a failure into a [`GitError`] that carries the command
//! and git's stderr, so callers can show the user exactly what went wrong.

#![warn(clippy::unwrap_used)]

mod command;
mod repo;

pub use command::{Git, GitError};
