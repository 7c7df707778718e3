-- Saring's service schema (SQLite). Times are milliseconds since the Unix epoch, UTC.
-- Booleans are INTEGER 0/1 and JSON is TEXT, so the same queries run on PostgreSQL.

CREATE TABLE platforms (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    webhook_url     TEXT,
    -- JSON array of "whsec_…" secrets, newest first; all are used to sign while one rotates.
    webhook_secrets TEXT NOT NULL DEFAULT '[]',
    case_threshold  REAL NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE TABLE users (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL UNIQUE,
    tenant     TEXT NOT NULL,
    role       TEXT NOT NULL,
    -- SHA-256 of the bearer token; the token itself is shown once and never stored.
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    disabled   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE accounts (
    platform       TEXT NOT NULL,
    account        TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'active',
    score          REAL NOT NULL DEFAULT 0,
    top_items      TEXT NOT NULL DEFAULT '[]',
    flags          TEXT NOT NULL DEFAULT '[]',
    events         INTEGER NOT NULL DEFAULT 0,
    flagged_events INTEGER NOT NULL DEFAULT 0,
    first_seen     INTEGER NOT NULL,
    last_seen      INTEGER NOT NULL,
    PRIMARY KEY (platform, account)
);

CREATE TABLE events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    platform     TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    account      TEXT NOT NULL,
    kind         TEXT NOT NULL,
    -- NULL once purged; text_sha256 stays as evidence that it existed.
    text         TEXT,
    text_sha256  TEXT NOT NULL,
    ts           INTEGER NOT NULL,
    received_at  INTEGER NOT NULL,
    score        REAL NOT NULL,
    label        TEXT NOT NULL,
    flags        TEXT NOT NULL,
    signals      TEXT NOT NULL,
    contacts     TEXT NOT NULL,
    photo_hashes TEXT NOT NULL,
    location     TEXT,
    purged_at    INTEGER,
    UNIQUE (platform, event_id)
);
CREATE INDEX events_by_account ON events (platform, account, ts);

CREATE TABLE cases (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    platform      TEXT NOT NULL,
    account       TEXT NOT NULL,
    status        TEXT NOT NULL,
    source        TEXT NOT NULL,
    score         REAL NOT NULL,
    minor_risk    INTEGER NOT NULL DEFAULT 0,
    third_party   INTEGER NOT NULL DEFAULT 0,
    -- 0 minor risk, 1 third party, 2 other: the first key of the queue order.
    rank          INTEGER NOT NULL,
    deadline      INTEGER,
    location      TEXT,
    opened_at     INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    claimed_by    INTEGER,
    claim_expires INTEGER,
    closed_at     INTEGER,
    legal_hold    INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX cases_one_open_per_account ON cases (platform, account) WHERE status = 'open';
CREATE INDEX cases_queue ON cases (platform, status, rank, deadline, score);

CREATE TABLE case_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    from_status TEXT,
    to_status   TEXT,
    detail      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX case_events_by_case ON case_events (case_id, id);

CREATE TABLE reports (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    platform    TEXT NOT NULL,
    account     TEXT NOT NULL,
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    source      TEXT NOT NULL,
    reporter    TEXT NOT NULL,
    reason      TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE decisions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    platform   TEXT NOT NULL,
    account    TEXT NOT NULL,
    moderator  INTEGER NOT NULL,
    action     TEXT NOT NULL,
    ground     TEXT NOT NULL,
    note       TEXT NOT NULL,
    recommended TEXT NOT NULL,
    statement  TEXT,
    decided_at INTEGER NOT NULL,
    reversed   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX decisions_by_account ON decisions (platform, account);

CREATE TABLE appeals (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    decision_id INTEGER NOT NULL REFERENCES decisions (id),
    platform    TEXT NOT NULL,
    account     TEXT NOT NULL,
    reason      TEXT NOT NULL,
    status      TEXT NOT NULL,
    filed_at    INTEGER NOT NULL,
    decided_by  INTEGER,
    decided_at  INTEGER,
    note        TEXT
);
CREATE UNIQUE INDEX appeals_one_per_decision ON appeals (decision_id);

CREATE TABLE orders (
    id              TEXT PRIMARY KEY,
    platform        TEXT NOT NULL,
    account         TEXT NOT NULL,
    case_id         INTEGER NOT NULL REFERENCES cases (id),
    decision_id     INTEGER REFERENCES decisions (id),
    appeal_id       INTEGER REFERENCES appeals (id),
    kind            TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    delivered_at    INTEGER
);
CREATE INDEX orders_due ON orders (status, next_attempt_at);
CREATE INDEX orders_by_case ON orders (case_id);

CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    tenant    TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
