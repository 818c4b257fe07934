//! Projects: create, read, list, update, delete.

use cadre_core::{EventKind, NewEvent, Project, ProjectId, ProjectKey, ProjectPatch, Timestamp};
use sqlx::{FromRow, SqliteConnection};

use crate::codec::{from_json, parse, to_json, to_value};
use crate::events::{append, commit_with};
use crate::{Committed, Result, Store, StoreError};

const COLUMNS: &str =
    "id, name, key, repo_path, base_branch, setup_script, cleanup_script, dev_script,
    copy_files, verify_commands, default_agent, created_at, updated_at, auto_commit,
    allow_setup_failure, instructions";

#[derive(FromRow)]
struct ProjectRow {
    id: String,
    name: String,
    key: String,
    repo_path: String,
    base_branch: String,
    setup_script: Option<String>,
    cleanup_script: Option<String>,
    dev_script: Option<String>,
    copy_files: String,
    verify_commands: String,
    default_agent: Option<String>,
    created_at: Timestamp,
    updated_at: Timestamp,
    auto_commit: bool,
    allow_setup_failure: bool,
    instructions: Option<String>,
}

impl ProjectRow {
    fn into_project(self) -> Result<Project> {
        Ok(Project {
            id: parse("projects.id", &self.id)?,
            name: self.name,
            key: parse("projects.key", &self.key)?,
            repo_path: self.repo_path.into(),
            base_branch: self.base_branch,
            setup_script: self.setup_script,
            cleanup_script: self.cleanup_script,
            dev_script: self.dev_script,
            copy_files: from_json("projects.copy_files", &self.copy_files)?,
            verify_commands: from_json("projects.verify_commands", &self.verify_commands)?,
            default_agent: self.default_agent,
            auto_commit: self.auto_commit,
            allow_setup_failure: self.allow_setup_failure,
            instructions: self.instructions,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

pub(crate) async fn fetch(conn: &mut SqliteConnection, id: ProjectId) -> Result<Project> {
    let row: Option<ProjectRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM projects WHERE id = ?"))
            .bind(id.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    row.ok_or_else(|| StoreError::not_found("project", id))?
        .into_project()
}

impl Store {
    /// Inserts a validated project. A duplicate key is a [`StoreError::Conflict`].
    pub async fn create_project(&self, project: Project) -> Result<Committed<Project>> {
        let mut tx = self.pool.begin().await?;
        let taken: Option<String> = sqlx::query_scalar("SELECT id FROM projects WHERE key = ?")
            .bind(project.key.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(format!(
                "a project with key `{}` already exists: choose another key",
                project.key
            )));
        }
        sqlx::query(&format!(
            "INSERT INTO projects ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(project.id.to_string())
        .bind(&project.name)
        .bind(project.key.as_str())
        .bind(project.repo_path.to_string_lossy().into_owned())
        .bind(&project.base_branch)
        .bind(&project.setup_script)
        .bind(&project.cleanup_script)
        .bind(&project.dev_script)
        .bind(to_json(&project.copy_files))
        .bind(to_json(&project.verify_commands))
        .bind(&project.default_agent)
        .bind(project.created_at)
        .bind(project.updated_at)
        .bind(project.auto_commit)
        .bind(project.allow_setup_failure)
        .bind(&project.instructions)
        .execute(&mut *tx)
        .await?;
        let event =
            NewEvent::new(EventKind::ProjectCreated, to_value(&project)).project(project.id);
        commit_with(tx, event, project.created_at, project).await
    }

    /// The project with `id`.
    pub async fn project(&self, id: ProjectId) -> Result<Project> {
        let mut conn = self.pool.acquire().await?;
        fetch(&mut conn, id).await
    }

    /// The project with `key`.
    pub async fn project_by_key(&self, key: &ProjectKey) -> Result<Project> {
        let row: Option<ProjectRow> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM projects WHERE key = ?"))
                .bind(key.as_str())
                .fetch_optional(&self.pool)
                .await?;
        row.ok_or_else(|| StoreError::not_found("project", key))?
            .into_project()
    }

    /// Every project, by key.
    pub async fn projects(&self) -> Result<Vec<Project>> {
        let rows: Vec<ProjectRow> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM projects ORDER BY key"))
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter().map(ProjectRow::into_project).collect()
    }

    /// Applies `patch` to the project with `id`.
    pub async fn update_project(
        &self,
        id: ProjectId,
        patch: ProjectPatch,
        now: Timestamp,
    ) -> Result<Committed<Project>> {
        let mut tx = self.pool.begin().await?;
        let mut project = fetch(&mut tx, id).await?;
        project.apply(patch, now)?;
        sqlx::query(
            "UPDATE projects SET name = ?, base_branch = ?, setup_script = ?, cleanup_script = ?,
             dev_script = ?, copy_files = ?, verify_commands = ?, default_agent = ?, updated_at = ?,
             auto_commit = ?, allow_setup_failure = ?, instructions = ? WHERE id = ?",
        )
        .bind(&project.name)
        .bind(&project.base_branch)
        .bind(&project.setup_script)
        .bind(&project.cleanup_script)
        .bind(&project.dev_script)
        .bind(to_json(&project.copy_files))
        .bind(to_json(&project.verify_commands))
        .bind(&project.default_agent)
        .bind(project.updated_at)
        .bind(project.auto_commit)
        .bind(project.allow_setup_failure)
        .bind(&project.instructions)
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        let event = NewEvent::new(EventKind::ProjectUpdated, to_value(&project)).project(id);
        commit_with(tx, event, now, project).await
    }

    /// Deletes the project with `id` and, by cascade, its goals and tasks.
    pub async fn delete_project(
        &self,
        id: ProjectId,
        now: Timestamp,
    ) -> Result<Committed<Project>> {
        let mut tx = self.pool.begin().await?;
        let project = fetch(&mut tx, id).await?;
        sqlx::query("DELETE FROM projects WHERE id = ?")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        let payload = serde_json::json!({ "id": id, "key": project.key });
        let event = append(
            &mut tx,
            NewEvent::new(EventKind::ProjectDeleted, payload).project(id),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Committed {
            value: project,
            events: vec![event],
        })
    }
}
