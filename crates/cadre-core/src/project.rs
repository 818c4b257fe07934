//! Projects: a git repository on the user's machine, with the settings attempts need.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{ValidationError, require_text};
use crate::{ProjectId, Timestamp};

/// A project's short key: 2 to 6 uppercase ASCII letters, e.g. `WEB`.
/// It prefixes task keys (`WEB-12`), so it must stay short and unambiguous.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProjectKey(String);

impl ProjectKey {
    /// Validates `raw` as a project key.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let ok = (2..=6).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_uppercase());
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ValidationError::new(
                "key",
                format!("`{raw}` is not a project key: use 2 to 6 uppercase letters, e.g. WEB"),
            ))
        }
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for ProjectKey {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for ProjectKey {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<ProjectKey> for String {
    fn from(k: ProjectKey) -> String {
        k.0
    }
}

/// How a caller names a project: by id or by key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectRef {
    /// By id.
    Id(ProjectId),
    /// By key, e.g. `WEB`.
    Key(ProjectKey),
}

impl FromStr for ProjectRef {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.parse::<ProjectId>() {
            Ok(id) => Ok(ProjectRef::Id(id)),
            Err(_) => ProjectKey::parse(&s.trim().to_ascii_uppercase())
                .map(ProjectRef::Key)
                .map_err(|_| {
                    ValidationError::new(
                        "project",
                        format!("`{s}` is neither a project id nor a key like WEB"),
                    )
                }),
        }
    }
}

impl fmt::Display for ProjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProjectRef::Id(id) => id.fmt(f),
            ProjectRef::Key(key) => key.fmt(f),
        }
    }
}

/// A project as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Project {
    /// Identity.
    pub id: ProjectId,
    /// Human name.
    pub name: String,
    /// Unique short key.
    pub key: ProjectKey,
    /// Top level of the project's main checkout.
    pub repo_path: PathBuf,
    /// Branch attempts start from unless told otherwise.
    pub base_branch: String,
    /// Shell script run in a fresh worktree before the agent.
    pub setup_script: Option<String>,
    /// Shell script run before a worktree is removed.
    pub cleanup_script: Option<String>,
    /// Shell script that starts a preview (dev server) in a worktree.
    pub dev_script: Option<String>,
    /// Globs of untracked files (e.g. `.env`) copied from the main checkout into worktrees.
    pub copy_files: Vec<String>,
    /// Commands that verify an attempt, each an argv list.
    pub verify_commands: Vec<Vec<String>>,
    /// Agent used when an attempt names none.
    pub default_agent: Option<String>,
    /// Commit what an agent leaves uncommitted when its run ends (on by default).
    pub auto_commit: bool,
    /// Start the agent even when the setup script fails.
    pub allow_setup_failure: bool,
    /// Standing instructions added to every prompt of this project's attempts.
    pub instructions: Option<String>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

/// What a user supplies to create a project. The base branch is detected from the
/// repository by the caller when not given.
#[derive(Debug, Clone, Default)]
pub struct NewProject {
    /// Human name; defaults to the repository directory name.
    pub name: String,
    /// Short key.
    pub key: String,
    /// Path of the main checkout.
    pub repo_path: PathBuf,
    /// Base branch.
    pub base_branch: String,
    /// See [`Project::setup_script`].
    pub setup_script: Option<String>,
    /// See [`Project::cleanup_script`].
    pub cleanup_script: Option<String>,
    /// See [`Project::dev_script`].
    pub dev_script: Option<String>,
    /// See [`Project::copy_files`].
    pub copy_files: Vec<String>,
    /// See [`Project::verify_commands`].
    pub verify_commands: Vec<Vec<String>>,
    /// See [`Project::default_agent`].
    pub default_agent: Option<String>,
    /// See [`Project::auto_commit`].
    pub auto_commit: bool,
    /// See [`Project::allow_setup_failure`].
    pub allow_setup_failure: bool,
    /// See [`Project::instructions`].
    pub instructions: Option<String>,
}

/// A partial update: `None` leaves a field as it is; `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct ProjectPatch {
    /// New name.
    pub name: Option<String>,
    /// New base branch.
    pub base_branch: Option<String>,
    /// New setup script.
    pub setup_script: Option<Option<String>>,
    /// New cleanup script.
    pub cleanup_script: Option<Option<String>>,
    /// New dev script.
    pub dev_script: Option<Option<String>>,
    /// New copy-files globs.
    pub copy_files: Option<Vec<String>>,
    /// New verification commands.
    pub verify_commands: Option<Vec<Vec<String>>>,
    /// New default agent.
    pub default_agent: Option<Option<String>>,
    /// New auto-commit setting.
    pub auto_commit: Option<bool>,
    /// New setup-failure setting.
    pub allow_setup_failure: Option<bool>,
    /// New standing instructions.
    pub instructions: Option<Option<String>>,
}

