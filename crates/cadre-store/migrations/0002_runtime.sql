-- The agent runtime: attempts, their execution processes, normalized log entries,
-- queued follow-ups and agent profiles.

CREATE TABLE attempts (
    id             TEXT PRIMARY KEY NOT NULL,
    task_id        TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    project_id     TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    agent          TEXT NOT NULL,
    profile        TEXT,
    prompt         TEXT NOT NULL,
    base_branch    TEXT NOT NULL,
    branch         TEXT,
    worktree_path  TEXT,
    status         TEXT NOT NULL CHECK (status IN
                     ('queued', 'running', 'stopping', 'succeeded', 'failed', 'stopped', 'interrupted')),
    session_id     TEXT,
    head_commit    TEXT,
    summary        TEXT,
    failure_reason TEXT,
    retry_count    INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    started_at     TEXT,
    finished_at    TEXT
);
CREATE INDEX attempts_by_task ON attempts(task_id, created_at);
CREATE INDEX attempts_by_status ON attempts(status);

CREATE TABLE execution_processes (
    id            TEXT PRIMARY KEY NOT NULL,
    attempt_id    TEXT NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('setup', 'agent', 'verify', 'cleanup', 'dev')),
    argv          TEXT NOT NULL,
    cwd           TEXT NOT NULL,
    pid           INTEGER,
    pgid          INTEGER,
    status        TEXT NOT NULL CHECK (status IN ('running', 'exited', 'failed_to_start', 'lost')),
    exit_code     INTEGER,
    signal        INTEGER,
    run_dir       TEXT NOT NULL,
    -- Bytes of each output file already turned into log entries. Updated in the
    -- same transaction as the entries, so after a restart ingestion resumes exactly
    -- where it stopped: every line is ingested once.
    stdout_offset INTEGER NOT NULL DEFAULT 0,
    stderr_offset INTEGER NOT NULL DEFAULT 0,
    started_at    TEXT NOT NULL,
    finished_at   TEXT
);
CREATE INDEX processes_by_attempt ON execution_processes(attempt_id, started_at);
CREATE INDEX processes_by_status ON execution_processes(status);

CREATE TABLE log_entries (
    attempt_id TEXT NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    process_id TEXT REFERENCES execution_processes(id) ON DELETE SET NULL,
    at         TEXT NOT NULL,
    kind       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    PRIMARY KEY (attempt_id, seq)
) WITHOUT ROWID;

CREATE TABLE followups (
    id         INTEGER PRIMARY KEY,
    attempt_id TEXT NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
    text       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    sent_at    TEXT
);
CREATE INDEX followups_pending ON followups(attempt_id, sent_at);

CREATE TABLE profiles (
    name         TEXT NOT NULL,
    -- '' for a global profile, so that (name, scope) can be a real primary key.
    project_id   TEXT NOT NULL DEFAULT '',
    agent        TEXT NOT NULL,
    model        TEXT,
    args         TEXT NOT NULL DEFAULT '[]',
    env          TEXT NOT NULL DEFAULT '[]',
    timeout_secs INTEGER,
    PRIMARY KEY (name, project_id)
);
