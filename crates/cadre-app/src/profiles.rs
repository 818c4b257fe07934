//! Agent profile use cases.

use cadre_core::{Profile, ProjectRef, ValidationError};

use crate::{App, Result, now};

impl App {
    /// Creates or replaces a profile; `project` scopes it to one project.
    pub async fn save_profile(
        &self,
        mut profile: Profile,
        project: Option<&ProjectRef>,
    ) -> Result<Profile> {
        profile
            .agent
            .parse::<cadre_agents::AgentId>()
            .map_err(|e| ValidationError::new("agent", e.to_string()))?;
        profile.project_id = match project {
            Some(p) => Some(self.project(p).await?.id),
            None => None,
        };
        self.write(|store| async move { store.save_profile(profile, now()).await })
            .await
    }

    /// Profiles: all, or those visible from `project` (its own and global ones).
    pub async fn profiles(&self, project: Option<&ProjectRef>) -> Result<Vec<Profile>> {
        let id = match project {
            Some(p) => Some(self.project(p).await?.id),
            None => None,
        };
        Ok(self.store.profiles(id).await?)
    }

    /// Removes a profile from its scope.
    pub async fn delete_profile(&self, name: &str, project: Option<&ProjectRef>) -> Result<()> {
        let id = match project {
            Some(p) => Some(self.project(p).await?.id),
            None => None,
        };
        let name = name.to_owned();
        self.write(|store| async move { store.delete_profile(&name, id, now()).await })
            .await
    }
}
