//! Launches coding agents and parses their output: the only crate of cadre that spawns agents.

#![warn(clippy::unwrap_used)]
