//! Domain types and rules of cadre, free of I/O.
//!
//! Everything here is plain data and pure functions: ids, projects, tasks and their
//! status state machine, the dependency graph, goals, board events and the
//! normalized agent log model. The store persists these types; the application
//! layer drives them. Nothing in this crate touches a file, a socket, a process or
//! a clock: timestamps are passed in.

#![warn(clippy::unwrap_used)]

pub mod log;
