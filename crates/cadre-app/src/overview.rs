//! Read-only summaries behind overview screens (the board's cards, an attempt's
//! header): the newest attempt of each task, token usage, queued follow-ups.

use cadre_core::{Attempt, AttemptId, ProjectRef};
use cadre_store::{PendingFollowup, UsageTotals};

use crate::{App, Result};

impl App {
    /// The newest attempt of each task of `project` that has one.
    pub async fn latest_attempts(&self, project: &ProjectRef) -> Result<Vec<Attempt>> {
        let id = self.project(project).await?.id;
        Ok(self.store.latest_attempts_of_project(id).await?)
    }

    /// Tokens and cost reported over the whole attempt.
    pub async fn usage_totals(&self, attempt: AttemptId) -> Result<UsageTotals> {
        Ok(self.store.usage_totals(attempt).await?)
    }

    /// Follow-ups queued while the agent runs, not sent yet.
    pub async fn pending_followups(&self, attempt: AttemptId) -> Result<Vec<PendingFollowup>> {
        Ok(self.store.pending_followups(attempt).await?)
    }
}
