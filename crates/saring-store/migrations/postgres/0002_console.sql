-- The web console: passwords (argon2 PHC strings) and login sessions.

ALTER TABLE users ADD COLUMN password_hash TEXT;

CREATE TABLE sessions (
    -- SHA-256 of the session cookie's value; the value itself is never stored.
    id_hash    TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    csrf       TEXT NOT NULL,
    lang       TEXT NOT NULL DEFAULT 'id',
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
