//! Project use cases: adding a repository as a project, listing, changing, removing.

use std::path::PathBuf;

use cadre_core::{NewProject, Project, ProjectId, ProjectPatch, ProjectRef, ValidationError};

use crate::{App, AppError, Result, now};

/// Input for adding a project.
#[derive(Debug, Clone, Default)]
pub struct AddProject {
    /// Absolute path of the repository's main checkout.
    pub repo_path: PathBuf,
    /// Short key, e.g. `WEB`.
    pub key: String,
    /// Name; defaults to the directory name.
    pub name: Option<String>,
    /// Base branch; detected from the repository when absent.
    pub base_branch: Option<String>,
    /// Create the repository (and directory) when it is not one yet.
    pub init: bool,
    /// Everything else a project carries (scripts, globs, verification, agent).
    pub settings: ProjectPatch,
}

impl App {
    /// Adds a git repository as a project.
    pub async fn add_project(&self, input: AddProject) -> Result<Project> {
        let path = input.repo_path;
        if !path.is_absolute() {
            return Err(ValidationError::new(
                "repo_path",
                format!("`{}` must be an absolute path", path.display()),
            )
            .into());
        }
        let is_repo = self.git.is_repository_root(&path).await?;
        if !is_repo && input.init && !path.join(".git").exists() {
            let branch = input.base_branch.as_deref().unwrap_or("main");
            self.git.init(&path, branch).await?;
        } else if !is_repo {
            return Err(AppError::NotARepository(path.display().to_string()));
        }
        let path = path
            .canonicalize()
            .map_err(|e| AppError::internal(format!("cannot resolve {}: {e}", path.display())))?;
        let base_branch = match input.base_branch {
            Some(branch) => branch,
            None => self.git.default_branch(&path).await?,
        };
        let name = input.name.unwrap_or_else(|| {
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| input.key.clone())
        });
        let s = input.settings;
        let new = NewProject {
            name,
            key: input.key,
            repo_path: path,
            base_branch,
            setup_script: s.setup_script.flatten(),
            cleanup_script: s.cleanup_script.flatten(),
            dev_script: s.dev_script.flatten(),
            copy_files: s.copy_files.unwrap_or_default(),
            verify_commands: s.verify_commands.unwrap_or_default(),
            default_agent: s.default_agent.flatten(),
            auto_commit: s.auto_commit.unwrap_or(true),
            allow_setup_failure: s.allow_setup_failure.unwrap_or(false),
            instructions: s.instructions.flatten(),
        };
        let project = new.into_project(ProjectId::new(), now())?;
        self.write(|store| async move { store.create_project(project).await })
            .await
    }

    /// Every project.
    pub async fn projects(&self) -> Result<Vec<Project>> {
        Ok(self.store.projects().await?)
    }

    /// The project named by `project`.
    pub async fn project(&self, project: &ProjectRef) -> Result<Project> {
        Ok(match project {
            ProjectRef::Id(id) => self.store.project(*id).await?,
            ProjectRef::Key(key) => self.store.project_by_key(key).await?,
        })
    }

    /// Changes a project's settings.
    pub async fn update_project(
        &self,
        project: &ProjectRef,
        patch: ProjectPatch,
    ) -> Result<Project> {
        let id = self.project(project).await?.id;
        self.write(|store| async move { store.update_project(id, patch, now()).await })
            .await
    }

    /// Removes a project with its goals and tasks. The repository is not touched.
    pub async fn delete_project(&self, project: &ProjectRef) -> Result<Project> {
        let id = self.project(project).await?.id;
        self.write(|store| async move { store.delete_project(id, now()).await })
            .await
    }
}
