-- Attempts in git worktrees: project settings for the run around the agent, and
-- what an attempt learns about its branch (diff size, pull request, warnings).

ALTER TABLE projects ADD COLUMN auto_commit INTEGER NOT NULL DEFAULT 1;
ALTER TABLE projects ADD COLUMN allow_setup_failure INTEGER NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN instructions TEXT;

-- A refine attempt continues its parent's session in the parent's worktree and
-- never owns (never removes) that worktree.
ALTER TABLE attempts ADD COLUMN parent_attempt_id TEXT REFERENCES attempts(id) ON DELETE SET NULL;
ALTER TABLE attempts ADD COLUMN owns_worktree INTEGER NOT NULL DEFAULT 1;
ALTER TABLE attempts ADD COLUMN warning TEXT;
ALTER TABLE attempts ADD COLUMN diff_files INTEGER;
ALTER TABLE attempts ADD COLUMN diff_additions INTEGER;
ALTER TABLE attempts ADD COLUMN diff_deletions INTEGER;
-- Restarts after a crash found at start-up; kept apart from retry_count (transient
-- failures) so that each budget is counted on its own.
ALTER TABLE attempts ADD COLUMN crash_retries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE attempts ADD COLUMN pr_url TEXT;
ALTER TABLE attempts ADD COLUMN pr_number INTEGER;
ALTER TABLE attempts ADD COLUMN pr_state TEXT CHECK (pr_state IN ('open', 'merged', 'closed'));
CREATE INDEX attempts_with_open_pr ON attempts(pr_state) WHERE pr_state = 'open';
