-- The board: projects, goals, tasks, dependencies, task transitions and the event log.
-- Ids are UUIDv7 text; times are RFC 3339 UTC text; lists are JSON arrays.

CREATE TABLE projects (
    id               TEXT PRIMARY KEY NOT NULL,
    name             TEXT NOT NULL,
    key              TEXT NOT NULL UNIQUE,
    repo_path        TEXT NOT NULL,
    base_branch      TEXT NOT NULL,
    setup_script     TEXT,
    cleanup_script   TEXT,
    dev_script       TEXT,
    copy_files       TEXT NOT NULL DEFAULT '[]',
    verify_commands  TEXT NOT NULL DEFAULT '[]',
    default_agent    TEXT,
    -- Task numbers are never reused, even after a task is deleted, so a key like
    -- WEB-12 always means the same card in logs, branches and commit messages.
    next_task_number INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

CREATE TABLE goals (
    id          TEXT PRIMARY KEY NOT NULL,
    project_id  TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK (status IN ('active', 'completed', 'archived')),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX goals_by_project ON goals(project_id);

CREATE TABLE tasks (
    id          TEXT PRIMARY KEY NOT NULL,
    project_id  TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    number      INTEGER NOT NULL,
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK (status IN
                  ('backlog', 'todo', 'in_progress', 'in_review', 'blocked', 'done', 'cancelled')),
    priority    TEXT NOT NULL CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
    position    INTEGER NOT NULL,
    labels      TEXT NOT NULL DEFAULT '[]',
    parent_id   TEXT REFERENCES tasks(id) ON DELETE SET NULL,
    goal_id     TEXT REFERENCES goals(id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (project_id, number)
);
CREATE INDEX tasks_by_column ON tasks(project_id, status, position);
CREATE INDEX tasks_by_goal ON tasks(goal_id);

CREATE TABLE task_dependencies (
    task_id       TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    depends_on_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    PRIMARY KEY (task_id, depends_on_id),
    CHECK (task_id <> depends_on_id)
);
CREATE INDEX task_dependencies_reverse ON task_dependencies(depends_on_id);

-- Every status transition, with who made it and why.
CREATE TABLE task_transitions (
    id          INTEGER PRIMARY KEY,
    task_id     TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    actor       TEXT NOT NULL CHECK (actor IN ('user', 'agent', 'system')),
    reason      TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX task_transitions_by_task ON task_transitions(task_id, id);

-- The event log. AUTOINCREMENT so a seq is never reused, even after the newest
-- rows are deleted: subscribers resume from a seq and must never see one twice.
-- No foreign keys: events outlive the entities they describe.
CREATE TABLE events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL,
    project_id TEXT,
    task_id    TEXT,
    goal_id    TEXT,
    attempt_id TEXT,
    payload    TEXT NOT NULL,
    created_at TEXT NOT NULL
);
