-- Web users (operators of the UI and REST API) and their browser sessions.
-- web_users.password_hash: argon2id PHC string (m >= 19 MiB, t >= 2, p = 1).
-- name: 1-64 of [A-Za-z0-9._@-], unique ignoring case.
CREATE TABLE web_users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(name) BETWEEN 1 AND 64),
    password_hash TEXT NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))
);

-- Sessions are keyed by SHA-256 of the 256-bit cookie token; the token itself is never stored.
-- id: a random public handle (hex) used in logs and to close WebSockets of an ended session.
-- expires_at is the absolute limit; the idle limit is last_seen_at plus the configured timeout.
-- user_agent and client_address are for audit only, truncated by the server.
CREATE TABLE web_sessions (
    token_hash BLOB PRIMARY KEY NOT NULL CHECK (length(token_hash) = 32),
    id TEXT NOT NULL UNIQUE CHECK (length(id) = 32),
    user_id INTEGER NOT NULL REFERENCES web_users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    user_agent TEXT,
    client_address TEXT
) WITHOUT ROWID;

CREATE INDEX web_sessions_user ON web_sessions (user_id);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);
