//! Agent profiles, global or per project.

use cadre_core::{EventKind, NewEvent, Profile, ProjectId, Timestamp};
use sqlx::FromRow;

use crate::codec::{from_json, parse, to_json, to_value};
use crate::events::commit_with;
use crate::{Committed, Result, Store, StoreError};

#[derive(FromRow)]
struct ProfileRow {
    name: String,
    project_id: String,
    agent: String,
    model: Option<String>,
    args: String,
    env: String,
    timeout_secs: Option<i64>,
}

impl ProfileRow {
    fn into_profile(self) -> Result<Profile> {
        let project_id = if self.project_id.is_empty() {
            None
        } else {
            Some(parse("profiles.project_id", &self.project_id)?)
        };
        Ok(Profile {
            name: self.name,
            project_id,
            agent: self.agent,
            model: self.model,
            args: from_json("profiles.args", &self.args)?,
            env: from_json("profiles.env", &self.env)?,
            timeout_secs: self.timeout_secs,
        })
    }
}

fn scope(project: Option<ProjectId>) -> String {
    project.map(|p| p.to_string()).unwrap_or_default()
}

impl Store {
    /// Creates or replaces a profile in its scope.
    pub async fn save_profile(
        &self,
        profile: Profile,
        now: Timestamp,
    ) -> Result<Committed<Profile>> {
        profile.validate()?;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT OR REPLACE INTO profiles (name, project_id, agent, model, args, env, timeout_secs)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&profile.name)
        .bind(scope(profile.project_id))
        .bind(&profile.agent)
        .bind(&profile.model)
        .bind(to_json(&profile.args))
        .bind(to_json(&profile.env))
        .bind(profile.timeout_secs)
        .execute(&mut *tx)
        .await?;
        let mut event = NewEvent::new(EventKind::ProfileSaved, to_value(&profile));
        event.project_id = profile.project_id;
        commit_with(tx, event, now, profile).await
    }

    /// Profiles visible from `project`: its own and the global ones (all when `None`).
    pub async fn profiles(&self, project: Option<ProjectId>) -> Result<Vec<Profile>> {
        let rows: Vec<ProfileRow> = sqlx::query_as(
            "SELECT name, project_id, agent, model, args, env, timeout_secs FROM profiles
             WHERE ?1 IS NULL OR project_id = '' OR project_id = ?1 ORDER BY name, project_id",
        )
        .bind(project.map(|p| p.to_string()))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(ProfileRow::into_profile).collect()
    }

    /// The profile `name` as seen from `project`: the project's own wins over a global one.
    pub async fn profile(&self, name: &str, project: Option<ProjectId>) -> Result<Profile> {
        let row: Option<ProfileRow> = sqlx::query_as(
            "SELECT name, project_id, agent, model, args, env, timeout_secs FROM profiles
             WHERE name = ?1 AND (project_id = '' OR project_id = ?2)
             ORDER BY project_id DESC LIMIT 1",
        )
        .bind(name)
        .bind(scope(project))
        .fetch_optional(&self.pool)
        .await?;
        row.ok_or_else(|| StoreError::not_found("profile", name))?
            .into_profile()
    }

    /// Removes a profile from a scope.
    pub async fn delete_profile(
        &self,
        name: &str,
        project: Option<ProjectId>,
        now: Timestamp,
    ) -> Result<Committed<()>> {
        let mut tx = self.pool.begin().await?;
        let removed = sqlx::query("DELETE FROM profiles WHERE name = ? AND project_id = ?")
            .bind(name)
            .bind(scope(project))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if removed == 0 {
            return Err(StoreError::not_found("profile", name));
        }
        let mut event = NewEvent::new(
            EventKind::ProfileDeleted,
            serde_json::json!({ "name": name }),
        );
        event.project_id = project;
        commit_with(tx, event, now, ()).await
    }
}