impl NewProject {
    /// Checks every rule that needs no I/O and builds the project.
    pub fn into_project(self, id: ProjectId, now: Timestamp) -> Result<Project, ValidationError> {
        let key = ProjectKey::parse(&self.key)?;
        let name = require_text("name", &self.name, 200)?;
        let base_branch = require_text("base_branch", &self.base_branch, 255)?;
        validate_settings(&self.copy_files, &self.verify_commands)?;
        Ok(Project {
            id,
            name,
            key,
            repo_path: self.repo_path,
            base_branch,
            setup_script: non_blank(self.setup_script),
            cleanup_script: non_blank(self.cleanup_script),
            dev_script: non_blank(self.dev_script),
            copy_files: self.copy_files,
            verify_commands: self.verify_commands,
            default_agent: non_blank(self.default_agent),
            auto_commit: self.auto_commit,
            allow_setup_failure: self.allow_setup_failure,
            instructions: non_blank(self.instructions),
            created_at: now,
            updated_at: now,
        })
    }
}

impl Project {
    /// Applies `patch`, validating what changed.
    pub fn apply(&mut self, patch: ProjectPatch, now: Timestamp) -> Result<(), ValidationError> {
        if let Some(name) = patch.name {
            self.name = require_text("name", &name, 200)?;
        }
        if let Some(branch) = patch.base_branch {
            self.base_branch = require_text("base_branch", &branch, 255)?;
        }
        if let Some(s) = patch.setup_script {
            self.setup_script = non_blank(s);
        }
        if let Some(s) = patch.cleanup_script {
            self.cleanup_script = non_blank(s);
        }
        if let Some(s) = patch.dev_script {
            self.dev_script = non_blank(s);
        }
        if let Some(globs) = patch.copy_files {
            self.copy_files = globs;
        }
        if let Some(cmds) = patch.verify_commands {
            self.verify_commands = cmds;
        }
        if let Some(agent) = patch.default_agent {
            self.default_agent = non_blank(agent);
        }
        if let Some(on) = patch.auto_commit {
            self.auto_commit = on;
        }
        if let Some(on) = patch.allow_setup_failure {
            self.allow_setup_failure = on;
        }
        if let Some(text) = patch.instructions {
            self.instructions = non_blank(text);
        }
        validate_settings(&self.copy_files, &self.verify_commands)?;
        self.updated_at = now;
        Ok(())
    }
}

fn validate_settings(
    copy_files: &[String],
    verify_commands: &[Vec<String>],
) -> Result<(), ValidationError> {
    for glob in copy_files {
        // Globs are resolved inside the main checkout; an absolute or parent path
        // would copy files from elsewhere on the machine into a worktree.
        if glob.trim().is_empty() || glob.starts_with('/') || glob.split('/').any(|c| c == "..") {
            return Err(ValidationError::new(
                "copy_files",
                format!("`{glob}` must be a relative glob inside the repository, e.g. .env"),
            ));
        }
    }
    if verify_commands
        .iter()
        .any(|argv| argv.first().is_none_or(|p| p.trim().is_empty()))
    {
        return Err(ValidationError::new(
            "verify_commands",
            "each command is a non-empty argv list, e.g. [\"cargo\", \"test\"]",
        ));
    }
    Ok(())
}

fn non_blank(value: Option<String>) -> Option<String> {
    value.filter(|s| !s.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_project(key: &str) -> NewProject {
        NewProject {
            name: "Web".into(),
            key: key.into(),
            repo_path: "/repo".into(),
            base_branch: "main".into(),
            ..Default::default()
        }
    }

    #[test]
    fn project_keys_are_two_to_six_uppercase_letters() {
        for ok in ["AB", "WEB", "ABCDEF"] {
            assert!(ProjectKey::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["A", "ABCDEFG", "web", "WE1", "W-B", "", "ÄB"] {
            let err = ProjectKey::parse(bad).expect_err(bad);
            assert_eq!(err.field, "key");
        }
    }

    #[test]
    fn copy_globs_escaping_the_repository_are_rejected() {
        for bad in ["/etc/passwd", "../secrets", "a/../../b", " "] {
            let mut p = new_project("WEB");
            p.copy_files = vec![bad.into()];
            let err = p
                .into_project(ProjectId::new(), chrono::Utc::now())
                .expect_err(bad);
            assert_eq!(err.field, "copy_files");
        }
    }

    #[test]
    fn empty_verify_command_is_rejected() {
        let mut p = new_project("WEB");
        p.verify_commands = vec![vec![]];
        let err = p
            .into_project(ProjectId::new(), chrono::Utc::now())
            .expect_err("empty argv");
        assert_eq!(err.field, "verify_commands");
    }

    #[test]
    fn blank_scripts_are_stored_as_absent() {
        let mut p = new_project("WEB");
        p.setup_script = Some("  ".into());
        let project = p
            .into_project(ProjectId::new(), chrono::Utc::now())
            .expect("valid");
        assert_eq!(project.setup_script, None);
    }
}
