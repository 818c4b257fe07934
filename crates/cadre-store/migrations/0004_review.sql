-- Review and access: per-attempt access tokens, review comments on an attempt's
-- diff, and the image attachments of queued follow-ups.

-- One token per attempt, replaced at each launch of its agent. Only the SHA-256 of
-- the token is kept: the agent gets the token itself in its environment.
CREATE TABLE attempt_tokens (
    attempt_id TEXT PRIMARY KEY NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE review_comments (
    id          TEXT PRIMARY KEY NOT NULL,
    attempt_id  TEXT NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
    file        TEXT NOT NULL,
    line        INTEGER NOT NULL CHECK (line >= 1),
    side        TEXT NOT NULL CHECK (side IN ('old', 'new')),
    body        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    resolved_at TEXT
);
CREATE INDEX review_comments_by_attempt ON review_comments(attempt_id, id);

-- Attachment ids (content hashes) of a follow-up queued while its attempt ran.
ALTER TABLE followups ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
